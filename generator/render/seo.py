"""Head data of a page for search engines and social apps: Open Graph, Twitter card, JSON-LD.

Pure functions from view records to view records and text; nothing here reads files or
knows a template. JSON-LD comes out as text that is safe to print inside
`<script type="application/ld+json">` (see `json_ld`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from generator import urls
from generator.model import VERDICTS
from generator.render.views import (
    ImageView,
    Link,
    Meta,
    RegionRef,
    SiteView,
    StoryView,
    describe,
)

#: Google shows at most 110 characters of a NewsArticle headline.
HEADLINE_LIMIT = 110
#: The share card of a story (publish/cards): 1200x630, the size Facebook, X and WhatsApp crop to.
SHARE_CARD_WIDTH, SHARE_CARD_HEIGHT = 1200, 630
OG_LOCALES = {"id": "id_ID", "en": "en_US"}
#: Page kinds that list stories or other pages: schema.org CollectionPage.
COLLECTION_KINDS = frozenset({"home", "region", "category", "tag", "operator", "archive",
                              "index", "factchecks"})
COUNTRY = "Indonesia"  # every portal is an Indonesian regional office's

#: Characters that could end a <script> data block or open a comment inside it, as JSON escapes.
#: Replaced one after another: str.replace scans in C, str.translate with a table of
#: strings goes character by character (about 9x slower on a page's graph).
_SCRIPT_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                   ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))

Iso = Callable[[datetime], str]
RegionLabel = Callable[[RegionRef], str]


@dataclass(frozen=True, slots=True, kw_only=True)
class PageFacts:
    """What the head of one page is made from (the PageView fields it shares)."""

    kind: str
    title: str
    description: str
    canonical: str
    breadcrumbs: tuple[Link, ...]
    image: ImageView | None
    first_page: bool  # page 1 of a paginated list (or not paginated)
    lang: str  # the page's language
    other_languages: tuple[str, ...] = ()  # languages of the page's other versions


@dataclass(frozen=True, slots=True, kw_only=True)
class Head:
    """Open Graph (`property=`) and Twitter (`name=`) tags and the escaped JSON-LD text."""

    og: tuple[Meta, ...]
    twitter: tuple[Meta, ...]
    jsonld: str


def head(site: SiteView, page: PageFacts, story: StoryView | None, *, iso: Iso,
         region_label: RegionLabel, claim_review: bool = False) -> Head:
    """Everything of a page's head that is about sharing and structured data.

    `claim_review`: fact-check pages also carry a ClaimReview node (site.yaml
    `factcheck.claimreview`).
    """
    return Head(og=open_graph(site, page, story, iso=iso), twitter=twitter_card(page),
                jsonld=json_ld(graph(site, page, story, iso=iso, region_label=region_label,
                                     claim_review=claim_review)))


# -- images -------------------------------------------------------------------------------


def share_image(base_url: str, story: StoryView) -> ImageView:
    """The story's share card; its alt text is the photo's, or the title without a photo."""
    url = urls.share_card(story.url)
    title = f"{story.factcheck.label} {story.title}" if story.factcheck else story.title
    return ImageView(url=url, abs_url=urls.absolute(base_url, url),
                     alt=story.image.alt if story.image else title,
                     width=SHARE_CARD_WIDTH, height=SHARE_CARD_HEIGHT)


def logo_image(site: SiteView) -> ImageView | None:
    """The organisation's logo as the share image of pages without a story."""
    logo = site.organisation.logo_url
    if not logo:
        return None
    return ImageView(url=logo.removeprefix(site.base_url), abs_url=logo,
                     alt=site.organisation.name, width=None, height=None)


# -- Open Graph and Twitter ---------------------------------------------------------------


def open_graph(site: SiteView, page: PageFacts, story: StoryView | None, *,
               iso: Iso) -> tuple[Meta, ...]:
    """og:* and article:* properties (ogp.me), in the order the protocol lists them."""
    tags = [Meta("og:site_name", site.title),
            Meta("og:locale", OG_LOCALES.get(page.lang, "id_ID")),
            *(Meta("og:locale:alternate", OG_LOCALES[lang]) for lang in page.other_languages
              if lang in OG_LOCALES),
            Meta("og:type", "article" if story is not None else "website"),
            Meta("og:title", page.title),
            Meta("og:url", page.canonical)]
    if page.description:
        tags.append(Meta("og:description", page.description))
    if page.image is not None:
        tags.append(Meta("og:image", page.image.abs_url))
        if page.image.url.endswith((".jpg", ".jpeg")):
            tags.append(Meta("og:image:type", "image/jpeg"))
        if page.image.width and page.image.height:
            tags += [Meta("og:image:width", str(page.image.width)),
                     Meta("og:image:height", str(page.image.height))]
        tags.append(Meta("og:image:alt", page.image.alt))
    if story is not None:
        tags += [Meta("article:published_time", iso(story.date)),
                 Meta("article:modified_time", iso(story.updated or story.date)),
                 Meta("article:section", section(story)),
                 *(Meta("article:tag", tag.name) for tag in story.tags)]
    return tuple(tags)


def section(story: StoryView) -> str:
    """The part of the portal a story is in: its category, or "Cek Fakta" for a fact check."""
    return story.factcheck.section.name if story.factcheck else story.category.name


def twitter_card(page: PageFacts) -> tuple[Meta, ...]:
    """A large card for a page with a large image (a story's share card), else a small one."""
    image = page.image
    large = image is not None and (image.width or 0) >= SHARE_CARD_WIDTH
    tags = [Meta("twitter:card", "summary_large_image" if large else "summary"),
            Meta("twitter:title", page.title)]
    if page.description:
        tags.append(Meta("twitter:description", page.description))
    if image is not None:
        tags += [Meta("twitter:image", image.abs_url), Meta("twitter:image:alt", image.alt)]
    return tuple(tags)


# -- JSON-LD ------------------------------------------------------------------------------


def json_ld(nodes: list[dict[str, Any]]) -> str:
    """One schema.org graph as JSON that cannot end its <script> element early.

    `<`, `>` and `&` become \\u003c, \\u003e and \\u0026 (still the same JSON strings), so
    operator text such as `</script><script>…` or `<!--` stays data. Only this text may be
    printed with `|safe`.
    """
    if not nodes:
        return ""
    data = {"@context": "https://schema.org", "@graph": nodes}
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _SCRIPT_ESCAPES:  # none of the replacements holds a replaced char
        text = text.replace(char, escaped)
    return text


def graph(site: SiteView, page: PageFacts, story: StoryView | None, *, iso: Iso,
          region_label: RegionLabel, claim_review: bool = False) -> list[dict[str, Any]]:
    """The schema.org nodes of one page, by its kind."""
    nodes: list[dict[str, Any]] = []
    if story is not None:
        nodes.append(news_article(site, page, story, iso=iso, region_label=region_label))
        if claim_review and story.factcheck is not None:
            nodes.append(claim_review_node(site, page, story, iso=iso))
    elif page.kind == "home" and page.first_page:
        nodes += [website(site), organisation(site)]
    elif page.kind in COLLECTION_KINDS:
        nodes.append(web_page("CollectionPage", site, page))
    elif page.kind == "page":
        nodes.append(web_page("WebPage", site, page))
    if page.breadcrumbs:
        nodes.append(breadcrumb_list(site.base_url, page.breadcrumbs))
    return nodes


def _id(site: SiteView, name: str) -> str:
    return f"{site.base_url}/#{name}"


def _home_url(site: SiteView) -> str:
    return urls.absolute(site.base_url, urls.home())


def organisation(site: SiteView) -> dict[str, Any]:
    """The office behind the portal, with its logo and social accounts."""
    org = site.organisation
    node: dict[str, Any] = {"@type": "GovernmentOrganization", "@id": _id(site, "organisasi"),
                            "name": org.name, "url": org.url or _home_url(site)}
    if org.logo_url:
        node["logo"] = {"@type": "ImageObject", "url": org.logo_url}
    if site.social:
        node["sameAs"] = [link.url for link in site.social]
    return node


def website(site: SiteView) -> dict[str, Any]:
    """The portal, with the search box search engines may show under it."""
    node = _website_ref(site)
    node.update({"inLanguage": site.language, "publisher": {"@id": _id(site, "organisasi")}})
    if site.search:
        node["potentialAction"] = {
            "@type": "SearchAction",
            "target": urls.absolute(site.base_url, urls.search()) + "?q={search_term_string}",
            "query-input": "required name=search_term_string"}
    if site.tagline:
        node["description"] = site.tagline
    return node


def _website_ref(site: SiteView) -> dict[str, Any]:
    return {"@type": "WebSite", "@id": _id(site, "website"), "name": site.title,
            "url": _home_url(site)}


def web_page(kind: str, site: SiteView, page: PageFacts) -> dict[str, Any]:
    """A list, hub or static page, part of the portal."""
    node: dict[str, Any] = {"@type": kind, "@id": page.canonical, "name": page.title,
                            "url": page.canonical}
    if page.description:
        node["description"] = page.description
    node.update({"inLanguage": page.lang, "isPartOf": _website_ref(site)})
    return node


def breadcrumb_list(base_url: str, crumbs: tuple[Link, ...]) -> dict[str, Any]:
    """The page's breadcrumbs, home first, as absolute URLs."""
    return {"@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": n, "name": crumb.name,
         "item": urls.absolute(base_url, crumb.url)}
        for n, crumb in enumerate(crumbs, start=1)]}


def news_article(site: SiteView, page: PageFacts, story: StoryView, *, iso: Iso,
                 region_label: RegionLabel) -> dict[str, Any]:
    """A story as Google's NewsArticle: headline, dates, author, publisher, images, place."""
    images = [page.image.abs_url] if page.image else []
    if story.image is not None and story.image.abs_url not in images:
        images.append(story.image.abs_url)
    publisher = organisation(site)
    publisher.pop("sameAs", None)
    node: dict[str, Any] = {
        "@type": "NewsArticle", "@id": f"{page.canonical}#berita",
        "headline": describe(page.title, HEADLINE_LIMIT + 1),  # "[HOAKS] …" on fact checks
        "description": page.description,
        "url": page.canonical, "mainEntityOfPage": page.canonical,
        "datePublished": iso(story.date), "dateModified": iso(story.updated or story.date),
        "author": {"@type": "Person", "name": story.author.name,
                   "url": urls.absolute(site.base_url, story.author.url)},
        "publisher": publisher,
        "image": images,
        "articleSection": section(story),
        "keywords": [tag.name for tag in story.tags],
        "inLanguage": story.lang,
        "wordCount": story.word_count,
        "isPartOf": _website_ref(site),
    }
    if story.region_path:
        node["contentLocation"] = place(site.base_url, story.region_path, region_label)
    node.update(translation_links(site, story))
    return node


def claim_review_node(site: SiteView, page: PageFacts, story: StoryView, *,
                      iso: Iso) -> dict[str, Any]:
    """schema.org ClaimReview of a fact check (the shape Google documented for it).

    Google Search stopped showing these in 2025 and never did for claims by political
    entities; Google's Fact Check Explorer and other fact-check tools still read them.
    """
    fact = story.factcheck
    assert fact is not None
    rating = VERDICTS[fact.verdict]
    claim: dict[str, Any] = {"@type": "Claim"}
    if fact.claim_date is not None:
        claim["datePublished"] = iso(fact.claim_date)
    if fact.claim_url:
        claim["appearance"] = [{"@type": "CreativeWork", "url": fact.claim_url}]
    if fact.claim_where:
        claim["description"] = fact.claim_where
    publisher = organisation(site)
    publisher.pop("sameAs", None)
    return {
        "@type": "ClaimReview", "@id": f"{page.canonical}#cek-fakta", "url": page.canonical,
        "claimReviewed": fact.claim, "datePublished": iso(story.date),
        "author": publisher,
        "reviewRating": {"@type": "Rating", "ratingValue": rating.rating, "bestRating": 5,
                         "worstRating": 1, "alternateName": rating.name},
        "itemReviewed": claim,
        "inLanguage": site.language,
    }


def translation_links(site: SiteView, story: StoryView) -> dict[str, Any]:
    """The version in the site language is the original: it names its translations
    (`workTranslation`), each translation names it (`translationOfWork`)."""
    def ref(lang: str, url: str) -> dict[str, Any]:
        canonical = urls.absolute(site.base_url, url)
        return {"@type": "NewsArticle", "@id": f"{canonical}#berita", "url": canonical,
                "inLanguage": lang}

    if not story.translations:
        return {}
    if story.lang == site.language:
        return {"workTranslation": [ref(t.lang, t.url) for t in story.translations]}
    originals = [ref(t.lang, t.url) for t in story.translations if t.lang == site.language]
    return {"translationOfWork": originals[0]} if originals else {}


def place(base_url: str, path: tuple[RegionRef, ...], label: RegionLabel) -> dict[str, Any]:
    """'Kecamatan Baamang, Kotawaringin Timur', inside its kabupaten, inside Indonesia."""
    *ancestors, here = path
    container: dict[str, Any] = {"@type": "Country", "name": COUNTRY}
    for region in ancestors:  # kabupaten first: each one wraps the chain built so far
        container = {"@type": "AdministrativeArea", "name": label(region),
                     "url": urls.absolute(base_url, region.url), "containedInPlace": container}
    name = ", ".join([label(here), *(region.name for region in reversed(ancestors))])
    return {"@type": "Place", "name": name, "url": urls.absolute(base_url, here.url),
            "containedInPlace": container}
