"""Representative pages of a built portal (home, a story, a kecamatan hub, a story's English
version, the search page with a query), found by links.

Shared by the browser-facing tests (Lighthouse, Chromium console/CSP, nginx) so that they
all look at the same pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

STORY_HREF = re.compile(r"/berita/[^?#]+")
KECAMATAN_HREF = re.compile(r"/wilayah/[^/?#]+/[^/?#]+/")
TRANSLATION_HREF = re.compile(r"/en/berita/[^?#]+")


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


def _translation(root: Path) -> str:
    """Return the path of the first English version linked from an Indonesian story page."""
    for page in sorted((root / "berita").glob("*/*/index.html")):
        if 'hreflang="en"' in page.read_text(encoding="utf-8"):
            return _first_link(page, TRANSLATION_HREF, "story translation")
    pytest.fail(f"no story under {root / 'berita'} links an English version", pytrace=False)


def _search(root: Path) -> str:
    """Return the search page with a query: it runs on load (Pagefind's wasm in its worker,
    the index, result cards with pictures). "Seranau" is a kecamatan of the example."""
    if not (root / "pagefind" / "pagefind.js").is_file():
        pytest.fail(f"no search index in {root}: pagefind/pagefind.js is missing", pytrace=False)
    return "/cari/?q=Seranau"


PAGES: dict[str, Callable[[Path], str]] = {
    "home": _home,
    "story": _story,
    "kecamatan": _kecamatan,
    "translation": _translation,
    "search": _search,
}
