"""Business-hours arithmetic for SLA targets: pure functions over a calendar in its own time zone.

Targets count only open hours (per weekday, minus holidays), measured as real elapsed time, so a
day on which the clocks change is still as long as the clock on the wall says."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_DAYS = 3660  # a target never reaches further than ten years of calendar days


@dataclass(frozen=True)
class Calendar:
    tz: str  # an IANA zone name, e.g. "Europe/Berlin"
    hours: dict[int, tuple[time, time]]  # weekday (0 = Monday) -> (opens, closes); absent = closed
    holidays: frozenset[date] = field(default_factory=frozenset)

    def open_span(self, day: date) -> tuple[datetime, datetime] | None:
        """That day's open hours as UTC instants, or None when closed."""
        span = None if day in self.holidays else self.hours.get(day.weekday())
        if span is None or span[0] >= span[1]:
            return None
        zone = ZoneInfo(self.tz)
        return (datetime.combine(day, span[0], zone).astimezone(UTC),
                datetime.combine(day, span[1], zone).astimezone(UTC))


WEEKDAYS_9_TO_5 = {d: (time(9), time(17)) for d in range(5)}


def add_business_minutes(start: datetime, minutes: int, calendar: Calendar) -> datetime:
    """The moment (UTC) when `minutes` of open time have passed since `start` (timezone-aware)."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    cursor = start.astimezone(UTC)
    remaining = timedelta(minutes=max(minutes, 0))
    day = start.astimezone(ZoneInfo(calendar.tz)).date()
    for _ in range(MAX_DAYS):
        span = calendar.open_span(day)
        if span is not None:
            begin = max(span[0], cursor)
            if begin <= span[1]:
                if remaining <= span[1] - begin:
                    return begin + remaining
                remaining -= span[1] - begin
        day += timedelta(days=1)
    raise ValueError("the calendar has no open hours within ten years")


def business_minutes_between(start: datetime, end: datetime, calendar: Calendar) -> int:
    """Open minutes elapsed from `start` to `end` (for pausing a target while a ticket waits)."""
    if end <= start:
        return 0
    total, day = timedelta(0), start.astimezone(ZoneInfo(calendar.tz)).date()
    last = end.astimezone(ZoneInfo(calendar.tz)).date()
    while day <= last:
        span = calendar.open_span(day)
        if span is not None:
            lo, hi = max(span[0], start.astimezone(UTC)), min(span[1], end.astimezone(UTC))
            total += max(hi - lo, timedelta(0))
        day += timedelta(days=1)
    return int(total.total_seconds() // 60)
