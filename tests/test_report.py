"""`kabar report`: the weekly report in four formats, its numbers checked against the content.

A small inline portal has exact, hand-counted expectations (edges of the ISO week on the
portal's clock, drafts, a fact check, a story filed at kabupaten level). The example
portal's report is checked against counts made here straight from its front matter with
PyYAML, in every format, and its HTML is opened in a real headless Chromium (Debian's
/usr/bin/chromium driven by Playwright): it renders with no console error and no request
but itself, prints to PDF, and the numbers in its DOM are the content's.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from conftest import MINIMAL_SITE_YAML, REPO, SiteMaker, story_text
from externals import chromium_path
from lxml import html as lxml_html

from generator.cli import main
from generator.report.formats import DASH

WEEK = "2024-W47"  # Monday 18 to Sunday 24 November 2024


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, bytes, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out.encode(), captured.err


def report(capsys: pytest.CaptureFixture[str], root: Path, fmt: str, *when: str,
           tmp: Path) -> bytes:
    out = tmp / f"laporan.{fmt}"
    code, _, err = run(capsys, "report", "--root", str(root), *when, "--output", str(out))
    assert code == 0, err
    return out.read_bytes()


# -- a small portal, counted by hand ------------------------------------------------------

FACTCHECK = story_text(
    "Klaim <b>Palsu</b>", date="2024-11-21 10:00", region="kec-satu", author="budi",
    extra="claim: Klaim palsu\nverdict: hoaks\nsources:\n  - name: Puskesmas\n")


@pytest.fixture
def small(make_site: SiteMaker) -> Path:
    s = "content/stories/2024/"
    return make_site({
        "site.yaml": MINIMAL_SITE_YAML.replace("timezone: Asia/Jakarta",
                                               "timezone: Asia/Makassar"),
        # W47, on the WITA clock: Monday 00:00 and Sunday 23:59 are both in.
        s + "senin.md": story_text("Senin Pagi", date="2024-11-18 00:00",
                                   extra="approved_by: budi\n"),
        s + "minggu.md": story_text('=HYPERLINK(\\"http://x\\") | <script>',
                                    date="2024-11-24 23:59", category="pendidikan",
                                    extra="slug: minggu\n").replace(
                                        "tags: [posyandu]", "tags: [posyandu, lansia]"),
        s + "kabupaten.md": story_text("Tingkat Kabupaten", date="2024-11-20 09:00",
                                       region="kab-uji", author="budi"),
        "content/cek-fakta/2024/klaim.md": FACTCHECK,
        # Out: a minute before and after the week, a draft and a review inside it.
        s + "sebelum.md": story_text("Sebelum", date="2024-11-17 23:59"),
        s + "sesudah.md": story_text("Sesudah", date="2024-11-25 00:00"),
        s + "draf.md": story_text("Draf", date="2024-11-19", extra="status: draft\n"),
        s + "tinjau.md": story_text("Tinjau", date="2024-11-19", extra="status: review\n"),
        # Earlier weeks, for the trend: W44 has two.
        s + "w44a.md": story_text("Empat Empat A", date="2024-10-28 08:00"),
        s + "w44b.md": story_text("Empat Empat B", date="2024-11-03 20:00", region="kec-dua"),
    })


def test_json_counts_the_week_on_the_portal_clock(capsys: pytest.CaptureFixture[str],
                                                  small: Path, tmp_path: Path) -> None:
    data = json.loads(report(capsys, small, "json", "--week", WEEK, tmp=tmp_path))
    assert data["period"] == {"label": WEEK, "since": "2024-11-18", "until": "2024-11-24",
                              "days": 7}
    assert data["generated"] == "2026-11-20T08:00:00+08:00"
    assert (data["total"], data["factchecks"]) == (4, 1)
    assert [(r["id"], r["count"]) for r in data["kabupaten"]] == [("kab-uji", 4)]
    assert data["kabupaten_level"] == 1
    assert [(r["id"], r["count"], r["kabupaten"]) for r in data["kecamatan"]] == [
        ("kec-satu", 3, "Uji"), ("kec-dua", 0, "Uji")]
    assert data["kecamatan_without_stories"] == ["kec-dua"]
    assert [(o["id"], o["written"], o["approved"]) for o in data["operators"]] == [
        ("rina", 2, 0), ("budi", 2, 1)]
    assert [(c["id"], c["count"]) for c in data["categories"]] == [
        ("kesehatan", 3), ("pendidikan", 1)]
    assert data["top_tags"] == [{"name": "posyandu", "count": 4},
                                {"name": "lansia", "count": 1}]
    assert [(s["date"], s["kind"], s["label"], s["kecamatan"]) for s in data["stories"]] == [
        ("2024-11-18T00:00:00+08:00", "berita", "", "Satu"),
        ("2024-11-20T09:00:00+08:00", "berita", "", ""),
        ("2024-11-21T10:00:00+08:00", "cek fakta", "[HOAKS]", "Satu"),
        ("2024-11-24T23:59:00+08:00", "berita", "", "Satu")]
    assert data["stories"][3]["url"] == "https://uji.example.go.id/berita/2024/minggu/"
    assert [(t["label"], t["count"], t["current"]) for t in data["trend"]] == [
        ("2024-W43", 0, False), ("2024-W44", 2, False), ("2024-W45", 0, False),
        ("2024-W46", 1, False), ("2024-W47", 4, True)]


def test_markdown_and_csv_say_the_same_and_escape_operator_text(
        capsys: pytest.CaptureFixture[str], small: Path, tmp_path: Path) -> None:
    text = report(capsys, small, "md", "--week", WEEK, tmp=tmp_path).decode()
    assert f"**Periode:** 2024-W47 (18{DASH}24 November 2024)" in text
    assert "- Berita terbit: **4**" in text
    assert "- Kecamatan tanpa berita: **1** (Dua)" in text
    assert f"| **Dua** | Uji | **0 {DASH} belum ada berita** |" in text
    assert f"| **2024-W47** | 18{DASH}24 November 2024 | **4** |" in text
    assert ("| 24/11/24 | [=HYPERLINK(\"http://x\") \\| &lt;script>]"
            "(https://uji.example.go.id/berita/2024/minggu/) | Satu | Rina | Pendidikan |"
            ) in text
    assert "[\\[HOAKS\\] Klaim &lt;b>Palsu&lt;/b>]" in text

    data = report(capsys, small, "csv", "--week", WEEK, tmp=tmp_path)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    blocks = _csv_blocks(data)
    assert blocks["Laporan"][0][1:6] == [WEEK, "2024-11-18", "2024-11-24", "4", "1"]
    assert blocks["Kecamatan"] == [["Satu", "Uji", "3", ""], ["Dua", "Uji", "0", "ya"]]
    assert blocks["Operator"] == [["Rina", "operator", "Satu", "2", "0", "0"],
                                 ["Budi", "editor", "Uji", "2", "0", "1"]]
    assert [row[2] for row in blocks["Tren: periode"]] == ["2024-10-27", "2024-11-03",
                                                          "2024-11-10", "2024-11-17",
                                                          "2024-11-24"]
    titles = [row[1] for row in blocks["Tanggal"]]
    assert titles[3] == "'=HYPERLINK(\"http://x\") | <script>"  # never a formula
    assert titles[2] == "Klaim <b>Palsu</b>"


def _csv_blocks(data: bytes) -> dict[str, list[list[str]]]:
    """Sections of the CSV, keyed by the first cell of their header row."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    blocks: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in rows:
        if not row:
            current = None
        elif current is None:
            current = blocks[row[0]] = []
        else:
            current.append(row)
    return blocks


def test_html_escapes_and_marks_the_silent_kecamatan(capsys: pytest.CaptureFixture[str],
                                                     small: Path, tmp_path: Path) -> None:
    data = report(capsys, small, "html", "--week", WEEK, tmp=tmp_path)
    assert b"<script" not in data and b"&lt;script&gt;" in data
    doc = lxml_html.fromstring(data)
    assert doc.xpath('//b[@data-stat="total"]/text()') == ["4"]
    assert doc.xpath('//table[@class="kecamatan"]//tr[@class="kosong"]/@data-id') == ["kec-dua"]
    assert doc.xpath('//svg//rect[@data-id="kec-satu"]/@data-value') == ["3"]
    assert doc.xpath('//svg//rect[@data-label="2024-W47"]/@data-value') == ["4"]
    assert not doc.xpath("//script | //link | //img | //iframe")  # self-contained, no script


def test_periods_and_usage(capsys: pytest.CaptureFixture[str], small: Path,
                           tmp_path: Path) -> None:
    # Without a period: the last complete week before the build (Friday 2026-11-20).
    code, out, _ = run(capsys, "report", "--root", str(small), "--format", "json")
    assert code == 0 and json.loads(out)["period"]["label"] == "2026-W46"
    # A range: its trend is four ranges of the same length before it.
    code, out, _ = run(capsys, "report", "--root", str(small), "--since", "2024-11-18",
                       "--until", "2024-11-21", "--format", "json")
    data = json.loads(out)
    assert code == 0 and (data["period"]["days"], data["total"]) == (4, 3)
    assert [(t["since"], t["count"]) for t in data["trend"]] == [
        ("2024-11-02", 1), ("2024-11-06", 0), ("2024-11-10", 0), ("2024-11-14", 1),
        ("2024-11-18", 3)]
    # The format follows the file name; stdout is Markdown.
    code, out, _ = run(capsys, "report", "--root", str(small), "--week", WEEK)
    assert code == 0 and out.startswith(b"# Laporan Kabar Uji\n")
    for argv, message in ((("--week", "2024-W54"), "minggu '2024-W54' tidak ada"),
                          (("--until", "2024-11-01"), "--until hanya bersama --since"),
                          (("--since", "2024-11-10", "--until", "2024-11-01"),
                           "--until lebih awal dari --since")):
        code, _, err = run(capsys, "report", "--root", str(small), *argv)
        assert code == 2 and message in err, err
    code, _, err = run(capsys, "report", "--root", str(small), "--since", "kemarin")
    assert code == 2 and "tanggal 'kemarin' tidak bisa dibaca" in err


# -- the example portal, counted from its front matter ------------------------------------

SINCE, UNTIL = date(2025, 1, 1), date(2025, 12, 31)


def _front_matter(path: Path) -> dict[str, object]:
    text = path.read_text(encoding="utf-8")
    return yaml.load(text.split("---\n")[1], Loader=yaml.BaseLoader)  # every value a string


@pytest.fixture(scope="module")
def expected() -> dict[str, object]:
    """What the example portal published in 2025, counted from the files themselves."""
    site = yaml.safe_load((REPO / "site.yaml").read_text(encoding="utf-8"))
    zone = ZoneInfo(site["timezone"])
    kecamatan_of: dict[str, str] = {}
    for kab in site["regions"]:
        kecamatan_of[kab["id"]] = ""
        for kec in kab.get("children", []):
            kecamatan_of[kec["id"]] = kec["id"]
            for desa in kec.get("children", []):
                kecamatan_of[desa["id"]] = kec["id"]
    names = {o["id"]: o["name"] for o in site["operators"]}
    found = []
    for path in sorted([*(REPO / "content" / "stories").rglob("*.md"),
                        *(REPO / "content" / "cek-fakta").rglob("*.md")]):
        meta = _front_matter(path)
        if meta.get("lang", site["language"]) != site["language"]:
            continue  # a translation: the same news as its original, counted once
        when = datetime.fromisoformat(str(meta["date"]).replace("/", "-"))
        when = when if when.tzinfo else when.replace(tzinfo=zone)
        if meta.get("status", "published") == "published" and \
                SINCE <= when.astimezone(zone).date() <= UNTIL:
            found.append(meta)
    assert len(found) >= 8  # a year with real numbers to compare
    kec = Counter(kecamatan_of[str(m["region"])] for m in found)
    return {
        "total": len(found),
        "kecamatan": {k["id"]: kec[k["id"]] for kab in site["regions"]
                      for k in kab.get("children", [])},
        "operators": {names[o]: n for o, n in Counter(str(m["author"]) for m in found).items()},
        "approved": Counter(str(m.get("approved_by", "")) for m in found),
        "categories": Counter(str(m["category"]) for m in found),
        "titles": sorted(str(m["title"]) for m in found),
    }


RANGE = ("--since", SINCE.isoformat(), "--until", UNTIL.isoformat())


@pytest.fixture(scope="module")
def example_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("laporan")
    made = {}
    for fmt in ("html", "md", "csv", "json"):
        target = out / f"laporan.{fmt}"
        assert main(["report", "--root", str(REPO), *RANGE, "--output", str(target)]) == 0
        made[fmt] = target.read_bytes()
    return made


def test_example_report_in_four_formats_matches_the_content(
        example_reports: dict[str, bytes], expected: dict[str, object]) -> None:
    data = json.loads(example_reports["json"])
    assert data["total"] == expected["total"]
    assert {k["id"]: k["count"] for k in data["kecamatan"]} == expected["kecamatan"]
    assert {o["name"]: o["written"] for o in data["operators"] if o["written"]} == \
        expected["operators"]
    approved = expected["approved"]
    assert isinstance(approved, Counter)
    assert {o["id"]: o["approved"] for o in data["operators"] if o["approved"]} == {
        k: v for k, v in approved.items() if k}
    assert {c["id"]: c["count"] for c in data["categories"] if c["count"]} == \
        expected["categories"]
    assert sorted(s["title"] for s in data["stories"]) == expected["titles"]

    blocks = _csv_blocks(example_reports["csv"])
    assert int(blocks["Laporan"][0][4]) == expected["total"]
    kecamatan = expected["kecamatan"]
    assert isinstance(kecamatan, dict)
    names = {k["id"]: k["name"] for k in data["kecamatan"]}
    assert {row[0]: int(row[2]) for row in blocks["Kecamatan"]} == {
        names[k]: n for k, n in kecamatan.items()}
    assert sorted(row[1] for row in blocks["Tanggal"]) == expected["titles"]

    text = example_reports["md"].decode()
    assert f"- Berita terbit: **{expected['total']}**" in text
    for kec_id, count in kecamatan.items():
        cell = f"**0 {DASH} belum ada berita**" if not count else str(count)
        name = re.escape(names[kec_id])
        assert re.search(rf"^\| \**{name}\** \| [^|]+ \| {re.escape(cell)} \|$", text,
                         re.MULTILINE), kec_id

    doc = lxml_html.fromstring(example_reports["html"])
    assert doc.xpath('//b[@data-stat="total"]/text()') == [str(expected["total"])]
    assert {tr.get("data-id"): int(tr.xpath('string(td[@class="n"])').split()[0])
            for tr in doc.xpath('//table[@class="kecamatan"]/tbody/tr')} == kecamatan


@pytest.fixture(scope="module")
def browser_page() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium_path()),
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_example_html_report_renders_and_prints_in_chromium(
        browser_page: object, example_reports: dict[str, bytes], expected: dict[str, object],
        tmp_path: Path) -> None:
    from playwright.sync_api import Page

    page = browser_page
    assert isinstance(page, Page)
    target = tmp_path / "laporan.html"
    target.write_bytes(example_reports["html"])
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(target.as_uri(), wait_until="load")
    assert problems == []
    assert requests == [target.as_uri()]  # nothing fetched but the file itself
    # The numbers a reader sees: the DOM after rendering, not the source text.
    assert page.inner_text('b[data-stat="total"]') == str(expected["total"])
    seen = page.eval_on_selector_all(
        "table.kecamatan tbody tr",
        "rows => rows.map(r => [r.dataset.id, r.querySelector('td.n').innerText])")
    assert {kec: int(text.split()[0]) for kec, text in seen} == expected["kecamatan"]
    charted = page.eval_on_selector_all(
        "section.kecamatan svg rect[data-id]", "bars => bars.map(b => [b.dataset.id, "
        "Number(b.dataset.value), b.getBoundingClientRect().width])")
    assert {kec: value for kec, value, _ in charted} == expected["kecamatan"]
    widths = {kec: width for kec, _, width in charted}
    ordered = sorted(charted, key=lambda bar: bar[1])
    assert [widths[k] for k, _, _ in ordered] == sorted(widths.values())  # longer bar, more
    listed = page.eval_on_selector_all("table.stories tbody tr", "rows => rows.length")
    assert listed == expected["total"]
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 20_000
    assert problems == []
