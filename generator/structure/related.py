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
    (a 10,000-story site compares 2.5 million candidates) and each group's URLs listed
    once, so scoring a story is a few dictionary passes over plain strings."""

    def __init__(self, site: Site) -> None:
        self.site = site
        # Filled group by group as groups are first looked at: `kabar serve` asks for one
        # story's related stories after each save, and needs only its groups.
        self.time: dict[str, float] = {}
        self.story: dict[str, Story] = {}
        self.factchecks: set[str] = set()
        self.urls: dict[int, tuple[tuple[Story, ...], tuple[str, ...]]] = {}

    def __call__(self, story: Story, limit: int = 4) -> tuple[Story, ...]:
        """Up to `limit` other stories, scored by shared tags (2 each) and same region (3),
        then nearest in time, then by URL."""
        scores = dict.fromkeys(self._nearest(self.site.by_region.get(story.meta.region, ()),
                                             story), 3)
        for name in story.meta.tags:
            for url in self._nearest(self.site.by_tag.get(slugify(name), ()), story):
                scores[url] = scores.get(url, 0) + 2
        # itself in another language is not "related"; fact checks have their own list
        for url in (*(s.url for s in self.site.versions_of(story)), story.url):
            scores.pop(url, None)
        for url in self.factchecks.intersection(scores):
            del scores[url]
        if len(scores) > limit:  # only the stories scoring as high as the limit-th best
            floor = heapq.nlargest(limit, scores.values())[-1]
            candidates = [url for url, score in scores.items() if score >= floor]
        else:
            candidates = list(scores)
        date, time = story.meta.date.timestamp(), self.time
        candidates.sort(key=lambda url: (-scores[url], abs(time[url] - date), url))
        return tuple(self.story[url] for url in candidates[:limit])

    def _nearest(self, stories: tuple[Story, ...], story: Story) -> tuple[str, ...]:
        """The URLs of the WINDOW stories of a group (newest first) closest in date to
        `story`."""
        urls = self._urls(stories)
        if len(stories) <= WINDOW:
            return urls
        # Groups are in the site's order (newest first, then URL), so the story is found
        # by bisection: `tuple.index` would compare dataclasses one by one (quadratic). A
        # story not in the group (a translation) lands where its date would be.
        time = self.time
        index = bisect.bisect_left(urls, (-story.meta.date.timestamp(), story.url),
                                   key=lambda url: (-time[url], url))
        index = min(index, len(stories) - 1)
        start = max(0, min(index - WINDOW // 2, len(stories) - WINDOW))
        return urls[start:start + WINDOW]

    def _urls(self, stories: tuple[Story, ...]) -> tuple[str, ...]:
        """A group's URLs, its stories' timestamps and fact checks noted the first time."""
        known = self.urls.get(id(stories))
        if known is None or known[0] is not stories:
            for other in stories:
                if other.url not in self.time:
                    self.time[other.url] = other.meta.date.timestamp()
                    self.story[other.url] = other
                    if other.meta.factcheck is not None:
                        self.factchecks.add(other.url)
            known = self.urls[id(stories)] = (stories, tuple(s.url for s in stories))
        return known[1]


def related(site: Site, story: Story, limit: int = 4) -> tuple[Story, ...]:
    """Up to `limit` other stories of `site` (for one story; pages use `Related`)."""
    return Related(site)(story, limit)
