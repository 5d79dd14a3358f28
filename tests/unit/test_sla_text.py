from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.services.sla import describe, is_breaching

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_it_says_due_in_hours_minutes_and_days() -> None:
    assert describe("open", NOW + timedelta(hours=2, minutes=10), None, NOW) == "due in 2 h"
    assert describe("pending", NOW + timedelta(minutes=20), None, NOW) == "due in 20 min"
    assert describe("pending", NOW - timedelta(minutes=20), None, NOW) == "paused while pending"
    assert describe("open", NOW + timedelta(days=3), None, NOW) == "due in 3 d"


def test_it_says_breached_ago() -> None:
    assert describe("open", NOW - timedelta(hours=3), None, NOW) == "breached 3 h ago"
    assert describe("on_hold", NOW - timedelta(hours=9), NOW - timedelta(hours=3), NOW) == "breached 3 h ago"
    assert is_breaching("open", NOW - timedelta(seconds=1), NOW)


def test_done_tickets_have_no_sla_text() -> None:
    assert describe("solved", NOW - timedelta(hours=3), None, NOW) == ""
    assert describe("open", None, None, NOW) == ""
    assert not is_breaching("closed", NOW - timedelta(hours=1), NOW)
