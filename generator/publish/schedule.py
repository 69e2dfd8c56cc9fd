"""Site → `/.well-known/kabar-schedule.json`: when a rebuild next changes the portal by itself.

A story dated in the future goes live, and a story with `expires` leaves the lists, only
when the portal is built again at or after that moment. This file says when that is, so
a cron job (or a person) knows when the next rebuild is due without reading content/:

    {"next_change": "2026-11-21T08:00:00+07:00"}     (null when nothing is scheduled)

Only the time is published, never which story: a scheduled story stays unknown until
its time. Standard library only; deterministic (a pure function of content and build time).
"""

from __future__ import annotations

import json
import zoneinfo

from generator import urls
from generator.model import Output, Site

__all__ = ["schedule_file"]


def schedule_file(site: Site) -> list[Output]:
    """The one JSON file, with the next scheduled change in the site's zone, or null."""
    change = site.next_change
    zone = zoneinfo.ZoneInfo(site.config.timezone)
    when = change.when.astimezone(zone).isoformat(timespec="seconds") if change else None
    data = json.dumps({"next_change": when}, indent=2) + "\n"
    return [Output(urls.output_path(urls.schedule_file()), data.encode())]
