"""Page-cache keys from what a page is made of, so a page the cache has is never made.

`pagecache.PageCache.key` hashes a page's context, and to have a context the page's
views must be built: story views, listings, crumbs, the head's facts. On 10,000 stories
building and hashing 20,000 contexts was half of a build after a one-story edit. Story
pages and the pages of lists, nearly all of a portal, are made from a few things known
before anything is built:

- a story page: the story and its related stories (structure/related.py);
- a page of a list: its plan entry's arguments (title, description, crumbs, the region
  or term shown, the feeds offered) and its `Listing`, with the stories on it;
- and, for both, what every view reads of the site besides those stories: the `site`
  object in each language (navigation, top regions and their counts), every region with
  its count, the tags, categories and operators.

Each Story stands in a key as a hash of itself by value (meta, rendered body, URL, git
history), of the three facts the build time decides about it (scheduled, expired,
public) and of its versions' URLs and languages, which its view lists. A page made from
equal inputs has an equal context, so it is the same page. The test that keeps this true
(tests/test_page_cache.py) changes every field of a story, and the site around it, and
fails if a page's context key changes while its input key does not.

Fact-check pages (each lists every other fact check) and the few one-off pages (indexes,
search, 404, the portal's own pages) keep their context keys. Standard library only.
"""

from __future__ import annotations

import dataclasses
import operator
import weakref
from collections.abc import Callable
from functools import partial
from typing import Any

from generator.config.schema import LANGUAGES
from generator.model import Site, Story
from generator.render.pagecache import PageCache, Reduce
from generator.render.views import Views
from generator.structure.pagination import Listing


def _story(digest: str) -> None:
    """Stands for a Story in an input key (never called: nothing is unpickled)."""


def _urls(digest: str) -> None:
    """Stands for a list's page URLs, the same tuple on each of its pages."""


class InputKeys:
    """`key(make)`: the page-cache entry of a planned page, or None when that page is
    keyed by its context. `story` and `listed` are PageMaker's two page functions."""

    def __init__(self, cache: PageCache, site: Site, views: Views,
                 story: Callable[..., Any], listed: Callable[..., Any],
                 related: Callable[[Story], tuple[Story, ...]]) -> None:
        self.cache = cache
        self.story, self.listed, self.related = story, listed, related
        #: id(story) → its hash, for every story of the site (`site` keeps them alive).
        #: Made at once: a page of a list reads ten of them in one C loop (`_hashes`).
        self.stories: dict[int, str] = {}
        self.page_urls: dict[int, tuple[tuple[str, ...], str]] = {}
        self.table = _table(self)
        fields = operator.attrgetter(*(f.name for f in dataclasses.fields(Story)))
        now = site.build_time
        for one in site.every_story():
            meta = one.meta
            facts = (meta.scheduled(now), meta.expired(now), meta.public(now),
                     tuple((v.url, v.meta.lang) for v in site.versions_of(one)))
            # The story by value (its fields; a body kept on disk by its digest), then facts.
            self.stories[id(one)] = cache.value_digest(("story", fields(one), facts),
                                                       self.table)
        self.site_digest = cache.value_digest((
            tuple(views.site_view(lang) for lang in LANGUAGES),
            tuple(site.regions.values()),
            tuple((region, len(stories)) for region, stories in site.by_region.items()),
            tuple(site.tags.values()), tuple(site.categories.items()),
            tuple(site.operators.items())), self.table)

    def key(self, make: Callable[[], Any]) -> str | None:
        if not isinstance(make, partial):
            return None
        try:
            if make.func == self.story:
                story: Story = make.args[0]
                if story.meta.factcheck is not None:
                    return None
                inputs: tuple[Any, ...] = ("story", self.hashes((story, *self.related(story))))
            elif make.func == self.listed:
                inputs = ("listed", make.args, tuple(sorted(make.keywords.items())))
            else:
                return None
            return self.cache.input_key((self.site_digest, inputs), self.table)
        except KeyError:  # a story that is not one of this site's: keyed by its context
            return None

    def hashes(self, stories: tuple[Story, ...]) -> tuple[str, ...]:
        return tuple(map(self.stories.__getitem__, map(id, stories)))

    def urls_digest(self, page_urls: tuple[str, ...]) -> str:
        known = self.page_urls.get(id(page_urls))
        if known is None:
            known = (page_urls, self.cache.value_digest(page_urls))
            self.page_urls[id(page_urls)] = known
        return known[1]


def _table(keys: InputKeys) -> dict[type, Reduce]:
    """The page cache's reducers, and stand-ins for a Story (its hash) and for a list's
    page URLs (their hash). Through a weak reference, as in pagecache._dispatch: a strong
    one keeps every story hashed alive until a full collection."""
    own = weakref.ref(keys)

    def found() -> InputKeys:
        keys = own()
        assert keys is not None, "a table is used only by its own InputKeys"
        return keys

    def story(obj: Story) -> tuple[Any, ...]:
        return _story, (found().stories[id(obj)],)  # KeyError: not this site's: no key

    def listing(obj: Listing) -> tuple[Any, ...]:
        keys = found()
        return Listing, (keys.hashes(obj.items), obj.number, obj.count, obj.total, obj.url,
                         keys.urls_digest(obj.page_urls))

    table = dict(keys.cache.dispatch)
    table[Story] = story
    table[Listing] = listing
    return table
