"""The injection corpus (tests/injection/payloads.txt) through every field into every output.

For each payload a small portal is built in which every operator-written text carries it:
front matter of two stories, a fact check (its claim, where it circulated, its link and its
sources too) and a page, their Markdown bodies (paragraph, heading, link, image alt, list,
quote, table, footnote, raw HTML, code), and every free-text field of site.yaml. Every
output must land inert:

- HTML: nothing live (script, handlers, javascript:/data: URLs, style expressions, frames,
  SVG, forms, meta refresh, comments), the same skeleton of elements and attribute names as
  a portal with harmless text (so not even a <b> got in), the text read back literally
  (a story's title, a fact check's claim and sources);
- JSON-LD: each block ends where kabar ended it, holds no markup and parses (the
  ClaimReview of the fact check too, its claim read back);
- RSS/Atom: well-formed (lxml) and read back literally (feedparser, no bozo);
- sitemaps and the news sitemap: well-formed, no DTD, entities or processing instructions;
- the IndexNow manifest: JSON that parses;
- share cards: drawn (a 1200x630 JPEG), the build does not crash;
- `kabar audit`: its JSON parses and its terminal text holds no escape sequence or bidi
  control;
- `kabar report` in its four formats: HTML with nothing live but its own style and charts
  and the harmless report's skeleton; Markdown with no HTML, every table row with its
  header's cells, and nothing live once rendered (Python-Markdown, raw HTML allowed); CSV
  whose every row has its header's cells and no cell a spreadsheet would run as a formula;
  JSON that parses; in each the story titles read back as typed;
- search records (the Pagefind index under /pagefind/): every fragment, filter, meta and
  word index file decodes (gzip, signature, then JSON or CBOR); a story's record has only
  the theme's metadata and filter names (the body cannot smuggle `data-pagefind-*`), its
  addresses are the generator's own site paths, and its title, picture description,
  region, filters and text read back as typed; the filter files hold exactly those values.
  The search page's script (assets/search.*.js) uses no HTML sink (innerHTML, eval, …):
  it only ever sets text. tests/test_search_browser.py renders such results in Chromium.

Bidi and zero-width characters follow the policy of generator/invisible.py: removed.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shutil
import urllib.parse
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import feedparser
import inert
import lxml.html
import markdown
import pytest
from conftest import BUILD_TIME
from PIL import Image

from generator import audit, invisible, report, urls
from generator.build import BuildOptions, BuildResult, build
from generator.content.markdown import is_local
from generator.diagnostics import BuildFailed, Diagnostics
from generator.model import Site
from generator.report.formats import to_csv, to_json, to_markdown
from generator.report.html import to_html
from generator.writer import write

PAYLOADS = inert.load_payloads()
BASE = "https://uji.example.go.id"

#: Where a payload goes. A slug, id or date is not free text: those are validated
#: (tests/test_content_errors.py, tests/test_config.py), so they are not in the corpus.
STORY_FIELDS = ("title", "summary", "tags", "image_alt", "source.name", "source.url")
FACTCHECK_FIELDS = ("title", "claim", "claim_where", "claim_url", "sources.name",
                    "sources.url")
PAGE_FIELDS = ("title", "summary")
BODY_PLACES = ("paragraph", "heading", "link text", "link target", "image alt", "list item",
               "quote", "table cell", "footnote", "raw HTML block", "code")
SITE_FIELDS = ("title", "tagline", "organisation.name", "organisation.url", "social.facebook",
               "regions.name", "regions.description", "regions.keywords", "categories.name",
               "categories.description", "operators.name")
#: The kinds of output checked, in the order of the table in docs/reliability.md.
REPORTS = ["kabar report HTML", "kabar report Markdown", "kabar report CSV",
           "kabar report JSON"]
OUTPUTS = ["HTML", "JSON-LD", "RSS/Atom", "sitemaps", "JSON files", "share cards",
           "kabar audit report", *REPORTS, "search records (Pagefind)"]
FIELDS = ([f"story {f}" for f in STORY_FIELDS] + [f"fact check {f}" for f in FACTCHECK_FIELDS]
          + [f"page {f}" for f in PAGE_FIELDS] + [f"body {p}" for p in BODY_PLACES]
          + [f"site.yaml {f}" for f in SITE_FIELDS])
#: What a spreadsheet runs as a formula when a cell starts with it (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: The period `kabar report` covers: the stories and the fact check are in it.
REPORT_PERIOD = report.period(date(2026, 11, 1), date(2026, 11, 30))
#: What story.html gives Pagefind (docs/themes.md, "Search"): nothing else may appear.
SEARCH_META = {"title", "date", "date_label", "image", "image_alt", "region", "region_url"}
SEARCH_FILTERS = {"kabupaten", "kecamatan", "desa", "kategori", "tahun", "penulis"}
#: Ways a script turns a string into markup or code; search.js must use none of them.
HTML_SINKS = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
              "Function(", "createContextualFragment", "DOMParser", "srcdoc", "setAttribute",
              "setTimeout(\"", "setTimeout('", "javascript:")


def photo() -> bytes:
    """640x360: big enough for a photo share card and one WebP copy."""
    buffer = io.BytesIO()
    Image.new("RGB", (640, 360), (30, 90, 140)).save(buffer, format="PNG")
    return buffer.getvalue()


PHOTO = photo()


def body(p: str, *, image: bool = False) -> str:
    # A payload that is a URL (javascript:…) is also a link target; any other would be a
    # file name, reported as missing (tests/test_content_errors.py).
    target = f"[tautan ketiga]({p})\n\n" if not is_local(p) else ""
    picture = f"![gambar {p}](foto.png)\n\n" if image else ""
    return (f"Paragraf pembuka {p}\n\n## Bagian {p}\n\n"
            f"[tautan {p}](https://contoh.example/?q={urllib.parse.quote(p)})\n\n"
            f"[tautan kedua](#{p})\n\n{target}{picture}- butir {p}\n- butir dua\n\n"
            f"> kutipan {p}\n\n| kolom | isi |\n|---|---|\n| sel | {p} |\n\n"
            f"Catatan kaki.[^1]\n\n[^1]: catatan {p}\n\n`kode {p}`\n\n{p}\n\nPenutup.\n")


def front(fields: dict[str, Any]) -> str:
    return "".join(f"{key}: {json.dumps(value)}\n" for key, value in fields.items())


def portal_files(text: Callable[[str], str], payload: str) -> dict[str, str | bytes]:
    """The portal; `text(word)` is what each free-text field says ("Judul" + payload)."""
    config = {
        "title": text("Kabar"), "tagline": text("Portal"), "base_url": BASE,
        "timezone": "Asia/Jakarta",
        "organisation": {"name": text("Diskominfo"),
                         "url": "https://diskominfo.example.go.id/?q=" + text("org")},
        "social": {"facebook": "https://facebook.example/kabar?q=" + text("fb")},
        "indexnow": {"key": "kunciuji12345678"},
        "feeds": {"full_content": True},
        "regions": [{"id": "kab-uji", "name": text("Uji"), "description": text("Kabupaten"),
                     "keywords": [text("Uji"), "uji"],
                     "children": [{"id": "kec-satu", "name": text("Satu"),
                                   "description": text("Kecamatan")}]}],
        "categories": [{"id": "kesehatan", "name": text("Kesehatan"),
                        "description": text("Berita")}],
        "operators": [{"id": "rina", "name": text("Rina"), "region": "kec-satu"}],
        "factcheck": {"claimreview": True},
        "per_page": 5,
    }
    common = {"region": "kec-satu", "category": "kesehatan", "author": "rina"}
    first = front({"title": text("Judul"), "slug": "cerita-satu", "date": "2026-11-19 09:30",
                   **common, "tags": [text("Tag"), "aman"], "summary": text("Ringkasan"),
                   "image": "foto.png", "image_alt": text("Foto"),
                   "source": {"name": text("Sumber"),
                              "url": "https://sumber.example/?q=" + text("url")}})
    second = front({"title": text("Kedua"), "slug": "cerita-dua", "date": "2026-11-19 10:30",
                    **common, "tags": ["aman"], "summary": text("Ringkasan")})
    check = front({"title": text("Cek"), "slug": "klaim", "date": "2026-11-19 11:30",
                   **common, "tags": ["aman"], "summary": text("Ringkasan"),
                   "claim": text("Klaim"), "claim_where": text("Beredar"),
                   "claim_date": "2026-11-18",
                   "claim_url": "https://arsip.example/?q=" + text("arsip"),
                   "verdict": "hoaks",
                   "sources": [{"name": text("Rujukan"),
                                "url": "https://rujukan.example/?q=" + text("cek")}]})
    page = front({"title": text("Tentang"), "slug": "tentang", "summary": text("Halaman"),
                  "menu": 1})
    return {
        "site.yaml": json.dumps(config, indent=1),
        "content/stories/2026/satu/index.md": f"---\n{first}---\n\n"
                                               f"{body(payload, image=True)}",
        "content/stories/2026/satu/foto.png": PHOTO,
        "content/stories/2026/dua.md": f"---\n{second}---\n\n{body(payload)}",
        "content/cek-fakta/2026/klaim.md": f"---\n{check}---\n\n{body(payload)}",
        "content/pages/tentang.md": f"---\n{page}---\n\n{body(payload)}",
    }


def make(root: Path, files: dict[str, str | bytes]) -> Path:
    shutil.rmtree(root, ignore_errors=True)
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return root


def run(root: Path) -> BuildResult:
    return build(root, BuildOptions(build_time=BUILD_TIME))


class Tally:
    """Per output kind: files checked and files with a problem; the problems themselves."""

    def __init__(self) -> None:
        self.checked: Counter[str] = Counter()
        self.bad: Counter[str] = Counter()
        self.problems: list[str] = []

    def check(self, kind: str, where: str, problems: list[str], *, file: bool = True) -> None:
        """Problems of one output file (or, with `file=False`, more of a file counted)."""
        self.checked[kind] += file
        self.bad[kind] += bool(problems) and file
        self.problems += [f"{where}: {p}" for p in problems]


def skeleton_without_body(html_skeleton: list[str]) -> list[str]:
    """The skeleton outside <div class="prose">: the body is checked by the audit alone,
    because allowed Markdown (a link, a <b>) legitimately changes its skeleton."""
    out: list[str] = []
    depth = 0
    for item in html_skeleton:
        if depth:
            depth += item.startswith("<div") - (item == "</div>")
            continue
        out.append(item)
        if item == "<div class .prose>":
            depth = 1
    return out


def benign_skeletons(tmp: Path) -> dict[str, list[str]]:
    """The skeleton of every HTML and XML file of the portal with harmless text."""
    result = run(make(tmp / "harmless", portal_files(lambda word: f"{word} Aman", "Aman")))
    skeletons = {}
    for output in result.outputs:
        if output.path.endswith(".html"):
            skeletons[output.path] = skeleton_without_body(inert.audit_html(output.data).skeleton)
        elif output.path.endswith(".xml"):
            skeletons[output.path] = inert.xml_problems(output.data)[1]
    return skeletons


def say(word: str, payload: str) -> str:
    """What a field says: the word, then the payload. A spreadsheet formula leads its
    field instead: only at the start of a cell would a spreadsheet run it."""
    return f"{payload} {word}" if payload.startswith(FORMULA_START) else f"{word} {payload}"


def expected(word: str, payload: str) -> str:
    """What a reader must see: the text as typed, minus the invisible characters."""
    return invisible.remove(say(word, payload))


def same_text(a: str, b: str) -> bool:
    """Equal but for runs of white space (JSON-LD and feeds collapse them)."""
    return a.split() == b.split()


def check_html(files: dict[str, bytes], tally: Tally, harmless: dict[str, list[str]],
               rename: Callable[[str], str], payload: str) -> None:
    for path, data in files.items():
        if not path.endswith(".html"):
            continue
        page = inert.audit_html(data)
        problems = list(page.live)
        if skeleton_without_body(page.skeleton) != harmless.get(rename(path)):
            problems.append("its elements differ from the harmless portal's")
        tally.check("HTML", path, problems)
        html = data.decode()
        if page.json_ld:
            tally.check("JSON-LD", path, inert.json_ld_problems(html, page.json_ld))
    story = lxml.html.fromstring(files["berita/2026/cerita-satu/index.html"])
    title = expected("Judul", payload)
    [h1] = story.xpath("//h1")
    og = {m.get("property"): m.get("content") for m in story.xpath("//meta[@property]")}
    [block] = story.xpath('//script[@type="application/ld+json"]')
    article = json.loads(block.text)["@graph"][0]
    readback = {"h1": h1.text_content(), "og:title": og["og:title"],
                "json-ld headline": article["headline"],
                "img alt": story.xpath("//figure//img")[0].get("alt")}
    wanted = {"h1": title, "og:title": title, "json-ld headline": title,
              "img alt": expected("Foto", payload)}
    tally.check("HTML", "berita/2026/cerita-satu/index.html (text read back)",
                [f"{k} reads {readback[k]!r}, not {wanted[k]!r}" for k in wanted
                 if not same_text(readback[k], wanted[k])], file=False)
    check_factcheck_page(files["cek-fakta/2026/klaim/index.html"], tally, payload)


def check_factcheck_page(data: bytes, tally: Tally, payload: str) -> None:
    """The fact check's own fields read back as typed: on the page and in its ClaimReview."""
    page = lxml.html.fromstring(data)
    [block] = page.xpath('//script[@type="application/ld+json"]')
    [review] = [n for n in json.loads(block.text)["@graph"] if n["@type"] == "ClaimReview"]
    [source] = page.xpath('//section[@class="sources"]//a')
    [claim_link] = page.xpath('//p[@class="claim-link"]/a')
    readback = {"h1": page.xpath("string(//h1)"),
                "claim": page.xpath("string(//section[@class='claim']/blockquote)"),
                "claim_where": page.xpath("string(//dl[@class='claim-facts']/dd[1])"),
                "claimReviewed": review["claimReviewed"],
                "ClaimReview claim description": review["itemReviewed"]["description"],
                "sources name": source.text_content(),
                "sources url": urllib.parse.unquote(source.get("href")),
                "claim_url": urllib.parse.unquote(claim_link.get("href"))}
    wanted = {"h1": f"[HOAKS] {expected('Cek', payload)}",
              "claim": expected("Klaim", payload),
              "claim_where": expected("Beredar", payload),
              "claimReviewed": expected("Klaim", payload),
              "ClaimReview claim description": expected("Beredar", payload),
              "sources name": expected("Rujukan", payload),
              "sources url": "https://rujukan.example/?q=" + expected("cek", payload),
              "claim_url": "https://arsip.example/?q=" + expected("arsip", payload)}
    tally.check("HTML", "cek-fakta/2026/klaim/index.html (text read back)",
                [f"{k} reads {readback[k]!r}, not {wanted[k]!r}" for k in wanted
                 if not same_text(readback[k], wanted[k])], file=False)


def check_xml(files: dict[str, bytes], tally: Tally, harmless: dict[str, list[str]],
              rename: Callable[[str], str], payload: str) -> None:
    for path, data in files.items():
        if not path.endswith(".xml"):
            continue
        problems, skeleton = inert.xml_problems(data)
        if not problems and skeleton != harmless.get(rename(path)):
            problems.append("its elements differ from the harmless portal's")
        is_feed = path.endswith(("feed.xml", "atom.xml"))
        # feedparser is slow: it reads the portal's own two feeds; the others have the same
        # skeleton (checked above) and their entry titles are read back with lxml.
        if is_feed and not problems and "/" in path:
            root = inert.parse_xml(data)
            titles = {t.text for t in root.iter("{*}title")} - {None}
            if not titles & {expected("Judul", payload), expected("Kedua", payload),
                             f"[HOAKS] {expected('Cek', payload)}"}:
                problems.append(f"entry titles read back as {sorted(titles)!r}")
        elif is_feed and not problems:
            feed = feedparser.parse(data)
            if feed.bozo:
                problems.append(f"feedparser: {feed.bozo_exception}")
            for entry in feed.entries:
                if any(same_text(entry.title, expected(word, payload))
                       for word in ("Judul", "Kedua")):
                    continue
                # RSS 2.0 leaves open whether a title is text or HTML: kabar writes escaped
                # text, feedparser (like some readers) takes tag-like text as HTML and runs
                # its sanitiser. Atom says type="text", so there the text must come back.
                live = inert.audit_html(entry.title.encode()).live
                if path.endswith("atom.xml") or live:
                    problems.append(f"entry title read back as {entry.title!r} {live}")
            for entry in feed.entries:
                for content in entry.get("content", []):
                    live = inert.audit_html(content.value.encode()).live
                    problems += [f"entry content: {item}" for item in live]
        tally.check("RSS/Atom" if is_feed else "sitemaps", path, problems)
    news = inert.parse_xml(files["news-sitemap.xml"])
    titles = [t.text or "" for t in news.iter("{*}title")]
    tally.check("sitemaps", "news-sitemap.xml (titles read back)",
                [] if sorted(titles) == sorted([expected("Judul", payload),
                                                expected("Kedua", payload)])
                else [f"news titles read back as {titles!r}"], file=False)


def check_other(files: dict[str, bytes], tally: Tally) -> None:
    for path, data in files.items():
        if path.endswith(".json"):
            problems = []
            try:
                json.loads(data)
            except ValueError as exc:
                problems.append(f"does not parse: {exc}")
            tally.check("JSON files", path, problems)
        elif path.endswith("kartu.jpg"):
            with Image.open(io.BytesIO(data)) as card:
                size, kind = card.size, card.format
            tally.check("share cards", path, [] if (size, kind) == ((1200, 630), "JPEG")
                        else [f"a {kind} of {size}"])


def check_search(files: dict[str, bytes], tally: Tally, payload: str) -> None:
    """The Pagefind records of the two payload stories hold the payload as plain data."""
    kind = "search records (Pagefind)"
    records: dict[str, dict[str, Any]] = {}
    filters: dict[str, list[str]] = {}
    for path, data in files.items():
        if not path.startswith("pagefind/") or not path.endswith(
                (".pf_fragment", ".pf_filter", ".pf_meta", ".pf_index")):
            continue
        problems = []
        try:
            raw = inert.pagefind_file(data)
            if path.endswith(".pf_fragment"):
                record = json.loads(raw)
                records[record["url"]] = record
            else:
                decoded = inert.cbor(raw)
                if path.endswith(".pf_filter"):
                    name, values = decoded  # type: ignore[misc]
                    filters[name] = [value for value, _pages in values]
        except (ValueError, KeyError, TypeError, EOFError, OSError) as exc:
            problems.append(f"does not decode: {exc!r}")
        tally.check(kind, path, problems)
    satu, dua = "/berita/2026/cerita-satu/", "/berita/2026/cerita-dua/"
    problems = [] if sorted(records) == sorted([satu, dua]) else [
        f"records for {sorted(records)}, not the two stories"]
    for url, word in ((satu, "Judul"), (dua, "Kedua")):
        record = records.get(url, {})
        meta, found = record.get("meta", {}), record.get("filters", {})
        if set(meta) - SEARCH_META or set(found) - SEARCH_FILTERS:
            problems.append(f"{url}: metadata {sorted(meta)}, filters {sorted(found)}")
        addresses = {"url": record.get("url"), "image": meta.get("image"),
                     "region_url": meta.get("region_url")}
        wanted_addresses = {"url": url, "image": satu + "foto.png" if url == satu else "",
                            "region_url": "/wilayah/kab-uji/kec-satu/"}
        if addresses != wanted_addresses:
            problems.append(f"{url}: addresses {addresses}, not {wanted_addresses}")
        texts = {"title": meta.get("title", ""), "region": meta.get("region", ""),
                 **{name: " | ".join(found.get(name, [])) for name in
                    ("kabupaten", "kecamatan", "kategori", "penulis")}}
        wanted = {"title": expected(word, payload), "region": "Kecamatan "
                  + expected("Satu", payload), "kabupaten": expected("Uji", payload),
                  "kecamatan": expected("Satu", payload),
                  "kategori": expected("Kesehatan", payload),
                  "penulis": expected("Rina", payload)}
        if url == satu:
            texts["image_alt"] = meta.get("image_alt", "")
            wanted["image_alt"] = expected("Foto", payload)
        problems += [f"{url}: {k} reads {texts[k]!r}, not {wanted[k]!r}" for k in wanted
                     if not same_text(texts[k], wanted[k])]
        if not " ".join(record.get("content", "").split()).startswith(
                " ".join(expected(word, payload).split())):
            problems.append(f"{url}: text starts {record.get('content', '')[:80]!r}")
    filter_values = {name: " | ".join(values) for name, values in filters.items()}
    wanted_values = {"kabupaten": expected("Uji", payload), "kecamatan": expected("Satu", payload),
                     "kategori": expected("Kesehatan", payload),
                     "penulis": expected("Rina", payload), "tahun": "2026"}
    if set(filter_values) != set(wanted_values) or not all(
            same_text(filter_values[k], wanted_values[k]) for k in wanted_values):
        problems.append(f"filter files hold {filter_values!r}")
    [script] = [data for path, data in files.items()
                if path.startswith("assets/search.") and path.endswith(".js")]
    code = re.sub(r"(^|\s)//.*$", "", script.decode(), flags=re.M)  # not its comments
    sinks = [sink for sink in HTML_SINKS if sink in code]
    problems += [f"search.js uses {sink}" for sink in sinks]
    tally.check(kind, "search records read back", problems, file=False)


def check_audit(root: Path, result: BuildResult, tally: Tally) -> None:
    out = root / "output"
    write(result.outputs, out)
    report = audit.audit(root, out, Diagnostics())
    assert report is not None
    problems = []
    try:
        json.loads(audit.to_json(report))
    except ValueError as exc:
        problems.append(f"audit JSON does not parse: {exc}")
    text = audit.to_text(report, "output")
    hidden = invisible.find(text)
    if hidden:
        problems.append(f"audit text holds {[h.code for h in hidden]}")
    tally.check("kabar audit report", "kabar audit", problems)


def report_outputs(site: Site) -> dict[str, bytes]:
    """`kabar report` of the portal, in each format (what `--format` would write)."""
    data = report.weekly(site, REPORT_PERIOD)
    return {"kabar report HTML": to_html(data), "kabar report Markdown": to_markdown(data),
            "kabar report CSV": to_csv(data), "kabar report JSON": to_json(data)}


def report_titles(payload: str) -> list[str]:
    """The report's stories, oldest first: the two stories, then the fact check."""
    return [expected("Judul", payload), expected("Kedua", payload), expected("Cek", payload)]


def md_table_problems(text: str) -> list[str]:
    """Every row of a Markdown table has as many cells as its header: no text ended a cell
    or a row early. An escaped `\\|` is text, not a cell border."""
    problems = []
    cells = 0
    for line in text.splitlines():
        if not line.startswith("|"):
            cells = 0
            continue
        count = len(re.findall(r"(?<!\\)\|", line))
        if cells and count != cells:
            problems.append(f"a table row with {count - 1} cells, not {cells - 1}: {line!r}")
        cells = cells or count
    return problems


def rendered_md(data: bytes) -> bytes:
    """The Markdown as a chat or Git host would show it: raw HTML passes through."""
    body = markdown.markdown(data.decode(), extensions=["tables"], output_format="html")
    return f"<html><head></head><body>{body}</body></html>".encode()


def check_reports(site: Site, tally: Tally, harmless: dict[str, bytes], payload: str) -> None:
    made = report_outputs(site)
    titles = report_titles(payload)
    # HTML: its own <style> and SVG charts are live by design: nothing more than the
    # harmless report's, and the same skeleton.
    page, benign = inert.audit_html(made[REPORTS[0]]), inert.audit_html(harmless[REPORTS[0]])
    problems = [f"{item} (not in the harmless report)" for item in page.live
                if item not in benign.live]
    if page.skeleton != benign.skeleton:
        problems.append("its elements differ from the harmless report's")
    doc = lxml.html.fromstring(made[REPORTS[0]])
    shown = [" ".join(a.text_content().split()).removeprefix("[HOAKS] ")
             for a in doc.xpath('//section[contains(@class, "list")]//td/a')]
    if not all(same_text(a, b) for a, b in zip(shown, titles, strict=False)) \
            or len(shown) != len(titles):
        problems.append(f"story titles read back as {shown!r}")
    tally.check(REPORTS[0], "kabar report --format html", problems)
    # Markdown: no HTML at all, intact tables, inert once rendered.
    text = made[REPORTS[1]].decode()
    problems = md_table_problems(text)
    if "<" in text:
        problems.append("a '<' in the Markdown: raw HTML could pass")
    hidden = invisible.find(text)
    if hidden:
        problems.append(f"holds {[h.code for h in hidden]}")
    page, benign = (inert.audit_html(rendered_md(made[REPORTS[1]])),
                    inert.audit_html(rendered_md(harmless[REPORTS[1]])))
    problems += list(page.live)
    if page.skeleton != benign.skeleton:
        problems.append("rendered, its elements differ from the harmless report's")
    tally.check(REPORTS[1], "kabar report --format md", problems)
    # CSV: every row as wide as its block's header, no formula, titles as typed.
    rows = list(csv.reader(io.StringIO(made[REPORTS[2]].decode("utf-8-sig"), newline=""),
                           delimiter=";"))
    problems = []
    width = 0
    for row in rows:
        if not row:
            width = 0
            continue
        if width and len(row) != width:
            problems.append(f"a row of {len(row)} cells under a header of {width}: {row!r}")
        width = width or len(row)
        problems += [f"a formula cell: {c!r}" for c in row if c.startswith(FORMULA_START)]
    header = rows.index(next(r for r in rows if r[:2] == ["Tanggal", "Judul"]))
    cells = [r[1] for r in rows[header + 1:] if r]
    wanted = ["'" + t if t.startswith(FORMULA_START) else t
              for t in (" ".join(t.split()) for t in titles)]
    if cells != wanted:
        problems.append(f"titles read back as {cells!r}, not {wanted!r}")
    tally.check(REPORTS[2], "kabar report --format csv", problems)
    # JSON: parses, titles as typed.
    problems = []
    try:
        stories = [s["title"] for s in json.loads(made[REPORTS[3]])["stories"]]
        if stories != titles:
            problems.append(f"titles read back as {stories!r}")
    except ValueError as exc:
        problems.append(f"does not parse: {exc}")
    tally.check(REPORTS[3], "kabar report --format json", problems)


def put_through(payloads: list[str], tmp_path: Path) -> Tally:
    """Build the portal once per payload and check every output; the tally of checks."""
    harmless = benign_skeletons(tmp_path)
    harmless_reports = report_outputs(
        run(make(tmp_path / "harmless", portal_files(lambda word: f"{word} Aman", "Aman"))).site)
    tally = Tally()
    failed_builds = []
    for index, payload in enumerate(payloads):
        root = make(tmp_path / f"p{index}", portal_files(lambda word, p=payload: say(word, p),
                                                         payload))
        try:
            result = run(root)
        except BuildFailed as exc:  # a diagnostic is inert too, but the corpus must build
            failed_builds.append(f"{payload!r}: {[d.format() for d in exc.diagnostics]}")
            continue
        files = {o.path: o.data for o in result.outputs}
        tag_slug = urls.slugify(expected("Tag", payload))

        def rename(path: str, slug: str = tag_slug) -> str:
            return path.replace(f"tag/{slug}/", "tag/tag-aman/")

        check_html(files, tally, harmless, rename, payload)
        check_xml(files, tally, harmless, rename, payload)
        check_other(files, tally)
        check_search(files, tally, payload)
        check_audit(root, result, tally)
        check_reports(result.site, tally, harmless_reports, payload)
        shutil.rmtree(root)
    assert failed_builds == []
    assert tally.problems == [], "\n".join(tally.problems)
    return tally


def test_one_payload_of_each_class_lands_inert(tmp_path: Path) -> None:
    """The quick part, in every run: the first payload of each class."""
    firsts = dict(reversed(PAYLOADS))  # kind -> its first payload
    tally = put_through(list(firsts.values()), tmp_path)
    assert sorted(tally.checked) == sorted(OUTPUTS)


@pytest.mark.slow
def test_every_payload_in_every_field_lands_inert_in_every_output(
        tmp_path: Path, reliability: Callable[[str, list[str]], None]) -> None:
    tally = put_through([payload for _, payload in PAYLOADS], tmp_path)
    assert sorted(tally.checked) == sorted(OUTPUTS)
    for kind in OUTPUTS:
        reliability("injection", [kind, str(len(PAYLOADS)), str(len(FIELDS)),
                                  str(tally.checked[kind]),
                                  str(tally.bad[kind])])


def test_the_corpus_covers_every_class_the_issue_names() -> None:
    kinds = Counter(kind for kind, _ in PAYLOADS)
    assert set(kinds) == {
        "Script tags", "Event handlers", "javascript: and data: URLs",
        "</script> inside JSON-LD", "XML: CDATA and entity tricks", "CSS", "SVG with script",
        "Template syntax (Jinja2 must print it, not run it)",
        "Unicode bidi and zero-width tricks",
        "Control characters (terminal escapes in reports, XML-forbidden bytes)",
        "Spreadsheet formulas (CSV injection: the payload leads its field)"}
    assert len(PAYLOADS) >= 30
    texts = "".join(p for _, p in PAYLOADS)
    for needle in ("</script>", "]]>", "&#x3c;", "<!ENTITY", "expression(", "<svg>", "\u202e",
                   "\u200b", "javascript:", "data:", "onerror=", "=HYPERLINK(", "+cmd|",
                   "@SUM("):
        assert needle in texts, needle


def test_the_audit_sees_each_kind_of_live_markup() -> None:
    """The checker is not blind: each kind of live markup is flagged."""
    page = inert.audit_html(
        b'<html><head><meta charset="utf-8"><script type="application/ld+json">{}</script>'
        b'</head><body><script>x</script><a href=" JAVA\tSCRIPT:x">a</a><b onclick="x">b</b>'
        b'<p style="width:expression(1)">p</p><svg></svg><form action="https://e"></form>'
        b'<meta http-equiv="refresh" content="0"><!-- c --><iframe src="data:text/html,x">'
        b"</iframe><base href=//e></body></html>")
    assert page.live == [
        "<script> in body", "<a href=' JAVA\\tSCRIPT:x'>", "<b onclick>", "<p style='width:"
        "expression(1)'>", "<svg> in body", "<form> to another site", "<meta> in body",
        "<meta http-equiv=refresh>", "comment", "<iframe> in body",
        "<iframe src='data:text/html,x'>", "<base> in body"]
    # The search page's own script file and <noscript> pass; the same elements anywhere
    # else (a script in the body or from another host, a <noscript> in a story body, code
    # inside the theme's script element) do not.
    theme = inert.audit_html(
        b'<html><head><script type="module" src="/assets/search.0123456789.js"></script>'
        b'</head><body><noscript><p>x</p></noscript>'
        b'<div class="prose"><p><noscript>y</noscript></p></div><noscript>z</noscript>'
        b'<script src="/assets/x.js"></script></body></html>')
    assert theme.live == ["<noscript> in prose", "<script> in body"]
    foreign = inert.audit_html(
        b'<html><head><script src="https://cdn.example/x.js"></script>'
        b'<script src="/assets/search.js">alert(1)</script></head></html>')
    assert foreign.live == ["<script> in head", "inline code in the theme's <script src>"]
    assert inert.xml_problems(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "v">]>'
                              b"<x><?pi x?><!-- c -->&e;</x>")[0] == [
        "has a DOCTYPE", "processing instruction pi", "comment", "entity e"]
    assert inert.xml_problems(b"<x>]]></x><x>")[0][0].startswith("not well-formed")
    html = '<script type="application/ld+json">{"a": "</script><script>x"}</script>'
    assert inert.json_ld_problems(html, ['{"a": "</script><script>x"}']) == [
        "a JSON-LD block ends early", "JSON-LD does not parse: Unterminated string starting "
        "at: line 1 column 7 (char 6)"]


def test_the_search_check_sees_a_tampered_record(tmp_path: Path) -> None:
    """The search-record check is not blind: a record with a smuggled metadata field, a
    script address or a changed title, an undecodable file and an HTML sink in search.js
    are each reported."""
    payload = "<b>x</b>"
    root = make(tmp_path / "p", portal_files(lambda word: f"{word} {payload}", payload))
    files = {o.path: o.data for o in run(root).outputs}
    clean = Tally()
    check_search(files, clean, payload)
    assert clean.problems == [] and clean.checked["search records (Pagefind)"] >= 8
    [name] = [n for n in files if n.startswith("pagefind/fragment/")
              and b"cerita-satu" in inert.pagefind_file(files[n])]
    record = json.loads(inert.pagefind_file(files[name]))
    record["meta"].update(title="Judul lain", image="javascript:alert(1)", onclick="x")
    tampered = {**files, name: gzip.compress(inert.PAGEFIND_SIGNATURE + json.dumps(
        record).encode()), "pagefind/filter/rusak.pf_filter": b"bukan gzip"}
    [script] = [n for n in files if n.startswith("assets/search.")]
    tampered[script] = files[script] + b"\nlist.innerHTML = data.excerpt;\n"
    tally = Tally()
    check_search(tampered, tally, payload)
    found = "\n".join(tally.problems)
    for needle in ("metadata ['date', 'date_label', 'image', 'image_alt', 'onclick'",
                   "'image': 'javascript:alert(1)'", "title reads 'Judul lain'",
                   "rusak.pf_filter: does not decode", "search.js uses innerHTML"):
        assert needle in found, (needle, found)
