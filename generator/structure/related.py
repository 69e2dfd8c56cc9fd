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

    versions = {s.url for s in site.versions_of(story)} | {story.url}

    def consider(candidates: tuple[Story, ...], points: int) -> None:
        for other in _nearest(candidates, story):
            # itself in another language is not "related"; fact checks have their own list
            if other.url not in versions and other.meta.factcheck is None:
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
    except ValueError:  # a translation is not in the lists: where its date would be
        index = next((i for i, s in enumerate(stories) if s.meta.date <= story.meta.date),
                     len(stories) - 1)
    start = max(0, min(index - WINDOW // 2, len(stories) - WINDOW))
    return stories[start:start + WINDOW]
