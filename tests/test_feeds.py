"""RSS and Atom feeds, read back with feedparser: every feed of the example portal, escaping,
determinism, the `feeds` section of site.yaml and the autodiscovery links of the pages."""

from __future__ import annotations

import html
import re
import time
from calendar import timegm
from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from conftest import (
    MINIMAL_SITE_YAML,
    REPO,
    SiteMaker,
    build_site,
    outputs,
    story_text,
)

from generator import urls
from generator.build import BuildOptions, BuildResult, build
from generator.config import parse_config
from generator.diagnostics import BuildFailed, Diagnostics, format_report
from generator.model import Site, Story

BASE = "https://uji.example.go.id"


def parse(data: bytes) -> Any:
    """feedparser's reading of a feed, which must be well-formed."""
    feed = feedparser.parse(data)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def stamp(moment: datetime) -> int:
    return int(moment.timestamp())


def parsed_stamp(value: time.struct_time) -> int:
    return timegm(value)


def head_feeds(page: str) -> list[tuple[str, str, str]]:
    """(type, title, href) of every `<link rel="alternate">` feed in an HTML page's head."""
    return [(m["type"], html.unescape(m["title"]), m["href"]) for m in re.finditer(
        r'<link rel="alternate" type="(?P<type>[^"]+)" title="(?P<title>[^"]*)" '
        r'href="(?P<href>[^"]+)">', page)]


def list_feeds(site: Site) -> dict[str, tuple[Story, ...]]:
    """Every list URL that has feeds, with its stories (newest first), from the model."""
    lists: dict[str, tuple[Story, ...]] = {urls.home(): site.stories}
    lists |= {region.url: site.by_region.get(region.id, ()) for region in site.regions.values()}
    lists |= {urls.category(c): site.by_category.get(c, ()) for c in site.categories}
    lists |= {urls.operator(o): site.by_author.get(o, ()) for o in site.operators}
    if site.config.feeds.tags:
        lists |= {tag.url: site.by_tag.get(slug, ()) for slug, tag in site.tags.items()}
    if site.factchecks:
        lists[urls.factchecks()] = site.factchecks
    return lists


# -- the example portal: every feed file -------------------------------------------------


@pytest.fixture(scope="module")
def example_site(example_result: BuildResult) -> Site:
    return example_result.site


def test_every_feed_of_the_example_portal_reads_back_exactly(
        example_output: Path, example_site: Site) -> None:
    site = example_site
    limit, base = site.config.feeds.limit, site.config.base_url
    lists = list_feeds(site)
    # The feeds of other languages (/en/feed.xml) are read back in tests/test_translations.py.
    languages = {urls.output_path(make(urls.language_home(s.meta.lang)))
                 for s in site.translations for make in (urls.rss_feed, urls.atom_feed)}
    assert languages == {"en/feed.xml", "en/atom.xml"}
    written = {p.relative_to(example_output).as_posix()
               for p in example_output.rglob("*.xml")
               if p.name in ("feed.xml", "atom.xml")} - languages
    assert written == {urls.output_path(make(u)) for u in lists
                       for make in (urls.rss_feed, urls.atom_feed)}
    assert len(written) == 2 * (1 + len(site.regions) + len(site.categories)
                                + len(site.operators) + len(site.tags)
                                + bool(site.factchecks))
    with_image = 0
    for list_url, stories in lists.items():
        expected = [s for s in stories if s.meta.status == "published"][:limit]
        page = (example_output / urls.output_path(list_url)).read_text(encoding="utf-8")
        titles = {href: title for _, title, href in head_feeds(page)}
        for make, version in ((urls.rss_feed, "rss20"), (urls.atom_feed, "atom10")):
            feed_url = make(list_url)
            data = (example_output / urls.output_path(feed_url)).read_bytes()
            feed = parse(data)
            where = f"{feed_url}: "
            assert feed.version == version, where
            assert len(feed.entries) == min(limit, len(expected)), where
            # guid / id = the story's absolute URL, in the list's order: newest first
            assert [e.id for e in feed.entries] == [base + s.url for s in expected], where
            assert [e.link for e in feed.entries] == [base + s.url for s in expected], where
            published = [parsed_stamp(e.published_parsed) for e in feed.entries]
            assert published == sorted(published, reverse=True), where
            assert published == [stamp(s.meta.date) for s in expected], where
            # no build time, no feedgen version: the feed's date is its newest story's
            assert "generator" not in feed.feed and b"<generator" not in data, where
            if expected:
                newest = max(s.meta.updated or s.meta.date for s in expected)
                assert parsed_stamp(feed.feed.updated_parsed) == stamp(newest), where
            # the page names this feed with the feed's own title
            suffix = " (RSS)" if version == "rss20" else " (Atom)"
            assert titles[feed_url] == feed.feed.title + suffix, where
            self_links = [link.href for link in feed.feed.links if link.rel == "self"]
            assert self_links == [base + feed_url], where
            if version == "atom10":
                assert feed.feed.id == base + feed_url, where
            for entry, story in zip(feed.entries, expected, strict=True):
                fact = story.meta.factcheck
                label = f"[{fact.info.label}] " if fact else ""
                assert entry.title == label + story.meta.title, where
                if story.meta.image is None:
                    assert entry.enclosures == [], where
                    continue
                with_image += 1
                image = story.meta.image
                size = (REPO / image.source).stat().st_size
                assert image.url.endswith((".jpg", ".jpeg")), image.url
                assert [dict(e) for e in entry.enclosures] == [
                    {"href": base + image.url, "type": "image/jpeg", "length": str(size)}], where
    assert with_image > 10  # the example portal has pictures: the enclosure is tested


def test_the_site_feed_is_cut_at_the_limit_newest_first(example_output: Path,
                                                        example_site: Site) -> None:
    feed = parse((example_output / "feed.xml").read_bytes())
    published = [s for s in example_site.stories if s.meta.status == "published"]
    assert len(published) > 20 == example_site.config.feeds.limit == len(feed.entries)
    assert feed.entries[0].id == example_site.config.base_url + published[0].url
    assert feed.feed.title == "Kabar Kotim"
    baamang = parse((example_output / "wilayah/kotawaringin-timur/baamang/atom.xml")
                    .read_bytes())
    assert baamang.feed.title == "Kabar Kotim — Kecamatan Baamang"


def test_a_region_hub_names_and_links_its_own_feeds(example_output: Path) -> None:
    hub = "/wilayah/kotawaringin-timur/baamang/"
    page = (example_output / urls.output_path(hub)).read_text(encoding="utf-8")
    assert ('<link rel="alternate" type="application/rss+xml" '
            f'title="Kabar Kotim — Kecamatan Baamang (RSS)" href="{hub}feed.xml">') in page
    assert head_feeds(page) == [
        ("application/rss+xml", "Kabar Kotim (RSS)", "/feed.xml"),
        ("application/atom+xml", "Kabar Kotim (Atom)", "/atom.xml"),
        ("application/rss+xml", "Kabar Kotim — Kecamatan Baamang (RSS)", f"{hub}feed.xml"),
        ("application/atom+xml", "Kabar Kotim — Kecamatan Baamang (Atom)", f"{hub}atom.xml"),
    ]
    visible = re.search(r'<p class="feed-links">(.*?)</p>', page, re.S)
    assert visible, "the hub shows no feed links"
    assert visible[1].startswith("Berlangganan:")
    assert re.findall(r'<a href="([^"]+)" type="([^"]+)">(\w+)</a>', visible[1]) == [
        (f"{hub}feed.xml", "application/rss+xml", "RSS"),
        (f"{hub}atom.xml", "application/atom+xml", "Atom")]


# -- inline portals ------------------------------------------------------------------------

HOSTILE_YAML = (MINIMAL_SITE_YAML
                .replace("title: Kabar Uji", 'title: "Kabar <Uji> & ]]> Co"')
                .replace("name: Satu\n", 'name: "Satu <script>alert(1)</script> & ]]>"\n')
                .replace("name: Rina\n", 'name: "Rina <b>&amp;</b> ]]>"\n'))
HOSTILE_TITLE = "Warga <script>alert(1)</script> & Tetangga ]]> Bersih-bersih"
HOSTILE_SUMMARY = "Ringkasan <img src=x onerror=alert(1)> & ]]> selesai."


def hostile_story() -> str:
    return ("---\n"
            f"title: '{HOSTILE_TITLE}'\n"
            "date: 2024-03-12 09:30\nregion: kec-satu\ncategory: kesehatan\nauthor: rina\n"
            "tags: [posyandu]\n"
            f"summary: '{HOSTILE_SUMMARY}'\n"
            "image: foto.png\nimage_alt: Warga kerja bakti\n"
            "---\n\n"
            "Isi dengan ]]> dan & serta <script>alert(2)</script> [tautan](/tentang/) "
            "dan [lompat](#akhir).\n")


def test_operator_text_is_escaped_and_reads_back_literally(make_site: SiteMaker,
                                                            tiny_png: bytes) -> None:
    root = make_site({
        "site.yaml": HOSTILE_YAML + "feeds:\n  full_content: true\n",
        "content/stories/2024/warga/index.md": hostile_story(),
        "content/stories/2024/warga/foto.png": tiny_png,
        "content/pages/tentang.md": "---\ntitle: Tentang\n---\n\nIsi.\n",
    })
    files = outputs(build_site(root))
    story_url = f"{BASE}/berita/2024/warga-script-alert-1-script-tetangga-bersih-bersih/"
    checked = 0
    for name in ("feed.xml", "atom.xml", "wilayah/kab-uji/kec-satu/feed.xml",
                 "wilayah/kab-uji/kec-satu/atom.xml", "penulis/rina/feed.xml",
                 "penulis/rina/atom.xml"):
        data = files[name]
        assert b"<script>" not in data and b"]]>" not in data.replace(b"]]&gt;", b""), name
        feed = parse(data)
        entry = feed.entries[0]
        assert entry.title == HOSTILE_TITLE, name
        assert entry.id == story_url, name
        # the summary is HTML-escaped text: a reader shows it, never runs it
        assert html.unescape(entry.summary) == HOSTILE_SUMMARY, name
        assert "<img" not in entry.summary, name
        assert feed.feed.title.startswith("Kabar <Uji> & ]]> Co"), name
        assert [dict(e) for e in entry.enclosures] == [
            {"href": story_url + "foto.png", "type": "image/png", "length": str(len(tiny_png))}]
        checked += 1
    kecamatan = parse(files["wilayah/kab-uji/kec-satu/atom.xml"])
    assert kecamatan.feed.title == (
        "Kabar <Uji> & ]]> Co — Kecamatan Satu <script>alert(1)</script> & ]]>")
    operator = parse(files["penulis/rina/feed.xml"])
    assert operator.feed.title == "Kabar <Uji> & ]]> Co — Penulis Rina <b>&amp;</b> ]]>"
    assert operator.entries[0].author == "Rina <b>&amp;</b> ]]>"
    # the body: sanitised HTML with its links made absolute for feed readers
    atom = parse(files["atom.xml"])
    body = atom.entries[0].content[0]
    assert body.type == "text/html"
    assert "]]&gt;" in body.value and "&amp;" in body.value and "<script" not in body.value
    assert f'href="{BASE}/tentang/"' in body.value
    assert f'href="{story_url}#akhir"' in body.value
    rss = parse(files["feed.xml"])
    assert rss.entries[0].content[0].value == body.value
    assert checked == 6


def test_summary_only_by_default_and_full_content_on_request(make_site: SiteMaker) -> None:
    story = story_text(body="Paragraf **penuh** cerita.\n")
    root = make_site({"content/stories/2024/a.md": story})
    default = outputs(build_site(root))
    for name in ("feed.xml", "atom.xml"):
        entry = parse(default[name]).entries[0]
        assert entry.summary == "Ringkasan cerita."
        assert "content" not in entry
        assert b"penuh" not in default[name]
    root = make_site({"site.yaml": MINIMAL_SITE_YAML + "feeds:\n  full_content: true\n"})
    full = outputs(build_site(root))
    story_html = "<p>Paragraf <strong>penuh</strong> cerita.</p>"
    for name in ("feed.xml", "atom.xml"):
        entry = parse(full[name]).entries[0]
        assert entry.summary == "Ringkasan cerita."
        assert entry.content[0].value == story_html
    assert b"<content:encoded>&lt;p&gt;Paragraf &lt;strong&gt;penuh" in full["feed.xml"]


def test_limit_tags_off_and_only_published_stories(make_site: SiteMaker) -> None:
    root = make_site({
        "site.yaml": MINIMAL_SITE_YAML + "feeds:\n  limit: 2\n  tags: false\n",
        "content/stories/2024/a.md": story_text("Satu", date="2024-03-01 08:00"),
        "content/stories/2024/b.md": story_text("Dua", date="2024-03-02 08:00"),
        "content/stories/2024/c.md": story_text("Tiga", date="2024-03-03 08:00"),
        "content/stories/2024/d.md": story_text("Empat", date="2024-03-04 08:00",
                                                extra="status: draft\n"),
    })
    files = outputs(build_site(root, drafts=True))  # the draft is rendered, not syndicated
    assert "berita/2024/empat/index.html" in files
    for name in ("feed.xml", "atom.xml", "wilayah/kab-uji/feed.xml", "kategori/kesehatan/atom.xml"):
        feed = parse(files[name])
        assert [e.title for e in feed.entries] == ["Tiga", "Dua"], name
        # the feed's date: its newest story (the draft is not in it), never the clock
        assert feed.feed.updated_parsed[:5] == (2024, 3, 3, 1, 0), name
    assert not [name for name in files if name.startswith("tag/") and name.endswith(".xml")]
    assert "tag/posyandu/index.html" in files
    tag_page = files["tag/posyandu/index.html"].decode()
    assert [href for _, _, href in head_feeds(tag_page)] == ["/feed.xml", "/atom.xml"]
    # a region without stories still has its (empty) feeds, dated by the portal's newest story
    empty = parse(files["wilayah/kab-uji/kec-dua/feed.xml"])
    assert empty.entries == [] and empty.feed.updated_parsed[:5] == (2024, 3, 3, 1, 0)


def test_pages_name_the_feeds_of_their_list(make_site: SiteMaker) -> None:
    root = make_site({"content/stories/2024/a.md": story_text("Satu")})
    files = {name: data.decode() for name, data in outputs(build_site(root)).items()
             if name.endswith(".html")}
    site = ["/feed.xml", "/atom.xml"]
    expected = {
        "index.html": site,
        "arsip/2024/index.html": site,
        "wilayah/kab-uji/kec-satu/index.html":
            [*site, "/wilayah/kab-uji/kec-satu/feed.xml", "/wilayah/kab-uji/kec-satu/atom.xml"],
        "kategori/kesehatan/index.html":
            [*site, "/kategori/kesehatan/feed.xml", "/kategori/kesehatan/atom.xml"],
        "tag/posyandu/index.html": [*site, "/tag/posyandu/feed.xml", "/tag/posyandu/atom.xml"],
        "penulis/rina/index.html": [*site, "/penulis/rina/feed.xml", "/penulis/rina/atom.xml"],
        # a story names its kecamatan's feeds
        "berita/2024/satu/index.html":
            [*site, "/wilayah/kab-uji/kec-satu/feed.xml", "/wilayah/kab-uji/kec-satu/atom.xml"],
    }
    for name, hrefs in expected.items():
        found = head_feeds(files[name])
        assert [href for _, _, href in found] == hrefs, name
        assert [kind for kind, _, _ in found] == [
            "application/atom+xml" if h.endswith("atom.xml") else "application/rss+xml"
            for h in hrefs], name
    assert head_feeds(files["penulis/rina/index.html"])[2][1] == "Kabar Uji — Penulis Rina (RSS)"


def test_english_portal_titles(make_site: SiteMaker) -> None:
    root = make_site({"site.yaml": MINIMAL_SITE_YAML.replace("title: Kabar Uji\n",
                                                             "title: Kabar Uji\nlanguage: en\n"),
                      "content/stories/2024/a.md": story_text("Satu")})
    files = outputs(build_site(root))
    assert parse(files["wilayah/kab-uji/kec-satu/atom.xml"]).feed.title == (
        "Kabar Uji — Satu District")
    page = files["wilayah/kab-uji/kec-satu/index.html"].decode()
    assert ("application/rss+xml", "Kabar Uji — Satu District (RSS)",
            "/wilayah/kab-uji/kec-satu/feed.xml") in head_feeds(page)
    assert '<p class="feed-links">Subscribe:' in page


def test_two_builds_at_different_real_times_give_identical_feeds(make_site: SiteMaker) -> None:
    """SOURCE_DATE_EPOCH is set (conftest); no build time and no clock reading gets in."""
    root = make_site({"content/stories/2024/a.md": story_text("Satu", extra="updated: "
                                                               "2024-03-13 10:00\n"),
                      "content/stories/2023/b.md": story_text("Dua", date="2023-01-02")})

    def feeds() -> dict[str, bytes]:
        result = build(root, BuildOptions())  # build time from the environment
        return {o.path: o.data for o in result.outputs if o.path.endswith(("feed.xml",
                                                                           "atom.xml"))}

    first = feeds()
    time.sleep(1.1)  # RSS dates have whole seconds
    second = feeds()
    assert first == second and len(first) == 2 * (1 + 3 + 2 + 2 + 1)
    # every date in every feed is a story's date
    story_dates = {"2024-03-12T09:30:00+07:00", "2024-03-13T10:00:00+07:00",
                   "2023-01-02T00:00:00+07:00"}
    for name, data in first.items():
        text = data.decode()
        assert "<generator" not in text, name
        if name.endswith("atom.xml"):
            assert set(re.findall(r"<(?:updated|published)>([^<]+)<", text)) <= story_dates
        else:
            assert set(re.findall(r"<(?:lastBuildDate|pubDate)>([^<]+)<", text)) <= {
                "Tue, 12 Mar 2024 09:30:00 +0700", "Wed, 13 Mar 2024 10:00:00 +0700",
                "Mon, 02 Jan 2023 00:00:00 +0700"}, name
    site_atom = parse(first["atom.xml"])
    assert site_atom.feed.updated == "2024-03-13T10:00:00+07:00"


@pytest.mark.parametrize(("text", "expected"), [
    ("feeds:\n  limit: 0\n",
     "site.yaml:34:10: error: feeds.limit harus antara 1 dan 500\n"
     "  hint: jumlah berita terbaru di setiap feed, misalnya limit: 20\n"
     "  |   limit: 0"),
    ("feeds:\n  tag: false\n",
     "site.yaml:34:3: error: kunci 'tag' tidak dikenal di feeds\n"
     "  hint: maksud Anda 'tags'?\n"
     "  |   tag: false"),
    ("feeds:\n  full_content: ya\n",
     "site.yaml:34:17: error: feeds.full_content: harus true atau false\n"
     "  |   full_content: ya"),
])
def test_feeds_config_mistakes(text: str, expected: str) -> None:
    diags = Diagnostics()
    assert parse_config(MINIMAL_SITE_YAML + text, diags) is None
    assert format_report(diags) == expected


def test_feeds_config_defaults() -> None:
    config = parse_config(MINIMAL_SITE_YAML, Diagnostics())
    assert config is not None
    assert (config.feeds.limit, config.feeds.full_content, config.feeds.tags) == (20, False, True)


def test_build_failure_is_a_diagnostic_not_a_crash(make_site: SiteMaker) -> None:
    root = make_site({"site.yaml": MINIMAL_SITE_YAML + "feeds:\n  limit: 9999\n"})
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    assert "feeds.limit harus antara 1 dan 500" in format_report(failed.value.diagnostics)
