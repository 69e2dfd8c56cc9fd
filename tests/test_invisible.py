"""The policy for characters that hide or reorder text (generator/invisible.py): bidi and
control characters are removed with a warning, zero-width ones silently, file names holding
any of them are refused, and diagnostics never print them raw."""

from __future__ import annotations

import json
import time

import lxml.html
import pytest
from conftest import MINIMAL_SITE_YAML, SiteMaker, build_site, outputs, story_text

from generator import invisible
from generator.config import yamlsource
from generator.diagnostics import BuildFailed, Diagnostic, format_report

STORY = "content/stories/2024/a.md"
PAGE_OF = "berita/2024/{}/index.html"
BIDI_HINT = ("karakter ini bisa membuat teks tampil terbalik atau menyamar (trik penipuan); "
             "ketik ulang teksnya, jangan menyalin dari pesan atau dokumen lain")


def test_find_strip_and_visible() -> None:
    text = "a\u202eb\u200bc\nd\x1be\u200df"
    assert invisible.remove(text) == "abc\nde\u200df"  # ZWJ stays (emoji, scripts)
    assert [(h.line, h.column, h.code, h.kind) for h in invisible.find(text)] == [
        (1, 2, "U+202E", "bidi"), (2, 2, "U+001B", "control")]
    assert invisible.visible(text) == "a<U+202E>b<U+200B>c\nd<U+001B>e\u200df"
    assert invisible.remove("Ke\tbaris\r\nbaru") == "Ke\tbaris\r\nbaru"
    assert all(invisible.remove(chr(c)) == "" for c in [*range(0x202A, 0x202F),
                                                      *range(0x2066, 0x206A)])


def test_a_bidi_title_is_cleaned_and_warned_about(make_site: SiteMaker) -> None:
    title = "Posyandu \u202egpj.exe\u202c Baru"
    root = make_site({STORY: story_text(json.dumps(title)[1:-1])})  # as a YAML escape
    result = build_site(root)
    assert format_report(result.diagnostics) == (
        f"{STORY}:2:8: warning: karakter pembalik arah teks yang tak terlihat (U+202E, U+202C) "
        f"dihapus\n  hint: {BIDI_HINT}\n"
        '  | title: "Posyandu \\u202egpj.exe\\u202c Baru"')
    page = lxml.html.fromstring(outputs(result)[PAGE_OF.format("posyandu-gpj-exe-baru")])
    assert page.xpath("//h1")[0].text_content() == "Posyandu gpj.exe Baru"
    with pytest.raises(BuildFailed):  # CI builds with --strict: there it is an error
        build_site(root, strict=True)


def test_a_raw_bidi_character_in_a_tag_and_in_the_body(make_site: SiteMaker) -> None:
    story = story_text(body="Baris satu.\n\nDua \u2067terbalik\u2069 dan &#x202E;entitas.\n")
    story = story.replace("tags: [posyandu]", "tags: [posyandu, \"a\u202eb\"]")
    result = build_site(make_site({STORY: story}))
    assert sorted((d.line, d.column, d.message) for d in result.diagnostics) == [
        (7, 18, "karakter pembalik arah teks yang tak terlihat (U+202E) dihapus"),
        (13, 5, "karakter pembalik arah teks yang tak terlihat (U+2067, U+2069) dihapus")]
    html = outputs(result)[PAGE_OF.format("posyandu-baru")].decode()
    assert "<p>Dua terbalik dan entitas.</p>" in html  # the entity too, silently
    assert "\u202e" not in html and "\u2067" not in html
    assert "/tag/ab/" in html


def test_zero_width_characters_go_silently(make_site: SiteMaker) -> None:
    root = make_site({STORY: story_text("Posyandu\u200b Baru\ufeff",
                                        body="Isi\u2060 cerita\u200b.\n")})
    result = build_site(root)
    assert len(result.diagnostics) == 0
    html = outputs(result)[PAGE_OF.format("posyandu-baru")].decode()
    assert '<h1 class="story-title">Posyandu Baru</h1>' in html
    assert "<p>Isi cerita.</p>" in html


def test_control_characters_in_site_yaml_are_cleaned_and_warned_about(
        make_site: SiteMaker) -> None:
    site = MINIMAL_SITE_YAML.replace("tagline: Portal uji", 'tagline: "Portal\\e[2J uji"')
    result = build_site(make_site({"site.yaml": site, STORY: story_text()}))
    [warning] = result.diagnostics
    assert warning.format() == (
        "site.yaml:2:10: warning: karakter kendali yang tak terlihat (U+001B) dihapus\n"
        "  hint: biasanya terbawa saat menyalin dari aplikasi lain; ketik ulang bagian itu\n"
        '  | tagline: "Portal\\e[2J uji"')
    assert result.site.config.tagline == "Portal[2J uji"


def test_a_file_name_with_invisible_characters_is_refused(make_site: SiteMaker) -> None:
    root = make_site({STORY: story_text(), "content/static/foto\u202egpj.exe": b"MZ"})
    with pytest.raises(BuildFailed) as exc:
        build_site(root)
    assert format_report(exc.value.diagnostics) == (
        "content/static/foto<U+202E>gpj.exe: error: nama berkas atau folder berisi karakter "
        "tak terlihat (U+202E)\n  hint: ganti namanya dengan huruf, angka dan '-' saja")


def test_diagnostics_show_hidden_characters_by_name() -> None:
    diagnostic = Diagnostic(path="content/a\u202e.md", line=3, message="wilayah 'x\x1b[2J' "
                            "tidak ada", hint="\u2066", source_line="region: x\x1b[2J\x07")
    assert diagnostic.format() == (
        "content/a<U+202E>.md:3: error: wilayah 'x<U+001B>[2J' tidak ada\n"
        "  hint: <U+2066>\n  | region: x<U+001B>[2J<U+0007>")


def test_a_first_paragraph_with_entities_and_html_makes_a_clean_description(
        make_site: SiteMaker) -> None:
    story = story_text(body="Tom &amp; Jerry <b>tebal</b> &#169; hadir.\n\n## A & B\n\n"
                       "## <i>C</i> &amp; D\n\n## E &lt; F\n").replace(
        "summary: Ringkasan cerita.\n", "")
    html = outputs(build_site(make_site({STORY: story})))[PAGE_OF.format("posyandu-baru")]
    page = lxml.html.fromstring(html)
    assert page.xpath('//meta[@name="description"]')[0].get("content") == \
        "Tom & Jerry tebal © hadir."
    assert [a.text for a in page.xpath('//nav[@class="toc"]//a')] == ["A & B", "C & D",
                                                                       "E < F"]
    assert b"wzxhzdk" not in html and b"\x02" not in html


@pytest.mark.parametrize(("text", "line"), [
    ("\n".join([f'a0: &a0 [{", ".join(["x"] * 10)}]']
               + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]), 5),
    ("a: &a [*a, 1]", 1),
    ("a: " + "[" * 2000 + "]" * 2000, 1),
])
def test_alias_bombs_and_deep_nesting_are_refused_fast(text: str, line: int) -> None:
    started = time.perf_counter()
    doc = yamlsource.load(text)
    assert time.perf_counter() - started < 2
    assert isinstance(doc, yamlsource.YamlError)
    assert (doc.line, doc.message) == (line, "YAML terlalu besar atau terlalu dalam: alias (*) "
                                       "mengulang isinya terlalu banyak kali, atau daftar "
                                       "bersarang terlalu dalam")
