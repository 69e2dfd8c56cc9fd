"""Markdown rendering: extensions, nothing carried from one story to the next, links,
sanitising."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown import inlinepatterns, treeprocessors
from markdown.extensions.toc import TocExtension, TocTreeprocessor

from generator.content import markdown as km
from generator.content.markdown import Resolved, Unresolved, is_local, render
from generator.model import Asset

REPO = Path(__file__).resolve().parents[1]


def _no_links(target: str) -> Resolved | Unresolved:
    return Unresolved(f"berkas '{target}' tidak ditemukan")


def test_tables_footnotes_fenced_code_and_heading_ids() -> None:
    body, problems = render(
        "Intro.\n\n## Air Bersih untuk Warga\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "Catatan[^1].\n\n[^1]: Sumber data.\n\n```\nkode <b>\n```\n", _no_links)
    assert problems == ()
    assert '<h2 id="air-bersih-untuk-warga">Air Bersih untuk Warga</h2>' in body.html
    assert "<table>" in body.html and "<td>1</td>" in body.html
    assert '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>' in body.html
    assert "<pre><code>kode &lt;b&gt;\n</code></pre>" in body.html
    assert [(e.level, e.id) for e in body.toc] == [(2, "air-bersih-untuk-warga")]
    assert body.first_paragraph == "Intro."


def test_a_fresh_converter_per_story_so_footnotes_do_not_leak() -> None:
    first, _ = render("A[^a].\n\n[^a]: Catatan pertama.\n", _no_links)
    second, _ = render("B tanpa catatan.\n", _no_links)
    assert "Catatan pertama" in first.html
    assert "footnote" not in second.html and "Catatan pertama" not in second.html


def test_nothing_of_one_story_reaches_the_next() -> None:
    """The converter is reused (reset between documents): footnotes, reference links,
    heading ids, the table of contents, raw HTML kept aside and the links' problems all
    belong to one document. A story renders the same after any other story."""
    later = ("Pakai [sumber] dan [ini][sumber], catatan[^1] dan [tautan](hilang.md).\n\n"
             "## Ringkasan\n\n<div>kotak</div>\n")
    alone = render(later, _no_links)
    render("Teks[^1].\n\n[^1]: Catatan lain.\n\n[sumber]: https://contoh.id/\n\n"
           "## Ringkasan\n\n## Ringkasan\n\n<div>kotak lain</div>\n\n"
           "[x](hilang-juga.md)\n", _no_links)
    after = render(later, _no_links)
    assert after == alone
    body, problems = after
    assert "contoh.id" not in body.html and "Catatan lain" not in body.html
    assert '<h2 id="ringkasan">' in body.html and "ringkasan_1" not in body.html
    assert [e.id for e in body.toc] == ["ringkasan"]
    assert [p.message for p in problems] == ["berkas 'hilang.md' tidak ditemukan"]


def test_h1_in_the_body_becomes_h2_so_the_title_stays_the_only_h1() -> None:
    body, _ = render("# Judul Lagi\n\nTeks.\n", _no_links)
    assert "<h1" not in body.html and '<h2 id="judul-lagi">' in body.html


def test_links_resolve_and_files_become_assets() -> None:
    def resolve(target: str) -> Resolved | Unresolved:
        if target == "../2023/lain.md":
            return Resolved("/berita/2023/lain/")
        if target == "foto.jpg":
            return Resolved("/berita/2024/x/foto.jpg",
                            Asset(source="content/stories/2024/x/foto.jpg",
                                  url="/berita/2024/x/foto.jpg"), 1600, 900)
        return Unresolved(f"berkas '{target}' tidak ditemukan")

    body, problems = render(
        "Lihat [cerita lain](../2023/lain.md#bagian).\n\n![Warga panen](foto.jpg)\n\n"
        "Baris tiga.\n\n[hilang](tidak-ada.pdf)\n", resolve)
    assert '<a href="/berita/2023/lain/#bagian">cerita lain</a>' in body.html
    assert ('<img alt="Warga panen" decoding="async" height="900" loading="lazy" '
            'src="/berita/2024/x/foto.jpg" width="1600">') in body.html
    assert body.assets == (Asset(source="content/stories/2024/x/foto.jpg",
                                 url="/berita/2024/x/foto.jpg"),)
    assert [(p.line, p.message) for p in problems] == [
        (7, "berkas 'tidak-ada.pdf' tidak ditemukan")]


def test_external_links_and_anchors_are_left_alone() -> None:
    assert not is_local("https://kotimkab.go.id")
    assert not is_local("#bagian") and not is_local("/tentang/")
    assert not is_local("mailto:redaksi@example.go.id")
    assert is_local("foto.jpg") and is_local("../2023/x.md")


def test_raw_html_is_sanitised_but_harmless_markup_kept() -> None:
    body, _ = render(
        '<p onclick="x()">Halo <strong>warga</strong></p>\n\n<script>alert(1)</script>\n\n'
        '<a href="javascript:alert(1)">a</a> <a href="https://ok.example">b</a>\n', _no_links)
    assert "onclick" not in body.html and "<script" not in body.html
    assert "alert(1)" not in body.html.replace("&", "")
    assert "<strong>warga</strong>" in body.html
    assert '<a href="https://ok.example">b</a>' in body.html and "javascript" not in body.html


def test_word_count_counts_the_text_not_the_markup() -> None:
    body, _ = render("Satu dua **tiga**.\n\n- empat\n- lima\n", _no_links)
    assert body.word_count == 5


def test_text_is_read_from_the_sanitised_html_whatever_its_attributes_and_entities_hold(
        ) -> None:
    """Word count and first paragraph come from cutting tags out of nh3's output: a `>`
    inside a quoted attribute, an escaped `<b>` in the text, an entity, a comment and a
    heading before the first paragraph must not move what is counted or described."""
    body, _ = render(
        '## Judul <abbr title="a > b <c>">RT</abbr>\n\n'
        'Warga <abbr title="Rukun &quot;Tetangga&quot; > RW">RT</abbr>&nbsp;03 menulis '
        '`<b>` &amp; **ber**sama<!-- catatan --> di <a href="https://contoh.id/?a=1&b=2">'
        'sini</a>.\n\nParagraf kedua.\n', _no_links)
    assert body.first_paragraph == "Warga RT 03 menulis <b> & bersama di sini."
    # Judul RT | Warga RT 03 menulis b ber sama di sini | Paragraf kedua: "ber" and "sama"
    # are two runs of text (as html.parser handed them), counted as two words
    assert body.word_count == 13


# --- inline patterns tried by their trigger strings (content/markdown.py's _TriggeredInline)

_INLINE_ALPHABET = "ab `\\*_[]()!<>&#;^:/@.=\"'-|~\n0x"


def _converters() -> tuple[Any, Any]:
    """kabar's converter and the same one with Python-Markdown's stock inline and table of
    contents processors."""
    ours, stock = km._new_converter(), km._new_converter()
    stock.treeprocessors.register(treeprocessors.InlineProcessor(stock), "inline", 20)
    toc = next(e for e in ours.registeredExtensions if isinstance(e, TocExtension))
    stock.treeprocessors.register(TocTreeprocessor(stock, toc.getConfigs()), "toc", 5)
    assert type(stock.treeprocessors["toc"]) is TocTreeprocessor
    for md in (ours, stock):
        md.treeprocessors["kabar-links"].collector = km._Collector(
            "", lambda target: Resolved("/r/" + target))
    return ours, stock


_OURS, _STOCK = _converters()


def _both(text: str) -> tuple[str, str]:
    _OURS.treeprocessors["toc"].source = text  # as km._converter does
    return _OURS.reset().convert(text), _STOCK.reset().convert(text)


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet=_INLINE_ALPHABET, max_size=80))
def test_inline_patterns_tried_by_trigger_give_the_stock_output(text: str) -> None:
    ours, stock = _both(text)
    assert ours == stock


def test_every_story_and_the_benchmark_corpus_render_as_with_the_stock_processor(
        tmp_path: Path) -> None:
    """The example portal, the tests' stories and 300 stories of the shared benchmark
    corpus (links, emphasis, tables, footnotes, code, raw HTML): the same HTML, table of
    contents and all."""
    gen = REPO.parent / "shared" / "bench" / "gen_corpus.py"
    if not gen.is_file():
        pytest.fail(f"{gen} missing: the shared folder beside the clone")
    subprocess.run([sys.executable, str(gen), "--n", "300", "--out", str(tmp_path),
                    "--seed", "3"], check=True, capture_output=True)
    files = [*REPO.joinpath("content").rglob("*.md"), *REPO.joinpath("tests").rglob("*.md"),
             *tmp_path.rglob("*.md")]
    assert len(files) > 340
    for path in files:
        text = path.read_text(encoding="utf-8")
        ours, stock = _both(text)
        assert ours == stock, path
        assert _OURS.toc_tokens == _STOCK.toc_tokens, path


# --- the table of contents without its <div> (content/markdown.py's _Toc)

_AROUND_THE_MARKER = ["[TOC]", "[", "]", "TOC", "\\", "&#91;", "&#93;", "`", "*", "a",
                      " ", "\n", "\n\n", "## ", "# ", "    ", "> ", "- ", "1. ", "<div>",
                      "</div>", ": /u", "[^1]", "[^1]: c\n"]


def _assert_as_stock(text: str) -> None:
    ours, stock = _both(text)
    assert ours == stock
    assert _OURS.toc_tokens == _STOCK.toc_tokens


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_AROUND_THE_MARKER), max_size=14).map("".join))
def test_the_toc_marker_is_replaced_as_by_the_stock_processor(text: str) -> None:
    _assert_as_stock(text)


def test_a_body_with_the_marker_gets_the_stock_table_of_contents_div() -> None:
    text = "Isi:\n\n[TOC]\n\n## Air Bersih\n\n### Sumur\n\nTeks.\n"
    _assert_as_stock(text)
    assert _OURS.reset().convert(text).startswith(
        '<p>Isi:</p>\n<div class="toc">\n<ul>\n<li><a href="#air-bersih">Air Bersih</a>')
    assert render(text, _no_links)[0].html.startswith(
        '<p>Isi:</p>\n<div class="toc">\n<ul>\n<li><a href="#air-bersih">Air Bersih</a>')
    # without the marker no div is made (the stock one makes it, and nothing reads it)
    _assert_as_stock("## Air Bersih\n\nTeks [TOC ].\n")
    assert _OURS.toc == "<div></div>" and _STOCK.toc.startswith('<div class="toc">')


@pytest.mark.parametrize("source", sorted(km._TRIGGERS))
@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=_INLINE_ALPHABET + "\\\\``[[!!<<&&**__", max_size=40))
def test_a_pattern_matches_only_where_its_trigger_is(source: str, text: str) -> None:
    if re.compile(source, re.DOTALL | re.UNICODE).search(text):
        assert any(trigger in text for trigger in km._TRIGGERS[source])


def test_every_inline_pattern_of_this_python_markdown_was_reviewed() -> None:
    """A Python-Markdown whose regex changed still renders right (the pattern is then
    tried on every text), only slower: this names the regex to read and add."""
    unreviewed = [(type(pattern).__name__, pattern.getCompiledRegExp().pattern)
                  for pattern in _OURS.inlinePatterns if km._triggers(pattern) is None]
    assert unreviewed == []


def test_a_pattern_without_a_trigger_is_tried_on_every_text() -> None:
    md = km._new_converter()
    md.inlinePatterns.register(
        inlinepatterns.SimpleTagInlineProcessor(r"()~~(.+?)~~", "del"), "del", 65)
    md.treeprocessors["kabar-links"].collector = km._Collector("", _no_links)
    assert md.reset().convert("a ~~b~~ c *d*") == "<p>a <del>b</del> c <em>d</em></p>"
    assert isinstance(md.treeprocessors["inline"], km._TriggeredInline)
