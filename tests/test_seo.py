"""The head of every page: title, description, canonical, Open Graph, Twitter card, JSON-LD."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import yaml
from conftest import MINIMAL_SITE_YAML, REPO, SiteMaker, build_site, outputs, story_text

from generator.render import seo
from generator.render.views import Link

SITE = yaml.safe_load((REPO / "site.yaml").read_text(encoding="utf-8"))
BASE = SITE["base_url"].rstrip("/")
LOGO = f"{BASE}/{SITE['organisation']['logo']}"
SOCIAL = [SITE["social"][k] for k in ("facebook", "instagram", "x", "tiktok", "youtube")]
ISO_WITH_ZONE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
#: Kinds whose pages list stories or other pages (body class `kind-…`).
COLLECTIONS = {"region", "category", "tag", "operator", "archive", "index", "factchecks"}
#: Kinds whose pages are one article: a story or a fact check.
ARTICLES = {"story", "factcheck"}
NEWS_ARTICLE_KEYS = {"headline", "description", "url", "mainEntityOfPage", "datePublished",
                     "dateModified", "author", "publisher", "image", "articleSection",
                     "keywords", "contentLocation", "inLanguage"}


class Page:
    """One built HTML page, parsed, with the parts of its head the tests look at."""

    def __init__(self, root: Path, path: Path) -> None:
        rel = path.relative_to(root).as_posix()
        self.rel = rel
        self.url = "/" + rel.removesuffix("index.html") if rel.endswith("index.html") \
            else "/" + rel
        self.tree = lxml.html.fromstring(path.read_bytes())
        self.lang = self.tree.get("lang")  # <html lang>: "en" on the English versions
        self.kind = self.tree.body.get("class").removeprefix("kind-")
        self.og = defaultdict(list)
        for meta in self.tree.xpath("//head/meta[@property]"):
            self.og[meta.get("property")].append(meta.get("content"))
        self.twitter = {m.get("name"): m.get("content")
                        for m in self.tree.xpath("//head/meta[starts-with(@name, 'twitter:')]")}
        self.blocks = [s.text for s in self.tree.xpath('//script[@type="application/ld+json"]')]
        self.nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for block in self.blocks:
            data = json.loads(block)
            assert data["@context"] == "https://schema.org"
            for node in data["@graph"]:
                self.nodes[node["@type"]].append(node)

    def one(self, xpath: str) -> list[Any]:
        return self.tree.xpath(xpath)

    def first_page(self) -> bool:
        return "/page/" not in self.url

    @property
    def noindex(self) -> bool:
        return "noindex" in (self.tree.xpath('string(//meta[@name="robots"]/@content)'))


@pytest.fixture(scope="module")
def pages(example_output: Path) -> list[Page]:
    found = [Page(example_output, p) for p in sorted(example_output.rglob("*.html"))]
    assert len(found) > 100, "the example portal should have well over 100 pages"
    return found


def test_every_page_has_one_title_h1_description_and_canonical(pages: list[Page]) -> None:
    problems = []
    for page in pages:
        titles = page.one("//head/title")
        descriptions = page.one('//head/meta[@name="description"]/@content')
        canonicals = page.one('//head/link[@rel="canonical"]/@href')
        if len(titles) != 1 or not titles[0].text_content().strip():
            problems.append(f"{page.rel}: {len(titles)} <title>")
        if len(page.one("//h1")) != 1:
            problems.append(f"{page.rel}: {len(page.one('//h1'))} <h1>")
        if len(descriptions) != 1 or not 0 < len(descriptions[0]) < 160:
            problems.append(f"{page.rel}: description {descriptions!r}")
        if canonicals != [BASE + page.url]:
            problems.append(f"{page.rel}: canonical {canonicals} != {BASE + page.url}")
    assert problems == []
    assert {page.kind for page in pages} == {"home", "story", "region", "category", "tag",
                                            "operator", "archive", "index", "page", "search",
                                            "404", "factcheck", "factchecks"}


def test_open_graph_and_twitter_tags_on_every_page(pages: list[Page]) -> None:
    problems = []
    for page in pages:
        og, tw = page.og, page.twitter
        description = page.one('string(//meta[@name="description"]/@content)')
        expected = {
            "og:site_name": [SITE["title"]], "og:locale": [seo.OG_LOCALES[page.lang]],
            "og:type": ["article" if page.kind in ARTICLES else "website"],
            "og:url": [BASE + page.url], "og:description": [description],
        }
        for key, value in expected.items():
            if og[key] != value:
                problems.append(f"{page.rel}: {key} {og[key]} != {value}")
        if len(og["og:title"]) != 1 or not og["og:title"][0]:
            problems.append(f"{page.rel}: og:title {og['og:title']}")
        if (tw.get("twitter:title"), tw.get("twitter:description")) != (og["og:title"][0],
                                                                       description):
            problems.append(f"{page.rel}: twitter title/description {tw}")
        if page.kind in ARTICLES:
            problems += _story_open_graph(page)
        else:
            if og["og:image"] != [LOGO] or tw.get("twitter:card") != "summary" or \
                    og["article:published_time"]:
                problems.append(f"{page.rel}: {og['og:image']} {tw.get('twitter:card')}")
    assert problems == []


def _story_open_graph(page: Page) -> list[str]:
    og, tw = page.og, page.twitter
    card = BASE + page.url + "kartu.jpg"
    hero_alt = page.one('string(//figure[@class="hero"]/img/@alt)')
    title = page.one("string(//h1)").strip()
    tags = [a.text_content() for a in page.one('//a[@rel="tag"]')]
    expected = {
        "og:title": [title], "og:image": [card], "og:image:width": ["1200"],
        "og:image:height": ["630"], "og:image:alt": [hero_alt or title],
        "article:section": [page.one('string(//p[@class="kicker"]/a)')],
        "article:tag": tags,
        "article:published_time": [page.one('string(//p[@class="dates"]/time/@datetime)')],
    }
    problems = [f"{page.rel}: {key} {og[key]} != {value}"
                for key, value in expected.items() if og[key] != value]
    [modified] = og["article:modified_time"]
    if not ISO_WITH_ZONE.fullmatch(modified) or modified < og["article:published_time"][0]:
        problems.append(f"{page.rel}: article:modified_time {modified}")
    if tw.get("twitter:card") != "summary_large_image" or tw.get("twitter:image") != card or \
            tw.get("twitter:image:alt") != (hero_alt or title):
        problems.append(f"{page.rel}: twitter {tw}")
    return problems


def test_json_ld_per_page_kind(pages: list[Page]) -> None:
    problems = []
    for page in pages:
        if len(page.blocks) != 1:
            problems.append(f"{page.rel}: {len(page.blocks)} JSON-LD blocks")
        problems += _breadcrumbs(page)
        if page.kind in ARTICLES:
            problems += _news_article(page)
        elif page.kind == "home" and page.first_page():
            problems += _home(page)
        elif page.kind in COLLECTIONS or page.kind == "home":
            problems += _web_page(page, "CollectionPage")
        elif page.kind == "page":
            problems += _web_page(page, "WebPage")
    assert problems == []


def _breadcrumbs(page: Page) -> list[str]:
    [crumbs] = page.nodes["BreadcrumbList"]
    items = crumbs["itemListElement"]
    visible = [e.text_content() for e in page.one('//nav[@class="breadcrumbs"]//li')] or ["Beranda"]
    problems = []
    if [i["position"] for i in items] != list(range(1, len(items) + 1)):
        problems.append(f"{page.rel}: breadcrumb positions {items}")
    if [i["name"] for i in items] != visible or items[0]["item"] != BASE + "/":
        problems.append(f"{page.rel}: breadcrumb names {items} != {visible}")
    # Page N of a list ends at the list (home: at "Halaman N" itself); 404 has only Beranda.
    if page.kind != "404" and items[-1]["item"] not in (BASE + page.url,
                                                        BASE + page.url.split("page/")[0]):
        problems.append(f"{page.rel}: last breadcrumb {items[-1]}")
    if not all(i["item"].startswith(BASE + "/") and i["@type"] == "ListItem" for i in items):
        problems.append(f"{page.rel}: breadcrumb items not absolute")
    return problems


def _news_article(page: Page) -> list[str]:
    [article] = page.nodes["NewsArticle"]
    canonical = BASE + page.url
    missing = NEWS_ARTICLE_KEYS - set(article)
    if missing:
        return [f"{page.rel}: NewsArticle lacks {sorted(missing)}"]
    problems = []
    hero = page.one('string(//figure[@class="hero"]/img/@src)')
    expected_images = [canonical + "kartu.jpg", *([BASE + hero] if hero else [])]
    title = page.one("string(//h1)").strip()
    checks = {
        "headline": (article["headline"] == title if len(title) <= 110
                     else len(article["headline"]) <= 110),
        "dates": all(ISO_WITH_ZONE.fullmatch(article[k]) for k in ("datePublished",
                                                                   "dateModified")),
        "published": article["datePublished"] == page.og["article:published_time"][0],
        "author": article["author"]["@type"] == "Person" and article["author"]["name"] ==
        page.one('string(//a[@rel="author"])') and article["author"]["url"] ==
        BASE + page.one('string(//a[@rel="author"]/@href)'),
        "publisher": article["publisher"] == {
            "@type": "GovernmentOrganization", "@id": f"{BASE}/#organisasi",
            "name": SITE["organisation"]["name"], "url": SITE["organisation"]["url"],
            "logo": {"@type": "ImageObject", "url": LOGO}},
        "image": article["image"] == expected_images,
        "mainEntityOfPage": article["mainEntityOfPage"] == canonical == article["url"],
        "articleSection": article["articleSection"] == page.og["article:section"][0],
        "keywords": article["keywords"] == page.og["article:tag"],
        "inLanguage": article["inLanguage"] == page.lang,
        "description": article["description"] ==
        page.one('string(//meta[@name="description"]/@content)'),
    }
    problems += [f"{page.rel}: NewsArticle {key}: {article.get(key)}"
                 for key, ok in checks.items() if not ok]
    problems += _place(page, article["contentLocation"])
    return problems


def _place(page: Page, place: dict[str, Any]) -> list[str]:
    """'Kecamatan Baamang, Kotawaringin Timur' inside the kabupaten, inside Indonesia."""
    path = [a.text_content() for a in page.one('//ul[@class="region-path"]/li/a')]
    chain, node = [], place.get("containedInPlace")
    while node:
        chain.append(node["name"])
        node = node.get("containedInPlace")
    kab_name = path[0].removeprefix("Kabupaten ").removesuffix(" Regency")  # English pages
    ok = (place["@type"] == "Place" and place["name"].startswith(path[-1])
          and (len(path) == 1 or place["name"].endswith(", " + kab_name))
          and chain == [*reversed(path[:-1]), "Indonesia"])
    return [] if ok else [f"{page.rel}: contentLocation {place} vs {path}"]


def _home(page: Page) -> list[str]:
    [site] = page.nodes["WebSite"]
    [org] = page.nodes["GovernmentOrganization"]
    expected_site = {
        "@type": "WebSite", "@id": f"{BASE}/#website", "name": SITE["title"],
        "url": BASE + "/", "inLanguage": "id", "description": SITE["tagline"],
        "publisher": {"@id": f"{BASE}/#organisasi"},
        "potentialAction": {"@type": "SearchAction",
                            "target": f"{BASE}/cari/?q={{search_term_string}}",
                            "query-input": "required name=search_term_string"}}
    expected_org = {
        "@type": "GovernmentOrganization", "@id": f"{BASE}/#organisasi",
        "name": SITE["organisation"]["name"], "url": SITE["organisation"]["url"],
        "logo": {"@type": "ImageObject", "url": LOGO}, "sameAs": SOCIAL}
    problems = []
    if site != expected_site:
        problems.append(f"{page.rel}: WebSite {site}")
    if org != expected_org:
        problems.append(f"{page.rel}: GovernmentOrganization {org}")
    return problems


def _web_page(page: Page, kind: str) -> list[str]:
    nodes = page.nodes[kind]
    if len(nodes) != 1:
        return [f"{page.rel}: {len(nodes)} {kind}"]
    [node] = nodes
    ok = (node["url"] == BASE + page.url and node["name"] == page.og["og:title"][0]
          and node["description"] == page.one('string(//meta[@name="description"]/@content)')
          and node["isPartOf"]["@type"] == "WebSite" and node["isPartOf"]["url"] == BASE + "/")
    return [] if ok else [f"{page.rel}: {kind} {node}"]


def test_descriptions_are_unique_across_indexable_pages(pages: list[Page]) -> None:
    by_description: dict[str, list[str]] = defaultdict(list)
    for page in pages:
        if not page.noindex:
            by_description[page.one('string(//meta[@name="description"]/@content)')].append(
                page.rel)
    duplicates = {d: paths for d, paths in by_description.items() if len(paths) > 1}
    assert duplicates == {}


# -- injection: operator text cannot leave the JSON-LD block ------------------------------

NASTY_TITLE = "</script><script>alert(1)</script>"
NASTY = """Tanda "kutip" & 'apostrof' <b>tebal</b> <!-- komentar --> </SCRIPT >"""


def test_operator_text_stays_inside_the_json_ld(make_site: SiteMaker) -> None:
    site_yaml = MINIMAL_SITE_YAML.replace("    name: Rina\n", f"    name: {json.dumps(NASTY)}\n")
    story = story_text(NASTY_TITLE).replace(
        "tags: [posyandu]", f"tags: [posyandu, {json.dumps(NASTY)}]").replace(
        "summary: Ringkasan cerita.", f"summary: {json.dumps(NASTY)}")
    root = make_site({"site.yaml": site_yaml, "content/stories/2024/a.md": story})
    files = outputs(build_site(root))
    html = files["berita/2024/script-script-alert-1-script/index.html"].decode()
    tree = lxml.html.fromstring(html)
    [block] = tree.xpath('//script[@type="application/ld+json"]')
    raw = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert raw == block.text  # the block ends where the generator ended it
    assert not re.search(r"</script|<!--|[<>&]", raw, re.IGNORECASE)
    [article, crumbs] = json.loads(raw)["@graph"]
    assert article["headline"] == NASTY_TITLE
    assert article["description"] == NASTY
    assert article["keywords"] == ["posyandu", NASTY]
    assert article["author"]["name"] == NASTY
    assert crumbs["itemListElement"][-1]["name"] == NASTY_TITLE
    # The attributes carry the same text, escaped by Jinja.
    og = {m.get("property"): m.get("content") for m in tree.xpath("//meta[@property]")}
    assert (og["og:title"], og["og:description"], og["og:image:alt"]) == (
        NASTY_TITLE, NASTY, NASTY_TITLE)
    assert len(tree.xpath("//script")) == 1
    # Every page of the site: one data block, nothing else that runs but the search page's
    # own script file (theme's search.js, no inline code).
    for path, data in files.items():
        if path.endswith(".html"):
            scripts = lxml.html.fromstring(data).xpath("//script")
            theme = [(s.get("type"), s.get("src")[:15], s.text) for s in scripts[1:]]
            assert theme == ([("module", "/assets/search.", None)]
                             if path == "cari/index.html" else []), path
            assert scripts[0].get("type") == "application/ld+json", path
            json.loads(scripts[0].text)


def test_json_ld_escapes_what_could_end_the_script() -> None:
    text = "</script><!-- a & b > c \u2028"
    out = seo.json_ld([{"name": text}])
    assert not re.search(r"[<>&\u2028]", out)
    assert "\\u003c/script\\u003e\\u003c!--" in out
    assert json.loads(out) == {"@context": "https://schema.org", "@graph": [{"name": text}]}
    assert seo.json_ld([]) == ""


def test_breadcrumb_list_is_absolute_and_counts_from_one() -> None:
    crumbs = (Link("Beranda", "/"), Link("Kategori", "/kategori/"))
    assert seo.breadcrumb_list("https://x.go.id", crumbs) == {
        "@type": "BreadcrumbList", "itemListElement": [
            {"@type": "ListItem", "position": 1, "name": "Beranda", "item": "https://x.go.id/"},
            {"@type": "ListItem", "position": 2, "name": "Kategori",
             "item": "https://x.go.id/kategori/"}]}


def test_a_portal_without_logo_or_social_in_english(make_site: SiteMaker) -> None:
    long_title = "Sangat " * 30 + "panjang"
    root = make_site({"site.yaml": MINIMAL_SITE_YAML + "language: en\n",
                      "content/stories/2024/a.md": story_text(long_title)})
    files = outputs(build_site(root))
    home = lxml.html.fromstring(files["index.html"])
    og = {m.get("property"): m.get("content") for m in home.xpath("//meta[@property]")}
    assert og["og:locale"] == "en_US" and "og:image" not in og
    assert home.xpath('string(//meta[@name="twitter:card"]/@content)') == "summary"
    graph = json.loads(home.xpath('//script[@type="application/ld+json"]')[0].text)["@graph"]
    site, org, _ = graph
    assert site["inLanguage"] == "en"
    assert org == {"@type": "GovernmentOrganization", "@id": "https://uji.example.go.id/#organisasi",
                   "name": "Diskominfo Uji", "url": "https://diskominfo.example.go.id"}
    [story_path] = [p for p in files if p.startswith("berita/2024/sangat-")
                    and p.endswith("/index.html")]
    story = lxml.html.fromstring(files[story_path])
    article = json.loads(story.xpath('//script[@type="application/ld+json"]')[0].text)[
        "@graph"][0]
    assert len(article["headline"]) <= 110 and article["headline"].endswith("Sangat…")
    assert article["publisher"].get("logo") is None
    assert article["contentLocation"]["name"] == "Satu District, Uji"
