"""Template view objects: the documented contract of docs/themes.md, built from a Site.

Templates never see internal records; every field here is described in docs/themes.md.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from generator import urls
from generator.model import FactCheck, Image, Region, Site, StoredHtml, Story, TocEntry
from generator.render.dates import DateFormatter
from generator.render.strings import STRINGS

DESCRIPTION_LIMIT = 160
WORDS_PER_MINUTE = 200  # a common estimate for reading Indonesian news on a phone
#: How wide a story-column image is shown (style.css: .story 46rem from 48rem up, else the
#: full screen): the browser picks from srcset by this. Cards say their own in card.html.
HERO_SIZES = "(min-width: 48rem) 46rem, 100vw"


@dataclass(frozen=True, slots=True)
class Link:
    name: str
    url: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LanguageLink:
    """Another version of a story: `name` invites the reader in that language ('Read in
    English'), so a template marks the link with `lang` and `hreflang`."""

    lang: str
    name: str
    url: str


@dataclass(frozen=True, slots=True)
class Meta:
    """One `<meta>` tag of the head: `og:title`, `article:tag`, `twitter:card`… and its value."""

    name: str
    content: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageView:
    url: str
    abs_url: str
    alt: str
    width: int | None
    height: int | None
    srcset: str = ""  # "/…/foto-480.webp 480w, …, /…/foto.jpg 1600w"; "" without smaller copies
    sizes: str = ""  # the layout width for srcset when shown as wide as the story column


@dataclass(frozen=True, slots=True, kw_only=True)
class RegionRef:
    id: str
    name: str
    url: str
    kind: str
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganisationView:
    name: str
    url: str
    logo_url: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteView:
    title: str
    tagline: str
    base_url: str
    language: str
    organisation: OrganisationView
    social: tuple[Link, ...]
    nav: tuple[Link, ...]
    top_regions: tuple[RegionRef, ...]
    search: bool  # the portal has /cari/ (search.enabled)
    extra: Mapping[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class PageView:
    title: str
    full_title: str
    description: str
    url: str
    canonical: str
    kind: str
    breadcrumbs: tuple[Link, ...]
    noindex: bool
    feeds: tuple[Link, ...]
    image: ImageView | None
    og: tuple[Meta, ...]  # Open Graph: printed as <meta property=…>
    twitter: tuple[Meta, ...]  # Twitter card: printed as <meta name=…>
    jsonld: str  # schema.org JSON, already escaped for a <script> data block (seo.json_ld)
    alternates: tuple[Link, ...]  # every version incl. this one: Link(hreflang, absolute URL)
    lang: str  # the language of this page: <html lang>, `t`, dates


@dataclass(frozen=True, slots=True, kw_only=True)
class FactCheckView:
    """A fact check's claim and verdict (docs/themes.md)."""

    claim: str
    claim_where: str  # may be empty
    claim_date: datetime | None
    claim_url: str  # may be empty
    verdict: str  # hoaks, disinformasi, misinformasi, malinformasi, menyesatkan, …
    label: str  # "[HOAKS]": the brackets included
    tone: str  # false | mixed | true: for the label's colour
    sources: tuple[Link, ...]  # url may be empty
    section: Link  # "Cek Fakta", `/cek-fakta/`


@dataclass(frozen=True, slots=True, kw_only=True)
class VerdictView:
    """One label of the fact-check legend: "[HOAKS]", its colour and what it means."""

    verdict: str
    label: str
    tone: str
    meaning: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StoryView:
    title: str
    url: str
    abs_url: str
    date: datetime
    updated: datetime | None
    summary: str
    body_html: str | StoredHtml  # printed with |safe (str() of a stored one)
    toc: tuple[TocEntry, ...]
    region: RegionRef
    region_path: tuple[RegionRef, ...]
    category: Link
    tags: tuple[Link, ...]
    author: Link
    author_role: str
    image: ImageView | None
    reading_minutes: int
    word_count: int
    source: Link | None
    status: str
    share: tuple[Link, ...]
    lang: str
    translations: tuple[LanguageLink, ...]  # the other versions, site language first
    expires: datetime | None = None
    scheduled: bool = False  # dated after the build: only a preview (--drafts) shows it
    expired: bool = False  # its `expires` has passed: reachable, in no list
    noindex: bool = False  # not published, scheduled or expired
    factcheck: FactCheckView | None = None  # set on the pages of content/cek-fakta/


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingView:
    items: tuple[StoryView, ...]
    number: int
    count: int
    total: int
    prev_url: str | None
    next_url: str | None
    pages: tuple[Link, ...]
    pager: tuple[Link | None, ...]  # the page links to show; None is a gap ("…")


@dataclass(frozen=True, slots=True, kw_only=True)
class RegionView:
    id: str
    name: str
    kind: str
    description: str
    keywords: tuple[str, ...]
    url: str
    parent: RegionRef | None
    children: tuple[RegionRef, ...]
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TermView:
    kind: str
    name: str
    url: str
    description: str
    count: int
    subtitle: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RegionNode:
    region: RegionRef
    children: tuple[RegionNode, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveYear:
    name: str
    url: str
    count: int
    months: tuple[TermView, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchFilter:
    """A filter of the search page: the Pagefind filter name (also the URL parameter), its
    label, and its values with their number of published stories."""

    name: str
    label: str
    options: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ContentView:
    title: str
    body_html: str | StoredHtml
    toc: tuple[TocEntry, ...]


class Views:
    """Builds view objects for one site; caches the per-story views it has built."""

    def __init__(self, site: Site, dates: DateFormatter) -> None:
        self.site = site
        self.dates = dates
        self.base = site.config.base_url.rstrip("/")
        self.t = STRINGS[site.config.language]
        self._stories: dict[str, StoryView] = {}
        self._site_views: dict[str, SiteView] = {}

    def t_for(self, lang: str) -> dict[str, str]:
        """The UI strings of a page in `lang`."""
        return STRINGS[lang]

    def month_name(self, year: int, month: int) -> str:
        return self.dates.month(year, month)

    def abs(self, url: str) -> str:
        return urls.absolute(self.base, url)

    def image(self, image: Image | None) -> ImageView | None:
        if image is None:
            return None
        candidates = srcset(image.url, image.width)
        return ImageView(url=image.url, abs_url=self.abs(image.url), alt=image.alt,
                         width=image.width, height=image.height, srcset=candidates,
                         sizes=HERO_SIZES if candidates else "")

    def region_ref(self, region: Region) -> RegionRef:
        return RegionRef(id=region.id, name=region.name, url=region.url, kind=region.kind,
                         count=len(self.site.by_region.get(region.id, ())))

    def site_view(self, lang: str = "") -> SiteView:
        """The portal as templates see it; the navigation is labelled in `lang`."""
        lang = lang or self.site.config.language
        if lang not in self._site_views:
            self._site_views[lang] = self._make_site_view(self.t_for(lang))
        return self._site_views[lang]

    def _make_site_view(self, t: dict[str, str]) -> SiteView:
        config = self.site.config
        social = tuple(Link(label, url) for label, url in (
            ("Facebook", config.social.facebook), ("Instagram", config.social.instagram),
            ("X", config.social.x), ("TikTok", config.social.tiktok),
            ("YouTube", config.social.youtube)) if url)
        nav = (Link(t["home"], urls.home()), Link(t["regions"], urls.regions_index()),
               Link(t["categories"], urls.categories_index()),
               Link(t["archives"], urls.archives_index()),
               *((Link(t["factchecks"], urls.factchecks()),) if self.site.factchecks else ()),
               *(Link(p.title, p.url) for p in self.site.pages if p.menu is not None))
        logo = config.organisation.logo
        return SiteView(
            title=config.title, tagline=config.tagline, base_url=self.base,
            language=config.language,
            organisation=OrganisationView(name=config.organisation.name,
                                          url=config.organisation.url,
                                          logo_url=self.abs("/" + logo) if logo else None),
            social=social, nav=nav,
            top_regions=tuple(self.region_ref(r) for r in self.site.regions.values()
                              if r.parent is None),
            search=config.search.enabled, extra=config.extra)

    def story(self, story: Story) -> StoryView:
        cached = self._stories.get(story.url)
        if cached is not None:
            return cached
        site, meta = self.site, story.meta
        region = site.regions[meta.region]
        category = site.categories[meta.category]
        operator = site.operators[meta.author]
        abs_url = self.abs(story.url)
        view = StoryView(
            title=meta.title, url=story.url, abs_url=abs_url, date=meta.date,
            updated=meta.updated, summary=meta.summary or story.body.first_paragraph,
            body_html=story.body.html, toc=story.body.toc, region=self.region_ref(region),
            region_path=tuple(self.region_ref(site.regions[r]) for r in region.lineage),
            category=Link(category.name, urls.category(category.id)),
            # A translation's tag that no story in the site language has has no page.
            tags=tuple(Link(name, urls.tag(urls.slugify(name))) for name in meta.tags
                       if urls.slugify(name) in site.tags),
            author=Link(operator.name, urls.operator(operator.id)),
            author_role=self.t_for(meta.lang).get(f"role_{operator.role}", operator.role),
            image=self.image(meta.image), reading_minutes=reading_minutes(story.body.word_count),
            word_count=story.body.word_count,
            source=Link(meta.source.name, meta.source.url) if meta.source and meta.source.url
            else None,
            status=meta.status, share=share_links(meta.title, abs_url), lang=meta.lang,
            translations=tuple(
                LanguageLink(lang=other.meta.lang, name=self.t_for(other.meta.lang)["read_in"],
                             url=other.url)
                for other in site.versions_of(story) if other.url != story.url),
            expires=meta.expires, scheduled=meta.scheduled(site.build_time),
            expired=meta.expired(site.build_time),
            noindex=not meta.public(site.build_time),
            factcheck=factcheck_view(meta.factcheck, Link(self.t["factchecks"],
                                                          urls.factchecks()))
            if meta.factcheck else None)
        self._stories[story.url] = view
        return view


def factcheck_view(fact: FactCheck, section: Link) -> FactCheckView:
    return FactCheckView(claim=fact.claim, claim_where=fact.claim_where,
                         claim_date=fact.claim_date, claim_url=fact.claim_url,
                         verdict=fact.verdict, label=f"[{fact.info.label}]", tone=fact.info.tone,
                         sources=tuple(Link(s.name, s.url) for s in fact.sources),
                         section=section)


def srcset(url: str, width: int | None) -> str:
    """The smaller WebP copies made by publish/ (same rule: urls.image_variants) + the original."""
    variants = urls.image_variants(url, width)
    if not variants:
        return ""
    return ", ".join([*(f"{u} {w}w" for w, u in variants), f"{url} {width}w"])


def pager(pages: tuple[Link, ...], number: int) -> tuple[Link | None, ...]:
    """The first and last page, the pages beside `number`, and a gap (None) two away from
    it: a few links whatever the length of the list (a template looping over every page
    of every page of a list would do quadratic work)."""
    count = len(pages)
    shown = {1, count, number - 1, number, number + 1}
    if number == 4:
        shown.add(2)  # "1 2 3 4 5" rather than "1 … 3 4 5"
    if number == count - 3:
        shown.add(count - 1)
    gaps = {number - 2, number + 2} - shown
    return tuple(pages[n - 1] if n in shown else None
                 for n in sorted(shown | gaps) if 1 <= n <= count)


def reading_minutes(word_count: int) -> int:
    return max(1, math.ceil(word_count / WORDS_PER_MINUTE))


def share_links(title: str, url: str) -> tuple[Link, ...]:
    """Plain share links: no third-party script runs on the portal."""
    # Each quoted once (quote works character by character, so "title url" quoted is the
    # two quoted with %20 between): 2 calls a story instead of 6.
    title_q, url_q = urllib.parse.quote(title, safe=""), urllib.parse.quote(url, safe="")
    return (
        Link("WhatsApp", f"https://wa.me/?text={title_q}%20{url_q}"),
        Link("Facebook", f"https://www.facebook.com/sharer/sharer.php?u={url_q}"),
        Link("X", f"https://x.com/intent/post?text={title_q}&url={url_q}"),
        Link("Telegram", f"https://t.me/share/url?url={url_q}&text={title_q}"),
    )


def describe(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """Plain text cut at a word boundary to fit under `limit` characters (with an ellipsis)."""
    text = " ".join(text.split())
    if len(text) < limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:-") + "…"
