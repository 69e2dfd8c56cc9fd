"""`kabar report`: what the portal published in a week (or any period), for the office head.

`weekly(site, period)` counts the stories (and fact checks) published in the period by
kabupaten, kecamatan (those with nothing published are named), operator, category and
tag, lists them with their links, and sets the period against the ones before it. The
formats (`formats.py`: JSON, Markdown, CSV; `html.py`: one printable page with SVG
charts) only print this record. Pure: the site comes from `build.load_site`, the clock
from its build time.

A story counts in the period its `date` falls in, on the portal's clock. Only stories
that are published and due count (drafts, stories in review and scheduled stories do
not); a story that has expired since still counts in the week it was published. A
translation (front matter `lang` other than the site's) is another version of a story
already counted, not a new one: it is left out, so no kecamatan counts a story twice.
"""

from __future__ import annotations

import re
import zoneinfo
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from generator import urls
from generator.model import Site, Story

__all__ = ["TREND_PERIODS", "Period", "Report", "default_period", "parse_week", "period",
           "weekly"]

#: How many periods before the reported one the trend shows.
TREND_PERIODS = 4
#: How many tags "top tags" lists.
TOP_TAGS = 10
_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    """Whole days on the portal's clock, both ends included."""

    since: date
    until: date
    label: str  # "2024-W47", or "2024-11-01 s.d. 2024-11-15"
    week: bool  # an ISO week: its neighbours are ISO weeks too

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def before(self, count: int) -> Period:
        """The period `count` lengths earlier (a week: the ISO week `count` weeks before)."""
        since = self.since - timedelta(days=self.days * count)
        until = self.until - timedelta(days=self.days * count)
        return period(since, until) if not self.week else week_of(since)


def week_of(day: date) -> Period:
    """The ISO week (Monday to Sunday) `day` falls in."""
    year, week, weekday = day.isocalendar()
    monday = day - timedelta(days=weekday - 1)
    return Period(since=monday, until=monday + timedelta(days=6), label=f"{year}-W{week:02d}",
                  week=True)


def parse_week(text: str) -> Period | None:
    """'2024-W47' → that ISO week; None when it is not a week that exists."""
    match = _WEEK.match(text.strip())
    if not match:
        return None
    try:
        return week_of(date.fromisocalendar(int(match[1]), int(match[2]), 1))
    except ValueError:  # week 54, week 0
        return None


def period(since: date, until: date) -> Period:
    return Period(since=since, until=until, label=f"{since.isoformat()} s.d. {until.isoformat()}",
                  week=False)


def default_period(now: datetime) -> Period:
    """The last complete ISO week before `now` (a Monday report covers the week before)."""
    return week_of(now.date() - timedelta(days=now.isoweekday()))


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """A kabupaten, kecamatan or category and how many stories it published."""

    id: str
    name: str
    count: int
    url: str  # absolute URL of its page on the portal
    parent: str = ""  # a kecamatan's kabupaten


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorRow:
    """One operator's work in the period."""

    id: str
    name: str
    role: str  # operator | editor
    region: str  # the region they report from
    written: int  # stories they are the author of
    contributed: int  # others' stories they committed to (git history)
    approved: int  # stories they approved (approved_by)


@dataclass(frozen=True, slots=True, kw_only=True)
class Item:
    """One story published in the period."""

    date: datetime
    title: str
    url: str  # absolute
    kind: str  # "berita" or "cek fakta"
    label: str  # a fact check's "[HOAKS]", else ""
    kabupaten: str
    kecamatan: str  # "" for a story filed at kabupaten level
    desa: str
    operator: str  # the author's name
    category: str
    tags: tuple[str, ...]
    contributors: tuple[str, ...]  # names of everyone who committed to it (git), or ()
    approved_by: str  # the approving editor's name, or ""
    first_commit: datetime | None  # git: when it was first committed


@dataclass(frozen=True, slots=True, kw_only=True)
class TrendPoint:
    label: str
    since: date
    until: date
    count: int
    current: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """Everything the formats print."""

    portal: str
    base_url: str
    timezone: str
    period: Period
    generated: datetime
    total: int
    factchecks: int
    kabupaten: tuple[Row, ...]
    kabupaten_level: int  # stories filed at kabupaten level, under no kecamatan
    kecamatan: tuple[Row, ...]
    silent: tuple[Row, ...]  # kecamatan with nothing published
    operators: tuple[OperatorRow, ...]
    categories: tuple[Row, ...]
    tags: tuple[tuple[str, int], ...]  # the TOP_TAGS most used, most used first
    items: tuple[Item, ...]  # oldest first
    trend: tuple[TrendPoint, ...]  # oldest first, the reported period last


def weekly(site: Site, chosen: Period) -> Report:
    """Count what `site` published in `chosen` and the TREND_PERIODS periods before it."""
    zone = zoneinfo.ZoneInfo(site.config.timezone)
    every = [s for s in site.every_story() if s.meta.lang == site.config.language
             and s.meta.status == "published" and s.meta.date <= site.build_time]

    def within(p: Period) -> list[Story]:
        return [s for s in every if p.since <= s.meta.date.astimezone(zone).date() <= p.until]

    stories = sorted(within(chosen), key=lambda s: (s.meta.date, s.url))
    base = site.config.base_url
    kabupaten, kecamatan, level = _regions(site, stories)
    trend = [*(chosen.before(n) for n in range(TREND_PERIODS, 0, -1)), chosen]
    return Report(
        portal=site.config.title, base_url=base, timezone=site.config.timezone, period=chosen,
        generated=site.build_time, total=len(stories),
        factchecks=sum(s.meta.factcheck is not None for s in stories),
        kabupaten=kabupaten, kabupaten_level=level, kecamatan=kecamatan,
        silent=tuple(row for row in kecamatan if row.count == 0),
        operators=_operators(site, stories),
        categories=tuple(Row(id=c.id, name=c.name, url=urls.absolute(base, urls.category(c.id)),
                             count=sum(s.meta.category == c.id for s in stories))
                         for c in site.categories.values()),
        tags=_top_tags(site, stories),
        items=tuple(_item(site, s) for s in stories),
        trend=tuple(TrendPoint(label=p.label, since=p.since, until=p.until,
                               count=len(within(p)), current=p is chosen) for p in trend))


def _regions(site: Site, stories: list[Story]) -> tuple[tuple[Row, ...], tuple[Row, ...], int]:
    counts: Counter[str] = Counter()
    for story in stories:
        counts.update(site.regions[story.meta.region].lineage[:2])
    base = site.config.base_url
    tops = [r for r in site.regions.values() if r.parent is None]
    kabupaten = tuple(Row(id=r.id, name=r.name, count=counts[r.id],
                          url=urls.absolute(base, r.url)) for r in tops)
    kecamatan = tuple(Row(id=c.id, name=c.name, count=counts[c.id], parent=r.name,
                          url=urls.absolute(base, c.url))
                      for r in tops for c in (site.regions[i] for i in r.children))
    level = sum(len(site.regions[s.meta.region].lineage) == 1 for s in stories)
    return kabupaten, kecamatan, level


def _operators(site: Site, stories: list[Story]) -> tuple[OperatorRow, ...]:
    rows = []
    for op in site.operators.values():
        region = site.regions.get(op.region)
        rows.append(OperatorRow(
            id=op.id, name=op.name, role=op.role, region=region.name if region else op.region,
            written=sum(s.meta.author == op.id for s in stories),
            contributed=sum(s.meta.author != op.id and s.history is not None
                            and op.id in s.history.contributors for s in stories),
            approved=sum(s.meta.approved_by == op.id for s in stories)))
    return tuple(rows)


def _top_tags(site: Site, stories: Iterable[Story]) -> tuple[tuple[str, int], ...]:
    counts: Counter[str] = Counter()
    for story in stories:
        counts.update({urls.slugify(name) for name in story.meta.tags})
    names = {slug: tag.name for slug, tag in site.tags.items()}
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], names.get(kv[0], kv[0])))
    return tuple((names.get(slug, slug), n) for slug, n in ranked[:TOP_TAGS])


def _item(site: Site, story: Story) -> Item:
    meta = story.meta
    lineage = [site.regions[r].name for r in site.regions[meta.region].lineage]
    operators = site.operators
    author = operators[meta.author].name if meta.author in operators else meta.author
    contributors = tuple(operators[c].name if c in operators else c
                         for c in (story.history.contributors if story.history else ()))
    approver = operators[meta.approved_by].name if meta.approved_by in operators else ""
    return Item(date=meta.date, title=meta.title, url=urls.absolute(site.config.base_url,
                                                                     story.url),
                kind="cek fakta" if meta.factcheck else "berita",
                label=f"[{meta.factcheck.info.label}]" if meta.factcheck else "",
                kabupaten=lineage[0], kecamatan=lineage[1] if len(lineage) > 1 else "",
                desa=lineage[2] if len(lineage) > 2 else "", operator=author,
                category=site.categories[meta.category].name, tags=meta.tags,
                contributors=contributors, approved_by=approver,
                first_commit=story.history.first if story.history else None)
