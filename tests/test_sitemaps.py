"""Sitemaps, the Google News sitemap and robots.txt, checked with two real XSD validators.

Every sitemap is validated against the sitemaps.org schemas (offline copies in the shared
folder beside the clone, `../shared/xsd`) by lxml AND by `xmllint --nonet --schema`.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import Counter
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from conftest import BUILD_TIME, MINIMAL_SITE_YAML, REPO, SiteMaker, build_site, outputs, story_text
from externals import require
from lxml import etree
from lxml import html as lxml_html

from generator.diagnostics import BuildFailed
from generator.model import RenderedBody, Site, Story, StoryMeta
from generator.publish.sitemaps import (
    MAX_NEWS,
    URLSET_CLOSE,
    URLSET_OPEN,
    Entry,
    child_sitemaps,
    news_sitemap,
    news_stories,
    publish_sitemaps,
    split,
    url_element,
)

XSD = REPO.parent / "shared" / "xsd"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
IMAGE = "{http://www.google.com/schemas/sitemap-image/1.1}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
CATALOG_NS = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
WIB = ZoneInfo("Asia/Jakarta")
BASE = "https://uji.example.go.id"

Files = dict[str, bytes]
EMPTY_NEWS = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
              b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
              b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
              b"</urlset>\n")


# -- validators ---------------------------------------------------------------------------


def _xsd_dir() -> Path:
    if not (XSD / "catalog.xml").is_file():
        pytest.fail(f"sitemap schemas missing: {XSD} (the shared folder beside the clone, "
                    "with siteindex.xsd, sitemap-all.xsd and catalog.xml)", pytrace=False)
    return XSD


class _Catalog(etree.Resolver):
    """Resolves the schemas' absolute imports (xml.xsd) to local files via catalog.xml."""

    def __init__(self, catalog: Path) -> None:
        super().__init__()
        self.files: dict[str, Path] = {}
        for item in etree.parse(str(catalog)).getroot():
            key = item.get("systemId") if item.tag == f"{CATALOG_NS}system" else item.get("name")
            if key:
                self.files[key] = catalog.parent / str(item.get("uri"))

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        local = self.files.get(system_url)
        return self.resolve_filename(str(local), context) if local else None


@cache
def _schema(name: str) -> etree.XMLSchema:
    folder = _xsd_dir()
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_Catalog(folder / "catalog.xml"))
    return etree.XMLSchema(etree.parse(str(folder / name), parser))


def _lxml_errors(schema: str, data: bytes) -> list[str]:
    checker = _schema(schema)
    if checker.validate(etree.fromstring(data)):
        return []
    return [f"{e.line}: {e.message}" for e in checker.error_log]


def _xmllint(schema: str, files: list[Path]) -> None:
    """Validate files with xmllint (network off, imports through the catalog)."""
    xmllint = require("xmllint", "xmllint (Debian package libxml2-utils)")
    folder = _xsd_dir()
    proc = subprocess.run(
        [str(xmllint), "--nonet", "--noout", "--schema", str(folder / schema),
         *map(str, files)],
        capture_output=True, text=True, check=False, timeout=120,
        env={**os.environ, "XML_CATALOG_FILES": str(folder / "catalog.xml")})
    assert proc.returncode == 0, proc.stderr
    assert sorted(proc.stderr.splitlines()) == sorted(f"{f} validates" for f in files)


def _validate(files: Files, tmp_path: Path) -> None:
    """sitemap.xml against siteindex.xsd, every other sitemap against sitemap-all.xsd.

    The news sitemap included, even when no story is fresh.
    """
    index, children = "sitemap.xml", sorted(
        p for p in files if p.startswith("sitemaps/") or p == "news-sitemap.xml")
    assert _lxml_errors("siteindex.xsd", files[index]) == []
    for name in children:
        assert _lxml_errors("sitemap-all.xsd", files[name]) == [], name
    written = {}
    for name in [index, *children]:
        written[name] = tmp_path / "xml" / name
        written[name].parent.mkdir(parents=True, exist_ok=True)
        written[name].write_bytes(files[name])
    _xmllint("siteindex.xsd", [written[index]])
    _xmllint("sitemap-all.xsd", [written[n] for n in children])


# -- reading sitemaps ---------------------------------------------------------------------


def _urls(data: bytes) -> list[etree._Element]:
    root = etree.fromstring(data)
    assert root.tag in (f"{SM}urlset", f"{SM}sitemapindex")
    return list(root)


def _locs(data: bytes) -> list[str]:
    return [str(u.findtext(f"{SM}loc")) for u in _urls(data)]


def _lastmods(data: bytes) -> dict[str, str | None]:
    return {str(u.findtext(f"{SM}loc")): u.findtext(f"{SM}lastmod") for u in _urls(data)}


def _path(loc: str) -> str:
    return urlsplit(loc).path


def _children(files: Files) -> list[str]:
    """The output paths of the child sitemaps the index names, in its order."""
    return [_path(loc).lstrip("/") for loc in _locs(files["sitemap.xml"])]


def _html_pages(files: Files) -> dict[str, bool]:
    """Site URL of every HTML page → whether it says noindex."""
    pages = {}
    for path, data in files.items():
        if not path.endswith(".html"):
            continue
        url = "/" + path.removesuffix("index.html") if path.endswith("index.html") else "/" + path
        robots = lxml_html.fromstring(data).xpath('//meta[@name="robots"]/@content')
        pages[url] = any("noindex" in r for r in robots)
    return pages


def _read_tree(folder: Path) -> Files:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and p.suffix in (".html", ".xml", ".txt")}


def _check_every_indexable_page_once(files: Files) -> Counter[str]:
    pages = _html_pages(files)
    listed = Counter(_path(loc) for child in _children(files) for loc in _locs(files[child]))
    indexable = {url for url, noindex in pages.items() if not noindex}
    assert [url for url, n in listed.items() if n > 1] == []
    assert set(listed) - indexable == set()  # nothing noindex, missing or invented
    assert indexable - set(listed) == set()
    assert "/404.html" in pages and "/404.html" not in listed
    return listed


# -- the example portal -------------------------------------------------------------------


def test_example_sitemaps_validate_with_lxml_and_xmllint(example_output: Path,
                                                         tmp_path: Path) -> None:
    files = _read_tree(example_output)
    children = _children(files)
    assert children[0] == "sitemaps/halaman.xml"
    assert sorted(children) == sorted(p for p in files if p.startswith("sitemaps/"))
    assert children[1:] == [f"sitemaps/berita-{y}.xml" for y in (2026, 2025, 2024, 2023)]
    _validate(files, tmp_path)


def test_example_lists_every_indexable_page_exactly_once(example_output: Path) -> None:
    files = _read_tree(example_output)
    listed = _check_every_indexable_page_once(files)
    # Articles: stories (translations under /en/) and fact checks, /berita/<year>/…,
    # /en/berita/<year>/… and /cek-fakta/<year>/…
    article = re.compile(r"/(?:en/)?(?:berita|cek-fakta)/(\d{4})/[^/]+/")
    story_pages = {url for url in listed if article.fullmatch(url)}
    assert any(u.startswith("/cek-fakta/") for u in story_pages)
    assert any(u.startswith("/en/berita/") for u in story_pages)
    for child in _children(files):
        urls = [_path(loc) for loc in _locs(files[child])]
        name = child.removeprefix("sitemaps/").removesuffix(".xml")
        if name == "halaman":
            assert len(urls) == len(listed) - len(story_pages)
            assert not any(article.fullmatch(u) for u in urls)
            assert urls[0] == "/" and "/tentang/" in urls and "/arsip/2024/02/" in urls
            assert "/cek-fakta/" in urls
        else:
            year = name.removeprefix("berita-")
            in_year = [u for u in story_pages if article.sub(r"\1", u) == year]
            assert len(urls) == len(in_year)
            assert urls and all(u in in_year for u in urls)


def test_each_index_entry_carries_the_newest_lastmod_inside(example_output: Path) -> None:
    files = _read_tree(example_output)
    for loc, lastmod in _lastmods(files["sitemap.xml"]).items():
        inside = [m for m in _lastmods(files[_path(loc).lstrip("/")]).values() if m]
        assert lastmod == max(inside, key=datetime.fromisoformat), loc


def test_example_story_images_are_listed(example_output: Path) -> None:
    files = _read_tree(example_output)
    entry = next(u for u in _urls(files["sitemaps/berita-2024.xml"]) if u.findtext(f"{SM}loc")
                 == "https://kabar.kotimkab.go.id/berita/2024/"
                    "menyusuri-sungai-mentaya-dengan-kelotok-wisata-di-sampit/")
    folder = "https://kabar.kotimkab.go.id/berita/2024/" \
             "menyusuri-sungai-mentaya-dengan-kelotok-wisata-di-sampit/"
    assert [i.findtext(f"{IMAGE}loc") for i in entry.iter(f"{IMAGE}image")] == [
        folder + "susur-mentaya.jpg", folder + "dermaga-senja.jpg"]


def test_news_sitemap_without_fresh_stories_still_validates(make_site: SiteMaker) -> None:
    """Nothing from the last 48 hours: the newest story as a plain <url>, no news tags.

    An empty urlset would break the sitemaps.org XSD (at least one <url>); Google reads news
    tags of the last two days only, so an older plain URL is harmless.
    """
    root = make_site({"content/stories/2024/a.md": story_text()})  # long before BUILD_TIME
    data = outputs(build_site(root))["news-sitemap.xml"]
    assert data == EMPTY_NEWS.replace(
        b"</urlset>", b"  <url>\n    <loc>https://uji.example.go.id/berita/2024/posyandu-baru/"
        b"</loc>\n  </url>\n</urlset>")
    assert b"news:news" not in data
    assert _lxml_errors("sitemap-all.xsd", data) == []


# -- an inline site: exact URLs, lastmods, images -----------------------------------------


def _small_site(make_site: SiteMaker, tiny_png: bytes) -> Path:
    return make_site({
        "content/stories/2024/a.md": story_text("Satu"),
        "content/stories/2023/b.md": story_text("Dua", date="2023-05-01 08:00",
                                                region="kec-dua"),
        "content/stories/2024/c.md": story_text("Tiga", date="2024-01-02 10:00",
                                                extra="updated: 2024-04-01 10:00\n"),
        "content/stories/2023/foto/index.md": story_text(
            "Foto", date="2023-12-31 23:00", region="kec-dua",
            extra="image: utama.png\nimage_alt: Gambar utama.\n",
            body="Teks.\n\n![Gambar kedua](kedua.png)\n\n[Laporan](laporan.pdf)\n\n"
                 "![Utama lagi](utama.png)\n"),
        "content/stories/2023/foto/utama.png": tiny_png,
        "content/stories/2023/foto/kedua.png": tiny_png,
        "content/stories/2023/foto/laporan.pdf": b"%PDF-1.4\n%%EOF\n",
        "content/stories/2024/draf.md": story_text("Draf", date="2024-02-02 10:00",
                                                   extra="status: draft\n"),
        "content/pages/tentang.md": "---\ntitle: Tentang\nmenu: 1\n---\n\nIsi.\n",
    })


def test_small_site_urls_counts_and_lastmods_exactly(make_site: SiteMaker, tiny_png: bytes,
                                                     tmp_path: Path) -> None:
    files = outputs(build_site(_small_site(make_site, tiny_png)))
    assert _children(files) == ["sitemaps/halaman.xml", "sitemaps/berita-2024.xml",
                                "sitemaps/berita-2023.xml"]
    pages = [_path(loc) for loc in _locs(files["sitemaps/halaman.xml"])]
    assert pages == [
        "/", "/page/2/", "/wilayah/", "/wilayah/kab-uji/", "/wilayah/kab-uji/page/2/",
        "/wilayah/kab-uji/kec-satu/", "/wilayah/kab-uji/kec-dua/",
        "/kategori/", "/kategori/kesehatan/", "/kategori/kesehatan/page/2/",
        "/kategori/pendidikan/", "/tag/", "/tag/posyandu/", "/tag/posyandu/page/2/",
        "/penulis/", "/penulis/rina/", "/penulis/rina/page/2/", "/penulis/budi/",
        "/arsip/", "/arsip/2024/", "/arsip/2024/01/", "/arsip/2024/03/",
        "/arsip/2023/", "/arsip/2023/05/", "/arsip/2023/12/",
        "/cari/", "/tentang/"]
    assert [_path(x) for x in _locs(files["sitemaps/berita-2024.xml"])] == [
        "/berita/2024/satu/", "/berita/2024/tiga/"]
    assert [_path(x) for x in _locs(files["sitemaps/berita-2023.xml"])] == [
        "/berita/2023/foto/", "/berita/2023/dua/"]
    lastmods = {_path(k): v for child in ["sitemap.xml", *_children(files)]
                for k, v in _lastmods(files[child]).items()}
    assert lastmods["/berita/2024/satu/"] == "2024-03-12T09:30:00+07:00"
    assert lastmods["/berita/2024/tiga/"] == "2024-04-01T10:00:00+07:00"  # `updated` wins
    assert lastmods["/wilayah/kab-uji/kec-dua/"] == "2023-12-31T23:00:00+07:00"
    assert lastmods["/page/2/"] == "2024-04-01T10:00:00+07:00"  # pages 1..2, not page 2
    assert lastmods["/wilayah/kab-uji/page/2/"] == "2024-04-01T10:00:00+07:00"
    assert lastmods["/arsip/2023/"] == "2023-12-31T23:00:00+07:00"
    assert lastmods["/kategori/pendidikan/"] is None  # lists nothing
    assert lastmods["/tentang/"] is None
    assert lastmods["/cari/"] is None  # a form: no date of its own
    assert lastmods["/sitemaps/halaman.xml"] == "2024-04-01T10:00:00+07:00"
    assert lastmods["/sitemaps/berita-2023.xml"] == "2023-12-31T23:00:00+07:00"
    _validate(files, tmp_path)


def test_images_of_a_story_are_listed_once_and_absolute(make_site: SiteMaker,
                                                        tiny_png: bytes) -> None:
    files = outputs(build_site(_small_site(make_site, tiny_png)))
    images = {str(u.findtext(f"{SM}loc")): [i.findtext(f"{IMAGE}loc")
                                            for i in u.iter(f"{IMAGE}image")]
              for u in _urls(files["sitemaps/berita-2023.xml"])}
    assert images == {
        f"{BASE}/berita/2023/foto/": [f"{BASE}/berita/2023/foto/utama.png",
                                      f"{BASE}/berita/2023/foto/kedua.png"],  # no PDF
        f"{BASE}/berita/2023/dua/": []}


def test_drafts_build_keeps_noindex_stories_out(make_site: SiteMaker, tiny_png: bytes) -> None:
    files = outputs(build_site(_small_site(make_site, tiny_png), drafts=True))
    assert _html_pages(files)["/berita/2024/draf/"] is True  # rendered, noindex
    listed = _check_every_indexable_page_once(files)
    assert "/berita/2024/draf/" not in listed
    assert "/berita/2024/draf/" not in files["news-sitemap.xml"].decode()


def test_lastmod_override_replaces_the_derived_time(make_site: SiteMaker,
                                                    tiny_png: bytes) -> None:
    site = build_site(_small_site(make_site, tiny_png)).site
    git = {"/tentang/": datetime(2025, 1, 2, 3, 4, 5, tzinfo=ZoneInfo("UTC")),
           "/berita/2023/dua/": datetime(2024, 9, 9, 9, 9, tzinfo=WIB)}
    files = {o.path: o.data for o in publish_sitemaps(site, lastmod_override=git)}
    assert _lastmods(files["sitemaps/halaman.xml"])[f"{BASE}/tentang/"] == \
        "2025-01-02T10:04:05+07:00"  # written in the site's zone
    assert _lastmods(files["sitemaps/berita-2023.xml"])[f"{BASE}/berita/2023/dua/"] == \
        "2024-09-09T09:09:00+07:00"
    assert _lastmods(files["sitemap.xml"]) == {
        f"{BASE}/sitemaps/halaman.xml": "2025-01-02T10:04:05+07:00",
        f"{BASE}/sitemaps/berita-2024.xml": "2024-04-01T10:00:00+07:00",
        f"{BASE}/sitemaps/berita-2023.xml": "2024-09-09T09:09:00+07:00"}


# -- Google News ----------------------------------------------------------------------------


def _wib(moment: datetime) -> str:
    return moment.astimezone(WIB).strftime("%Y-%m-%d %H:%M")


def test_news_sitemap_keeps_the_last_48_hours(make_site: SiteMaker, tmp_path: Path) -> None:
    def at(title: str, delta: timedelta, extra: str = "") -> str:
        return story_text(title, date=_wib(BUILD_TIME + delta), extra=extra)

    root = make_site({
        "content/stories/2026/dalam.md": at("Di Dalam", -timedelta(hours=47, minutes=59)),
        "content/stories/2026/luar.md": at("Di Luar", -timedelta(hours=48, minutes=1)),
        "content/stories/2026/batas.md": at("Tepat Batas", -timedelta(hours=48)),
        "content/stories/2026/kini.md": at("Tepat Sekarang", timedelta(0)),
        "content/stories/2026/nanti.md": at("Akan Datang", timedelta(minutes=1)),
        "content/stories/2026/draf.md": at("Masih Draf", -timedelta(hours=1),
                                           "status: draft\n"),
    })
    files = outputs(build_site(root, drafts=True))
    news = _urls(files["news-sitemap.xml"])
    assert [_path(str(u.findtext(f"{SM}loc"))) for u in news] == [
        "/berita/2026/tepat-sekarang/", "/berita/2026/di-dalam/", "/berita/2026/tepat-batas/"]
    first = news[0].find(f"{NEWS}news")
    assert first is not None
    assert first.findtext(f"{NEWS}publication/{NEWS}name") == "Kabar Uji"
    assert first.findtext(f"{NEWS}publication/{NEWS}language") == "id"
    assert first.findtext(f"{NEWS}publication_date") == "2026-11-20T07:00:00+07:00"
    assert first.findtext(f"{NEWS}title") == "Tepat Sekarang"
    _validate(files, tmp_path)


def test_news_titles_and_publication_are_escaped(make_site: SiteMaker, tmp_path: Path) -> None:
    title = "Tom & Jerry <b>hadir</b> 'di' Sampit"
    root = make_site({
        "site.yaml": MINIMAL_SITE_YAML.replace("title: Kabar Uji", 'title: "Kabar & <Uji>"'),
        "content/stories/2026/a.md": story_text(title, date=_wib(BUILD_TIME)),
    })
    files = outputs(build_site(root))
    raw = files["news-sitemap.xml"]
    assert b"Tom &amp; Jerry &lt;b&gt;hadir&lt;/b&gt;" in raw and b"<b>" not in raw
    (news,) = (u.find(f"{NEWS}news") for u in _urls(raw))
    assert news is not None
    assert news.findtext(f"{NEWS}title") == title
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Kabar & <Uji>"
    _validate(files, tmp_path)


def _tiny_story(number: int, date: datetime) -> Story:
    meta = StoryMeta(title=f"Cerita {number}", date=date, updated=None, region="kec-satu",
                     category="kesehatan", tags=(), author="rina", summary="", image=None,
                     slug=f"cerita-{number}", source=None, status="published", lang="id",
                     translation_key="")
    body = RenderedBody(html="", toc=(), word_count=0, first_paragraph="", assets=())
    return Story(path=f"content/stories/2026/cerita-{number}.md", meta=meta, body=body,
                 url=f"/berita/2026/cerita-{number}/")


def test_news_sitemap_holds_at_most_1000_newest(make_site: SiteMaker) -> None:
    stories = [_tiny_story(n, BUILD_TIME - timedelta(minutes=n)) for n in range(1005)]
    picked = news_stories(reversed(stories), BUILD_TIME)
    assert MAX_NEWS == 1000
    assert [s.url for s in picked] == [s.url for s in stories[:1000]]
    site: Site = build_site(make_site({})).site
    data = news_sitemap(picked, site, WIB)
    assert len(_urls(data)) == 1000
    assert _lxml_errors("sitemap-all.xsd", data) == []


# -- splitting at 50,000 URLs / 50 MB ---------------------------------------------------------


@pytest.mark.parametrize(("sizes", "max_count", "max_bytes", "runs"), [
    ([], 3, 100, [(0, 0)]),  # an empty sitemap is still one file
    ([10] * 7, 3, 1000, [(0, 3), (3, 6), (6, 7)]),
    ([10] * 6, 3, 1000, [(0, 3), (3, 6)]),
    ([40, 40, 40], 10, 100, [(0, 2), (2, 3)]),
    ([50, 50], 10, 100, [(0, 2)]),  # exactly at the limit fits
    ([150, 10], 10, 100, [(0, 1), (1, 2)]),  # too big alone: its own file, never dropped
])
def test_split(sizes: list[int], max_count: int, max_bytes: int,
               runs: list[tuple[int, int]]) -> None:
    assert [(r.start, r.stop) for r in split(sizes, max_count, max_bytes)] == runs


def test_a_year_past_the_limits_continues_in_numbered_files() -> None:
    entries = [Entry(url=f"/berita/2024/c-{n}/", lastmod=datetime(2024, 5, 10 - n, tzinfo=WIB))
               for n in range(5)]
    by_count = child_sitemaps("berita-2024", entries, BASE, WIB, max_urls=2)
    assert [c.url for c in by_count] == ["/sitemaps/berita-2024.xml",
                                         "/sitemaps/berita-2024-2.xml",
                                         "/sitemaps/berita-2024-3.xml"]
    assert [len(_urls(c.data)) for c in by_count] == [2, 2, 1]
    assert [c.lastmod for c in by_count] == [entries[0].lastmod, entries[2].lastmod,
                                             entries[4].lastmod]
    one = len(url_element(entries[0], BASE, WIB))
    limit = len(URLSET_OPEN) + len(URLSET_CLOSE) + 2 * one
    by_bytes = child_sitemaps("berita-2024", entries, BASE, WIB, max_bytes=limit)
    assert [len(_urls(c.data)) for c in by_bytes] == [2, 2, 1]
    assert max(len(c.data) for c in by_bytes) == limit
    for child in [*by_count, *by_bytes]:
        assert _lxml_errors("sitemap-all.xsd", child.data) == []


# -- robots.txt -----------------------------------------------------------------------------


def test_robots_txt_names_both_sitemaps(make_site: SiteMaker) -> None:
    root = make_site({"content/stories/2024/a.md": story_text()})
    assert outputs(build_site(root))["robots.txt"] == (
        b"User-agent: *\nAllow: /\n\n"
        b"Sitemap: https://uji.example.go.id/sitemap.xml\n"
        b"Sitemap: https://uji.example.go.id/news-sitemap.xml\n")
    moved = outputs(build_site(root, base_url="https://lain.example.org/"))
    assert b"Sitemap: https://lain.example.org/sitemap.xml\n" in moved["robots.txt"]
    assert _locs(moved["sitemap.xml"])[0] == "https://lain.example.org/sitemaps/halaman.xml"


def test_story_sitemap_of_a_site_without_stories_is_left_out(make_site: SiteMaker) -> None:
    files = outputs(build_site(make_site({})))
    assert _children(files) == ["sitemaps/halaman.xml"]
    assert _locs(files["sitemaps/halaman.xml"])[0] == f"{BASE}/"
    assert _locs(files["news-sitemap.xml"]) == [f"{BASE}/"]  # the home page keeps it valid


def test_a_robots_txt_in_content_static_is_a_diagnostic(make_site: SiteMaker) -> None:
    """kabar writes robots.txt itself; a second one is reported, not silently replaced."""
    root = make_site({"content/static/robots.txt": "User-agent: *\nDisallow: /\n"})
    with pytest.raises(BuildFailed) as failed:
        build_site(root)
    [error] = failed.value.diagnostics.errors
    assert (error.path, error.message) == (
        "content/static/robots.txt", "dua berkas keluaran memakai alamat yang sama: robots.txt "
        "(dari content/static/robots.txt dan berkas buatan kabar /robots.txt)")
