"""`kabar build` keeps rendered bodies in a temporary file, not in its Story records.

The HTML of the bodies is most of what a big build holds (generator/spill.py). These
tests hold that the handles give back exactly the HTML, that pages and feeds made from
them are the same as from bodies kept in memory (kabar serve's way), that the page cache
keys a body by its digest, and that the file goes away with the build.
"""

from __future__ import annotations

import errno
import gc
import os
import pickle
import tempfile
from pathlib import Path

import feedparser
import jinja2
import pytest
from conftest import BUILD_TIME, MINIMAL_SITE_YAML, SiteMaker, build_site, outputs, story_text

from generator import urls
from generator.build import BuildOptions, load_site
from generator.content import Memo
from generator.diagnostics import Diagnostics, format_report
from generator.spill import Spill, SpilledHtml

BODY = ("Warga Desa Sriharjo memanen padi **organik** — hasilnya Rp 1.500.000 per ton, "
        "kata Bu Siti: “kopi dan café desa ramai” 🌾.\n\n## Pasar Pagi\n\nDibuka 05.30 WIB.\n")


@pytest.fixture
def portal(make_site: SiteMaker) -> Path:
    return make_site({
        "site.yaml": MINIMAL_SITE_YAML + "feeds:\n  full_content: true\n",
        "content/stories/2024/panen.md": story_text("Panen Raya", body=BODY),
        "content/stories/2024/pasar.md": story_text(
            "Pasar Pagi", date="2024-03-13 08:00",
            body="Lihat [panen](panen.md).\n\n<script>alert(1)</script>\n"),
    })


def test_a_build_keeps_bodies_on_disk_with_the_same_html_as_in_memory(portal: Path) -> None:
    built = build_site(portal).site
    # kabar serve's way: with a memo, bodies stay in memory as text
    kept = load_site(portal, BuildOptions(build_time=BUILD_TIME), Diagnostics(), memo=Memo())
    assert len(built.stories) == len(kept.stories) == 2
    for spilled, plain in zip(built.stories, kept.stories, strict=True):
        assert isinstance(spilled.body.html, SpilledHtml)
        assert isinstance(plain.body.html, str)
        assert str(spilled.body.html) == plain.body.html
    panen = next(s for s in built.stories if s.meta.title == "Panen Raya")
    html = str(panen.body.html)
    assert "Rp 1.500.000" in html and "“kopi dan café desa ramai” 🌾" in html
    assert '<h2 id="pasar-pagi">Pasar Pagi</h2>' in html
    assert "<strong>organik</strong>" in html


def test_pages_and_feeds_print_the_spilled_body_once_and_unescaped(portal: Path) -> None:
    result = build_site(portal)
    files = outputs(result)
    panen = next(s for s in result.site.stories if s.meta.title == "Panen Raya")
    page = files[urls.output_path(panen.url)].decode("utf-8")
    body = str(panen.body.html)
    assert page.count(body) == 1  # printed as HTML (|safe reads the handle), not escaped
    assert "&lt;strong&gt;organik" not in page
    pasar = next(s for s in result.site.stories if s.meta.title == "Pasar Pagi")
    pasar_page = files[urls.output_path(pasar.url)].decode("utf-8")
    assert f'<a href="{panen.url}">panen</a>' in pasar_page  # the link resolved in the body
    assert "<script>alert(1)</script>" not in pasar_page  # sanitised before it was spilled
    feed = feedparser.parse(files["feed.xml"])
    entry = next(e for e in feed.entries if e.title == "Panen Raya")
    assert "“kopi dan café desa ramai” 🌾" in entry.content[0].value
    assert "<strong>organik</strong>" in entry.content[0].value


def test_a_markdown_problem_in_a_non_ascii_body_names_its_line(make_site: SiteMaker) -> None:
    root = make_site({"content/stories/2024/x.md": story_text(
        "Kopi", body="Kafé “Kopi Sriharjo” 🌾 buka.\n\nLihat [foto](tidak-ada.jpg) ya.\n")})
    with pytest.raises(Exception) as caught:
        build_site(root)
    report = format_report(caught.value.diagnostics)  # type: ignore[attr-defined]
    # front matter: 8 lines + '---' + blank line; the link is the body's third line
    assert "content/stories/2024/x.md:13" in report
    assert "Lihat [foto](tidak-ada.jpg) ya." in report


def test_handles_compare_by_their_bytes_and_do_not_leave_the_process() -> None:
    one, other = Spill(), Spill()
    a, b, c = one.keep("<p>Desa “Maju” 🌾</p>"), other.keep("<p>Desa “Maju” 🌾</p>"), \
        one.keep("<p>Desa Maju</p>")
    assert a == b and hash(a) == hash(b) and a != c
    # A body from the Markdown cache comes as its UTF-8 bytes: the same handle
    assert one.keep_bytes("<p>Desa “Maju” 🌾</p>".encode()) == a
    assert str(a) == str(b) == "<p>Desa “Maju” 🌾</p>" and str(c) == "<p>Desa Maju</p>"
    # In a template a handle prints as its text would: as HTML with |safe, escaped without
    template = jinja2.Environment(autoescape=True).from_string("{{ x|safe }}|{{ x }}")
    assert template.render(x=a) == template.render(x=str(a)) == \
        "<p>Desa “Maju” 🌾</p>|&lt;p&gt;Desa “Maju” 🌾&lt;/p&gt;"
    with pytest.raises(TypeError):
        pickle.dumps(a)


def test_the_spill_file_goes_away_with_the_build(portal: Path) -> None:
    def open_files() -> int:
        return sum(1 for _ in Path("/proc/self/fd").iterdir())

    build_site(portal)  # modules, caches and the like opened once
    gc.collect()
    before = open_files()
    result = build_site(portal)
    assert open_files() == before + 1  # the build's spill file, while its stories live
    del result
    gc.collect()
    assert open_files() == before


def test_no_writable_temporary_folder_costs_memory_not_the_build(
        portal: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = outputs(build_site(portal))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tidak-ada"))  # no such folder
    result = build_site(portal)
    assert all(isinstance(s.body.html, str) for s in result.site.stories)
    assert outputs(result) == expected


def test_a_full_disk_while_spilling_keeps_the_rest_in_memory(
        portal: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = outputs(build_site(portal))
    real = os.pwrite
    calls = []

    def full_after_one(fd: int, data: bytes, offset: int) -> int:
        calls.append(offset)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", full_after_one)
    result = build_site(portal)
    kinds = sorted(type(s.body.html).__name__ for s in result.site.stories)
    assert kinds == ["SpilledHtml", "str"]  # the first went to disk, the second could not
    assert outputs(result) == expected
