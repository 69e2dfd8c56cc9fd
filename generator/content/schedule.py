"""Scheduled and expiring stories: which ones a build publishes now, and the next change.

A story dated after the build time is not published until a build at or after that
moment; one whose `expires` has come leaves every list, feed and sitemap (its page
stays, with noindex). Times are compared as instants; they are written in the site's
zone for people ("2026-11-21 08:00 WIB").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Protocol

from generator.model import ScheduledChange

# Indonesia's three zones by UTC offset in hours (render/dates.py says the same on pages).
_ZONE_LABELS = {7: "WIB", 8: "WITA", 9: "WIT"}


def local_text(moment: datetime, zone: tzinfo) -> str:
    """'2026-11-21 08:00 WIB': the moment on the portal's clock, as front matter writes it."""
    local = moment.astimezone(zone)
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    label = _ZONE_LABELS.get(minutes // 60) if minutes % 60 == 0 else None
    if label is None:
        sign = "+" if minutes >= 0 else "-"
        label = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return f"{local:%Y-%m-%d %H:%M} {label}"


class Timed(Protocol):
    """What scheduling reads of a story's metadata (StoryMeta, CheckedStory)."""

    @property
    def status(self) -> str: ...
    @property
    def date(self) -> datetime: ...
    @property
    def expires(self) -> datetime | None: ...


def next_change(stories: Iterable[tuple[str, Timed]], now: datetime,
                ) -> ScheduledChange | None:
    """The earliest future moment a published story goes live or expires (ties: by path)."""
    changes: list[ScheduledChange] = []
    for path, meta in stories:
        if meta.status != "published":  # a draft does not go live by the clock
            continue
        if meta.date > now:
            changes.append(ScheduledChange(when=meta.date, path=path, change="publish"))
        if meta.expires is not None and meta.expires > now:
            changes.append(ScheduledChange(when=meta.expires, path=path, change="expire"))
    return min(changes, key=lambda c: (c.when, c.path, c.change), default=None)
