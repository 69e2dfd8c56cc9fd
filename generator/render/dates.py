"""Dates written the way readers expect (Babel/CLDR): "Sabtu, 8 September 2018", "09.30 WIB"."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

from babel.dates import format_date, format_time

# Indonesia's three zones by UTC offset in hours; other offsets print as "UTC+5".
_ZONE_LABELS = {7: "WIB", 8: "WITA", 9: "WIT"}
_PATTERNS = {"full": "EEEE, d MMMM y", "long": "d MMMM y", "short": "dd/MM/yy"}


class DateFormatter:
    """Formats aware datetimes in the site's zone and language."""

    def __init__(self, language: str, zone: tzinfo) -> None:
        self.locale = "id_ID" if language == "id" else "en_GB"
        self.zone = zone

    def local(self, value: datetime) -> datetime:
        return value.astimezone(self.zone)

    def date(self, value: datetime, style: str = "long") -> str:
        return format_date(self.local(value), _PATTERNS[style], locale=self.locale)

    def time(self, value: datetime) -> str:
        local = self.local(value)
        pattern = "HH.mm" if self.locale.startswith("id") else "HH:mm"
        return f"{format_time(local, pattern, locale=self.locale)} {zone_label(local)}"

    def month(self, year: int, month: int) -> str:
        """'September 2018'."""
        return format_date(date(year, month, 1), "LLLL y", locale=self.locale)

    def iso(self, value: datetime) -> str:
        return self.local(value).isoformat(timespec="seconds")


def zone_label(value: datetime) -> str:
    """WIB/WITA/WIT for Indonesian offsets, else UTC±H."""
    offset = value.utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    return _ZONE_LABELS.get(hours, f"UTC{hours:+d}")
