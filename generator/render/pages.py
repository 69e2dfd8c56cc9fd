"""The page kinds of a portal and their routes: one PageSpec per HTML page to render."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from generator import urls
from generator.model import VERDICTS, Region, Site, Story
from generator.render import seo
from generator.render.views import (
    DESCRIPTION_LIMIT,
    ArchiveYear,
    ContentView,
    Link,
    ListingView,
    PageView,
    RegionNode,
    RegionRef,
    RegionView,
    SearchFilter,
    TermView,
    VerdictView,
    Views,
    describe,
    pager,
)
from generator.structure.pagination import Listing, paginate
from generator.structure.related import Related
from generator.structure.search import search_bundles

#: One page of the plan: its URL, and the function that builds its PageSpec.
Planned = tuple[str, Callable[[], "PageSpec"]]


@dataclass(frozen=True, slots=True)
class PageSpec:
    """One page: the template to use and its variables (besides the common ones).

    `page` comes without its head (og, twitter, jsonld): `head()` makes it, from
    `head_inputs` and the site's configuration only, so the page cache keys a page by those
    inputs and a page found in the cache never builds its head (about a tenth of a warm
    build). `render_cached` fills it in before the template sees the page."""

    template: str
    page: PageView
    context: dict[str, Any]
    head: Callable[[], seo.Head]
    head_inputs: tuple[Any, ...]

    def full_page(self) -> PageView:
        """`page` with its head."""
        head = self.head()
        return replace(self.page, og=head.og, twitter=head.twitter, jsonld=head.jsonld)


class PageMaker:
    """Turns a Site into PageSpecs, kind by kind."""

    def __init__(self, site: Site, views: Views, related: Related | None = None) -> None:
        self.site, self.views, self.t = site, views, views.t
        self.per_page = site.config.per_page
        self.home_crumb = Link(self.t["home"], urls.home())
        self.site_feeds = self.feed_links(urls.home(), "")
        self.site_view = views.site_view()
        self.logo = seo.logo_image(self.site_view)
        self.related = related if related is not None else Related(site)
        self.page_links: dict[str, tuple[Link, ...]] = {}  # one per list, by its first URL

    def all(self) -> Iterator[PageSpec]:
        return (make() for _url, make in self.plan())

    def plan(self) -> Iterator[Planned]:
        """Every page, in order, as its URL and a function that builds its PageSpec:
        listing them is cheap, and each spec (views, SEO head, related stories) is built
        where the page is rendered (in a worker, render/workers.py, or on request in
        `kabar serve`), and dropped after. The spec's `page.url` is the planned URL."""
        yield from self.home()
        for story in self.site.every_story():
            yield story.url, partial(self.story, story)
        yield urls.regions_index(), self.regions_index
        for region in self.site.regions.values():
            yield from self.region(region)
        yield from self.taxonomies()
        yield from self.archives()
        yield from self.factchecks()
        if self.site.config.search.enabled:
            yield urls.search(), self.search
        for page in self.site.pages:
            yield page.url, partial(self.spec, "page.html", "page", page.title, page.url,
                                    page.summary or describe(page.body.first_paragraph),
                                    (self.home_crumb, Link(page.title, page.url)),
                                    content=ContentView(title=page.title,
                                                        body_html=page.body.html,
                                                        toc=page.body.toc))
        yield urls.not_found(), partial(self.spec, "404.html", "404", self.t["not_found"],
                                        urls.not_found(), self.t["not_found_text"],
                                        (self.home_crumb,), noindex=True)

    # -- helpers ----------------------------------------------------------------------

    def spec(self, template: str, kind: str, title: str, url: str, description: str,
             crumbs: tuple[Link, ...], *, number: int = 1, noindex: bool = False,
             image: Any = None, feeds: tuple[Link, ...] = (), lang: str = "",
             alternates: tuple[Link, ...] = (), **context: Any) -> PageSpec:
        """A page in `lang` (default: the site's); `alternates` are its versions (hreflang)."""
        site_title = self.site.config.title
        own_language = not lang or lang == self.site.config.language
        lang = lang or self.site.config.language
        t = self.views.t_for(lang)
        # Page N keeps its suffix even when a long description is cut: descriptions stay unique.
        suffix = f" ({t['page_n'].replace('{n}', str(number))})" if number > 1 else ""
        title = f"{title}{suffix}"
        description = describe(description, DESCRIPTION_LIMIT - len(suffix)) + suffix
        full = site_title if kind == "home" and number == 1 else f"{title} | {site_title}"
        facts = seo.PageFacts(kind=kind, title=title, description=description,
                              canonical=self.views.abs(url), breadcrumbs=crumbs,
                              image=image or self.logo, first_page=number == 1, lang=lang,
                              other_languages=tuple(a.name for a in alternates
                                                    if a.name not in (lang, "x-default")))
        story = context.get("story") if kind in ("story", "factcheck") else None
        # What the head is made of besides the configuration (in the cache's environment)
        # and kabar's code: these three values are its page-cache key.
        head = partial(seo.head, self.site_view, facts, story, iso=self.views.dates.iso,
                       region_label=lambda region: self.region_label(region, t),
                       claim_review=self.site.config.factcheck.claimreview)
        # A page in another language subscribes to that language's feeds, not the portal's.
        base_feeds = self.site_feeds if own_language else self.language_feeds(lang)
        page = PageView(title=title, full_title=full, description=facts.description,
                        url=url, canonical=facts.canonical, kind=kind, breadcrumbs=crumbs,
                        noindex=noindex, feeds=(*base_feeds, *feeds), image=facts.image,
                        og=(), twitter=(), jsonld="", alternates=alternates, lang=lang)
        return PageSpec(template, page, context, head, (self.site_view, facts, story))

    def listed(self, template: str, kind: str, title: str, description: str,
               crumbs: tuple[Link, ...], listing: Listing, **context: Any) -> PageSpec:
        """One page of a paginated list."""
        return self.spec(template, kind, title, listing.url, description, crumbs,
                         number=listing.number, listing=self.listing(listing), **context)

    def listing(self, listing: Listing) -> ListingView:
        return ListingView(
            items=tuple(self.views.story(s) for s in listing.items), number=listing.number,
            count=listing.count, total=listing.total, prev_url=listing.prev_url,
            next_url=listing.next_url,
            pages=self.links(listing.page_urls),
            pager=pager(self.links(listing.page_urls), listing.number))

    def links(self, page_urls: tuple[str, ...]) -> tuple[Link, ...]:
        """Every page of a list, built once per list rather than once per page of it."""
        links = self.page_links.get(page_urls[0])
        if links is None or len(links) != len(page_urls):
            links = tuple(Link(str(n), u) for n, u in enumerate(page_urls, start=1))
            self.page_links[page_urls[0]] = links
        return links

    def paged(self, stories: tuple[Story, ...], first_url: str) -> tuple[Listing, ...]:
        return paginate(stories, self.per_page, first_url)

    def region_label(self, region: Region | RegionRef, t: dict[str, str] | None = None) -> str:
        """'Kecamatan Baamang' (or, with English strings `t`, 'Baamang District')."""
        t = t or self.t
        return t["region_name"].replace("{kind}", t[region.kind]).replace("{name}", region.name)

    def feed_links(self, list_url: str, label: str) -> tuple[Link, ...]:
        """The RSS and Atom feeds of a list page, titled as publish/feeds.py titles them."""
        if list_url != urls.home() and not self.site.config.feeds.lists:
            return ()  # feeds.lists: false publishes the portal's feeds only
        title = f"{self.site.config.title} — {label}" if label else self.site.config.title
        return (Link(f"{title} (RSS)", urls.rss_feed(list_url)),
                Link(f"{title} (Atom)", urls.atom_feed(list_url)))

    def language_feeds(self, lang: str) -> tuple[Link, ...]:
        """The feeds of the stories in a language other than the site's (`/en/feed.xml`)."""
        return self.feed_links(urls.language_home(lang), self.views.t_for(lang)["language_name"])

    def alternates(self, story: Story) -> tuple[Link, ...]:
        """hreflang links of a story with versions: each version (itself too), absolute,
        then `x-default` → the version in the site language."""
        versions = self.site.versions_of(story)
        links = [Link(v.meta.lang, self.views.abs(v.url)) for v in versions]
        if versions and versions[0].meta.lang == self.site.config.language:
            links.append(Link("x-default", self.views.abs(versions[0].url)))
        return tuple(links)

    # -- page kinds -------------------------------------------------------------------

    def home(self) -> Iterator[Planned]:
        config = self.site.config
        for listing in self.paged(self.site.stories, urls.home()):
            crumbs = (self.home_crumb,) if listing.number == 1 else (
                self.home_crumb, Link(self.t["page_n"].replace("{n}", str(listing.number)),
                                      listing.url))
            yield listing.url, partial(self.listed, "home.html", "home", config.title,
                                       config.tagline or config.title, crumbs, listing)

    def story(self, story: Story) -> PageSpec:
        """A story page, in the story's language (a translation's crumbs and UI too)."""
        if story.meta.factcheck is not None:
            return self.factcheck(story)
        view = self.views.story(story)
        lang = story.meta.lang
        t = self.views.t_for(lang)
        region = self.site.regions[story.meta.region]
        home = self.site.regions[region.lineage[min(1, len(region.lineage) - 1)]]  # kecamatan
        crumbs = (Link(t["home"], urls.home()),
                  *(Link(self.region_label(self.site.regions[r], t), self.site.regions[r].url)
                    for r in region.lineage),
                  Link(story.meta.title, story.url))
        # The kecamatan's feed lists the site language's stories: offered on those only.
        feeds = self.feed_links(home.url, self.region_label(home)) \
            if lang == self.site.config.language else ()
        return self.spec("story.html", "story", story.meta.title, story.url,
                         story.meta.summary or story.body.first_paragraph, crumbs,
                         noindex=view.noindex,
                         image=seo.share_image(self.views.base, view)
                         if self.site.config.cards.enabled else view.image, lang=lang,
                         alternates=self.alternates(story), story=view, feeds=feeds,
                         related=tuple(self.views.story(s) for s in self.related(story)))

    def factcheck(self, story: Story) -> PageSpec:
        """A fact-check page: the label leads its title everywhere it is shown or shared."""
        view = self.views.story(story)
        assert view.factcheck is not None  # story() sends only fact checks here
        section = Link(self.t["factchecks"], urls.factchecks())
        others = tuple(self.views.story(s) for s in self.site.factchecks if s.url != story.url)
        return self.spec("factcheck.html", "factcheck", f"{view.factcheck.label} {view.title}",
                         story.url, story.meta.summary or story.body.first_paragraph,
                         (self.home_crumb, section, Link(story.meta.title, story.url)),
                         noindex=view.noindex, image=seo.share_image(self.views.base, view),
                         story=view, related=others[:4],
                         feeds=self.feed_links(urls.factchecks(), self.t["factchecks"]))

    def factchecks(self) -> Iterator[Planned]:
        """`/cek-fakta/`, paginated; only when the portal has fact checks."""
        if not self.site.factchecks:
            return
        title = self.t["factchecks"]
        crumbs = (self.home_crumb, Link(title, urls.factchecks()))
        legend = tuple(VerdictView(verdict=verdict, label=f"[{info.label}]", tone=info.tone,
                                   meaning=self.t[f"verdict_{verdict}"])
                       for verdict, info in VERDICTS.items())
        for listing in self.paged(self.site.factchecks, urls.factchecks()):
            yield listing.url, partial(self.listed, "factchecks.html", "factchecks", title,
                                       self.t["factchecks_intro"], crumbs, listing,
                                       verdicts=legend,
                                       feeds=self.feed_links(urls.factchecks(), title))

    def region_tree(self) -> tuple[RegionNode, ...]:
        def node(region: Region) -> RegionNode:
            return RegionNode(region=self.views.region_ref(region),
                              children=tuple(node(self.site.regions[c]) for c in region.children))

        return tuple(node(r) for r in self.site.regions.values() if r.parent is None)

    def regions_index(self) -> PageSpec:
        title = self.t["regions"]
        return self.spec("regions.html", "index", title, urls.regions_index(),
                         self.t["regions_intro"],
                         (self.home_crumb, Link(title, urls.regions_index())),
                         regions=self.region_tree())

    def search(self) -> PageSpec:
        """/cari/: the form and the results are the theme's script over the Pagefind bundle;
        without JavaScript the page points to the region hubs and the archives instead."""
        title, t = self.t["search_title"], self.t
        return self.spec("search.html", "search", title, urls.search(), t["search_intro"],
                         (self.home_crumb, Link(title, urls.search())),
                         bundle_url=urls.search_bundle(), filters=self.search_filters(),
                         bundles=[{"url": b.url, "years": list(b.years)}
                                  for b in search_bundles(self.site)],
                         regions=self.region_tree(),
                         story_count=sum(s.meta.public(self.site.build_time)
                                         for s in self.site.stories))

    def search_filters(self) -> tuple[SearchFilter, ...]:
        """The values story.html gives its data-pagefind-filter attributes, known here, so
        the page need not download every filter of the index to list them. A region level
        is a filter named after its usual kind (a kota is under 'kabupaten')."""
        site, t = self.site, self.t

        def published(stories: tuple[Story, ...]) -> int:  # what the index holds
            return sum(s.meta.public(site.build_time) for s in stories)

        def options(counts: Iterator[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
            merged: dict[str, int] = {}
            for value, count in counts:  # two kecamatan of one name are one filter value
                merged[value] = merged.get(value, 0) + count
            return tuple((value, n) for value, n in merged.items() if n)

        levels = [[r for r in site.regions.values() if len(r.lineage) == depth]
                  for depth in (1, 2)]
        kinds = {r.kind for r in levels[0]}
        return (
            SearchFilter(name="kabupaten", label=t[kinds.pop()] if len(kinds) == 1 else
                         f"{t['kabupaten']}/{t['kota']}", options=options(
                             (r.name, published(site.by_region.get(r.id, ()))) for r in levels[0])),
            SearchFilter(name="kecamatan", label=t["kecamatan"], options=options(
                (r.name, published(site.by_region.get(r.id, ())))
                for r in sorted(levels[1], key=lambda r: r.name.casefold()))),
            SearchFilter(name="kategori", label=t["category"], options=options(
                (c.name, published(site.by_category[c.id])) for c in site.categories.values())),
            SearchFilter(name="tahun", label=t["year"], options=options(
                (str(year), published(stories)) for year, stories in site.by_year.items())),
        )

    def region(self, region: Region) -> Iterator[Planned]:
        regions = self.site.regions
        label = self.region_label(region)
        parent = regions[region.parent] if region.parent else None
        view = RegionView(
            id=region.id, name=region.name, kind=region.kind, description=region.description,
            keywords=region.keywords, url=region.url,
            parent=self.views.region_ref(parent) if parent else None,
            children=tuple(self.views.region_ref(regions[c]) for c in region.children),
            count=len(self.site.by_region.get(region.id, ())))
        crumbs = (self.home_crumb, *(Link(self.region_label(regions[r]), regions[r].url)
                                     for r in region.lineage))
        title = self.t["news_from"].replace("{name}", label)
        description = region.description or self.t["region_intro"].replace("{name}", label)
        for listing in self.paged(self.site.by_region.get(region.id, ()), region.url):
            yield listing.url, partial(self.listed, "region.html", "region", title,
                                       description, crumbs, listing, region=view,
                                       feeds=self.feed_links(region.url, label))

    def taxonomies(self) -> Iterator[Planned]:
        site, t = self.site, self.t
        categories = [(TermView(kind="category", name=c.name, url=urls.category(c.id),
                                description=c.description, count=len(site.by_category[c.id]),
                                subtitle=""), site.by_category[c.id])
                      for c in site.categories.values()]
        tags = [(TermView(kind="tag", name=tag.name, url=tag.url, description="",
                          count=len(site.by_tag[slug]), subtitle=""), site.by_tag[slug])
                for slug, tag in site.tags.items()]
        operators = []
        for operator in site.operators.values():
            home = site.regions.get(operator.region)
            role = t.get(f"role_{operator.role}", operator.role)
            subtitle = f"{role}, {self.region_label(home)}" if home else role
            operators.append((TermView(kind="operator", name=operator.name,
                                       url=urls.operator(operator.id), description="",
                                       count=len(site.by_author[operator.id]),
                                       subtitle=subtitle), site.by_author[operator.id]))
        for kind, index_url, terms in (("categories", urls.categories_index(), categories),
                                       ("tags", urls.tags_index(), tags),
                                       ("authors", urls.operators_index(), operators)):
            index_crumb = Link(t[kind], index_url)
            yield index_url, partial(self.spec, "terms.html", "index", t[kind], index_url,
                                     f"{t[kind]} — {site.config.title}",
                                     (self.home_crumb, index_crumb), terms_title=t[kind],
                                     terms=tuple(term for term, _ in terms))
            for term, stories in terms:
                yield from self.term_pages(term, stories, (self.home_crumb, index_crumb))

    def term_pages(self, term: TermView, stories: tuple[Story, ...],
                   crumbs: tuple[Link, ...]) -> Iterator[Planned]:
        kind = {"operator": "operator"}.get(term.kind, term.kind)
        label = self.t["author" if term.kind == "operator" else term.kind]
        description = term.description or f"{label}: {term.name} — {self.site.config.title}"
        has_feed = term.kind in ("category", "operator") or (
            term.kind == "tag" and self.site.config.feeds.tags)
        feeds = self.feed_links(term.url, f"{label} {term.name}") if has_feed else ()
        for listing in self.paged(stories, term.url):
            yield listing.url, partial(self.listed, "term.html", kind, term.name, description,
                                       (*crumbs, Link(term.name, term.url)), listing,
                                       feeds=feeds, term=term)

    def archives(self) -> Iterator[Planned]:
        site, t = self.site, self.t
        index_crumb = Link(t["archives"], urls.archives_index())
        years = []
        for year, stories in site.by_year.items():
            months = tuple(
                TermView(kind="archive", name=self.month_name(y, m), url=urls.archive_month(y, m),
                         description="", count=len(items), subtitle="")
                for (y, m), items in sorted(site.by_month.items()) if y == year)
            years.append(ArchiveYear(name=str(year), url=urls.archive_year(year),
                                     count=len(stories), months=months))
        yield urls.archives_index(), partial(
            self.spec, "archives.html", "index", t["archives"], urls.archives_index(),
            t["archives_intro"], (self.home_crumb, index_crumb), years=tuple(years))
        for archive_year in years:
            year_term = TermView(kind="archive", name=archive_year.name, url=archive_year.url,
                                 description="", count=archive_year.count, subtitle="")
            yield from self.term_pages(year_term, site.by_year[int(archive_year.name)],
                                       (self.home_crumb, index_crumb))
            for month in archive_year.months:
                y, m = int(archive_year.name), int(month.url.rstrip("/").rsplit("/", 1)[1])
                yield from self.term_pages(month, site.by_month[(y, m)],
                                           (self.home_crumb, index_crumb,
                                            Link(archive_year.name, archive_year.url)))

    def month_name(self, year: int, month: int) -> str:
        return self.views.month_name(year, month)
