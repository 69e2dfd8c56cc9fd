"""Lighthouse (mobile) scores of representative pages of the built example portal."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from externals import failing_audits, run_lighthouse, serve_directory

# Category id -> minimum score (0..100). Performance is measured with simulated mobile
# throttling, which is a model rather than a stopwatch, hence the small allowance.
REQUIRED_SCORES: dict[str, float] = {
    "performance": 95,
    "accessibility": 100,
    "best-practices": 100,
    "seo": 100,
}

STORY_HREF = re.compile(r"/berita/[^?#]+")
KECAMATAN_HREF = re.compile(r"/wilayah/[^/?#]+/[^/?#]+/")


class _HrefCollector(HTMLParser):
    """Collect the ``href`` of every ``<a>`` element, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Record the element's href if it is a link."""
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _first_link(page: Path, pattern: re.Pattern[str], what: str) -> str:
    """Return the first ``<a href>`` in ``page`` that fully matches ``pattern``."""
    if not page.is_file():
        pytest.fail(f"cannot find a {what}: {page} does not exist", pytrace=False)
    collector = _HrefCollector()
    collector.feed(page.read_text(encoding="utf-8"))
    collector.close()
    for href in collector.hrefs:
        # Full match: "/berita/" itself is the story index, not a story.
        if pattern.fullmatch(href) and href != "/berita/":
            return href
    pytest.fail(f"no link to a {what} ({pattern.pattern}) in {page}", pytrace=False)


def _home(root: Path) -> str:
    """Return the path of the home page."""
    return "/"


def _story(root: Path) -> str:
    """Return the path of the first story linked from the home page."""
    return _first_link(root / "index.html", STORY_HREF, "story page")


def _kecamatan(root: Path) -> str:
    """Return the path of the first kecamatan hub linked from the wilayah index."""
    return _first_link(root / "wilayah" / "index.html", KECAMATAN_HREF, "kecamatan hub")


def _search(root: Path) -> str:
    """Return the search page with a query, which runs on load (Pagefind, results, images)."""
    return "/cari/?q=Seranau"


PAGES: dict[str, Callable[[Path], str]] = {
    "home": _home,
    "story": _story,
    "kecamatan": _kecamatan,
    "search": _search,
}


@pytest.fixture(scope="module")
def site_url(example_output: Path) -> Iterator[str]:
    """Serve the example output for all Lighthouse runs of this module."""
    with serve_directory(example_output) as base:
        yield base


@pytest.mark.slow
@pytest.mark.parametrize("page", list(PAGES))
def test_lighthouse_scores(page: str, example_output: Path, site_url: str, tmp_path: Path) -> None:
    """The page meets every Lighthouse category threshold in REQUIRED_SCORES."""
    path = PAGES[page](example_output)
    report = tmp_path / f"lighthouse-{page}.json"
    scores = run_lighthouse(site_url + path, report)
    below = {cat: score for cat, score in scores.items() if score < REQUIRED_SCORES.get(cat, 0)}
    if below:
        audits = "\n".join(f"  {line}" for line in failing_audits(report))
        pytest.fail(
            f"Lighthouse on {path} ({page}): {scores}\n"
            f"below threshold: {below} (required {REQUIRED_SCORES})\n"
            f"failing audits:\n{audits}\nfull report: {report}",
            pytrace=False,
        )
