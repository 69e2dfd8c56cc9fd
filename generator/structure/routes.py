"""The indexable list pages of a site (home, hubs, taxonomies, archives) and their lastmod. Pure.

One enumeration, in the order render/pages.py renders them, so that publishers (sitemaps)
do not each re-derive which list pages exist and how they paginate.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from generator import urls
from generator.model import Site, Story
from generator.structure.pagination import Listing, paginate

__all__ = ["Route", "RouteKind", "history_lastmods", "list_routes", "newest", "story_lastmod"]

RouteKind = Literal["home", "region", "category", "tag", "operator", "archive", "index",
                   "factchecks"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """One list page: its URL, when its content last changed, and the stories it lists."""

    url: str
    kind: RouteKind  # "index": the regions, categories, tags, authors and archives indexes
    lastmod: datetime | None  # None: the page lists no story (an empty category)
    listing: Listing | None  # None for the index pages, which list terms, not stories


def story_lastmod(story: Story) -> datetime:
    """When a story last changed, as its author says: `updated`, else its `date`."""
    return story.meta.updated or story.meta.date


def history_lastmods(site: Site) -> dict[str, datetime]:
    """URL → when git last saw its file change, where the front matter does not say.

    A story with `updated:` keeps it; one without takes its last commit (never before its
    `date`: a scheduled story committed early changes at its date). A static page, which has
    no dates of its own, takes its last commit.
    """
    found = {story.url: max(story.meta.date, story.history.last)
             for story in site.every_story()
             if story.history is not None and story.meta.updated is None}
    found |= {page.url: page.history.last for page in site.pages if page.history is not None}
    return found


def newest(stories: Iterable[Story]) -> datetime | None:
    """The latest `story_lastmod` among `stories`, or None when there are none."""
    return max((story_lastmod(s) for s in stories), default=None)


def list_routes(site: Site) -> tuple[Route, ...]:
    """Every list page the site renders, pagination included, in render/pages.py order.

    A page shows its own stories, but a newer story pushes every later page along, so
    page n takes the newest story of pages 1..n. Index pages show counts of every story
    under them, so they take the newest story of the whole site (or of every tag).
    """
    everything = newest(site.stories)
    tagged = newest(s for stories in site.by_tag.values() for s in stories)
    routes: list[Route] = [*_paged(site, "home", site.stories, urls.home()),
                           Route(url=urls.regions_index(), kind="index", lastmod=everything,
                                 listing=None)]
    for region in site.regions.values():
        routes += _paged(site, "region", site.by_region.get(region.id, ()), region.url)
    routes.append(Route(url=urls.categories_index(), kind="index", lastmod=everything,
                        listing=None))
    for category_id in site.categories:
        routes += _paged(site, "category", site.by_category.get(category_id, ()),
                         urls.category(category_id))
    routes.append(Route(url=urls.tags_index(), kind="index", lastmod=tagged, listing=None))
    for slug, tag in site.tags.items():
        routes += _paged(site, "tag", site.by_tag.get(slug, ()), tag.url)
    routes.append(Route(url=urls.operators_index(), kind="index", lastmod=everything,
                        listing=None))
    for operator_id in site.operators:
        routes += _paged(site, "operator", site.by_author.get(operator_id, ()),
                         urls.operator(operator_id))
    routes.append(Route(url=urls.archives_index(), kind="index", lastmod=everything,
                        listing=None))
    for year, stories in site.by_year.items():
        routes += _paged(site, "archive", stories, urls.archive_year(year))
        for (y, m), month_stories in sorted(site.by_month.items()):
            if y == year:
                routes += _paged(site, "archive", month_stories, urls.archive_month(y, m))
    if site.factchecks:
        routes += _paged(site, "factchecks", site.factchecks, urls.factchecks())
    return tuple(routes)


def _paged(site: Site, kind: RouteKind, stories: tuple[Story, ...], first_url: str,
           ) -> Iterator[Route]:
    latest: datetime | None = None
    for listing in paginate(stories, site.config.per_page, first_url):
        page_newest = newest(listing.items)
        if page_newest is not None and (latest is None or page_newest > latest):
            latest = page_newest
        yield Route(url=listing.url, kind=kind, lastmod=latest, listing=listing)
