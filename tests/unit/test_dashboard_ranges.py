from __future__ import annotations

from datetime import date

import pytest

from app.services.dashboard import DateRange, parse_range, parse_refresh

TODAY = date(2026, 5, 20)


@pytest.mark.parametrize(("key", "start"), [("today", date(2026, 5, 20)), ("7d", date(2026, 5, 14)),
                                            ("30d", date(2026, 4, 21)), ("quarter", date(2026, 4, 1))])
def test_it_understands_the_presets(key: str, start: date) -> None:
    rng = parse_range({"range": key}, TODAY)
    assert (rng.key, rng.start, rng.end, rng.note) == (key, start, TODAY, None)


def test_it_defaults_to_the_last_30_days_without_a_note() -> None:
    assert parse_range({}, TODAY) == DateRange("30d", date(2026, 4, 21), TODAY)


def test_it_takes_a_custom_range() -> None:
    rng = parse_range({"range": "custom", "from": "2026-01-01", "to": "2026-01-31"}, TODAY)
    assert (rng.start, rng.end, rng.days, rng.note) == (date(2026, 1, 1), date(2026, 1, 31), 31, None)


@pytest.mark.parametrize("args", [
    {"range": "custom", "from": "2026-02-01", "to": "2026-01-01"},
    {"range": "custom", "from": "2026-02-30", "to": "2026-03-01"},
    {"range": "custom", "from": "", "to": ""},
    {"range": "custom", "from": "2020-01-01", "to": "2026-01-01"},
    {"range": "<script>"},
])
def test_a_bad_range_falls_back_to_30_days_with_a_note(args: dict) -> None:
    rng = parse_range(args, TODAY)
    assert (rng.key, rng.start, rng.end) == ("30d", date(2026, 4, 21), TODAY) and rng.note


def test_the_previous_period_has_the_same_length() -> None:
    prev = DateRange("7d", date(2026, 5, 14), TODAY).previous()
    assert (prev.start, prev.end) == (date(2026, 5, 7), date(2026, 5, 13))


@pytest.mark.parametrize(("value", "seconds"), [(None, 30), ("0", 0), ("2", 2), ("1", 30), ("x", 30), ("9999", 30)])
def test_it_parses_the_refresh_interval(value: str | None, seconds: int) -> None:
    assert parse_refresh(value, 30) == seconds
