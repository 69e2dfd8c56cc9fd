"""Progress output: a bar on a terminal for long stages, one plain line per stage in CI."""

from __future__ import annotations

import io

from generator.progress import Progress


def test_plain_mode_prints_one_line_per_finished_stage() -> None:
    stream = io.StringIO()
    progress = Progress(stream, interactive=False)
    for done in range(1, 501):
        progress("halaman", done, 500)
    progress("cerita", 36, 36)
    assert stream.getvalue() == "halaman: 500\ncerita: 36\n"


def test_terminal_mode_draws_a_bar_that_ends_at_100_percent() -> None:
    stream = io.StringIO()
    progress = Progress(stream, interactive=True)
    for done in range(1, 1001):
        progress("halaman", done, 1000)
    text = stream.getvalue()
    assert text.count("\r") == 101  # 0% to 100%: redrawn once per percent, not per page
    assert text.endswith("\r[########################] 100% halaman 1000/1000\n")
    assert "[############............]  50% halaman 500/1000" in text


def test_terminal_mode_skips_the_bar_for_short_stages() -> None:
    stream = io.StringIO()
    Progress(stream, interactive=True)("cerita", 36, 36)
    assert stream.getvalue() == "cerita: 36\n"
