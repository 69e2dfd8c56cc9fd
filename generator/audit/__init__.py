"""`kabar audit`: read a built output/ and report what hurts its reach in search engines.

Reads every HTML file with the standard library's html.parser, never the sources, so it
checks what visitors and crawlers really get. Errors (broken internal links, duplicate
titles, images without alt) are mistakes to fix; warnings (lengths, orphans, heavy
pages, unused keywords) are advice. The advice stays within Google's spam policies: reach
comes from distinct, real stories about each place, never from templated doorway pages or
keywords stuffed into titles.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import SplitResult, unquote, urljoin, urlsplit

from generator import urls
from generator.audit.pages import PageFacts, read_pages
from generator.config import load_config
from generator.config.schema import RegionConfig
from generator.diagnostics import Diagnostic, Diagnostics, Severity, format_report

#: Lengths search engines show in full without looking like stuffing (characters).
TITLE_RANGE = (10, 70)
DESCRIPTION_RANGE = (50, 160)
#: A page heavier than this (HTML alone) is slow on a phone over a weak signal.
HEAVY_KB = 150


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One problem on one page (path relative to output/)."""

    check: str  # broken_link, duplicate_title, missing_alt, orphan, heavy_page, …
    severity: Severity
    path: str
    line: int
    column: int
    message: str
    hint: str


@dataclass(frozen=True, slots=True, kw_only=True)
class KeywordReach:
    """How far one region keyword of site.yaml reaches across the indexable pages."""

    region: str
    keyword: str
    pages: int  # indexable pages carrying it anywhere below
    in_title: int
    in_h1: int
    in_url: int
    in_description: int
    hub: str  # the region's own hub page
    hub_has_keyword: bool  # in the hub's title or h1
    hub_inbound: int  # other pages linking to the hub


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditReport:
    """Everything an audit found, ready for the terminal table or JSON."""

    output: str
    pages: int
    indexable: int
    findings: tuple[Finding, ...]
    keywords: tuple[KeywordReach, ...]

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)


def audit(root: Path, output: Path, diags: Diagnostics, *,
          max_kb: int = HEAVY_KB) -> AuditReport | None:
    """Audit the built site in `output` against `root/site.yaml`; None when unreadable."""
    config = load_config(root, diags)
    if config is None:
        return None
    if not output.is_dir() or not (output / "index.html").is_file():
        diags.error(output.as_posix(), 0, "folder hasil build tidak ada atau belum berisi "
                    "index.html", hint="jalankan kabar build dulu (atau beri --output)")
        return None
    pages = read_pages(output)
    files = {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()}
    base = urlsplit(config.base_url)
    links = _links(pages, files, base)
    inbound = _inbound(links)
    findings = [*_broken_links(links), *_missing_alt(pages),
                *_duplicates(pages), *_lengths(pages), *_orphans(pages, inbound),
                *_heavy(pages, max_kb)]
    reach = tuple(_keyword_reach(config.regions, pages, inbound, config.title))
    findings += [Finding(check="keyword_unused", severity="warning", path="site.yaml", line=0,
                         column=0, message=f"kata kunci '{k.keyword}' (wilayah {k.region}) "
                         "tidak muncul di judul, h1, alamat atau deskripsi halaman mana pun",
                         hint="tulis cerita nyata tentang tempat itu; jangan membuat halaman "
                         "serupa hanya demi kata kunci (kebijakan spam Google)")
                 for k in reach if k.pages == 0]
    findings.sort(key=lambda f: (f.path, f.line, f.column, f.check, f.message))
    return AuditReport(output=output.as_posix(), pages=len(pages),
                       indexable=sum(not p.noindex for p in pages), findings=tuple(findings),
                       keywords=reach)


# -- links ------------------------------------------------------------------------------


def _internal(value: str, page_url: str, base: SplitResult) -> str | None:
    """The site path `value` points at, or None for other sites, mailto:, #fragments…"""
    value = value.strip()
    if not value or value.startswith("#"):
        return None
    if value.startswith("/") and not value.startswith("//") and "/." not in value:
        # Most links are root-relative and plain: no join needed (audits stay fast).
        return unquote(urlsplit(value).path) or "/"
    parts = urlsplit(urljoin(page_url, value))
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https", "") or \
                parts.netloc.lower() != base.netloc.lower():
            return None
        prefix = base.path.rstrip("/")
        if not parts.path.startswith(prefix + "/") and parts.path != prefix:
            return None
        return unquote(parts.path[len(prefix):]) or "/"
    return unquote(parts.path) or "/"


def _file_of(path: str, files: set[str]) -> str | None:
    """The output file serving `path`, or None when there is none."""
    rel = path.lstrip("/")
    if not rel or rel.endswith("/"):
        rel += "index.html"
    if rel in files:
        return rel
    return f"{rel}/index.html" if f"{rel}/index.html" in files else None


@dataclass(frozen=True, slots=True)
class _Link:
    """An internal reference of a page and the output file it reaches (None: broken)."""

    page: str
    tag: str
    value: str
    line: int
    column: int
    target: str | None


def _links(pages: list[PageFacts], files: set[str], base: SplitResult) -> list[_Link]:
    links = []
    for page in pages:
        for tag, value, line, column in page.refs:
            path = _internal(value, page.url, base)
            if path is not None:
                links.append(_Link(page.path, tag, value, line, column, _file_of(path, files)))
    return links


def _inbound(links: list[_Link]) -> dict[str, set[str]]:
    """output file → the other pages with an <a> link (or a form, like the theme's search
    box leading to /cari/) to it."""
    found: dict[str, set[str]] = defaultdict(set)
    for link in links:
        if link.tag in ("a", "area", "form") and link.target not in (None, link.page):
            found[str(link.target)].add(link.page)
    return found


def _broken_links(links: list[_Link]) -> Iterator[Finding]:
    for link in links:
        if link.target is None:
            yield Finding(check="broken_link", severity="error", path=link.page,
                          line=link.line, column=link.column,
                          message=f"tautan rusak: <{link.tag}> ke '{link.value}', tidak ada "
                          "berkasnya di hasil build",
                          hint="perbaiki alamatnya di cerita atau tema, atau tambahkan "
                          "berkasnya ke content/static/")


def _missing_alt(pages: list[PageFacts]) -> Iterator[Finding]:
    for page in pages:
        for src, line, column in page.no_alt:
            yield Finding(check="missing_alt", severity="error", path=page.path, line=line,
                          column=column, message=f"gambar tanpa teks alt: {src or '(tanpa src)'}",
                          hint="tulis apa yang tampak di gambar (image_alt: di front matter); "
                          "alt=\"\" hanya untuk hiasan")


# -- titles and descriptions -------------------------------------------------------------


def _listed(pages: list[PageFacts]) -> list[PageFacts]:
    """Pages that compete in search results: indexable, and not page 2, 3… of a list."""
    return [p for p in pages if not p.noindex and not p.paginated]


def _duplicates(pages: list[PageFacts]) -> Iterator[Finding]:
    listed = _listed(pages)
    yield from _same(listed, {p.path: p.title for p in listed}, "duplicate_title", "error",
                     "judul")
    yield from _same(listed, {p.path: p.description or "" for p in listed},
                     "duplicate_description", "warning", "deskripsi")


def _same(pages: list[PageFacts], values: dict[str, str], check: str, severity: Severity,
          what: str) -> Iterator[Finding]:
    """A finding on each page whose `values` entry (ignoring case) another page shares."""
    groups: dict[str, list[str]] = defaultdict(list)
    for page in pages:
        if values[page.path]:
            groups[values[page.path].casefold()].append(page.path)
    for paths in groups.values():
        for path in paths if len(paths) > 1 else ():
            rest = [p for p in paths if p != path]
            others = ", ".join(rest[:3]) + (f" dan {len(rest) - 3} lainnya"
                                            if len(rest) > 3 else "")
            yield Finding(check=check, severity=severity, path=path, line=0, column=0,
                          message=f"{what} sama dengan halaman lain: {others}",
                          hint=f"setiap halaman perlu {what} sendiri yang menjelaskan isinya")


def _lengths(pages: list[PageFacts]) -> Iterator[Finding]:
    where = ("summary: di cerita, description: di site.yaml untuk wilayah dan kategori, "
             "atau templat tema untuk halaman daftar")
    for page in _listed(pages):
        for name, what, text, (low, high) in (
                ("title", "judul", page.title, TITLE_RANGE),
                ("description", "deskripsi", page.description, DESCRIPTION_RANGE)):
            if not text:
                yield Finding(check=f"missing_{name}", severity="warning", path=page.path,
                              line=0, column=0, message=f"halaman tanpa {what}",
                              hint=f"isi {what} yang menjelaskan isi halaman ({where})")
            elif not low <= len(text) <= high:
                long = len(text) > high
                yield Finding(check=f"{name}_length", severity="warning", path=page.path,
                              line=0, column=0, message=f"{what} terlalu "
                              f"{'panjang' if long else 'pendek'}: {len(text)} karakter "
                              f"(sebaiknya {low} sampai {high})",
                              hint=("mesin pencari memotong teks yang panjang; tulis yang "
                                    "ringkas, tanpa menumpuk kata kunci" if long else
                                    "tulis satu kalimat yang menjelaskan isi halaman") +
                              f" ({where})")


# -- orphans, weight ---------------------------------------------------------------------


def _orphans(pages: list[PageFacts], inbound: dict[str, set[str]]) -> Iterator[Finding]:
    for page in pages:
        if page.noindex or page.path in ("index.html", "404.html") or inbound.get(page.path):
            continue
        yield Finding(check="orphan", severity="warning", path=page.path, line=0, column=0,
                      message="halaman yatim: tidak ada halaman lain yang menautkannya",
                      hint="tautkan dari cerita, menu atau halaman wilayah yang berkaitan")


def _heavy(pages: list[PageFacts], max_kb: int) -> Iterator[Finding]:
    for page in pages:
        if page.size > max_kb * 1024:
            yield Finding(check="heavy_page", severity="warning", path=page.path, line=0,
                          column=0, message=f"halaman berat: {page.size / 1024:.0f} KB HTML "
                          f"(batas {max_kb} KB)",
                          hint="bagi cerita yang sangat panjang, atau kurangi isi daftar "
                          "(per_page)")


# -- keywords ----------------------------------------------------------------------------


def _regions(regions: Iterable[RegionConfig], lineage: tuple[str, ...] = (),
             ) -> Iterator[tuple[RegionConfig, str]]:
    for region in regions:
        here = (*lineage, region.id)
        yield region, urls.region(here)
        yield from _regions(region.children, here)


def _keyword_reach(regions: Iterable[RegionConfig], pages: list[PageFacts],
                   inbound: dict[str, set[str]], site_title: str) -> Iterator[KeywordReach]:
    """Counts per keyword; titles without the "| site name" every page carries."""
    suffix = f" | {site_title}"
    titles = {p.path: p.title.removesuffix(suffix) for p in pages}
    listed = _listed(pages)
    by_path = {p.path: p for p in pages}
    for region, hub_url in _regions(regions):
        hub_path = urls.output_path(hub_url)
        hub = by_path.get(hub_path)
        for keyword in region.keywords:
            word = re.compile(rf"(?<!\w){re.escape(keyword.casefold())}(?!\w)")
            slug = re.compile(rf"(?:^|[/-]){re.escape(urls.slugify(keyword))}(?:$|[/-])")

            def has(text: str | None, word: re.Pattern[str] = word) -> bool:
                return bool(text and word.search(text.casefold()))

            hits = [(has(titles[p.path]), any(has(h) for h in p.h1),
                     bool(urls.slugify(keyword) and slug.search(p.url)), has(p.description))
                    for p in listed]
            yield KeywordReach(
                region=region.id, keyword=keyword, pages=sum(any(h) for h in hits),
                in_title=sum(h[0] for h in hits), in_h1=sum(h[1] for h in hits),
                in_url=sum(h[2] for h in hits), in_description=sum(h[3] for h in hits),
                hub=hub_url, hub_has_keyword=hub is not None and (
                    has(titles[hub.path]) or any(has(h) for h in hub.h1)),
                hub_inbound=len(inbound.get(hub_path, ())))


# -- output ------------------------------------------------------------------------------


def to_json(report: AuditReport) -> str:
    """The whole report as JSON, for CI and other tools."""
    data = {"output": report.output, "pages": report.pages, "indexable": report.indexable,
            "errors": report.errors, "warnings": report.warnings,
            "findings": [asdict(f) for f in report.findings],
            "keywords": [asdict(k) for k in report.keywords]}
    return json.dumps(data, ensure_ascii=False, indent=2)


def table(rows: list[list[str]], right: Collection[int] = ()) -> str:
    """Rows (the first is the heading) as aligned columns; `right` columns right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
                       for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def to_text(report: AuditReport, output_label: str) -> str:
    """The terminal report: findings, a count per check, the keyword reach table."""
    parts = []
    if report.findings:
        diagnostics = [Diagnostic(path=f"{output_label}/{f.path}" if f.path != "site.yaml"
                                  else f.path, line=f.line, column=f.column,
                                  severity=f.severity, message=f.message, hint=f.hint)
                       for f in report.findings]
        parts += [format_report(diagnostics), ""]
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for finding in report.findings:
        counts[(CHECK_NAMES.get(finding.check, finding.check), finding.severity)] += 1
    rows = [["PEMERIKSAAN", "TINGKAT", "JUMLAH"]]
    rows += [[name, "kesalahan" if severity == "error" else "peringatan", str(count)]
             for (name, severity), count in sorted(counts.items(),
                                                   key=lambda i: (i[0][1], i[0][0]))]
    if len(rows) > 1:
        parts += [table(rows, right={2}), ""]
    if report.keywords:
        rows = [["WILAYAH", "KATA KUNCI", "HALAMAN", "JUDUL", "H1", "URL", "DESKRIPSI", "HUB",
                 "DI JUDUL/H1 HUB", "TAUTAN KE HUB"]]
        rows += [[k.region, k.keyword, str(k.pages), str(k.in_title), str(k.in_h1),
                  str(k.in_url), str(k.in_description), k.hub,
                  "ya" if k.hub_has_keyword else "tidak", str(k.hub_inbound)]
                 for k in report.keywords]
        parts += ["Jangkauan kata kunci (halaman yang dapat diindeks):",
                  table(rows, right={2, 3, 4, 5, 6, 9}), ""]
    parts.append(f"{report.pages} halaman HTML ({report.indexable} dapat diindeks): "
                 f"{report.errors} kesalahan, {report.warnings} peringatan")
    return "\n".join(parts)


CHECK_NAMES = {
    "broken_link": "tautan rusak", "missing_alt": "gambar tanpa alt",
    "duplicate_title": "judul ganda", "duplicate_description": "deskripsi ganda",
    "title_length": "panjang judul", "description_length": "panjang deskripsi",
    "missing_title": "tanpa judul", "missing_description": "tanpa deskripsi",
    "orphan": "halaman yatim", "heavy_page": "halaman berat",
    "keyword_unused": "kata kunci tak terpakai",
}
