"""Built HTML files → what `kabar audit` needs from each: title, description, h1, links.

The standard library's html.parser reads the files as a browser would see their tags;
line and column of every link and image are kept so findings point at the place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from generator import urls

__all__ = ["PageFacts", "read_pages"]

_PAGINATED = re.compile(r"(?:^|/)page/\d+/index\.html$")
_SPACE = re.compile(r"\s+")
#: Attributes that point at another file, by tag.
_REF_ATTRS = {"a": ("href",), "area": ("href",), "link": ("href",), "img": ("src", "srcset"),
              "source": ("src", "srcset"), "script": ("src",), "iframe": ("src",),
              "video": ("src", "poster"), "audio": ("src",), "track": ("src",),
              "embed": ("src",), "form": ("action",)}


@dataclass(slots=True)
class PageFacts:
    """What the parser saw in one HTML file."""

    path: str
    url: str
    size: int
    title: str = ""
    description: str | None = None
    noindex: bool = False
    h1: list[str] = field(default_factory=list)
    refs: list[tuple[str, str, int, int]] = field(default_factory=list)  # tag, value, line, col
    no_alt: list[tuple[str, int, int]] = field(default_factory=list)  # src, line, col

    @property
    def paginated(self) -> bool:
        return bool(_PAGINATED.search(self.path))


class _Parser(HTMLParser):
    def __init__(self, page: PageFacts) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.text: list[str] | None = None  # collecting the title or an h1
        self.collecting = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        line, column = self.getpos()
        if tag in ("title", "h1") and self.text is None and not (tag == "title" and
                                                                 self.page.title):
            self.text, self.collecting = [], tag
        elif tag == "meta":
            name = values.get("name", "").lower()
            if name == "description" and self.page.description is None:
                self.page.description = _clean(values.get("content", ""))
            elif name == "robots" and "noindex" in values.get("content", "").lower():
                self.page.noindex = True
        if tag == "img" and "alt" not in values:
            self.page.no_alt.append((values.get("src", ""), line, column + 1))
        for attr in _REF_ATTRS.get(tag, ()):
            if attr in values:
                candidates = ([c.split()[0] for c in values[attr].split(",") if c.split()]
                              if attr == "srcset" else [values[attr]])
                self.page.refs += [(tag, c, line, column + 1) for c in candidates]

    def handle_data(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self.text is not None and tag == self.collecting:
            text = _clean("".join(self.text))
            if tag == "title":
                self.page.title = text
            else:
                self.page.h1.append(text)
            self.text, self.collecting = None, ""


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def read_pages(output: Path) -> list[PageFacts]:
    """Every HTML file under `output`, parsed."""
    pages = []
    for file in sorted(output.rglob("*.html")):
        if not file.is_file():
            continue
        rel = file.relative_to(output).as_posix()
        data = file.read_bytes()
        page = PageFacts(path=rel, url=urls.page_url(rel), size=len(data))
        parser = _Parser(page)
        parser.feed(data.decode("utf-8", errors="replace"))
        parser.close()
        pages.append(page)
    return pages
