"""Markdown text → RenderedBody: Python-Markdown, one converter per thread, reset per document.

The one module that imports Python-Markdown. Links and images are handed to a `resolve`
callback (a `.md` link becomes the story's URL, a file becomes a published asset), and
the result is sanitised last. Problems come back as data; nothing is raised or logged.
"""

from __future__ import annotations

import html as html_lib
import re
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import markdown
from markdown.extensions import Extension
from markdown.extensions.toc import TocExtension, TocTreeprocessor
from markdown.inlinepatterns import InlineProcessor as InlinePattern
from markdown.treeprocessors import InlineProcessor, Treeprocessor
from markdown.util import AtomicString

from generator import invisible
from generator.content.sanitize import ENGINE as SANITISER
from generator.content.sanitize import sanitise
from generator.model import Asset, RenderedBody, TocEntry
from generator.urls import slugify

#: What renders a body besides this code, for the cache key (content/bodies.py).
ENGINE = f"markdown {markdown.__version__}, {SANITISER}"
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Resolved:
    """What a local link target turned into."""

    url: str
    asset: Asset | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True, slots=True)
class Unresolved:
    """Why a local link target could not be resolved, and what to do about it."""

    message: str
    hint: str = ("periksa nama berkas dan foldernya; tautan dihitung dari letak berkas cerita "
                 "ini")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in the body, located by its line within the body (1-based)."""

    line: int
    message: str
    hint: str
    severity: str = "error"


#: Given a relative link target (no fragment), return what it becomes, or why it cannot.
Resolver = Callable[[str], "Resolved | Unresolved"]


def is_local(target: str) -> bool:
    """True for links to files of the portal (relative paths), not URLs, anchors or mail."""
    return bool(target) and not (target.startswith(("#", "/", "//")) or _SCHEME.match(target))


def render(text: str, resolve: Resolver) -> tuple[RenderedBody, tuple[Problem, ...]]:
    """Render one document."""
    collector = _Collector(text, resolve)
    md = _converter(collector)
    # Entities (&#x202E;) become characters in the sanitiser's output: strip them there too.
    html = invisible.remove(sanitise(md.convert(text)))
    toc = tuple(_flatten_toc(getattr(md, "toc_tokens", [])))
    text, first = _text(html)
    body = RenderedBody(html=html, toc=toc, word_count=len(_WORD.findall(text)),
                        first_paragraph=first,
                        assets=tuple(sorted(set(collector.assets), key=lambda a: a.url)))
    return body, tuple(collector.problems)


_local = threading.local()


def _converter(collector: _Collector) -> markdown.Markdown:
    """This thread's converter, reset for a new document that reports to `collector`.

    Setting one up (extensions, processors, patterns) cost about a tenth of rendering a
    story, so one is kept per thread. `reset()` is Python-Markdown's way of starting a new
    document on the same instance: it clears the stash, the references, the footnotes and
    the table of contents (every extension used here that keeps state registers for it).
    """
    md: markdown.Markdown | None = getattr(_local, "md", None)
    if md is None:
        md = _local.md = _new_converter()
    md.reset()
    links = md.treeprocessors["kabar-links"]
    assert isinstance(links, _LinkTreeprocessor)
    links.collector = collector
    toc = md.treeprocessors["toc"]
    assert isinstance(toc, _Toc)
    toc.source = collector.text
    return md


def _new_converter() -> markdown.Markdown:
    md = markdown.Markdown(
        extensions=["tables", "footnotes", "fenced_code", "sane_lists",
                    _TocExtension(slugify=lambda value, sep: slugify(value) or "bagian",
                                  toc_depth="2-4"),
                    _LinkExtension()],
        extension_configs={"footnotes": {"BACKLINK_TITLE": "Kembali ke catatan %d"}},
        output_format="html",
    )
    md.treeprocessors.register(_TriggeredInline(md), "inline", 20)  # the stock one's place
    return md


def _flatten_toc(tokens: list[dict[str, object]]) -> list[TocEntry]:
    out: list[TocEntry] = []
    for token in tokens:
        # The toc extension gives the name as HTML text ("A &amp; B"); templates escape it.
        name = invisible.remove(html_lib.unescape(str(token["name"])))
        out.append(TocEntry(level=int(str(token["level"])), id=str(token["id"]), name=name))
        children = token.get("children")
        if isinstance(children, list):
            out.extend(_flatten_toc(children))
    return out


class _Collector:
    """Per-document state shared with the tree processor."""

    def __init__(self, text: str, resolve: Resolver) -> None:
        self.text = text
        self.resolve = resolve
        self.assets: list[Asset] = []
        self.problems: list[Problem] = []

    def line_of(self, needle: str) -> int:
        """Line of the first occurrence of `needle` in the body (Markdown keeps no lines)."""
        index = self.text.find(needle)
        return self.text.count("\n", 0, index) + 1 if index >= 0 else 1

    def visit(self, root: ET.Element) -> None:
        for element in root.iter():
            if element.tag == "h1":  # the story title is the page's only h1
                element.tag = "h2"
            elif element.tag == "a":
                self._link(element, "href")
            elif element.tag == "img":
                self._image(element)

    def _target(self, element: ET.Element, attribute: str) -> Resolved | None:
        raw = element.get(attribute, "")
        path, sep, fragment = raw.partition("#")
        if not is_local(path):
            return None
        result = self.resolve(path)
        if isinstance(result, Unresolved):
            self.problems.append(Problem(self.line_of(raw), result.message, result.hint))
            return None
        if result.asset is not None:
            self.assets.append(result.asset)
        element.set(attribute, result.url + (sep + fragment if sep else ""))
        return result

    def _link(self, element: ET.Element, attribute: str) -> None:
        self._target(element, attribute)

    def _image(self, element: ET.Element) -> None:
        written = element.get("src", "")  # as in the text, before it is resolved
        resolved = self._target(element, "src")
        if resolved is not None and resolved.width and resolved.height:
            element.set("width", str(resolved.width))
            element.set("height", str(resolved.height))
        element.set("loading", "lazy")
        element.set("decoding", "async")
        if not element.get("alt", "").strip():
            self.problems.append(Problem(
                self.line_of(f"]({written}") if f"]({written}" in self.text
                else self.line_of(written),
                "gambar tanpa teks alternatif (alt)",
                "tulis keterangan gambar di antara kurung siku: ![Warga menanam padi](foto.jpg)",
                "warning"))


def _text(html: str) -> tuple[str, str]:
    """The text of the final HTML (for counting words) and of its first paragraph.

    Read from the sanitised output, not from Markdown's tree, where inline HTML and
    entities are still placeholders ("\\x02wzxhzdk:1\\x03") that must not reach a
    description. Tags are cut out by `_TAG` alone because this is nh3's output
    (html5ever's serialiser): `<`, `>` and `&` are escaped in text and in attribute
    values, which are in double quotes (`_TAG` skips a quoted `>` all the same), and
    comments are gone. It gives what html.parser gave on every body of the 10k benchmark
    corpus, the example portal and the tests, in a third of the time (html.parser was a
    tenth of rendering a body). Words: each run of text apart, as the parser handed
    them; the first paragraph: its runs joined.
    """
    text = html_lib.unescape(_TAG.sub(" ", html))
    start = _PARAGRAPH.search(html)
    if start is None:
        return text, ""
    end = html.find("</p>", start.start())
    first = _TAG.sub("", html[start.start():end if end >= 0 else len(html)])
    return text, " ".join(html_lib.unescape(first).split())


_TAG = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')
_PARAGRAPH = re.compile(r"<p[\s>/]")


class _LinkTreeprocessor(Treeprocessor):
    collector: _Collector  # the document being converted (set by `_converter`)

    def run(self, root: ET.Element) -> None:
        self.collector.visit(root)


class _LinkExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Priority 6: after the inline patterns (20) built the <a>/<img> elements, before
        # the toc processor (5) reads the headings.
        md.treeprocessors.register(_LinkTreeprocessor(md), "kabar-links", 6)


_MARKER = "[TOC]"  # the toc extension's default marker, which kabar keeps


class _Toc(TocTreeprocessor):
    """Python-Markdown's table of contents, without the `<div>` no body asks for.

    kabar reads the ids this gives the headings and `toc_tokens`. For every body the stock
    processor also builds, prettifies and serialises a `<div class="toc">`, and walks the
    whole tree for a paragraph reading `[TOC]` to put it in: about two fifths of its
    time. Such a paragraph needs those five characters in the source (an escaped bracket
    or an entity is still a placeholder when this runs), so a body without them has no
    marker: the walk is skipped and the div left empty (`md.toc`, which kabar does not
    read). A body with them gets the stock processor, whole.
    """

    source = ""  # the document's Markdown (set by `_converter`)

    def run(self, doc: ET.Element) -> None:
        self.marker = _MARKER if _MARKER in self.source else ""
        super().run(doc)

    def build_toc_div(self, toc_list: list[Any]) -> ET.Element:  # typeshed: a private TypedDict
        return super().build_toc_div(toc_list) if self.marker else ET.Element("div")


class _TocExtension(TocExtension):
    TreeProcessorClass = _Toc


#: What a text must contain for a pattern to match in it, for the regexes read and checked
#: by hand (Python-Markdown 3.11): each needs one of these strings in its match or,
#: for the backtick's run of backslashes, in its lookahead. A pattern is looked up by its
#: regex's exact source, so a regex changed by a later Python-Markdown finds no entry
#: and is searched for every time, as before (tests/test_markdown.py lists them).
_TRIGGERS: dict[str, tuple[str, ...]] = {
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)": ("`",),  # backtick
    r"\\(.)": ("\\",),  # escape
    r"\[\^([^\]]*)\]": ("[^",),  # footnote reference
    r"(?<!\!)\[": ("[",),  # reference, link, short_reference
    r"\!\[": ("![",),  # image_link, image_reference, short_image_ref
    r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>": ("<",),  # autolink
    r"<([^<> !]+@[^@<> ]+)>": ("<",),  # automail
    r"  \n": ("  \n",),  # linebreak
    # raw HTML: the whole regex is one group that starts with "<"
    (r'''(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:'''
     r'''"[^"]*+"|'[^']*+'|[^\s"'=<>]++))?+)*+\s*+/?|!--(?:(?!<!--|-->).)*'''
     r'''--|[?](?:(?!<[?]|[?]>).)*[?]|!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)'''): ("<",),
    r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)": ("&",),  # entity
    r"\*|_": ("*", "_"),  # em_strong
}


def _triggers(pattern: object) -> tuple[str, ...] | None:
    if not isinstance(pattern, InlinePattern):
        return None
    return _TRIGGERS.get(pattern.getCompiledRegExp().pattern)


class _TriggeredInline(InlineProcessor):
    """Python-Markdown's inline processor, trying only the patterns a text can match.

    The stock processor calls every inline pattern (15 here) on every run of text, each
    through a Python method that sets up a regex iterator, and most texts contain nothing
    any of them looks for: that was 40 % of rendering a body. Here a pattern is tried only
    when the text holds one of its trigger strings (goldmark's trigger bytes, which Hugo
    renders with) and its regex finds something from where the search stands; otherwise
    the stock method would have returned "no match" and this moves to the next pattern
    the same way. Everything else is the stock code, so the output is the same
    (tests/test_markdown.py compares both on every body it has).
    """

    def run(self, tree: ET.Element, ancestors: list[str] | None = None) -> ET.Element:
        # A pattern with no reviewed triggers has the empty string: found in every text.
        self._plan = [(pattern, _triggers(pattern) or ("",),
                       pattern.getCompiledRegExp().search
                       if isinstance(pattern, InlinePattern) else None)
                      for pattern in self.inlinePatterns]
        return super().run(tree, ancestors)

    # The stock loop, by its (name-mangled) name; the patterns are applied by the stock
    # method, which calls this one again for the text inside what they made.
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, AtomicString):
            return data
        plan = self._plan
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        start = 0
        while patternIndex < len(plan):
            pattern, triggers, search = plan[patternIndex]
            if search is not None:
                found = False
                for trigger in triggers:  # a loop, not any(): this runs 500 times a story
                    if trigger in data:
                        found = True
                        break
                if not found or search(data, start) is None:
                    patternIndex += 1
                    start = 0  # as the stock method answers "no match"
                    continue
            data, matched, start = apply(pattern, data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data
