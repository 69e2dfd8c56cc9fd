"""Related stories: the same region or shared tags, nearest in time first."""

from __future__ import annotations

from generator.model import Site, Story
from generator.urls import slugify

#: Candidates looked at per tag or region: keeps a 100k-story site linear, not quadratic.
WINDOW = 60


def related(site: Site, story: Story, limit: int = 4) -> tuple[Story, ...]:
    """Up to `limit` other stories, scored by shared tags (2 each) and same region (3)."""
    scores: dict[str, int] = {}
    pool: dict[str, Story] = {}

    def consider(candidates: tuple[Story, ...], points: int) -> None:
        for other in _nearest(candidates, story):
            if other.url != story.url and other.meta.factcheck is None:  # stories only
                scores[other.url] = scores.get(other.url, 0) + points
                pool[other.url] = other

    consider(site.by_region.get(story.meta.region, ()), 3)
    for name in story.meta.tags:
        consider(site.by_tag.get(slugify(name), ()), 2)
    date = story.meta.date.timestamp()
    best = sorted(pool, key=lambda url: (-scores[url], abs(pool[url].meta.date.timestamp()
                                                             - date), url))
    return tuple(pool[url] for url in best[:limit])


def _nearest(stories: tuple[Story, ...], story: Story) -> tuple[Story, ...]:
    """The WINDOW stories of a group (newest first) closest in date to `story`."""
    if len(stories) <= WINDOW:
        return stories
    try:
        index = stories.index(story)
    except ValueError:
        index = 0
    start = max(0, min(index - WINDOW // 2, len(stories) - WINDOW))
    return stories[start:start + WINDOW]
