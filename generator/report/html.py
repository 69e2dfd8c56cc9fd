"""A Report as one printable HTML file: inline CSS and SVG charts, no script, no request.

Made for the office head's desk: A4 portrait, black on white, charts that still read in
grey on a cheap printer (every bar carries its number; a kecamatan without stories is
named in words, not only in colour). Every operator text goes through `html.escape`.
Numbers also sit in `data-*` attributes so tests (and other tools) can read them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from generator.report import Report
from generator.report.formats import DASH, dates, moment, period_text

__all__ = ["to_html"]

INK = "#1a1a1a"
BAR = "#0a4d47"
BAR_LIGHT = "#8fb8b2"
MUTED = "#555"

CSS = """
@page { size: A4; margin: 16mm 14mm; }
* { box-sizing: border-box; }
body { font: 11pt/1.45 "DejaVu Sans", "Noto Sans", Arial, sans-serif; color: #1a1a1a;
       margin: 0 auto; max-width: 48rem; padding: 1.5rem; background: #fff; }
h1 { font-size: 18pt; margin: 0 0 .25rem; }
h2 { font-size: 13pt; margin: 1.5rem 0 .5rem; border-bottom: 2px solid #0a4d47;
     padding-bottom: .2rem; break-after: avoid; }
p { margin: .25rem 0; }
.meta { color: #444; }
.stats { display: flex; gap: .75rem; margin: 1rem 0; flex-wrap: wrap; }
.stat { flex: 1 1 0; border: 1.5px solid #1a1a1a; border-radius: 6px; padding: .4rem .8rem;
        min-width: 7.5rem; }
.stat b { display: block; font-size: 20pt; line-height: 1.1; }
.warn { border-width: 3px; }
table { border-collapse: collapse; width: 100%; margin: .25rem 0 .75rem; font-size: 10pt; }
th, td { border-bottom: 1px solid #bbb; padding: .25rem .4rem; text-align: left;
         vertical-align: top; }
thead th { border-bottom: 2px solid #1a1a1a; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.kosong th, tr.kosong td { font-weight: 700; background: #eee; }
.flag { font-weight: 700; text-transform: uppercase; letter-spacing: .03em; }
section { break-inside: avoid; }
section.list { break-inside: auto; }
tr { break-inside: avoid; }
svg { display: block; max-width: 100%; height: auto; margin: .25rem 0 .5rem; }
a { color: #0a4d47; }
.label { font-weight: 700; }
footer { margin-top: 2rem; color: #555; font-size: 9pt; }
@media print { body { padding: 0; max-width: none; } a { color: inherit; text-decoration: none; } }
"""


def to_html(report: Report) -> bytes:
    title = f"Laporan {report.portal} {report.period.label}"
    parts = [
        "<!DOCTYPE html>", '<html lang="id">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="robots" content="noindex">',
        f"<title>{escape(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
        "<header>",
        f"<h1>Laporan {escape(report.portal)}</h1>",
        f'<p class="period"><strong>Periode {escape(report.period.label)}</strong>: '
        f"{escape(period_text(report))}</p>",
        f'<p class="meta">Dibuat {escape(moment(report, report.generated))} dari '
        f'<a href="{escape(report.base_url)}">{escape(report.base_url)}</a></p>',
        "</header>",
        _stats(report), _trend(report), _kecamatan(report), _kabupaten(report),
        _operators(report), _categories(report), _tags(report), _items(report),
        "<footer><p>Dihitung dari cerita berstatus published yang tanggal terbitnya "
        "(<code>date</code>) jatuh pada periode ini, menurut jam portal. Draf, cerita yang "
        "menunggu pemeriksaan dan cerita terjadwal tidak dihitung.</p></footer>",
        "</body>", "</html>", ""]
    return "\n".join(parts).encode()


def _stats(report: Report) -> str:
    active = sum(1 for o in report.operators if o.written)
    silent = len(report.silent)
    return "\n".join([
        '<section class="stats" aria-label="Ringkasan">',
        f'<p class="stat">Berita terbit <b data-stat="total">{report.total}</b></p>',
        f'<p class="stat">Cek fakta <b data-stat="factchecks">{report.factchecks}</b></p>',
        f'<p class="stat{" warn" if silent else ""}">Kecamatan tanpa berita '
        f'<b data-stat="silent">{silent}</b></p>',
        f'<p class="stat">Operator yang menulis <b data-stat="operators">{active}</b></p>',
        "</section>"])


def _trend(report: Report) -> str:
    points = report.trend
    width, height, top, bottom = 640, 220, 28, 46
    slot = width / len(points)
    peak = max((p.count for p in points), default=0) or 1
    usable = height - top - bottom
    shapes = []
    for index, point in enumerate(points):
        bar = round(usable * point.count / peak)
        x = round(index * slot + slot * 0.2)
        w = round(slot * 0.6)
        y = top + usable - bar
        fill = BAR if point.current else BAR_LIGHT
        shapes.append(f'<rect x="{x}" y="{y}" width="{w}" height="{bar}" fill="{fill}" '
                      f'stroke="{INK}" stroke-width="1" data-label="{escape(point.label)}" '
                      f'data-value="{point.count}"/>')
        weight = ' font-weight="700"' if point.current else ""
        shapes.append(f'<text x="{x + w / 2:g}" y="{y - 6}" text-anchor="middle" '
                      f'font-size="15"{weight}>{point.count}</text>')
        # Under the bar: the week and its days, or a range's first and last day, short
        # enough for the slot (a long label would run into its neighbours).
        first, second = ((point.label, f"{point.since:%d/%m}{DASH}{point.until:%d/%m}")
                         if report.period.week else
                         (f"{point.since:%d/%m/%y}", f"{DASH} {point.until:%d/%m/%y}"))
        shapes.append(f'<text x="{x + w / 2:g}" y="{height - bottom + 18}" text-anchor="middle" '
                      f'font-size="12"{weight}>{escape(first)}</text>')
        shapes.append(f'<text x="{x + w / 2:g}" y="{height - bottom + 34}" '
                      f'text-anchor="middle" font-size="11" fill="{MUTED}">'
                      f"{escape(second)}</text>")
    axis = (f'<line x1="0" y1="{top + usable}" x2="{width}" y2="{top + usable}" '
            f'stroke="{INK}" stroke-width="1.5"/>')
    summary = ", ".join(f"{p.label}: {p.count}" for p in points)
    table = _table(["Periode", "Tanggal", "Berita"], [
        ([escape(p.label), escape(period_text(report, p.since, p.until)), str(p.count)],
         f'data-id="{escape(p.label)}"' + (' class="current"' if p.current else ""))
        for p in points], numeric=(2,))
    return "\n".join([
        '<section class="trend" aria-labelledby="h-trend">',
        f'<h2 id="h-trend">Tren: periode ini dan {len(points) - 1} sebelumnya</h2>',
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="trend-title" font-family="DejaVu Sans, Arial, sans-serif">',
        f'<title id="trend-title">Berita per periode: {escape(summary)}</title>',
        axis, *shapes, "</svg>", table, "</section>"])


def _hbars(rows: Sequence[tuple[str, str, int]], title: str, zero: str = "0") -> str:
    """Horizontal bars, one per (id, label, value); a zero is written out as `zero`."""
    label_w, bar_w, row_h = 210, 330, 24
    height = row_h * len(rows) + 8
    peak = max((value for _, _, value in rows), default=0) or 1
    shapes = []
    for index, (ident, label, value) in enumerate(rows):
        y = 4 + index * row_h
        shown = label if len(label) <= 28 else label[:27] + "…"
        weight = ' font-weight="700"' if value == 0 and zero != "0" else ""
        shapes.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" '
                      f'font-size="12"{weight}>{escape(shown)}</text>')
        width = round(bar_w * value / peak)
        if value:
            shapes.append(f'<rect x="{label_w}" y="{y + 3}" width="{width}" height="{row_h - 8}" '
                          f'fill="{BAR}" data-id="{escape(ident)}" data-value="{value}"/>')
            shapes.append(f'<text x="{label_w + width + 6}" y="{y + 16}" font-size="12">'
                          f"{value}</text>")
        else:
            shapes.append(f'<rect x="{label_w}" y="{y + 3}" width="0" height="{row_h - 8}" '
                          f'data-id="{escape(ident)}" data-value="0"/>')
            shapes.append(f'<text x="{label_w + 6}" y="{y + 16}" font-size="12"{weight}>'
                          f"{escape(zero)}</text>")
    axis = (f'<line x1="{label_w}" y1="0" x2="{label_w}" y2="{height}" stroke="{INK}" '
            f'stroke-width="1.5"/>')
    summary = ", ".join(f"{label}: {value}" for _, label, value in rows)
    return "\n".join([
        f'<svg viewBox="0 0 640 {height}" width="640" height="{height}" role="img" '
        f'font-family="DejaVu Sans, Arial, sans-serif"><title>{escape(title)}: '
        f"{escape(summary)}</title>", axis, *shapes, "</svg>"])


def _kecamatan(report: Report) -> str:
    rows = [(r.id, r.name, r.count) for r in report.kecamatan]
    silent = ", ".join(escape(r.name) for r in report.silent)
    note = (f'<p><span class="flag">Belum ada berita:</span> {silent}.</p>' if silent else
            "<p>Setiap kecamatan menerbitkan setidaknya satu berita.</p>")
    table = _table(["Kecamatan", "Kabupaten", "Berita"], [
        ([f'<a href="{escape(r.url)}">{escape(r.name)}</a>', escape(r.parent),
          str(r.count) if r.count else '0 <span class="flag">belum ada berita</span>'],
         f'data-id="{escape(r.id)}"' + (' class="kosong"' if not r.count else ""))
        for r in report.kecamatan], numeric=(2,), table_class="kecamatan")
    level = (f"<p>Berita di tingkat kabupaten (tidak di satu kecamatan): "
             f'<b data-stat="kabupaten-level">{report.kabupaten_level}</b></p>'
             if report.kabupaten_level else "")
    return "\n".join(['<section class="kecamatan" aria-labelledby="h-kec">',
                      '<h2 id="h-kec">Berita per kecamatan</h2>', note,
                      _hbars(rows, "Berita per kecamatan", f"0 {DASH} BELUM ADA BERITA"), table,
                      level, "</section>"])


def _kabupaten(report: Report) -> str:
    return "\n".join([
        '<section class="kabupaten" aria-labelledby="h-kab">',
        '<h2 id="h-kab">Berita per kabupaten</h2>',
        _table(["Kabupaten", "Berita"], [
            ([f'<a href="{escape(r.url)}">{escape(r.name)}</a>', str(r.count)],
             f'data-id="{escape(r.id)}"') for r in report.kabupaten], numeric=(1,),
            table_class="kabupaten"), "</section>"])


def _operators(report: Report) -> str:
    return "\n".join([
        '<section class="operators" aria-labelledby="h-op">',
        '<h2 id="h-op">Berita per operator</h2>',
        _table(["Operator", "Peran", "Wilayah", "Menulis", "Ikut menyunting", "Menyetujui"], [
            ([escape(o.name), escape(o.role), escape(o.region), str(o.written),
              str(o.contributed), str(o.approved)], f'data-id="{escape(o.id)}"')
            for o in report.operators], numeric=(3, 4, 5), table_class="operators"),
        "<p class=\"meta\">Ikut menyunting: cerita operator lain yang ikut diubahnya (dari "
        "riwayat git). Menyetujui: cerita yang disetujuinya sebagai editor (approved_by).</p>",
        "</section>"])


def _categories(report: Report) -> str:
    rows = [(r.id, r.name, r.count) for r in report.categories]
    return "\n".join([
        '<section class="categories" aria-labelledby="h-cat">',
        '<h2 id="h-cat">Berita per kategori</h2>', _hbars(rows, "Berita per kategori"),
        _table(["Kategori", "Berita"], [
            ([f'<a href="{escape(r.url)}">{escape(r.name)}</a>', str(r.count)],
             f'data-id="{escape(r.id)}"') for r in report.categories], numeric=(1,),
            table_class="categories"), "</section>"])


def _tags(report: Report) -> str:
    body = _table(["Tag", "Berita"], [
        ([escape(name), str(n)], f'data-id="{escape(name)}"') for name, n in report.tags],
        numeric=(1,), table_class="tags") if report.tags else "<p>Tidak ada tag.</p>"
    return "\n".join(['<section class="tags" aria-labelledby="h-tag">',
                      '<h2 id="h-tag">Tag teratas</h2>', body, "</section>"])


def _items(report: Report) -> str:
    fmt = dates(report)
    if not report.items:
        body = "<p>Belum ada berita pada periode ini.</p>"
    else:
        body = _table(["Tanggal", "Judul", "Wilayah", "Operator", "Kategori"], [
            ([escape(fmt.date(i.date, "short")),
              (f'<span class="label">{escape(i.label)}</span> ' if i.label else "")
              + f'<a href="{escape(i.url)}">{escape(i.title)}</a>',
              escape(" / ".join(p for p in (i.kecamatan or i.kabupaten, i.desa) if p)),
              escape(i.operator), escape(i.category)], 'class="story"')
            for i in report.items], numeric=(), table_class="stories")
    return "\n".join(['<section class="list" aria-labelledby="h-list">',
                      f'<h2 id="h-list">Daftar berita ({report.total})</h2>', body,
                      "</section>"])


def _table(header: Sequence[str], rows: Sequence[tuple[Sequence[str], str]], *,
           numeric: Sequence[int], table_class: str = "") -> str:
    """Cells are already escaped HTML; each row comes with its `<tr>` attributes."""
    cls = f' class="{table_class}"' if table_class else ""
    number = ' class="n"'
    head = "".join(f'<th scope="col"{number if i in numeric else ""}>{h}</th>'
                   for i, h in enumerate(header))
    lines = [f"<table{cls}>", f"<thead><tr>{head}</tr></thead>", "<tbody>"]
    for cells, attributes in rows:
        tds = "".join(f'<td class="n">{c}</td>' if i in numeric else
                      (f'<th scope="row">{c}</th>' if i == 0 else f"<td>{c}</td>")
                      for i, c in enumerate(cells))
        lines.append(f"<tr {attributes}>{tds}</tr>" if attributes else f"<tr>{tds}</tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)
