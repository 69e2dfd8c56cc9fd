"""Stories and config → Site: the region tree, groupings by taxonomy and date. Pure."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType
from typing import TypeVar

from generator import urls
from generator.config import region_kind, walk_regions
from generator.config.schema import LANGUAGES, SiteConfig
from generator.model import Asset, Page, Region, ScheduledChange, Site, Story, Tag

__all__ = ["SiteMemo", "build_site", "resolve_regions", "story_order"]

K = TypeVar("K", bound=Hashable)


def resolve_regions(config: SiteConfig) -> Mapping[str, Region]:
    """The region tree of site.yaml as Region records, depth first."""
    regions: dict[str, Region] = {}
    parents: dict[str, tuple[str, ...]] = {}
    for region, depth, _ in walk_regions(config.regions):
        lineage = (*parents.get(region.id, ()), region.id)
        for child in region.children:
            parents[child.id] = lineage
        regions[region.id] = Region(
            id=region.id, name=region.name,
            kind=region_kind(region, depth),
            description=region.description, keywords=region.keywords,
            parent=lineage[-2] if len(lineage) > 1 else None,
            children=tuple(c.id for c in region.children), lineage=lineage,
            url=urls.region(lineage))
    return MappingProxyType(regions)


def story_order(story: Story) -> tuple[float, str]:
    """The order of Site.stories and of every group: newest first, then by URL."""
    return (-story.meta.date.timestamp(), story.url)


def _freeze(groups: Mapping[K, list[Story]], keys: list[K] | None = None,
            ) -> Mapping[K, tuple[Story, ...]]:
    ordered = keys if keys is not None else sorted(groups)  # type: ignore[type-var]
    return MappingProxyType({key: tuple(groups.get(key, ())) for key in ordered})


def _newest_first(stories: tuple[Story, ...]) -> tuple[Story, ...]:
    return tuple(sorted(stories, key=story_order))


def _versions(stories: tuple[Story, ...], site_language: str) -> Mapping[str, tuple[Story, ...]]:
    """Translation key → its stories, when there are at least two: site language first.

    Content has made sure each language appears once per key.
    """
    order = {lang: n for n, lang in enumerate(LANGUAGES)}
    groups: defaultdict[str, list[Story]] = defaultdict(list)
    for story in stories:
        if story.meta.translation_key:
            groups[story.meta.translation_key].append(story)
    return MappingProxyType({
        key: tuple(sorted(group, key=lambda s: (s.meta.lang != site_language,
                                                order.get(s.meta.lang, len(order)), s.url)))
        for key, group in sorted(groups.items()) if len(group) > 1})


def build_site(config: SiteConfig, stories: tuple[Story, ...], pages: tuple[Page, ...],
               assets: tuple[Asset, ...], build_time: datetime, *,
               unlisted: tuple[Story, ...] = (), factchecks: tuple[Story, ...] = (),
               next_change: ScheduledChange | None = None) -> Site:
    """Group the stories every way the site lists them. Stories newest first.

    Lists hold only stories in the site language; the others are `translations`, reached
    from the versions they translate (`versions`) and from their language's feeds.
    `unlisted` stories (expired, in any language) get their pages but are in no grouping
    and are nobody's version. Fact checks (site language only) have their own section and
    are grouped only by tag: a topic's page shows the clarifications of hoaxes about it
    too, labelled; regions, categories, operators and archives stay good news.
    """
    everything = _newest_first(stories)
    ordered = tuple(s for s in everything if s.meta.lang == config.language)
    translations = tuple(s for s in everything if s.meta.lang != config.language)
    regions = resolve_regions(config)
    by_region: defaultdict[str, list[Story]] = defaultdict(list)
    by_category: defaultdict[str, list[Story]] = defaultdict(list)
    by_tag: defaultdict[str, list[Story]] = defaultdict(list)
    by_author: defaultdict[str, list[Story]] = defaultdict(list)
    by_year: defaultdict[int, list[Story]] = defaultdict(list)
    by_month: defaultdict[tuple[int, int], list[Story]] = defaultdict(list)
    spellings: defaultdict[str, Counter[str]] = defaultdict(Counter)
    zone = build_time.tzinfo
    for story in ordered:
        meta = story.meta
        for region_id in regions[meta.region].lineage:
            by_region[region_id].append(story)
        by_category[meta.category].append(story)
        by_author[meta.author].append(story)
        local = meta.date.astimezone(zone)
        by_year[local.year].append(story)
        by_month[(local.year, local.month)].append(story)
    for story in _newest_first(ordered + factchecks):
        for name in story.meta.tags:
            slug = urls.slugify(name)
            by_tag[slug].append(story)
            spellings[slug][name] += 1
    tags = {slug: Tag(name=min(counts, key=lambda n: (-counts[n], n)), slug=slug,
                      url=urls.tag(slug))
            for slug, counts in sorted(spellings.items())}
    return Site(
        config=config, build_time=build_time, stories=ordered, translations=translations,
        versions=_versions(everything, config.language),
        pages=tuple(sorted(pages, key=lambda p: (p.menu is None, p.menu or 0, p.url))),
        regions=regions,
        categories=MappingProxyType({c.id: c for c in config.categories}),
        operators=MappingProxyType({o.id: o for o in config.operators}),
        tags=MappingProxyType(tags),
        by_region=_freeze(by_region, list(regions)),
        by_category=_freeze(by_category, [c.id for c in config.categories]),
        by_tag=_freeze(by_tag, list(tags)),
        by_author=_freeze(by_author, [o.id for o in config.operators]),
        by_year=_freeze(by_year, sorted(by_year, reverse=True)),
        by_month=_freeze(by_month, sorted(by_month, reverse=True)),
        assets=assets,
        unlisted=_newest_first(unlisted), factchecks=_newest_first(factchecks),
        next_change=next_change,
    )


#: Every field of a Story that `build_site` reads (tests/test_preview.py holds this by
#: recording what it reads): two stories equal in these are grouped and ordered alike.
def grouping_fields(story: Story) -> tuple[object, ...]:
    meta = story.meta
    return (story.url, meta.date, meta.lang, meta.region, meta.category, meta.author,
            meta.tags, meta.translation_key)


class SiteMemo:
    """`kabar serve`'s last `build_site` call, to make the next Site without grouping again.

    When everything but some stories is equal to last time (config, pages, files, next
    change, the time zone), and each of those stories is equal to the one at its place
    last time in every field grouping reads (`grouping_fields`; a story reused by the
    content memo is the very same object), the new Site is the last one with those stories
    swapped in: every list the same length, in the same order, as `build_site` would make
    it. Anything else (a new tag, a moved region, a changed date, a story added or gone)
    groups afresh. `kabar build` never uses one.
    """

    def __init__(self) -> None:
        self._last: tuple[tuple[object, ...], tuple[tuple[Story, ...], ...], Site] | None = None
        #: The last Site of `build` was the one before with stories swapped in: the same
        #: lists, of stories at the same addresses, grouped the same way.
        self.swapped = False
        self.previous: Site | None = None

    def build(self, config: SiteConfig, stories: tuple[Story, ...], pages: tuple[Page, ...],
              assets: tuple[Asset, ...], build_time: datetime, *,
              unlisted: tuple[Story, ...] = (), factchecks: tuple[Story, ...] = (),
              next_change: ScheduledChange | None = None) -> Site:
        same = (config, pages, assets, build_time.tzinfo, next_change)
        lists = (stories, unlisted, factchecks)
        swaps = self._swaps(same, lists)
        self.swapped = swaps is not None and self._last is not None
        #: The Site the last one was made from, when `swapped`.
        self.previous = self._last[2] if self.swapped and self._last is not None else None
        if swaps is None or self._last is None:
            site = build_site(config, stories, pages, assets, build_time, unlisted=unlisted,
                              factchecks=factchecks, next_change=next_change)
        else:
            site = _swapped(self._last[2], swaps, build_time)
        self._last = (same, lists, site)
        return site

    def _swaps(self, same: tuple[object, ...], lists: tuple[tuple[Story, ...], ...],
               ) -> dict[int, Story] | None:
        """id(old story) → the new one, when the new Site is the last one with these
        swapped; None when it must be grouped afresh."""
        if self._last is None or self._last[0] != same:
            return None
        swaps: dict[int, Story] = {}
        for old_list, new_list in zip(self._last[1], lists, strict=True):
            if len(old_list) != len(new_list):
                return None
            for old, new in zip(old_list, new_list, strict=True):
                if old is not new:
                    if grouping_fields(old) != grouping_fields(new):
                        return None
                    swaps[id(old)] = new
        return swaps


def _swapped(site: Site, swaps: dict[int, Story], build_time: datetime) -> Site:
    """`site` with the stories of `swaps` replaced wherever they are listed."""
    changed = swaps.keys()

    def group(stories: tuple[Story, ...]) -> tuple[Story, ...]:
        if changed.isdisjoint(map(id, stories)):
            return stories
        return tuple(swaps.get(id(s), s) for s in stories)

    def groups(by: Mapping[K, tuple[Story, ...]]) -> Mapping[K, tuple[Story, ...]]:
        return MappingProxyType({key: group(stories) for key, stories in by.items()}) \
            if swaps else by

    return replace(site, build_time=build_time, stories=group(site.stories),
                   translations=group(site.translations), versions=groups(site.versions),
                   by_region=groups(site.by_region), by_category=groups(site.by_category),
                   by_tag=groups(site.by_tag), by_author=groups(site.by_author),
                   by_year=groups(site.by_year), by_month=groups(site.by_month),
                   unlisted=group(site.unlisted), factchecks=group(site.factchecks))
