from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.services.listing import Count
from app.web.formatting import age, count_label

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_it_names_an_age_in_its_largest_whole_unit() -> None:
    assert age(NOW - timedelta(seconds=20), NOW) == "now"
    assert age(NOW - timedelta(minutes=59), NOW) == "59m"
    assert age(NOW - timedelta(hours=3, minutes=50), NOW) == "3h"
    assert age(NOW - timedelta(days=13), NOW) == "1w"
    assert age(NOW - timedelta(days=400), NOW) == "1y"
    assert age(NOW + timedelta(minutes=5), NOW) == "now"  # a clock a little ahead is not negative
    assert age(None, NOW) == "—"


def test_it_shows_exact_counts_as_they_are_and_marks_estimates() -> None:
    assert count_label(Count(9_999, exact=True)) == "9,999"
    assert count_label(Count(0, exact=True)) == "0"
    assert count_label(Count(251_400, exact=False)) == "~251k"
    assert count_label(Count(1_000_000, exact=False)) == "~1M"
    assert count_label(Count(1_260_000, exact=False)) == "~1.3M"
    assert count_label(Count(999_600, exact=False)) == "~1M"  # rounds up into millions, not "~1,000k"
    assert count_label(Count(400, exact=False)) == "~400"  # a small estimate is not "~0k"
