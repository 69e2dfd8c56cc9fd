"""site.yaml validation: every mistake is one exact, located, plain-Indonesian diagnostic.

The cases edit MINIMAL_SITE_YAML (see conftest.py for its line numbers) and compare the whole
formatted report, so a change of wording, line, column, hint or source line shows up here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType

import pytest
import yaml
from conftest import MINIMAL_SITE_YAML

from generator.config import load_config, parse_config, yamlsource
from generator.config.schema import Social
from generator.diagnostics import Diagnostics, format_report


def edit(old: str, new: str, text: str = MINIMAL_SITE_YAML) -> str:
    """MINIMAL_SITE_YAML with one exact piece replaced (which must occur once)."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def report(text: str) -> str:
    """Parse `text` as site.yaml, which must fail, and return the formatted diagnostics."""
    diags = Diagnostics()
    assert parse_config(text, diags) is None
    assert diags.errors, "an invalid site.yaml must report an error"
    return format_report(diags)


DEEP_REGION = """\
        description: Kecamatan satu.
        children:
          - id: desa-satu
            name: Desa Satu
            children:
              - id: dusun-satu
                name: Dusun Satu
"""

# (case id, site.yaml text, the exact report)
SCHEMA_CASES = [
    ("unknown-top-level-key", edit("title: Kabar Uji", "titel: Kabar Uji"),
     "site.yaml:1:1: error: kunci 'titel' tidak dikenal\n"
     "  hint: maksud Anda 'title'?\n"
     "  | titel: Kabar Uji"),
    ("unknown-nested-key",
     edit("    region: kec-satu\n", "    region: kec-satu\n    rol: editor\n"),
     "site.yaml:28:5: error: kunci 'rol' tidak dikenal di operators[0]\n"
     "  hint: maksud Anda 'role'?\n"
     "  |     rol: editor"),
    ("unknown-key-in-section", edit("  name: Diskominfo Uji", "  nama: Diskominfo Uji"),
     "site.yaml:6:3: error: kunci 'nama' tidak dikenal di organisation\n"
     "  hint: maksud Anda 'name'?\n"
     "  |   nama: Diskominfo Uji"),
    ("unknown-key-without-suggestion", MINIMAL_SITE_YAML + "warna: biru\n",
     "site.yaml:33:1: error: kunci 'warna' tidak dikenal\n"
     "  hint: pilihan yang ada: 'base_url', 'cards', 'categories', 'editorial', 'extra', "
     "'factcheck', 'feeds', 'history', …\n"
     "  | warna: biru"),
    ("missing-required-key", edit("base_url: https://uji.example.go.id\n", ""),
     "site.yaml:1:1: error: base_url wajib diisi\n"
     "  hint: tambahkan baris 'base_url:' beserta isinya, misalnya "
     "base_url: https://kabar.kotimkab.go.id"),
    ("missing-required-section", MINIMAL_SITE_YAML.split("categories:")[0] + "operators: []\n",
     "site.yaml:1:1: error: categories wajib diisi\n"
     "  hint: tambahkan baris 'categories:' beserta isinya; lihat contoh di docs/config.md"),
    ("missing-nested-key", edit("  url: https://diskominfo.example.go.id\n", ""),
     "site.yaml:5:1: error: organisation.url wajib diisi\n"
     "  hint: tambahkan baris 'url:' beserta isinya, misalnya "
     "url: https://diskominfo.slemankab.go.id\n"
     "  | organisation:"),
    ("required-key-left-empty", edit("title: Kabar Uji", "title:"),
     "site.yaml:1:1: error: title wajib diisi\n"
     "  hint: tambahkan baris 'title:' beserta isinya, misalnya title: Kabar Kotim\n"
     "  | title:"),
    ("wrong-type-int", edit("per_page: 2", 'per_page: "sepuluh"'),
     "site.yaml:32:11: error: per_page: harus berupa bilangan bulat, bukan 'sepuluh'\n"
     "  hint: tulis angkanya saja tanpa tanda kutip, misalnya per_page: 10\n"
     '  | per_page: "sepuluh"'),
    ("wrong-type-list", edit("    keywords: [Uji]", "    keywords:\n      nama: Uji"),
     "site.yaml:13:7: error: regions[0].keywords: harus berupa daftar\n"
     "  hint: tulis isinya satu per baris diawali '- ', atau dalam [ ], misalnya "
     "tags: [posyandu, lansia]\n"
     "  |       nama: Uji"),
    ("wrong-type-mapping", edit("organisation:\n  name: Diskominfo Uji\n"
                                "  url: https://diskominfo.example.go.id\n",
                                "organisation: Diskominfo Uji\n"),
     "site.yaml:5:15: error: organisation: harus berupa pasangan kunci: nilai\n"
     "  hint: tulis setiap 'kunci: nilai' di baris berikutnya, menjorok dua spasi\n"
     "  | organisation: Diskominfo Uji"),
    ("wrong-type-text", edit("title: Kabar Uji", "title: [Kabar, Uji]"),
     "site.yaml:1:8: error: title: harus berupa teks\n"
     '  hint: apit nilainya dengan tanda kutip, misalnya title: "Judul"\n'
     "  | title: [Kabar, Uji]"),
    ("per-page-out-of-range", edit("per_page: 2", "per_page: 0"),
     "site.yaml:32:11: error: per_page harus antara 1 dan 100\n"
     "  hint: misalnya per_page: 10\n"
     "  | per_page: 0"),
    ("bad-base-url", edit("base_url: https://uji.example.go.id", "base_url: uji.example.go.id"),
     "site.yaml:3:11: error: base_url: harus URL lengkap yang diawali https://\n"
     "  hint: contoh: https://kabar.kotimkab.go.id\n"
     "  | base_url: uji.example.go.id"),
    ("bad-organisation-url", edit("  url: https://diskominfo.example.go.id",
                                  "  url: diskominfo.example.go.id"),
     "site.yaml:7:8: error: organisation.url: harus URL lengkap yang diawali https://\n"
     "  hint: contoh: https://kabar.kotimkab.go.id\n"
     "  |   url: diskominfo.example.go.id"),
    ("bad-social-url", MINIMAL_SITE_YAML + "social:\n  instagram: instagram.com/kabaruji\n",
     "site.yaml:34:14: error: social.instagram: harus URL lengkap yang diawali https://\n"
     "  hint: salin alamatnya dari peramban, misalnya https://www.instagram.com/kabarkotim\n"
     "  |   instagram: instagram.com/kabaruji"),
    ("unknown-timezone", edit("timezone: Asia/Jakarta", "timezone: Asia/Jakrta"),
     "site.yaml:4:11: error: zona waktu 'Asia/Jakrta' tidak dikenal\n"
     "  hint: maksud Anda 'Asia/Jakarta' atau 'Asia/Makassar' atau 'Asia/Jayapura'?\n"
     "  | timezone: Asia/Jakrta"),
    ("timezone-as-wita", edit("timezone: Asia/Jakarta", "timezone: WITA"),
     "site.yaml:4:11: error: zona waktu 'WITA' tidak dikenal\n"
     "  hint: untuk WITA tulis timezone: Asia/Makassar\n"
     "  | timezone: WITA"),
    ("invalid-language", MINIMAL_SITE_YAML + "language: fr\n",
     "site.yaml:33:11: error: language: nilai 'fr' tidak dikenal\n"
     "  hint: pilihan yang ada: 'en', 'id'\n"
     "  | language: fr"),
    ("invalid-role", edit("role: editor", "role: admin"),
     "site.yaml:31:11: error: operators[1].role: nilai 'admin' tidak dikenal\n"
     "  hint: pilihan yang ada: 'editor', 'operator'\n"
     "  |     role: admin"),
    ("duplicate-yaml-key", MINIMAL_SITE_YAML + "title: Kabar Lain\n",
     "site.yaml:33:1: error: kunci 'title' ditulis dua kali\n"
     "  hint: hapus salah satunya; YAML hanya memakai yang terakhir\n"
     "  | title: Kabar Lain"),
    ("several-mistakes-at-once",
     edit("per_page: 2", "per_page: dua", edit("title:", "titel:")) + "language: fr\n",
     "site.yaml:1:1: error: kunci 'titel' tidak dikenal\n"
     "  hint: maksud Anda 'title'?\n"
     "  | titel: Kabar Uji\n"
     "site.yaml:32:11: error: per_page: harus berupa bilangan bulat, bukan 'dua'\n"
     "  hint: tulis angkanya saja tanpa tanda kutip, misalnya per_page: 10\n"
     "  | per_page: dua\n"
     "site.yaml:33:11: error: language: nilai 'fr' tidak dikenal\n"
     "  hint: pilihan yang ada: 'en', 'id'\n"
     "  | language: fr"),
    ("not-a-mapping", "- title: Kabar Uji\n",
     "site.yaml:1: error: site.yaml harus berisi pasangan kunci: nilai\n"
     "  hint: lihat docs/config.md untuk contoh"),
    ("empty-file", "",
     "site.yaml:1: error: site.yaml harus berisi pasangan kunci: nilai\n"
     "  hint: lihat docs/config.md untuk contoh"),
]

RULE_CASES = [
    ("duplicate-region-id", edit("id: kec-dua", "id: kec-satu"),
     "site.yaml:17:13: error: id wilayah 'kec-satu' dipakai dua kali\n"
     "  hint: setiap id harus unik\n"
     "  |       - id: kec-satu"),
    ("duplicate-category-id", edit("id: pendidikan", "id: kesehatan"),
     "site.yaml:22:9: error: id kategori 'kesehatan' dipakai dua kali\n"
     "  hint: setiap id harus unik\n"
     "  |   - id: kesehatan"),
    ("operator-region-unknown", edit("    region: kec-satu", "    region: kec-satuu"),
     "site.yaml:27:13: error: wilayah 'kec-satuu' untuk operator 'rina' tidak ada di regions\n"
     "  hint: maksud Anda 'kec-satu' atau 'kec-dua'?\n"
     "  |     region: kec-satuu"),
    ("bad-id-format", edit("id: kec-dua", "id: Kec_Dua"),
     "site.yaml:17:13: error: id wilayah 'Kec_Dua' tidak valid\n"
     "  hint: pakai huruf kecil, angka dan tanda '-', misalnya 'kec-dua'\n"
     "  |       - id: Kec_Dua"),
    ("bad-operator-id", edit("id: rina", "id: Rina Wati"),
     "site.yaml:25:9: error: id operator 'Rina Wati' tidak valid\n"
     "  hint: pakai huruf kecil, angka dan tanda '-', misalnya 'rina-wati'\n"
     "  |   - id: Rina Wati"),
    ("region-too-deep", edit("        description: Kecamatan satu.\n", DEEP_REGION),
     "site.yaml:21:17: error: wilayah 'dusun-satu' ada di tingkat ke-4, padahal paling banyak "
     "3 tingkat\n"
     "  hint: tingkatannya kabupaten → kecamatan → desa; pindahkan wilayah ini ke 'children:' "
     "yang lebih atas\n"
     "  |               - id: dusun-satu"),
    ("empty-regions",
     edit("    region: kec-satu", "    region: kab-uji",
          MINIMAL_SITE_YAML.split("regions:")[0] + "regions: []\ncategories:"
          + MINIMAL_SITE_YAML.split("categories:")[1]),
     "site.yaml:8:10: error: regions tidak boleh kosong\n"
     "  hint: tambahkan minimal satu kabupaten\n"
     "  | regions: []"),
    ("bad-theme-name", MINIMAL_SITE_YAML + "theme: ../milik-lain\n",
     "site.yaml:33:8: error: nama tema '../milik-lain' tidak valid\n"
     "  hint: pakai nama folder di themes/, huruf kecil tanpa '/' atau '..'\n"
     "  | theme: ../milik-lain"),
]

SYNTAX_CASES = [
    ("tab-indentation", edit("  name: Diskominfo Uji", "\tname: Diskominfo Uji"),
     "site.yaml:6:1: error: YAML tidak valid: indentasi memakai tab\n"
     "  hint: gunakan spasi untuk indentasi, bukan tab\n"
     "  | \tname: Diskominfo Uji"),
    ("unclosed-quote", edit("tagline: Portal uji", 'tagline: "Portal uji'),
     "site.yaml:2:10: error: YAML tidak valid: tanda kutip tidak ditutup\n"
     '  hint: tambahkan tanda kutip penutup di akhir nilai ini, misalnya title: "Judul cerita"\n'
     '  | tagline: "Portal uji'),
    ("colon-in-value", edit("tagline: Portal uji", "tagline: Bupati: jalan baru"),
     "site.yaml:2:16: error: YAML tidak valid: ada titik dua ':' yang tidak pada tempatnya\n"
     "  hint: jika titik dua bagian dari isi, apit nilainya dengan tanda kutip, misalnya "
     'title: "Bupati: jalan baru"; jika bukan, periksa indentasi baris ini\n'
     "  | tagline: Bupati: jalan baru"),
    ("bad-indentation", edit("\n  url: https://diskominfo", "\n url: https://diskominfo"),
     "site.yaml:7:2: error: YAML tidak valid: baris ini tidak sejajar dengan baris sebelumnya\n"
     "  hint: samakan jumlah spasi di awal baris dengan baris di atasnya, dan periksa tanda "
     "kutip yang belum ditutup\n"
     "  |  url: https://diskominfo.example.go.id"),
    ("unclosed-list", edit("keywords: [Uji]", "keywords: [Uji"),
     "site.yaml:12:15: error: YAML tidak valid: daftar yang dibuka dengan '[' belum ditutup\n"
     "  hint: tutup daftar dengan ']' di baris yang sama, misalnya tags: [posyandu, kesehatan]\n"
     "  |     keywords: [Uji"),
    ("line-without-key", edit("tagline: Portal uji", "Portal uji"),
     "site.yaml:2:1: error: YAML tidak valid: baris ini tidak berbentuk 'kunci: nilai'\n"
     "  hint: tulis nama kunci dan titik dua di depannya, misalnya summary: Ringkasan cerita; "
     "teks lanjutan dari baris sebelumnya harus menjorok ke dalam\n"
     "  | Portal uji"),
    ("value-starting-with-at", edit("tagline: Portal uji", "tagline: @kabaruji"),
     "site.yaml:2:10: error: YAML tidak valid: nilai tidak boleh diawali '@'\n"
     '  hint: apit nilainya dengan tanda kutip, misalnya title: "@kabar"\n'
     "  | tagline: @kabaruji"),
    ("control-character", edit("tagline: Portal uji", "tagline: Portal\x07 uji"),
     "site.yaml:2:16: error: YAML tidak valid: ada karakter tak terlihat (kode 0x07)\n"
     "  hint: hapus karakter itu; biasanya terbawa saat menyalin teks dari aplikasi lain\n"
     "  | tagline: Portal<U+0007> uji"),  # shown by name: never raw on a terminal
]


def _ids(cases: list[tuple[str, str, str]]) -> list[str]:
    return [case[0] for case in cases]


@pytest.mark.parametrize(("case", "text", "expected"), SCHEMA_CASES, ids=_ids(SCHEMA_CASES))
def test_schema_mistakes(case: str, text: str, expected: str) -> None:
    assert report(text) == expected


@pytest.mark.parametrize(("case", "text", "expected"), RULE_CASES, ids=_ids(RULE_CASES))
def test_rule_mistakes(case: str, text: str, expected: str) -> None:
    assert report(text) == expected


class _PurePythonLoader(yaml.SafeLoader):
    """PyYAML without libyaml, as on a machine where PyYAML was built without it."""

    yaml_implicit_resolvers = yamlsource._Loader.yaml_implicit_resolvers


@pytest.fixture(params=["libyaml", "pure-python"])
def yaml_loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
                ) -> Iterator[str]:
    """Both PyYAML parsers word their errors differently; the operator sees one text."""
    if request.param == "pure-python":
        monkeypatch.setattr(yamlsource, "_Loader", _PurePythonLoader)
    yield request.param


@pytest.mark.parametrize(("case", "text", "expected"), SYNTAX_CASES, ids=_ids(SYNTAX_CASES))
def test_yaml_syntax_errors(case: str, text: str, expected: str, yaml_loader: str) -> None:
    assert report(text) == expected


def test_every_case_shows_the_offending_line_or_has_none() -> None:
    """A source line, when shown, is really the line the location names."""
    for _case, text, _expected in SCHEMA_CASES + RULE_CASES + SYNTAX_CASES:
        diags = Diagnostics()
        parse_config(text, diags)
        lines = text.splitlines()
        for d in diags:
            assert d.path == "site.yaml"
            assert d.line >= 1
            if d.source_line:
                assert lines[d.line - 1] == d.source_line


WITHOUT_DEFAULTS = edit("timezone: Asia/Jakarta\n", "", edit("per_page: 2\n", ""))


def test_defaults() -> None:
    diags = Diagnostics()
    config = parse_config(WITHOUT_DEFAULTS, diags)
    assert not diags.items
    assert config is not None
    assert config.language == "id"
    assert config.timezone == "Asia/Jakarta"
    assert config.per_page == 10
    assert config.theme == "default"
    assert config.tagline == "Portal uji"
    assert config.social == Social()
    assert config.extra == {}
    assert config.organisation.logo == ""
    assert [o.role for o in config.operators] == ["operator", "editor"]
    kab = config.regions[0]
    assert kab.keywords == ("Uji",)
    assert [c.id for c in kab.children] == ["kec-satu", "kec-dua"]
    assert kab.children[1].description == ""
    assert kab.children[1].keywords == ()
    assert kab.children[1].children == ()
    assert config.categories[0].description == ""


def test_empty_optional_key_counts_as_absent() -> None:
    text = WITHOUT_DEFAULTS + "tagline:\nsocial:\nextra:\n"
    text = edit("tagline: Portal uji\n", "", text)
    diags = Diagnostics()
    config = parse_config(text, diags)
    assert not diags.items
    assert config is not None
    assert (config.tagline, config.social, config.extra) == ("", Social(), {})


def test_values_are_converted_and_stripped() -> None:
    text = edit("title: Kabar Uji", 'title: "  Kabar Uji  "') + "extra:\n  warna: hijau\n"
    text = edit("keywords: [Uji]", "keywords: Uji", text)  # one keyword needs no list
    diags = Diagnostics()
    config = parse_config(text, diags)
    assert config is not None, format_report(diags)
    assert config.title == "Kabar Uji"
    assert config.regions[0].keywords == ("Uji",)
    assert config.extra == {"warna": "hijau"}


def test_config_is_frozen() -> None:
    config = parse_config(MINIMAL_SITE_YAML, Diagnostics())
    assert config is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.title = "Lain"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.organisation.name = "Lain"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.regions[0].children[0].name = "Lain"  # type: ignore[misc]
    assert isinstance(config.regions, tuple)
    assert isinstance(config.extra, MappingProxyType)
    with pytest.raises(TypeError):
        config.extra["x"] = 1  # type: ignore[index]


def test_dates_stay_text_for_the_content_stage() -> None:
    """YAML must not turn 2024-03-12 into a date object: metadata parses it with the zone."""
    doc = yamlsource.load("date: 2024-03-12 09:30\n")
    assert isinstance(doc, yamlsource.YamlDoc)
    assert doc.data == {"date": "2024-03-12 09:30"}


def test_missing_site_yaml(tmp_path: Path) -> None:
    diags = Diagnostics()
    assert load_config(tmp_path, diags) is None
    assert format_report(diags) == (
        "site.yaml: error: site.yaml tidak ditemukan\n"
        "  hint: jalankan perintah di folder portal, atau buat portal baru dengan "
        "'kabar init FOLDER'")


def test_site_yaml_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_bytes("title: Kabar Uji\ntagline: Caf\xe9\n".encode("latin-1"))
    diags = Diagnostics()
    assert load_config(tmp_path, diags) is None
    assert format_report(diags) == (
        "site.yaml: error: site.yaml bukan teks UTF-8\n"
        "  hint: simpan ulang berkas dengan encoding UTF-8")
