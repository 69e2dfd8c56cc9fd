"""A Report as JSON (for machines), Markdown (for chat and e-mail) and CSV (for spreadsheets).

Operator text is escaped for each format: JSON strings by `json`; Markdown's own
punctuation with backslashes and `<` as `&lt;`; in CSV a cell that a spreadsheet would
run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`.

The CSV is UTF-8 with a byte-order mark, `;` between cells and CRLF line ends: Excel with
Indonesian (or any comma-decimal) regional settings opens it straight into columns, with
the accents intact, and LibreOffice detects all three. It has sections, one block per
table, separated by an empty row, each block starting with its own header row.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from generator.render.dates import DateFormatter
from generator.report import Report

__all__ = ["dates", "period_text", "to_csv", "to_json", "to_markdown"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: What starts emphasis, code, links or a table cell in the middle of a line (every text
#: printed here sits inside a line: after "# ", "- " or "| ").
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
DASH = "\u2013"  # en dash, for ranges of days and months


def dates(report: Report) -> DateFormatter:
    return DateFormatter("id", zoneinfo.ZoneInfo(report.timezone))


def period_text(report: Report, since: date | None = None, until: date | None = None) -> str:
    """'18-24 November 2024', '28 Oktober - 3 November 2024' (en dashes), years in full."""
    start, end = since or report.period.since, until or report.period.until
    fmt = dates(report)

    def long(day: date) -> str:
        return fmt.date(datetime(day.year, day.month, day.day, 12, tzinfo=fmt.zone), "long")

    if start == end:
        return long(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}{DASH}{long(end)}"
    if start.year == end.year:
        return f"{long(start).rsplit(' ', 1)[0]} {DASH} {long(end)}"
    return f"{long(start)} {DASH} {long(end)}"


def moment(report: Report, value: datetime) -> str:
    """'25 November 2024, 08.00 WIB'."""
    fmt = dates(report)
    return f"{fmt.date(value, 'long')}, {fmt.time(value)}"


def local_iso(report: Report, value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(
        zoneinfo.ZoneInfo(report.timezone)).isoformat(timespec="seconds")


# -- JSON ---------------------------------------------------------------------------------


def to_json(report: Report) -> bytes:
    data: dict[str, Any] = {
        "portal": report.portal, "base_url": report.base_url,
        "period": {"label": report.period.label, "since": report.period.since.isoformat(),
                   "until": report.period.until.isoformat(), "days": report.period.days},
        "generated": local_iso(report, report.generated),
        "total": report.total, "factchecks": report.factchecks,
        "kabupaten": [_row(r) for r in report.kabupaten],
        "kabupaten_level": report.kabupaten_level,
        "kecamatan": [_row(r) | {"kabupaten": r.parent} for r in report.kecamatan],
        "kecamatan_without_stories": [r.id for r in report.silent],
        "operators": [{"id": o.id, "name": o.name, "role": o.role, "region": o.region,
                       "written": o.written, "contributed": o.contributed,
                       "approved": o.approved} for o in report.operators],
        "categories": [_row(r) for r in report.categories],
        "top_tags": [{"name": name, "count": n} for name, n in report.tags],
        "stories": [{"date": local_iso(report, i.date), "title": i.title, "url": i.url,
                     "kind": i.kind, "label": i.label, "kabupaten": i.kabupaten,
                     "kecamatan": i.kecamatan, "desa": i.desa, "operator": i.operator,
                     "category": i.category, "tags": list(i.tags),
                     "contributors": list(i.contributors), "approved_by": i.approved_by,
                     "first_commit": local_iso(report, i.first_commit)}
                    for i in report.items],
        "trend": [{"label": t.label, "since": t.since.isoformat(), "until": t.until.isoformat(),
                   "count": t.count, "current": t.current} for t in report.trend],
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()


def _row(row: Any) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "count": row.count, "url": row.url}


# -- Markdown -----------------------------------------------------------------------------


def md(text: str) -> str:
    """Operator text as literal Markdown: punctuation escaped, no HTML, one line."""
    flat = " ".join(str(text).split()).replace("&", "&amp;").replace("<", "&lt;")
    return _MD_SPECIAL.sub(r"\\\1", flat)


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def to_markdown(report: Report) -> bytes:
    silent = ", ".join(md(r.name) for r in report.silent) or "tidak ada"
    out = [f"# Laporan {md(report.portal)}", "",
           f"**Periode:** {md(report.period.label)} ({md(period_text(report))})  ",
           f"**Dibuat:** {md(moment(report, report.generated))}", "",
           "## Ringkasan", "",
           f"- Berita terbit: **{report.total}**",
           f"- Di antaranya cek fakta: **{report.factchecks}**",
           f"- Kecamatan tanpa berita: **{len(report.silent)}** ({silent})", "",
           "## Tren", ""]
    out += _table(["Periode", "Tanggal", "Berita"], (
        [f"**{md(t.label)}**" if t.current else md(t.label),
         md(period_text(report, t.since, t.until)), f"**{t.count}**" if t.current else str(t.count)]
        for t in report.trend))
    out += ["## Per kabupaten", ""]
    out += _table(["Kabupaten", "Berita"], ([md(r.name), str(r.count)] for r in report.kabupaten))
    if report.kabupaten_level:
        out += [f"Di tingkat kabupaten (tanpa kecamatan): {report.kabupaten_level}", ""]
    out += ["## Per kecamatan", ""]
    out += _table(["Kecamatan", "Kabupaten", "Berita"], (
        [f"**{md(r.name)}**" if not r.count else md(r.name), md(r.parent),
         f"**0 {DASH} belum ada berita**" if not r.count else str(r.count)]
        for r in report.kecamatan))
    out += ["## Per operator", ""]
    out += _table(["Operator", "Peran", "Wilayah", "Menulis", "Ikut menyunting", "Menyetujui"], (
        [md(o.name), o.role, md(o.region), str(o.written), str(o.contributed), str(o.approved)]
        for o in report.operators))
    out += ["## Per kategori", ""]
    out += _table(["Kategori", "Berita"], ([md(r.name), str(r.count)] for r in report.categories))
    out += ["## Tag teratas", ""]
    out += _table(["Tag", "Berita"], ([md(name), str(n)] for name, n in report.tags)) \
        if report.tags else ["Tidak ada tag.", ""]
    out += ["## Daftar berita", ""]
    out += _table(["Tanggal", "Judul", "Wilayah", "Operator", "Kategori"], (
        [md(dates(report).date(i.date, "short")),
         f"[{md((i.label + ' ' if i.label else '') + i.title)}]({md_url(i.url)})",
         md(" / ".join(p for p in (i.kecamatan or i.kabupaten, i.desa) if p)),
         md(i.operator), md(i.category)] for i in report.items)) \
        if report.items else ["Belum ada berita pada periode ini.", ""]
    return "\n".join(out).encode()


def md_url(url: str) -> str:
    """A link target that cannot end the Markdown link early."""
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C")


# -- CSV ----------------------------------------------------------------------------------


def cell(value: object) -> str:
    """A value a spreadsheet shows as text, never runs as a formula."""
    text = " ".join(str(value).split()) if not isinstance(value, int) else str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def to_csv(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)

    def block(header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        writer.writerow(header)
        writer.writerows([cell(v) for v in row] for row in rows)
        writer.writerow([])

    block(["Laporan", "Periode", "Dari", "Sampai", "Berita terbit", "Cek fakta", "Dibuat"],
          [[report.portal, report.period.label, report.period.since.isoformat(),
            report.period.until.isoformat(), report.total, report.factchecks,
            local_iso(report, report.generated) or ""]])
    block(["Tren: periode", "Dari", "Sampai", "Berita"],
          ([t.label, t.since.isoformat(), t.until.isoformat(), t.count] for t in report.trend))
    block(["Kabupaten", "Berita"], ([r.name, r.count] for r in report.kabupaten))
    block(["Kecamatan", "Kabupaten", "Berita", "Tanpa berita"],
          ([r.name, r.parent, r.count, "ya" if not r.count else ""] for r in report.kecamatan))
    block(["Operator", "Peran", "Wilayah", "Menulis", "Ikut menyunting", "Menyetujui"],
          ([o.name, o.role, o.region, o.written, o.contributed, o.approved]
           for o in report.operators))
    block(["Kategori", "Berita"], ([r.name, r.count] for r in report.categories))
    block(["Tag", "Berita"], report.tags)
    block(["Tanggal", "Judul", "Jenis", "Label", "Kabupaten", "Kecamatan", "Desa", "Operator",
           "Kategori", "Tag", "Disetujui", "Alamat"],
          ([local_iso(report, i.date) or "", i.title, i.kind, i.label, i.kabupaten, i.kecamatan,
            i.desa, i.operator, i.category, ", ".join(i.tags), i.approved_by, i.url]
           for i in report.items))
    return "\ufeff".encode() + buffer.getvalue().encode()
