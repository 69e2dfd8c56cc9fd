"""`kabar audit` on built sites: the example portal (clean, keyword reach) and a portal with
one planted defect of each kind, each caught and named with its file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import REPO, SiteMaker, story_text

from generator import audit
from generator.cli import main
from generator.diagnostics import Diagnostics, format_report


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def story(title: str, summary: str, **kwargs: str) -> str:
    """A story with its own summary (story_text gives every story the same one)."""
    return story_text(title, **kwargs).replace("summary: Ringkasan cerita.\n",
                                               f"summary: {summary}\n")


def static_page(title: str, description: str) -> str:
    return (f"<!DOCTYPE html><html lang=\"id\"><head><title>{title}</title>\n"
            f"<meta name=\"description\" content=\"{description}\"></head>\n"
            f"<body><h1>{title}</h1></body></html>\n")


LONG_DESCRIPTION = "Deskripsi yang ditulis terlalu panjang untuk hasil pencarian. " * 3
BIG_BODY = "".join(f"Paragraf {n} tentang warga yang bergotong royong memperbaiki jalan desa.\n\n"
                   for n in range(2200))


@pytest.fixture
def defects(make_site: SiteMaker, tiny_png: bytes,
            capsys: pytest.CaptureFixture[str]) -> Path:
    """A built portal with each defect planted once."""
    root = make_site({
        # Two stories under one title, in different years (so two URLs).
        "content/stories/2023/kembar.md": story(
            "Posyandu Kembar di Desa Satu", "Cerita pertama tentang posyandu di Kecamatan "
            "Satu yang bertambah kadernya.", date="2023-05-01 08:00"),
        "content/stories/2024/kembar.md": story(
            "Posyandu Kembar di Desa Satu", "Cerita kedua tentang posyandu yang membuka "
            "layanan malam bagi ibu bekerja.", date="2024-05-01 08:00", region="kec-dua"),
        # Raw HTML: an image without alt, a link to a page that does not exist, and a link
        # to the static page with the over-long description.
        "content/stories/2024/gambar.md": story(
            "Gambar dari Pasar Murah Kecamatan", "Pasar murah di Kecamatan Satu menjual "
            "sembako di bawah harga pasar bagi warga.",
            body='Teks.\n\n<img src="/foto.png">\n\n[arsip lama](/berita/2019/hilang/) dan '
                 '[panduan](/panduan.html)\n'),
        "content/stories/2024/berat.md": story(
            "Laporan Lengkap Gotong Royong Jalan Desa", "Laporan panjang kegiatan gotong "
            "royong memperbaiki jalan desa sepanjang dua kilometer.", body=BIG_BODY),
        "content/static/favicon.png": tiny_png,
        "content/static/foto.png": tiny_png,
        "content/static/panduan.html": static_page("Panduan Menulis Cerita Warga",
                                                   LONG_DESCRIPTION),
        "content/static/lama.html": static_page(
            "Halaman Lama yang Terlupakan", "Halaman lama yang tidak lagi ditautkan dari mana "
            "pun di portal ini."),
    })
    code, _, err = run(capsys, "build", "--root", str(root))
    assert code == 0, err
    return root


def findings(report: audit.AuditReport, check: str) -> list[tuple[str, int]]:
    return [(f.path, f.line) for f in report.findings if f.check == check]


def test_each_planted_defect_is_caught_and_named(defects: Path) -> None:
    diags = Diagnostics()
    report = audit.audit(defects, defects / "output", diags)
    assert report is not None, format_report(diags)
    gambar = "berita/2024/gambar-dari-pasar-murah-kecamatan/index.html"
    # Errors: exactly the planted ones.
    errors = sorted((f.check, f.path, f.message) for f in report.findings
                    if f.severity == "error")
    assert errors == [
        ("broken_link", gambar, "tautan rusak: <a> ke '/berita/2019/hilang/', tidak ada "
         "berkasnya di hasil build"),
        ("duplicate_title", "berita/2023/posyandu-kembar-di-desa-satu/index.html",
         "judul sama dengan halaman lain: berita/2024/posyandu-kembar-di-desa-satu/index.html"),
        ("duplicate_title", "berita/2024/posyandu-kembar-di-desa-satu/index.html",
         "judul sama dengan halaman lain: berita/2023/posyandu-kembar-di-desa-satu/index.html"),
        ("missing_alt", gambar, "gambar tanpa teks alt: /foto.png"),
    ]
    # Located at the line of the tag in the built file.
    html = (defects / "output" / gambar).read_text().splitlines()
    (line,) = [n for path, n in findings(report, "missing_alt")]
    assert '<img src="/foto.png">' in html[line - 1]
    (line,) = [n for path, n in findings(report, "broken_link")]
    assert 'href="/berita/2019/hilang/"' in html[line - 1]
    # Warnings, each on its file.
    assert ("panduan.html", 0) in findings(report, "description_length")
    assert findings(report, "orphan") == [("lama.html", 0)]
    assert findings(report, "heavy_page") == [
        ("berita/2024/laporan-lengkap-gotong-royong-jalan-desa/index.html", 0)]
    long = next(f for f in report.findings if f.check == "description_length"
                and f.path == "panduan.html")
    assert long.severity == "warning"
    assert long.message == (f"deskripsi terlalu panjang: {len(LONG_DESCRIPTION.strip())} "
                            "karakter (sebaiknya 50 sampai 160)")
    # The heavy-page threshold is configurable.
    lighter = audit.audit(defects, defects / "output", Diagnostics(), max_kb=1000)
    assert lighter is not None and not findings(lighter, "heavy_page")


def test_terminal_report_json_and_strict(defects: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "audit", "--root", str(defects))
    assert code == 0  # a report, not a gate, without --strict
    output = (defects / "output").as_posix()
    assert (f"{output}/berita/2024/gambar-dari-pasar-murah-kecamatan/index.html:") in out
    assert f"{output}/lama.html: warning: halaman yatim: tidak ada halaman lain yang " \
           "menautkannya" in out
    lines = out.splitlines()
    heading = next(n for n, line in enumerate(lines) if line.startswith("PEMERIKSAAN"))
    assert lines[heading].split() == ["PEMERIKSAAN", "TINGKAT", "JUMLAH"]
    assert lines[heading + 2].split() == ["gambar", "tanpa", "alt", "kesalahan", "1"]
    assert re.fullmatch(r"\d+ halaman HTML \(\d+ dapat diindeks\): 4 kesalahan, \d+ "
                        r"peringatan", lines[-1]), lines[-1]

    code, out, _ = run(capsys, "audit", "--root", str(defects), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["errors"] == 4
    assert {f["check"] for f in data["findings"]} >= {
        "broken_link", "duplicate_title", "missing_alt", "orphan", "heavy_page",
        "description_length"}
    assert data["keywords"][0]["keyword"] == "Uji"

    code, _, _ = run(capsys, "audit", "--root", str(defects), "--strict")
    assert code == 1
    code, _, _ = run(capsys, "audit", "--root", str(defects), "--strict", "--json")
    assert code == 1


def test_the_example_portal_has_no_errors_and_reaches_its_keywords(
        example_output: Path, capsys: pytest.CaptureFixture[str]) -> None:
    diags = Diagnostics()
    report = audit.audit(REPO, example_output, diags)
    assert report is not None, format_report(diags)
    errors = [f for f in report.findings if f.severity == "error"]
    assert not errors, errors
    assert report.pages > 100 and report.indexable == report.pages - 1  # 404 is noindex
    rows = {(k.region, k.keyword): k for k in report.keywords}
    for key in (("kotawaringin-timur", "Sampit"), ("baamang", "Sampit"),
                ("baamang", "Baamang")):
        reach = rows[key]
        assert reach.pages > 0 and reach.in_title > 0, reach
        assert (example_output / reach.hub.lstrip("/") / "index.html").is_file()
        assert reach.hub_inbound > 0
    assert rows[("baamang", "Baamang")].hub == "/wilayah/kotawaringin-timur/baamang/"
    assert rows[("baamang", "Baamang")].hub_has_keyword
    # "Sampit" is not in the title of the Baamang hub: reported, not stuffed in.
    assert not rows[("baamang", "Sampit")].hub_has_keyword
    # The site name in every <title> does not count as carrying a keyword.
    assert rows[("kotawaringin-timur", "Kotim")].in_title < report.indexable // 2

    code, out, _ = run(capsys, "audit", "--root", str(REPO), "--output",
                       str(example_output), "--strict")
    assert code == 0
    table = out[out.index("WILAYAH"):].splitlines()
    assert table[0].split()[:3] == ["WILAYAH", "KATA", "KUNCI"]
    assert any(line.split()[:2] == ["baamang", "Baamang"] for line in table)


def test_audit_without_a_build_exits_1(make_site: SiteMaker,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site({})
    code, out, err = run(capsys, "audit", "--root", str(root))
    assert code == 1 and out == ""
    assert f"{(root / 'output').as_posix()}: error: folder hasil build tidak ada atau belum " \
           "berisi index.html" in err


def test_links_resolve_like_a_browser() -> None:
    from urllib.parse import urlsplit
    base = urlsplit("https://kabar.example.go.id")
    assert audit._internal("../b/", "/a/x/", base) == "/a/b/"
    assert audit._internal("https://kabar.example.go.id/x/?q=1#y", "/", base) == "/x/"
    assert audit._internal("//kabar.example.go.id/x/", "/", base) == "/x/"
    assert audit._internal("foto%20baru.jpg", "/berita/a/", base) == "/berita/a/foto baru.jpg"
    for outside in ("https://other.example/x", "mailto:a@b.c", "#top", "tel:123",
                    "data:image/png;base64,AA", "javascript:void(0)", ""):
        assert audit._internal(outside, "/", base) is None
    files = {"index.html", "a/index.html", "b.png"}
    assert audit._file_of("/", files) == "index.html"
    assert audit._file_of("/a", files) == "a/index.html"
    assert audit._file_of("/b.png", files) == "b.png"
    assert audit._file_of("/c/", files) is None
