"""Related stories: the same region or shared tags, nearest in time first."""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Mapping

from generator.model import Site, Story
from generator.urls import slugify

#: Candidates looked at per tag or region: keeps a 100k-story site linear, not quadratic.
WINDOW = 60
#: Related stories shown on a story's page.
LIMIT = 4


class Related:
    """related() for every story of one site, with each story's timestamp computed once
    (a 10,000-story site compares 2.5 million candidates) and each group's URLs listed
    once, so scoring a story is a few dictionary passes over plain strings."""

    def __init__(self, site: Site, known: Mapping[str, tuple[str, ...]] | None = None) -> None:
        self.site = site
        #: Answers already known, by story URL (`table`, kept in `.cache/related/` by the
        #: build under a hash of `inputs`): only the URLs, turned back into stories here.
        self.known = known or {}
        # Filled group by group as groups are first looked at: `kabar serve` asks for one
        # story's related stories after each save, and needs only its groups.
        self.time: dict[str, float] = {}
        self.story: dict[str, Story] = {}
        self.factchecks: set[str] = set()
        self.urls: dict[int, tuple[tuple[Story, ...], tuple[str, ...]]] = {}

    def __call__(self, story: Story, limit: int = LIMIT) -> tuple[Story, ...]:
        """Up to `limit` other stories, scored by shared tags (2 each) and same region (3),
        then nearest in time, then by URL."""
        known = self.known.get(story.url) if limit == LIMIT else None
        if known is not None:
            self._groups_of(story)  # their stories by URL
            if all(url in self.story for url in known):  # else not this site's: score
                return tuple(self.story[url] for url in known)
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

    def table(self, stories: tuple[Story, ...]) -> dict[str, tuple[str, ...]]:
        """The URLs of each story's related stories, by its URL."""
        return {story.url: tuple(s.url for s in self(story)) for story in stories}

    def _groups_of(self, story: Story) -> None:
        self._urls(self.site.by_region.get(story.meta.region, ()))
        for name in story.meta.tags:
            self._urls(self.site.by_tag.get(slugify(name), ()))

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


def related(site: Site, story: Story, limit: int = LIMIT) -> tuple[Story, ...]:
    """Up to `limit` other stories of `site` (for one story; pages use `Related`)."""
    return Related(site)(story, limit)


def inputs(site: Site, stories: tuple[Story, ...]) -> str:
    """Everything `Related` reads to answer for `stories`, as text: equal texts, equal
    answers (a test runs it over recording stand-ins and fails if it reads anything
    else). Each asked story's URL, date, region, tags and other versions; each group's
    URLs in order; each grouped story's date and whether it is a fact check."""
    seen: dict[str, tuple[float, bool]] = {}

    def group(members: tuple[Story, ...]) -> tuple[str, ...]:
        for other in members:
            if other.url not in seen:
                seen[other.url] = (other.meta.date.timestamp(), other.meta.factcheck is not None)
        return tuple(other.url for other in members)

    regions = sorted((name, group(members)) for name, members in site.by_region.items())
    tags = sorted((name, group(members)) for name, members in site.by_tag.items())
    asked = tuple((s.url, s.meta.date.timestamp(), s.meta.region, s.meta.tags,
                   tuple(v.url for v in site.versions_of(s))) for s in stories)
    return repr((WINDOW, LIMIT, asked, regions, tags, sorted(seen.items())))
