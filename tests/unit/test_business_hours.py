"""Business-hours SLA arithmetic: Friday 17:00 + 8 business hours is Monday 17:00, across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from app.services.business_hours import (
    WEEKDAYS_9_TO_5,
    Calendar,
    add_business_minutes,
    business_minutes_between,
)

BERLIN = Calendar("Europe/Berlin", WEEKDAYS_9_TO_5)
NEW_YORK = Calendar("America/New_York", WEEKDAYS_9_TO_5)


def _local(cal: Calendar, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(cal.tz))  # type: ignore[misc]


@pytest.mark.parametrize(("cal", "friday", "monday"), [
    (BERLIN, (2026, 1, 9), (2026, 1, 12)),  # no change: winter time throughout
    (BERLIN, (2026, 3, 27), (2026, 3, 30)),  # clocks forward on Sunday 29 March
    (BERLIN, (2026, 10, 23), (2026, 10, 26)),  # clocks back on Sunday 25 October
    (NEW_YORK, (2026, 3, 6), (2026, 3, 9)),  # clocks forward on Sunday 8 March
    (NEW_YORK, (2026, 10, 30), (2026, 11, 2)),  # clocks back on Sunday 1 November
])
def test_friday_17_plus_8_business_hours_is_monday_17_local(cal: Calendar, friday: tuple[int, int, int],
                                                           monday: tuple[int, int, int]) -> None:
    due = add_business_minutes(_local(cal, *friday, 17, 0), 8 * 60, cal)
    assert due.astimezone(ZoneInfo(cal.tz)) == _local(cal, *monday, 17, 0)
    assert due.tzinfo is UTC


def test_across_the_spring_change_the_utc_instant_moves_by_the_offset() -> None:
    due = add_business_minutes(_local(BERLIN, 2026, 3, 27, 17, 0), 8 * 60, BERLIN)
    assert due == datetime(2026, 3, 30, 15, 0, tzinfo=UTC)  # CEST, +2: a plain 72 h would say 16:00 UTC


def test_it_starts_counting_at_the_next_opening_and_splits_across_days() -> None:
    assert add_business_minutes(_local(BERLIN, 2026, 1, 7, 7, 30), 60, BERLIN) == \
        _local(BERLIN, 2026, 1, 7, 10, 0).astimezone(UTC)
    assert add_business_minutes(_local(BERLIN, 2026, 1, 7, 16, 0), 120, BERLIN) == \
        _local(BERLIN, 2026, 1, 8, 10, 0).astimezone(UTC)
    assert add_business_minutes(_local(BERLIN, 2026, 1, 10, 12, 0), 30, BERLIN) == \
        _local(BERLIN, 2026, 1, 12, 9, 30).astimezone(UTC)  # a Saturday


def test_holidays_are_skipped() -> None:
    cal = Calendar("Europe/Berlin", WEEKDAYS_9_TO_5, frozenset({date(2026, 4, 3), date(2026, 4, 6)}))
    due = add_business_minutes(_local(cal, 2026, 4, 2, 17, 0), 8 * 60, cal)  # Good Friday, Easter Monday off
    assert due == _local(cal, 2026, 4, 7, 17, 0).astimezone(UTC)


def test_elapsed_business_minutes_for_pauses() -> None:
    assert business_minutes_between(_local(BERLIN, 2026, 3, 27, 16, 0), _local(BERLIN, 2026, 3, 30, 10, 0),
                                    BERLIN) == 120
    assert business_minutes_between(_local(BERLIN, 2026, 1, 7, 12, 0), _local(BERLIN, 2026, 1, 7, 11, 0),
                                    BERLIN) == 0


def test_a_calendar_without_open_hours_is_refused() -> None:
    with pytest.raises(ValueError):
        add_business_minutes(datetime(2026, 1, 1, tzinfo=UTC), 60, Calendar("UTC", {}))
    with pytest.raises(ValueError):
        add_business_minutes(datetime(2026, 1, 1), 60, BERLIN)  # noqa: DTZ001 - naive on purpose
    assert Calendar("UTC", {0: (time(17), time(9))}).open_span(date(2026, 1, 5)) is None
