"""Related stories: the same region or shared tags, nearest in time first."""

from __future__ import annotations

import bisect
import heapq

from generator.model import Site, Story
from generator.urls import slugify

#: Candidates looked at per tag or region: keeps a 100k-story site linear, not quadratic.
WINDOW = 60


class Related:
    """related() for every story of one site, with each story's timestamp computed once
    (a 10,000-story site compares 2.5 million candidates)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.time = {s.url: s.meta.date.timestamp() for s in site.every_story()}

    def __call__(self, story: Story, limit: int = 4) -> tuple[Story, ...]:
        """Up to `limit` other stories, scored by shared tags (2 each) and same region (3)."""
        scores: dict[str, int] = {}
        pool: dict[str, Story] = {}
        versions = {s.url for s in self.site.versions_of(story)} | {story.url}

        def consider(candidates: tuple[Story, ...], points: int) -> None:
            for other in self._nearest(candidates, story):
                # itself in another language is not "related"; fact checks have their own list
                if other.url not in versions and other.meta.factcheck is None:
                    scores[other.url] = scores.get(other.url, 0) + points
                    pool[other.url] = other

        consider(self.site.by_region.get(story.meta.region, ()), 3)
        for name in story.meta.tags:
            consider(self.site.by_tag.get(slugify(name), ()), 2)
        date, time = story.meta.date.timestamp(), self.time
        best = heapq.nsmallest(limit, pool, key=lambda url: (-scores[url],
                                                              abs(time[url] - date), url))
        return tuple(pool[url] for url in best)

    def _nearest(self, stories: tuple[Story, ...], story: Story) -> tuple[Story, ...]:
        """The WINDOW stories of a group (newest first) closest in date to `story`."""
        if len(stories) <= WINDOW:
            return stories
        # Groups are in the site's order (newest first, then URL), so the story is found
        # by bisection: `tuple.index` would compare dataclasses one by one (quadratic). A
        # story not in the group (a translation) lands where its date would be.
        time = self.time
        index = bisect.bisect_left(stories, (-story.meta.date.timestamp(), story.url),
                                   key=lambda s: (-time[s.url], s.url))
        index = min(index, len(stories) - 1)
        start = max(0, min(index - WINDOW // 2, len(stories) - WINDOW))
        return stories[start:start + WINDOW]


def related(site: Site, story: Story, limit: int = 4) -> tuple[Story, ...]:
    """Up to `limit` other stories of `site` (for one story; pages use `Related`)."""
    return Related(site)(story, limit)
