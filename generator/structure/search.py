"""Public stories → the parts of the search index: one, or one per group of whole years.

Pagefind holds a whole index in memory while it builds it (about 0.24 MB a story: 2.4 GB
at 10,000), and every first query downloads the index's page list (about 10 bytes a
story). Up to `search.split_at` public stories make one index at /pagefind/. A portal with
more is split into groups of whole years, newest first: a group takes the next older year
while it stays within `split_at` stories, so the groups are contiguous and a year is never
cut in two (a year with more than `split_at` stories is a group of its own). The newest
group is the bundle at /pagefind/ (with pagefind.js and its wasm); each older group is an
index of its own at /pagefind/<oldest>-<newest>/ that /cari/ merges in only when a search
needs it (themes/default/static/search.js, docs/architecture.md "Search").
"""

from __future__ import annotations

from dataclasses import dataclass

from generator import urls
from generator.model import Site, Story

__all__ = ["SearchBundle", "search_bundles"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchBundle:
    """One Pagefind index: where it is published, its years and its stories."""

    url: str
    years: tuple[int, ...]  # newest first
    stories: tuple[Story, ...]  # public, in the site's order (newest first)

    @property
    def primary(self) -> bool:
        """The bundle /cari/ loads first, which carries pagefind.js and the wasm."""
        return self.url == urls.search_bundle()


def search_bundles(site: Site) -> tuple[SearchBundle, ...]:
    """The index's parts, newest first; none when no story is public."""
    years = [(year, tuple(s for s in stories if s.meta.public(site.build_time)))
             for year, stories in site.by_year.items()]  # newest year first
    years = [(year, stories) for year, stories in years if stories]
    limit = site.config.search.split_at
    groups: list[list[tuple[int, tuple[Story, ...]]]] = []
    size = 0
    for year, stories in years:
        if groups and size + len(stories) <= limit:
            groups[-1].append((year, stories))
            size += len(stories)
        else:
            groups.append([(year, stories)])
            size = len(stories)
    return tuple(
        SearchBundle(url=urls.search_bundle() if n == 0 else
                     urls.search_bundle((group[-1][0], group[0][0])),
                     years=tuple(year for year, _ in group),
                     stories=tuple(s for _, stories in group for s in stories))
        for n, group in enumerate(groups))
