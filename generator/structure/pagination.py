"""Split a sequence of stories into numbered pages with their URLs."""

from __future__ import annotations

import math
from dataclasses import dataclass

from generator import urls
from generator.model import Story


@dataclass(frozen=True, slots=True, kw_only=True)
class Listing:
    """One page of a paginated list of stories."""

    items: tuple[Story, ...]
    number: int  # 1-based
    count: int  # number of pages
    total: int  # number of stories over all pages
    url: str
    page_urls: tuple[str, ...]  # every page's URL, page 1 first

    @property
    def prev_url(self) -> str | None:
        return self.page_urls[self.number - 2] if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.page_urls[self.number] if self.number < self.count else None


def paginate(items: tuple[Story, ...], per_page: int, first_url: str) -> tuple[Listing, ...]:
    """Pages of `per_page` items, in order; an empty list still has one (empty) page."""
    count = max(1, math.ceil(len(items) / per_page))
    page_urls = tuple(urls.paginated(first_url, n) for n in range(1, count + 1))
    return tuple(
        Listing(items=items[(n - 1) * per_page: n * per_page], number=n, count=count,
                total=len(items), url=page_urls[n - 1], page_urls=page_urls)
        for n in range(1, count + 1)
    )
