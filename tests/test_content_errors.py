"""Mistakes in content/ files: each is an exact, located diagnostic in plain Indonesian.

Every case builds a small inline portal (conftest `make_site`, MINIMAL_SITE_YAML) and
compares the whole formatted report. Lines are lines of the FILE, counted from 1 at its
opening '---' (story_text puts the extra front-matter lines at line 9).
"""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import MINIMAL_SITE_YAML, SiteMaker, build_site, story_text
from PIL import Image

from generator.content.metadata import PageFields, SourceFields, StoryFields
from generator.diagnostics import BuildFailed, format_report

STORY = "content/stories/2024/posyandu-baru.md"
BUNDLE = "content/stories/2024/posyandu-baru/index.md"
PHOTO = "content/stories/2024/posyandu-baru/foto.png"
PAGE = "content/pages/tentang.md"


def png(width: int = 4, height: int = 3) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(buffer, "PNG")
    return buffer.getvalue()


def failure(make_site: SiteMaker, files: dict[str, str | bytes], **options: object) -> str:
    """Build the portal, which must fail, and return its formatted report."""
    root = make_site(files)
    with pytest.raises(BuildFailed) as exc:
        build_site(root, **options)
    return format_report(exc.value.diagnostics)


def with_body(body: str, **kwargs: str) -> str:
    return story_text(body=body, **kwargs)


# (case id, files, the exact report)
CASES: list[tuple[str, dict[str, str | bytes], str]] = [
    ("yaml-unclosed-quote", {STORY: story_text(extra='image_alt: "Warga antre\n')},
     f"{STORY}:9:12: error: YAML tidak valid: tanda kutip tidak ditutup\n"
     '  hint: tambahkan tanda kutip penutup di akhir nilai ini, misalnya title: "Judul cerita"\n'
     '  | image_alt: "Warga antre'),
    ("yaml-colon-in-title",
     {STORY: story_text().replace('title: "Posyandu Baru"', "title: Bupati: Posyandu Baru")},
     f"{STORY}:2:14: error: YAML tidak valid: ada titik dua ':' yang tidak pada tempatnya\n"
     "  hint: jika titik dua bagian dari isi, apit nilainya dengan tanda kutip, misalnya "
     'title: "Bupati: jalan baru"; jika bukan, periksa indentasi baris ini\n'
     "  | title: Bupati: Posyandu Baru"),
    ("yaml-tab", {STORY: story_text(extra="\tslug: posyandu\n")},
     f"{STORY}:9:1: error: YAML tidak valid: indentasi memakai tab\n"
     "  hint: gunakan spasi untuk indentasi, bukan tab\n"
     "  | \tslug: posyandu"),
    ("yaml-line-without-key", {STORY: story_text(extra="Posyandu buka setiap Senin.\n")},
     f"{STORY}:9:1: error: YAML tidak valid: baris ini tidak berbentuk 'kunci: nilai'\n"
     "  hint: tulis nama kunci dan titik dua di depannya, misalnya summary: Ringkasan cerita; "
     "teks lanjutan dari baris sebelumnya harus menjorok ke dalam\n"
     "  | Posyandu buka setiap Senin."),
    ("no-front-matter", {STORY: "Posyandu Baru\n\nParagraf pertama.\n"},
     f"{STORY}:1: error: berkas tidak diawali front matter\n"
     "  hint: baris pertama harus '---', lalu title, date, dst., lalu '---' lagi\n"
     "  | Posyandu Baru"),
    ("blank-line-before-front-matter", {STORY: "\n" + story_text()},
     f"{STORY}:1: error: ada baris kosong sebelum '---' pembuka front matter\n"
     "  hint: hapus baris kosong di awal berkas; '---' harus di baris pertama"),
    ("unclosed-front-matter", {STORY: story_text().replace("\n---\n", "\n", 1)},
     f"{STORY}:1: error: front matter tidak ditutup\n"
     "  hint: tambahkan baris '---' (tiga tanda minus) setelah baris terakhir front matter\n"
     "  | ---"),
    ("empty-front-matter", {STORY: "---\n---\n\nParagraf.\n"},
     f"{STORY}:2: error: front matter harus berisi pasangan kunci: nilai\n"
     '  hint: contoh baris: title: "Judul cerita"'),
    ("missing-title", {STORY: story_text().replace('title: "Posyandu Baru"\n', "")},
     f"{STORY}:2:1: error: title wajib diisi\n"
     "  hint: tambahkan baris 'title:' beserta isinya, misalnya "
     'title: "Posyandu Baru di Baamang"'),
    ("title-without-value", {STORY: story_text().replace('title: "Posyandu Baru"', "title:")},
     f"{STORY}:2:1: error: title wajib diisi\n"
     "  hint: tambahkan baris 'title:' beserta isinya, misalnya "
     'title: "Posyandu Baru di Baamang"\n'
     "  | title:"),
    ("empty-title", {STORY: story_text(title="")},
     f"{STORY}:2:8: error: title kosong\n"
     "  hint: tulis judul cerita setelah 'title:'\n"
     '  | title: ""'),
    ("missing-date", {STORY: story_text().replace("date: 2024-03-12 09:30\n", "")},
     f"{STORY}:2:1: error: date wajib diisi\n"
     "  hint: tambahkan baris 'date:' beserta isinya, misalnya date: 2024-11-20 09:30"),
    ("bad-date", {STORY: story_text(date="12 Maret 2024")},
     f"{STORY}:3:7: error: tanggal '12 Maret 2024' tidak bisa dibaca\n"
     "  hint: tulis tahun-bulan-tanggal dan jam, misalnya 2024-11-20 09:30 (atau 2024-11-20)\n"
     "  | date: 12 Maret 2024"),
    ("unknown-region", {STORY: story_text(region="kec-satuu")},
     f"{STORY}:4:9: error: wilayah 'kec-satuu' tidak ada di site.yaml\n"
     "  hint: maksud Anda 'kec-satu' atau 'kec-dua'?\n"
     "  | region: kec-satuu"),
    ("unknown-category", {STORY: story_text(category="kesehatn")},
     f"{STORY}:5:11: error: kategori 'kesehatn' tidak ada di site.yaml\n"
     "  hint: maksud Anda 'kesehatan'?\n"
     "  | category: kesehatn"),
    ("unknown-author", {STORY: story_text(author="rinna")},
     f"{STORY}:6:9: error: penulis 'rinna' tidak ada di daftar operators site.yaml\n"
     "  hint: maksud Anda 'rina'?\n"
     "  | author: rinna"),
    ("unknown-author-far-off", {STORY: story_text(author="siti")},
     f"{STORY}:6:9: error: penulis 'siti' tidak ada di daftar operators site.yaml\n"
     "  hint: pilihan yang ada: 'budi', 'rina'\n"
     "  | author: siti"),
    ("unknown-key", {STORY: story_text(extra="tag: [lansia]\n")},
     f"{STORY}:9:1: error: kunci 'tag' tidak dikenal\n"
     "  hint: maksud Anda 'tags'?\n"
     "  | tag: [lansia]"),
    ("duplicate-key", {STORY: story_text(extra='title: "Posyandu Lagi"\n')},
     f"{STORY}:9:1: error: kunci 'title' ditulis dua kali\n"
     "  hint: hapus salah satunya; YAML hanya memakai yang terakhir\n"
     '  | title: "Posyandu Lagi"'),
    ("unknown-status", {STORY: story_text(extra="status: terbit\n")},
     f"{STORY}:9:9: error: status: nilai 'terbit' tidak dikenal\n"
     "  hint: pilihan yang ada: 'draft', 'published', 'review'\n"
     "  | status: terbit"),
    ("updated-before-date", {STORY: story_text(extra="updated: 2024-03-01\n")},
     f"{STORY}:9:10: error: updated (2024-03-01) lebih awal dari date (2024-03-12 09:30)\n"
     "  hint: updated adalah waktu cerita diperbarui, jadi harus sesudah date; hapus baris "
     "updated jika cerita belum pernah diperbarui\n"
     "  | updated: 2024-03-01"),
    ("bad-updated", {STORY: story_text(extra="updated: kemarin\n")},
     f"{STORY}:9:10: error: tanggal 'kemarin' tidak bisa dibaca\n"
     "  hint: tulis tahun-bulan-tanggal dan jam, misalnya 2024-11-20 09:30 (atau 2024-11-20)\n"
     "  | updated: kemarin"),
    ("unsafe-slug", {STORY: story_text(extra="slug: Posyandu Baru!\n")},
     f"{STORY}:9:7: error: slug 'Posyandu Baru!' tidak aman untuk URL\n"
     "  hint: pakai huruf kecil, angka dan '-', misalnya 'posyandu-baru'\n"
     "  | slug: Posyandu Baru!"),
    ("slug-with-path", {STORY: story_text(extra="slug: ../../index\n")},
     f"{STORY}:9:7: error: slug '../../index' tidak aman untuk URL\n"
     "  hint: pakai huruf kecil, angka dan '-', misalnya 'index'\n"
     "  | slug: ../../index"),
    ("bad-source-url", {STORY: story_text(extra="source:\n  name: Dinkes\n  url: dinkes.go.id\n")},
     f"{STORY}:11:8: error: source.url harus URL lengkap yang diawali https://\n"
     "  hint: contoh: https://dinkes.kotimkab.go.id/siaran-pers\n"
     "  |   url: dinkes.go.id"),
    ("image-without-alt", {BUNDLE: story_text(extra="image: foto.png\n"), PHOTO: png()},
     f"{BUNDLE}:9:8: error: image_alt wajib diisi jika ada image\n"
     "  hint: tambahkan 'image_alt:' yang menjelaskan isi gambar untuk pembaca tunanetra\n"
     "  | image: foto.png"),
    ("image-missing", {STORY: story_text(extra="image: foto.jpg\nimage_alt: Warga antre\n")},
     f"{STORY}:9:8: error: berkas 'foto.jpg' tidak ditemukan\n"
     "  hint: taruh gambar di folder yang sama dengan berkas cerita, lalu tulis namanya saja, "
     "misalnya image: foto.jpg\n"
     "  | image: foto.jpg"),
    ("image-broken",
     {BUNDLE: story_text(extra="image: foto.png\nimage_alt: Warga antre\n"),
      PHOTO: b"bukan gambar"},
     f"{BUNDLE}:9:8: error: gambar 'foto.png' rusak atau formatnya tidak dikenal\n"
     "  hint: taruh gambar di folder yang sama dengan berkas cerita, lalu tulis namanya saja, "
     "misalnya image: foto.jpg\n"
     "  | image: foto.png"),
    ("image-not-a-picture",
     {BUNDLE: story_text(extra="image: catatan.txt\nimage_alt: Catatan\n"),
      "content/stories/2024/posyandu-baru/catatan.txt": "Catatan.\n"},
     f"{BUNDLE}:9:8: error: image 'catatan.txt' bukan berkas gambar\n"
     "  hint: pakai berkas .avif, .gif, .jpeg, .jpg, .png, .webp\n"
     "  | image: catatan.txt"),
    ("image-is-a-web-address",
     {STORY: story_text(extra="image: https://contoh.id/foto.jpg\nimage_alt: Warga antre\n")},
     f"{STORY}:9:8: error: image 'https://contoh.id/foto.jpg' harus berkas di samping cerita, "
     "bukan alamat internet\n"
     "  hint: unduh gambarnya, taruh di folder yang sama dengan berkas cerita, lalu tulis "
     "namanya saja, misalnya image: foto.jpg\n"
     "  | image: https://contoh.id/foto.jpg"),
    ("link-to-missing-file",
     {STORY: with_body("Paragraf pertama.\n\nLihat juga [cerita lain](lain.md).\n")},
     f"{STORY}:13: error: berkas 'lain.md' tidak ditemukan\n"
     "  hint: periksa nama berkas dan foldernya; tautan dihitung dari letak berkas cerita ini\n"
     "  | Lihat juga [cerita lain](lain.md)."),
    ("link-to-draft",
     {STORY: with_body("Paragraf pertama.\n\nLihat juga [cerita lain](lain.md).\n"),
      "content/stories/2024/lain.md": story_text(title="Lain", extra="status: draft\n")},
     f"{STORY}:13: error: cerita tujuan 'lain.md' belum terbit (status bukan published)\n"
     "  hint: terbitkan cerita itu dulu, atau hapus tautannya untuk sementara\n"
     "  | Lihat juga [cerita lain](lain.md)."),
    ("link-outside-content",
     {STORY: with_body("Lihat [konfigurasi](../../../site.yaml).\n")},
     f"{STORY}:11: error: tautan '../../../site.yaml' keluar dari folder content/\n"
     "  hint: tautkan hanya berkas di dalam content/\n"
     "  | Lihat [konfigurasi](../../../site.yaml)."),
    ("duplicate-url",
     {STORY: story_text(), "content/stories/2024/posyandu-baru-2.md": story_text(
         date="2024-05-01")},
     f"{STORY}:2:8: error: alamat /berita/2024/posyandu-baru/ sudah dipakai oleh "
     "content/stories/2024/posyandu-baru-2.md\n"
     "  hint: ubah judul salah satu cerita, atau beri 'slug:' yang berbeda\n"
     '  | title: "Posyandu Baru"'),
    ("page-unknown-key", {PAGE: "---\njudul: Tentang\n---\n\nIsi.\n"},
     f"{PAGE}:2:1: error: kunci 'judul' tidak dikenal\n"
     "  hint: pilihan yang ada: 'menu', 'slug', 'summary', 'title'\n"
     "  | judul: Tentang\n"
     f"{PAGE}:2:1: error: title wajib diisi\n"
     "  hint: tambahkan baris 'title:' beserta isinya, misalnya title: Tentang Kami"),
    ("page-misspelt-title", {PAGE: "---\ntitel: Tentang\n---\n\nIsi.\n"},
     f"{PAGE}:2:1: error: kunci 'titel' tidak dikenal\n"
     "  hint: maksud Anda 'title'?\n"
     "  | titel: Tentang"),
    ("page-reserved-address", {"content/pages/berita.md": "---\ntitle: Berita\n---\n\nIsi.\n"},
     "content/pages/berita.md:2: error: alamat halaman '/berita/' sudah dipakai kabar sendiri\n"
     "  hint: beri 'slug:' lain, misalnya 'tentang-kami'"),
    ("page-menu-not-a-number", {PAGE: "---\ntitle: Tentang\nmenu: pertama\n---\n\nIsi.\n"},
     f"{PAGE}:3:7: error: menu: harus berupa bilangan bulat, bukan 'pertama'\n"
     "  hint: tulis angkanya saja tanpa tanda kutip, misalnya menu: 10\n"
     "  | menu: pertama"),
    ("not-utf8", {STORY: story_text(title="Kafe Baru").replace("Kafe", "Caf\xe9")
                  .encode("latin-1")},
     f"{STORY}:2: error: berkas bukan teks UTF-8 (ada huruf yang tidak bisa dibaca)\n"
     "  hint: simpan ulang berkas dengan encoding UTF-8 (bukan dari Word)"),
]


@pytest.mark.parametrize(("case", "files", "expected"), CASES, ids=[c[0] for c in CASES])
def test_content_mistake(make_site: SiteMaker, case: str, files: dict[str, str | bytes],
                         expected: str) -> None:
    assert failure(make_site, files) == expected


def test_symlink_outside_content_is_refused(make_site: SiteMaker, tmp_path: Path) -> None:
    secret = tmp_path / "rahasia.md"
    secret.write_text(story_text(title="Rahasia"), encoding="utf-8")
    root = make_site({STORY: story_text()})
    (root / "content/stories/2024/rahasia.md").symlink_to(secret)
    with pytest.raises(BuildFailed) as exc:
        build_site(root)
    assert format_report(exc.value.diagnostics) == (
        "content/stories/2024/rahasia.md: error: tautan simbolik (symlink) menunjuk ke luar "
        "folder content/\n"
        "  hint: salin berkasnya ke dalam content/ alih-alih membuat symlink")


def test_symlink_to_a_folder_outside_content_is_refused(make_site: SiteMaker,
                                                        tmp_path: Path) -> None:
    outside = tmp_path / "luar"
    outside.mkdir()
    (outside / "cerita.md").write_text(story_text(title="Luar"), encoding="utf-8")
    root = make_site({STORY: story_text()})
    (root / "content/stories/luar").symlink_to(outside, target_is_directory=True)
    with pytest.raises(BuildFailed) as exc:
        build_site(root)
    assert format_report(exc.value.diagnostics) == (
        "content/stories/luar: error: tautan simbolik (symlink) menunjuk ke luar "
        "folder content/\n"
        "  hint: salin berkasnya ke dalam content/ alih-alih membuat symlink")


def test_errors_of_all_files_are_reported_in_one_run(make_site: SiteMaker) -> None:
    report = failure(make_site, {
        "content/stories/2024/satu.md": story_text(title="Satu", region="kec-tiga"),
        "content/stories/2024/dua.md": story_text(title="Dua", date="Maret 2024"),
        "content/stories/2024/tiga.md": story_text(title="Tiga"),  # fine
        PAGE: "---\ntitle: Tentang\nmenu: satu\n---\n",
    })
    assert report == (
        f"{PAGE}:3:7: error: menu: harus berupa bilangan bulat, bukan 'satu'\n"
        "  hint: tulis angkanya saja tanpa tanda kutip, misalnya menu: 10\n"
        "  | menu: satu\n"
        "content/stories/2024/dua.md:3:7: error: tanggal 'Maret 2024' tidak bisa dibaca\n"
        "  hint: tulis tahun-bulan-tanggal dan jam, misalnya 2024-11-20 09:30 (atau 2024-11-20)\n"
        "  | date: Maret 2024\n"
        "content/stories/2024/satu.md:4:9: error: wilayah 'kec-tiga' tidak ada di site.yaml\n"
        "  hint: maksud Anda 'kec-dua' atau 'kec-satu'?\n"
        "  | region: kec-tiga")


def test_every_mistake_of_one_file_is_reported(make_site: SiteMaker) -> None:
    report = failure(make_site, {STORY: story_text(region="kec-tiga", category="olahraga",
                                                   author="rinna")})
    assert report == (
        f"{STORY}:4:9: error: wilayah 'kec-tiga' tidak ada di site.yaml\n"
        "  hint: maksud Anda 'kec-dua' atau 'kec-satu'?\n"
        "  | region: kec-tiga\n"
        f"{STORY}:5:11: error: kategori 'olahraga' tidak ada di site.yaml\n"
        "  hint: pilihan yang ada: 'kesehatan', 'pendidikan'\n"
        "  | category: olahraga\n"
        f"{STORY}:6:9: error: penulis 'rinna' tidak ada di daftar operators site.yaml\n"
        "  hint: maksud Anda 'rina'?\n"
        "  | author: rinna")


def test_same_title_in_different_years_is_fine(make_site: SiteMaker) -> None:
    root = make_site({STORY: story_text(),
                      "content/stories/2025/posyandu-baru.md": story_text(date="2025-03-12")})
    urls = sorted(s.url for s in build_site(root).site.stories)
    assert urls == ["/berita/2024/posyandu-baru/", "/berita/2025/posyandu-baru/"]


BODY_IMAGE = {BUNDLE: with_body("Paragraf pertama.\n\n![](foto.png)\n"), PHOTO: png()}
BODY_IMAGE_WARNING = (
    f"{BUNDLE}:13: warning: gambar tanpa teks alternatif (alt)\n"
    "  hint: tulis keterangan gambar di antara kurung siku: ![Warga menanam padi](foto.jpg)\n"
    "  | ![](foto.png)")


def test_body_image_without_alt_is_a_warning(make_site: SiteMaker) -> None:
    result = build_site(make_site(BODY_IMAGE))
    assert format_report(result.diagnostics) == BODY_IMAGE_WARNING
    assert not result.diagnostics.errors
    assert len(result.site.stories) == 1


def test_strict_turns_warnings_into_failure(make_site: SiteMaker) -> None:
    assert failure(make_site, BODY_IMAGE, strict=True) == BODY_IMAGE_WARNING


def test_long_summary_is_a_warning(make_site: SiteMaker) -> None:
    summary = "Kata " * 40
    text = story_text().replace("summary: Ringkasan cerita.", f"summary: {summary.strip()}")
    result = build_site(make_site({STORY: text}))
    assert format_report(result.diagnostics) == (
        f"{STORY}:8:10: warning: summary terlalu panjang (199 karakter)\n"
        "  hint: mesin pencari memotong deskripsi setelah sekitar 160 karakter\n"
        f"  | summary: {summary.strip()}")


def test_empty_optional_keys_count_as_absent(make_site: SiteMaker) -> None:
    root = make_site({STORY: story_text(extra="image:\nimage_alt:\nslug:\nupdated:\n")})
    story = build_site(root).site.stories[0]
    assert (story.meta.image, story.meta.slug, story.meta.updated) == (
        None, "posyandu-baru", None)


@pytest.mark.parametrize(("written", "offset", "local"), [
    ("2024-03-12 09:30", timedelta(hours=7), "2024-03-12 09:30"),  # site zone: Asia/Jakarta
    ("2024-03-12", timedelta(hours=7), "2024-03-12 00:00"),
    ("2024-03-12T09:30:00+08:00", timedelta(hours=8), "2024-03-12 09:30"),
    ('"2024-03-12 09:30 +09:00"', timedelta(hours=9), "2024-03-12 09:30"),
    ("2024/03/12 09:30", timedelta(hours=7), "2024-03-12 09:30"),
])
def test_story_dates_and_zones(make_site: SiteMaker, written: str, offset: timedelta,
                               local: str) -> None:
    story = build_site(make_site({STORY: story_text(date=written)})).site.stories[0]
    assert story.meta.date.utcoffset() == offset
    assert story.meta.date.strftime("%Y-%m-%d %H:%M") == local


def test_site_timezone_applies_to_dates_without_offset(make_site: SiteMaker) -> None:
    site_yaml = MINIMAL_SITE_YAML.replace("Asia/Jakarta", "Asia/Makassar")
    root = make_site({"site.yaml": site_yaml, STORY: story_text()})
    story = build_site(root).site.stories[0]
    assert story.meta.date.utcoffset() == timedelta(hours=8)


def test_every_front_matter_key_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "content.md").read_text("utf-8")
    story, page = doc.split("## Story front matter")[1].split("## Page front matter")
    for cls, section in ((StoryFields, story), (PageFields, page)):
        for f in dataclasses.fields(cls):
            assert f"| `{f.name}` |" in section, f"docs/content.md: no row for `{f.name}`"
    for f in dataclasses.fields(SourceFields):
        assert f"`source.{f.name}`" in story
