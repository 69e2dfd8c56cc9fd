"""Checks that operator text landed inert: no live markup in HTML, well-formed XML, JSON
that parses, nothing hidden in what a terminal prints. Used by tests/test_injection.py."""

from __future__ import annotations

import gzip
import json
import re
import struct
from html.parser import HTMLParser
from pathlib import Path

from lxml import etree

#: Elements that run code, load code or styles, or change where links go.
FORBIDDEN_TAGS = frozenset({"script", "iframe", "frame", "object", "embed", "applet", "svg",
                            "math", "style", "base", "form", "meta", "link", "noscript",
                            "template"})
#: Where the theme itself may use some of them: head, its own search form, the search
#: page's <noscript> (never inside a story or page body, `.prose`). The theme's own script
#: (search.js on /cari/) is allowed in the head only as a file from /assets/.
THEME_ALLOWED = {
    ("meta", "head"), ("link", "head"), ("form", "body"), ("noscript", "body"),
}
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster",
                            "srcset", "data", "background", "cite", "content"})
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text", "data:application")
_WHITESPACE = re.compile(r"[\x00-\x20]+")

PAYLOADS_FILE = Path(__file__).resolve().parent / "injection" / "payloads.txt"
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def load_payloads(path: Path = PAYLOADS_FILE) -> list[tuple[str, str]]:
    """(class, payload) for every payload line; `\\uXXXX` becomes the character."""
    found = []
    kind = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            kind = line[3:].strip()
        elif line and not line.startswith("#"):
            found.append((kind, _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), line)))
    return found


class HtmlAudit(HTMLParser):
    """Everything live in one HTML document, and its skeleton (tags and attribute names)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.live: list[str] = []
        self.skeleton: list[str] = []
        self.stack: list[str] = []
        self._json_ld = False
        self._script = False  # inside an allowed <script> (data block or the theme's file)
        self._prose = 0  # depth of the open <div class="prose"> (a story or page body), or 0
        self.json_ld: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        # Class names come from the theme, never from operators: part of the skeleton.
        self.skeleton.append(f"<{tag} {' '.join(sorted(names))} .{names.get('class') or ''}>")
        section = "head" if "head" in self.stack else "prose" if self._prose else "body"
        data_block = tag == "script" and names.get("type") == "application/ld+json"
        theme_script = (tag == "script" and section == "head"
                        and (names.get("src") or "").startswith("/assets/"))
        if tag in FORBIDDEN_TAGS and not (data_block or theme_script) \
                and (tag, section) not in THEME_ALLOWED:
            self.live.append(f"<{tag}> in {section}")
        if tag == "meta" and (names.get("http-equiv") or "").lower() == "refresh":
            self.live.append("<meta http-equiv=refresh>")
        if tag == "form" and not (names.get("action") or "").startswith("/"):
            self.live.append("<form> to another site")
        for name, value in attrs:
            text = _WHITESPACE.sub("", (value or "")).lower()
            if name.startswith("on"):
                self.live.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES and text.startswith(DANGEROUS_SCHEMES):
                self.live.append(f"<{tag} {name}={value!r}>")
            if name == "style" and ("expression(" in text or "javascript:" in text):
                self.live.append(f"<{tag} style={value!r}>")
        if data_block or theme_script:
            self._script = True
        if data_block:
            self._json_ld = True
            self.json_ld.append("")
        if tag not in ("meta", "link", "img", "br", "hr", "input", "source", "col", "wbr"):
            self.stack.append(tag)
            if tag == "div" and "prose" in (names.get("class") or "").split() \
                    and not self._prose:
                self._prose = len(self.stack)

    def handle_endtag(self, tag: str) -> None:
        self.skeleton.append(f"</{tag}>")
        self._json_ld = self._script = False
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass
        if len(self.stack) < self._prose:
            self._prose = 0

    def handle_data(self, data: str) -> None:
        if self._json_ld:
            self.json_ld[-1] += data
        elif self._script and data.strip():
            self.live.append("inline code in the theme's <script src>")

    def handle_comment(self, data: str) -> None:
        self.skeleton.append("<!--comment-->")
        self.live.append("comment")  # neither the theme nor the sanitiser leaves any

    def handle_decl(self, decl: str) -> None:
        self.skeleton.append(f"<!{decl.split()[0].upper()}>")

    def handle_pi(self, data: str) -> None:
        self.skeleton.append("<?pi?>")
        self.live.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.skeleton.append("<![decl]>")
        self.live.append(f"declaration {data!r}")


def audit_html(data: bytes) -> HtmlAudit:
    audit = HtmlAudit()
    audit.feed(data.decode("utf-8"))
    audit.close()
    return audit


def json_ld_problems(html: str, blocks: list[str]) -> list[str]:
    """Each JSON-LD block ends where the generator ended it, holds no markup and parses."""
    problems = []
    raw_blocks = [part.split("</script>", 1)[0]
                  for part in html.split('<script type="application/ld+json">')[1:]]
    if raw_blocks != blocks:
        problems.append("a JSON-LD block ends early")
    for raw in raw_blocks:
        if re.search(r"</script|<!--|[<>&\u2028\u2029]", raw, re.IGNORECASE):
            problems.append(f"markup characters in JSON-LD: {raw[:80]!r}")
        try:
            json.loads(raw)
        except ValueError as exc:
            problems.append(f"JSON-LD does not parse: {exc}")
    return problems


#: Parses XML without ever fetching or expanding anything.
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)


def parse_xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, XML_PARSER)


def xml_problems(data: bytes) -> tuple[list[str], list[str]]:
    """(problems, skeleton) of one XML file: it must be well-formed, without a DTD, entity
    declarations, processing instructions (but the XML declaration) or comments."""
    try:
        root = parse_xml(data)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed: {exc}"], []
    problems = []
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        problems.append("has a DOCTYPE")
    skeleton = []
    for node in root.iter():
        if isinstance(node, etree._ProcessingInstruction):
            problems.append(f"processing instruction {node.target}")
        elif isinstance(node, etree._Comment):
            problems.append("comment")
        elif isinstance(node, etree._Entity):
            problems.append(f"entity {node.name}")
        else:
            skeleton.append(f"<{node.tag} {' '.join(sorted(node.attrib))}>")
    return problems, skeleton


# --------------------------------------------------------------------------- search records

#: The bytes every Pagefind index file starts with, once un-gzipped.
PAGEFIND_SIGNATURE = b"pagefind_dcd"


def pagefind_file(data: bytes) -> bytes:
    """The payload of one Pagefind index file (gzip, then the signature): JSON for a
    fragment, CBOR for the filter, meta and word index files."""
    raw = gzip.decompress(data)
    if not raw.startswith(PAGEFIND_SIGNATURE):
        raise ValueError(f"no Pagefind signature: {raw[:12]!r}")
    return raw[len(PAGEFIND_SIGNATURE):]


def cbor(data: bytes) -> object:
    """Decode one CBOR item (RFC 8949), the subset Pagefind writes: integers, byte and text
    strings, arrays, maps, simple values and floats, definite lengths only. Raises
    ValueError on anything else or on trailing bytes."""
    value, end = _cbor_item(data, 0)
    if end != len(data):
        raise ValueError(f"{len(data) - end} bytes after the CBOR item")
    return value


def _cbor_item(data: bytes, at: int) -> tuple[object, int]:
    if at >= len(data):
        raise ValueError("CBOR ends early")
    major, info = data[at] >> 5, data[at] & 0x1F
    at += 1
    if major == 7:
        if info in (20, 21, 22):
            return (False, True, None)[info - 20], at
        widths = {25: (2, ">e"), 26: (4, ">f"), 27: (8, ">d")}
        if info not in widths:
            raise ValueError(f"CBOR simple value {info}")
        size, fmt = widths[info]
        return struct.unpack(fmt, data[at:at + size])[0], at + size
    if info < 24:
        arg = info
    elif info <= 27:
        size = 1 << (info - 24)
        if at + size > len(data):
            raise ValueError("CBOR ends early")
        arg, at = int.from_bytes(data[at:at + size], "big"), at + size
    else:
        raise ValueError(f"CBOR additional information {info} (indefinite length?)")
    if major in (0, 1):
        return (arg if major == 0 else -1 - arg), at
    if major in (2, 3):
        if at + arg > len(data):
            raise ValueError("CBOR string ends early")
        chunk = data[at:at + arg]
        return (chunk if major == 2 else chunk.decode("utf-8")), at + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, at = _cbor_item(data, at)
            items.append(item)
        return items, at
    if major == 5:
        pairs = []
        for _ in range(arg):
            key, at = _cbor_item(data, at)
            item, at = _cbor_item(data, at)
            pairs.append((key, item))
        return pairs, at  # pairs: CBOR keys need not be hashable
    raise ValueError(f"CBOR tag (major type {major})")
