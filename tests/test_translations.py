"""Translations: a story's versions in other languages, tied by a shared `translation_key`.

The example portal has three stories with an English version (content/stories/*/…/index.en.md).
Checked here: hreflang alternates (reciprocal, absolute, x-default) in the head and in the
sitemaps (validated by lxml and xmllint against the sitemaps.org + xhtml schemas), the page
language (`<html lang>`, UI strings, Babel dates, og:locale, JSON-LD), the language switch,
the `/en/` feeds (read back with feedparser), lists that keep to the site language, and the
diagnostics for a bad `lang`, two versions in one language, and a key used once.
"""

from __future__ import annotations

import json
import typing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import lxml.html
import pytest
from conftest import MINIMAL_SITE_YAML, SiteMaker, build_site, outputs, story_text
from lxml import etree
from test_sitemaps import SM, _lxml_errors, _read_tree, _validate

from generator import urls
from generator.build import BuildResult
from generator.config.schema import LANGUAGES, SiteConfig
from generator.diagnostics import BuildFailed, format_report
from generator.model import Site, Story
from generator.publish.feeds import LABELS
from generator.publish.images import region_label
from generator.render.strings import STRINGS

XHTML = "{http://www.w3.org/1999/xhtml}"
#: The translation keys of the example portal, each an Indonesian story and its English version.
EXAMPLE_KEYS = ["jembatan-pantau-mangrove-ujung-pandaran", "perahu-listrik-surya-smk-sampit",
                "posyandu-melati-baamang-hulu"]
POSYANDU_ID = "/berita/2023/posyandu-melati-baamang-hulu-catat-penurunan-balita-gizi-kurang/"
POSYANDU_EN = "/en/berita/2023/posyandu-melati-in-baamang-hulu-sees-fewer-underweight-toddlers/"
STORY = "content/stories/2024/posyandu-baru.md"


def page(root: Path, url: str) -> Any:
    return lxml.html.fromstring((root / urls.output_path(url)).read_bytes())


def hreflangs(tree: Any) -> list[tuple[str, str]]:
    return [(link.get("hreflang"), link.get("href"))
            for link in tree.xpath('//head/link[@rel="alternate"][@hreflang]')]


def og(tree: Any, name: str) -> list[str]:
    return [str(m.get("content")) for m in tree.xpath(f'//head/meta[@property="{name}"]')]


def article(tree: Any) -> dict[str, Any]:
    [block] = tree.xpath('//script[@type="application/ld+json"]')
    [node] = [n for n in json.loads(block.text)["@graph"] if n["@type"] == "NewsArticle"]
    return typing.cast(dict[str, Any], node)


def switch(tree: Any) -> list[tuple[str, str, str, str, str]]:
    """(aria-label, href, hreflang, lang, text) of each link of the language switch."""
    return [(str(nav.get("aria-label")), a.get("href"), a.get("hreflang"), a.get("lang"),
             a.text_content())
            for nav in tree.xpath('//nav[@class="translations"]') for a in nav.iter("a")]


def html_pages(root: Path) -> dict[str, Any]:
    """Site URL → parsed page, for every HTML page of a built portal."""
    return {urls.page_url(p.relative_to(root).as_posix()): lxml.html.fromstring(p.read_bytes())
            for p in sorted(root.rglob("*.html"))}


@pytest.fixture(scope="module")
def site(example_result: BuildResult) -> Site:
    return example_result.site


def test_the_example_portal_has_three_english_versions(site: Site) -> None:
    assert sorted(site.versions) == EXAMPLE_KEYS
    for versions in site.versions.values():
        assert [v.meta.lang for v in versions] == ["id", "en"]
        assert versions[1].url.startswith("/en/berita/")
    assert sorted(s.url for s in site.translations) == sorted(
        v[1].url for v in site.versions.values())


# -- hreflang in the head -------------------------------------------------------------------


def test_hreflang_is_reciprocal_absolute_and_names_itself(site: Site,
                                                          example_output: Path) -> None:
    base = site.config.base_url
    pages = html_pages(example_output)
    with_versions = set()
    for versions in site.versions.values():
        expected = [*((v.meta.lang, base + v.url) for v in versions),
                    ("x-default", base + versions[0].url)]
        for version in versions:
            with_versions.add(version.url)
            tree = pages[version.url]
            assert hreflangs(tree) == expected, version.url
            [canonical] = tree.xpath('//head/link[@rel="canonical"]/@href')
            assert (version.meta.lang, canonical) in expected  # names itself, as canonical
            for lang, href in hreflangs(tree):  # every target exists and links back
                assert href.startswith(base + "/"), href
                target = pages[href.removeprefix(base)]
                assert target.xpath('//head/link[@rel="canonical"]/@href') == [href]
                assert (version.meta.lang, base + version.url) in hreflangs(target), lang
    assert len(with_versions) == 6
    assert [url for url, tree in pages.items()
            if hreflangs(tree) and url not in with_versions] == []


# -- the page language --------------------------------------------------------------------


def test_the_english_version_is_english_throughout(example_output: Path) -> None:
    tree = page(example_output, POSYANDU_EN)
    assert tree.get("lang") == "en"
    assert tree.xpath('string(//a[@class="skip-link"])') == "Skip to content"
    assert [a.text for a in tree.xpath('//nav[@class="site-nav"]//a')][:4] == [
        "Home", "Regions", "Categories", "Archives"]
    assert [li.text_content() for li in tree.xpath('//nav[@class="breadcrumbs"]//li')] == [
        "Home", "Kotawaringin Timur Regency", "Baamang District", "Baamang Hulu Urban village",
        "Posyandu Melati in Baamang Hulu Sees Fewer Underweight Toddlers"]
    assert tree.xpath('string(//p[@class="byline"])').startswith("By Rina Handayani")
    dates = tree.xpath('//p[@class="dates"]')[0]
    assert dates.xpath("string(time)") == "Friday, 17 February 2023, 10:00 WIB"
    assert dates.xpath("string(time/@datetime)") == "2023-02-17T10:00:00+07:00"
    assert dates.xpath('string(span[@class="reading"])').endswith(" min read")
    assert tree.xpath('string(//h2[@id="toc-title"])') == "Contents"
    # Text from site.yaml stays Indonesian, and says so.
    assert tree.xpath('//header[@class="story-header"]/p[@class="kicker"]/a/@lang') == ["id"]
    assert tree.xpath('//p[@class="tagline"]/@lang') == ["id"]
    # Related stories are Indonesian stories, never the page's own original.
    cards = tree.xpath('//section[@class="related"]//h3[@class="card-title"]/a')
    assert cards and all(a.get("lang") == "id" for a in cards)
    assert POSYANDU_ID not in [a.get("href") for a in cards]
    months = {"January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"}
    card_dates = tree.xpath('//section[@class="related"]//p[@class="meta"]/time/text()')
    assert card_dates and all(str(d).split()[1] in months for d in card_dates)  # page's dates


def test_the_indonesian_original_stays_indonesian(example_output: Path) -> None:
    tree = page(example_output, POSYANDU_ID)
    assert tree.get("lang") == "id"
    assert tree.xpath('string(//p[@class="dates"]/time)') == "Selasa, 14 Februari 2023, 09.30 WIB"
    assert tree.xpath('//p[@class="kicker"]/a/@lang') == []
    assert tree.xpath('//p[@class="tagline"]/@lang') == []


def test_open_graph_and_json_ld_name_the_languages(site: Site, example_output: Path) -> None:
    base = site.config.base_url
    original, english = page(example_output, POSYANDU_ID), page(example_output, POSYANDU_EN)
    assert (og(original, "og:locale"), og(original, "og:locale:alternate")) == (
        ["id_ID"], ["en_US"])
    assert (og(english, "og:locale"), og(english, "og:locale:alternate")) == (
        ["en_US"], ["id_ID"])
    ref_id = {"@type": "NewsArticle", "@id": f"{base}{POSYANDU_ID}#berita",
              "url": base + POSYANDU_ID, "inLanguage": "id"}
    ref_en = {"@type": "NewsArticle", "@id": f"{base}{POSYANDU_EN}#berita",
              "url": base + POSYANDU_EN, "inLanguage": "en"}
    first, second = article(original), article(english)
    assert (first["inLanguage"], first["workTranslation"]) == ("id", [ref_en])
    assert "translationOfWork" not in first
    assert (second["inLanguage"], second["translationOfWork"]) == ("en", ref_id)
    assert "workTranslation" not in second
    assert second["@id"] == ref_en["@id"] and first["@id"] == ref_id["@id"]
    assert second["contentLocation"]["name"] == \
        "Baamang Hulu Urban village, Baamang, Kotawaringin Timur"
    # Pages without versions: one locale, no translation links.
    other = page(example_output, site.stories[0].url)
    assert og(other, "og:locale:alternate") == []
    assert not {"workTranslation", "translationOfWork"} & set(article(other))


# -- the language switch ------------------------------------------------------------------


def test_every_version_links_the_others_in_their_language(site: Site,
                                                          example_output: Path) -> None:
    words = {"id": ("Bahasa lain", "Baca dalam bahasa Indonesia"),
             "en": ("Other languages", "Read in English")}
    for versions in site.versions.values():
        for version in versions:
            others = [v for v in versions if v is not version]
            assert switch(page(example_output, version.url)) == [
                (words[version.meta.lang][0], other.url, other.meta.lang, other.meta.lang,
                 words[other.meta.lang][1]) for other in others]
    assert switch(page(example_output, site.stories[0].url)) == []


# -- feeds ----------------------------------------------------------------------------------


def test_the_english_feeds_hold_the_english_stories(site: Site, example_output: Path) -> None:
    base = site.config.base_url
    english = [base + s.url for s in site.translations]
    assert len(english) == 3
    for name, version in (("en/feed.xml", "rss20"), ("en/atom.xml", "atom10")):
        feed = feedparser.parse((example_output / name).read_bytes())
        assert not feed.bozo, feed.get("bozo_exception")
        assert feed.version == version
        assert feed.feed.title == "Kabar Kotim — English"
        assert [e.link for e in feed.entries] == english  # newest first
        assert [e.title for e in feed.entries] == [s.meta.title for s in site.translations]
        assert [link.href for link in feed.feed.links if link.rel == "self"] == [
            f"{base}/{name}"]
        assert [link.href for link in feed.feed.links if link.rel == "alternate"] == [
            base + "/"]  # no list page in English: the home page
    rss = feedparser.parse((example_output / "en/feed.xml").read_bytes())
    assert rss.feed.language == "en"
    assert rss.feed.subtitle == "Stories in English from Kabar Kotim"
    for story in site.translations:  # English pages name the English feeds, only those
        tree = page(example_output, story.url)
        assert [(link.get("type"), link.get("title"), link.get("href")) for link in
                tree.xpath('//head/link[@rel="alternate"][@type]')] == [
            ("application/rss+xml", "Kabar Kotim — English (RSS)", "/en/feed.xml"),
            ("application/atom+xml", "Kabar Kotim — English (Atom)", "/en/atom.xml")]


def test_no_other_feed_holds_an_english_story(example_output: Path) -> None:
    checked = 0
    for path in sorted(example_output.rglob("*.xml")):
        rel = path.relative_to(example_output).as_posix()
        if path.name in ("feed.xml", "atom.xml") and not rel.startswith("en/"):
            links = [e.link for e in feedparser.parse(path.read_bytes()).entries]
            assert not [link for link in links if "/en/" in link], rel
            checked += 1
    assert checked > 50


# -- lists ----------------------------------------------------------------------------------


def test_lists_hold_only_stories_in_the_site_language(site: Site,
                                                      example_output: Path) -> None:
    assert {s.meta.lang for s in site.stories} == {"id"}
    groups = [site.by_region, site.by_category, site.by_tag, site.by_author, site.by_year,
              site.by_month]
    assert {s.meta.lang for g in groups for stories in g.values() for s in stories} == {"id"}
    english = {s.url for s in site.translations}
    links_to_english = 0
    for url, tree in html_pages(example_output).items():
        for link in tree.xpath('//a[starts-with(@href, "/en/")]'):
            # the only way in from an Indonesian page: the language switch of its original
            assert link.getparent().getparent().getparent().get("class") == "translations", url
            assert link.get("href") in english
            links_to_english += 1
    assert links_to_english == 3
    home = page(example_output, "/")
    assert home.xpath('//a[contains(@href, "/en/")]') == []


# -- sitemaps -------------------------------------------------------------------------------


def test_sitemap_entries_name_every_version(site: Site, example_output: Path) -> None:
    base = site.config.base_url
    files = _read_tree(example_output)
    expected: dict[str, list[tuple[str, str, str]]] = {}
    for versions in site.versions.values():
        links = [*(("alternate", v.meta.lang, base + v.url) for v in versions),
                 ("alternate", "x-default", base + versions[0].url)]
        expected |= {base + v.url: links for v in versions}
    found: dict[str, list[tuple[str, str, str]]] = {}
    for name, data in files.items():
        if not name.startswith("sitemaps/berita-"):
            continue
        assert b'xmlns:xhtml="http://www.w3.org/1999/xhtml"' in data
        for entry in etree.fromstring(data):
            loc = str(entry.findtext(f"{SM}loc"))
            links = [(str(link.get("rel")), str(link.get("hreflang")), str(link.get("href")))
                     for link in entry.iter(f"{XHTML}link")]
            if links:
                found[loc] = links
                year = loc.split("/berita/")[1][:4]
                assert name == f"sitemaps/berita-{year}.xml"
    assert found == expected
    assert all(base + s.url in expected for s in site.translations)


def test_the_schemas_check_the_alternates(make_site: SiteMaker, tmp_path: Path) -> None:
    """Both validators accept the alternates kabar writes and reject a malformed one."""
    files = outputs(build_site(make_site(_pair())))
    _validate({n: d for n, d in files.items() if n.endswith(".xml") and "feed" not in n
               and "atom" not in n}, tmp_path)
    data = files["sitemaps/berita-2024.xml"]
    assert data.count(b"<xhtml:link ") == 6
    broken = data.replace(b'hreflang="en"', b'hreflang="en gb!"', 1)
    assert _lxml_errors("sitemap-all.xsd", broken) != []


# -- inline portals ---------------------------------------------------------------------------


def _pair(*, en_extra: str = "", id_extra: str = "") -> dict[str, str | bytes]:
    return {
        STORY: story_text(extra=f"translation_key: posyandu\n{id_extra}"),
        "content/stories/2024/posyandu-baru.en.md": story_text(
            "New Health Post", date="2024-03-13 10:00",
            extra=f"lang: en\ntranslation_key: posyandu\n{en_extra}",
            body="The first paragraph.\n"),
    }


def test_a_translation_lives_under_its_language(make_site: SiteMaker) -> None:
    files = outputs(build_site(make_site(_pair())))
    story = files["en/berita/2024/new-health-post/index.html"].decode()
    assert '<html lang="en">' in story
    assert "Wednesday, 13 March 2024" in story and "10:00 WIB" in story
    assert '<link rel="alternate" hreflang="x-default" ' \
           'href="https://uji.example.go.id/berita/2024/posyandu-baru/">' in story
    home = files["index.html"].decode()
    assert "posyandu-baru" in home and "new-health-post" not in home
    assert "new-health-post" not in files["feed.xml"].decode()
    assert "new-health-post" in files["en/feed.xml"].decode()
    assert "en/berita/2024/new-health-post/kartu.jpg" in files


def test_a_portal_in_english_with_an_indonesian_version(make_site: SiteMaker) -> None:
    files = outputs(build_site(make_site({
        "site.yaml": MINIMAL_SITE_YAML + "language: en\n",
        STORY: story_text("New Health Post", extra="translation_key: posyandu\n"),
        "content/stories/2024/posyandu-baru.id.md": story_text(
            extra="lang: id\ntranslation_key: posyandu\n")})))
    original = lxml.html.fromstring(files["berita/2024/new-health-post/index.html"])
    version = lxml.html.fromstring(files["id/berita/2024/posyandu-baru/index.html"])
    assert (original.get("lang"), version.get("lang")) == ("en", "id")
    assert switch(original) == [("Other languages", "/id/berita/2024/posyandu-baru/", "id", "id",
                                 "Baca dalam bahasa Indonesia")]
    assert version.xpath('string(//p[@class="dates"]/time)') == "Selasa, 12 Maret 2024, 09.30 WIB"
    assert hreflangs(version)[-1] == ("x-default",
                                      "https://uji.example.go.id/berita/2024/new-health-post/")
    rss = feedparser.parse(files["id/feed.xml"])
    assert (rss.feed.title, rss.feed.language) == ("Kabar Uji — Bahasa Indonesia", "id")
    assert [e.link for e in rss.entries] == [
        "https://uji.example.go.id/id/berita/2024/posyandu-baru/"]


def test_a_draft_translation_is_no_version_yet(make_site: SiteMaker) -> None:
    root = make_site(_pair(en_extra="status: draft\n"))
    result = build_site(root)
    assert len(result.diagnostics) == 0  # the draft counts: no lonely-key warning
    files = outputs(result)
    assert not any(name.startswith("en/") for name in files)
    story = lxml.html.fromstring(files["berita/2024/posyandu-baru/index.html"])
    assert hreflangs(story) == [] and switch(story) == []
    assert b"xhtml:link " not in files["sitemaps/berita-2024.xml"]
    preview = lxml.html.fromstring(outputs(build_site(root, drafts=True))[
        "berita/2024/posyandu-baru/index.html"])
    assert [lang for lang, _ in hreflangs(preview)] == ["id", "en", "x-default"]


# -- diagnostics --------------------------------------------------------------------------------


def _report(make_site: SiteMaker, files: dict[str, str | bytes], **options: object) -> str:
    with pytest.raises(BuildFailed) as exc:
        build_site(make_site(files), **options)
    return format_report(exc.value.diagnostics)


@pytest.mark.parametrize(("written", "hint"), [
    ("english", "maksud Anda 'en'? "),
    ("Inggris", "maksud Anda 'en'? "),
    ("EN", "maksud Anda 'en'? "),
    ("indonesia", "maksud Anda 'id'? "),
    ("fr", ""),
])
def test_an_unknown_language_is_located_with_a_hint(make_site: SiteMaker, written: str,
                                                    hint: str) -> None:
    report = _report(make_site, {STORY: story_text(extra=f"lang: {written}\n")})
    assert report == (
        f"{STORY}:9:7: error: bahasa '{written}' tidak dikenal\n"
        f"  hint: {hint}kabar mengenal id (Bahasa Indonesia) dan en (Inggris)\n"
        f"  | lang: {written}")


def test_two_versions_in_one_language_name_both_files(make_site: SiteMaker) -> None:
    files = _pair()
    files["content/stories/2024/posyandu-lagi.md"] = story_text(
        "New Health Post Again", extra="lang: en\ntranslation_key: posyandu\n")
    assert _report(make_site, files) == (
        "content/stories/2024/posyandu-lagi.md:10:18: error: translation_key 'posyandu' sudah "
        "dipakai cerita berbahasa 'en' lain: content/stories/2024/posyandu-baru.en.md\n"
        "  hint: satu kunci hanya untuk satu cerita per bahasa: perbaiki 'lang:' salah "
        "satunya, atau beri translation_key yang berbeda\n"
        "  | translation_key: posyandu")


def test_a_translation_that_forgot_its_lang_is_a_duplicate(make_site: SiteMaker) -> None:
    files = _pair()
    files["content/stories/2024/posyandu-baru.en.md"] = story_text(
        "New Health Post", extra="translation_key: posyandu\n")
    assert _report(make_site, files).startswith(
        f"{STORY}:9:18: error: translation_key 'posyandu' sudah dipakai cerita berbahasa 'id' "
        "lain: content/stories/2024/posyandu-baru.en.md\n")


def test_a_key_used_once_is_a_warning(make_site: SiteMaker) -> None:
    files = {STORY: story_text(extra="translation_key: posyandu\n")}
    result = build_site(make_site(files))
    assert format_report(result.diagnostics) == (
        f"{STORY}:9:18: warning: translation_key 'posyandu' tidak dipakai cerita lain\n"
        "  hint: beri versi bahasa lain cerita ini translation_key yang sama persis, atau "
        "hapus baris ini\n"
        "  | translation_key: posyandu")
    assert "berita/2024/posyandu-baru/index.html" in outputs(result)
    assert "tidak dipakai cerita lain" in _report(make_site, files, strict=True)


def test_a_page_may_not_take_a_language_folder(make_site: SiteMaker) -> None:
    assert _report(make_site, {"content/pages/en.md": "---\ntitle: English\n---\n\nHi.\n"}) == (
        "content/pages/en.md:2: error: alamat halaman '/en/' sudah dipakai kabar sendiri\n"
        "  hint: beri 'slug:' lain, misalnya 'tentang-kami'")


# -- one list of languages --------------------------------------------------------------------


def test_every_part_knows_the_same_languages() -> None:
    assert typing.get_args(typing.get_type_hints(SiteConfig)["language"]) == LANGUAGES
    assert set(STRINGS) == set(LABELS) == set(LANGUAGES)
    for lang in LANGUAGES:  # page feed links are titled as the feeds title themselves
        assert STRINGS[lang]["language_name"] == LABELS[lang]["language_name"]


def test_urls_and_card_labels() -> None:
    date = datetime(2024, 3, 12, tzinfo=UTC)
    assert urls.story(date, "x") == "/berita/2024/x/"
    assert urls.story(date, "x", "en") == "/en/berita/2024/x/"
    assert urls.rss_feed(urls.language_home("en")) == "/en/feed.xml"
    assert set(LANGUAGES) <= urls.RESERVED


def test_the_share_card_of_a_translation_speaks_its_language(site: Site) -> None:
    story: Story = site.translations[0]
    assert region_label(site, story.meta.region, "en").split(",")[0].endswith(
        (" District", " Village", " Urban village", " Regency"))
    assert region_label(site, "baamang-hulu") == "Kelurahan Baamang Hulu, Kotawaringin Timur"
    assert region_label(site, "baamang-hulu", "en") == \
        "Baamang Hulu Urban village, Kotawaringin Timur"


def _tiny(number: int, day: int, lang: str = "id", key: str = "") -> Story:
    from generator.model import RenderedBody, StoryMeta
    date = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=day)
    meta = StoryMeta(title=f"Cerita {number}", date=date, updated=None, region="kec-satu",
                     category="kesehatan", tags=(), author="rina", summary="", image=None,
                     slug=f"cerita-{number}", source=None, status="published", lang=lang,
                     translation_key=key)
    body = RenderedBody(html="", toc=(), word_count=0, first_paragraph="", assets=())
    prefix = "" if lang == "id" else f"/{lang}"
    return Story(path=f"content/stories/2024/c{number}.{lang}.md", meta=meta, body=body,
                 url=f"{prefix}/berita/2024/cerita-{number}/")


def test_related_stories_of_a_translation_are_near_it_and_not_itself() -> None:
    """A region with more stories than the related window: a translation (not in the lists)
    gets the stories nearest its date, never its own original."""
    from generator.config import parse_config
    from generator.diagnostics import Diagnostics
    from generator.structure import build_site as structure
    from generator.structure.related import WINDOW, related

    config = parse_config(MINIMAL_SITE_YAML, Diagnostics())
    assert config is not None
    stories = [_tiny(n, n) for n in range(WINDOW + 40)]
    stories[10] = _tiny(10, 10, key="k")  # old: outside the newest WINDOW stories
    translation = _tiny(999, 10, "en", "k")
    site = structure(config, (*stories, translation), (), (), datetime(2025, 1, 1, tzinfo=UTC))
    assert site.versions_of(translation) == (stories[10], translation)
    found = related(site, translation)
    assert [s.meta.title for s in found] == ["Cerita 11", "Cerita 9", "Cerita 12", "Cerita 8"]
    assert stories[10] not in related(site, translation, limit=WINDOW)
