"""Dates written the way readers expect (Babel/CLDR): "Sabtu, 8 September 2018", "09.30 WIB"."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from babel.dates import format_date, format_time

# Indonesia's three zones by UTC offset in hours; other offsets print as "UTC+5".
_ZONE_LABELS = {7: "WIB", 8: "WITA", 9: "WIT"}
_PATTERNS = {"full": "EEEE, d MMMM y", "long": "d MMMM y", "short": "dd/MM/yy"}


class DateFormatter:
    """Formats aware datetimes in the site's zone and language."""

    def __init__(self, language: str, zone: tzinfo) -> None:
        self.locale = "id_ID" if language == "id" else "en_GB"
        self.zone = zone
        # A story's date is printed on its page and on every list it appears in; Babel
        # is slow, and equal aware datetimes are the same instant, so the same text.
        self._memo: dict[tuple[str, datetime], str] = {}
        # The date patterns read only the day: 100,000 stories fall on about 2,000 days,
        # so Babel formats each day once (it was 3 % of the page stage at 100k).
        self._days: dict[tuple[str, date], str] = {}
        self._minutes: dict[tuple[int, int, timedelta | None], str] = {}

    def local(self, value: datetime) -> datetime:
        return value.astimezone(self.zone)

    def date(self, value: datetime, style: str = "long") -> str:
        text = self._memo.get((style, value))
        if text is None:
            day = self.local(value).date()
            text = self._days.get((style, day))
            if text is None:
                text = self._days[(style, day)] = format_date(day, _PATTERNS[style],
                                                              locale=self.locale)
            self._memo[(style, value)] = text
        return text

    def time(self, value: datetime) -> str:
        text = self._memo.get(("time", value))
        if text is None:
            local = self.local(value)
            # The pattern reads the hour and minute, the label the offset: Babel formats
            # each local minute once, not every story's time (2.6 % of the page stage).
            minute = (local.hour, local.minute, local.utcoffset())
            text = self._minutes.get(minute)
            if text is None:
                pattern = "HH.mm" if self.locale.startswith("id") else "HH:mm"
                text = self._minutes[minute] = (f"{format_time(local, pattern, locale=self.locale)}"
                                                f" {zone_label(local)}")
            self._memo[("time", value)] = text
        return text

    def month(self, year: int, month: int) -> str:
        """'September 2018'."""
        return format_date(date(year, month, 1), "LLLL y", locale=self.locale)

    def iso(self, value: datetime) -> str:
        text = self._memo.get(("iso", value))
        if text is None:
            text = self._memo[("iso", value)] = self.local(value).isoformat(timespec="seconds")
        return text


def zone_label(value: datetime) -> str:
    """WIB/WITA/WIT for Indonesian offsets, else UTC±H."""
    offset = value.utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    return _ZONE_LABELS.get(hours, f"UTC{hours:+d}")
