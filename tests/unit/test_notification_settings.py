"""Quiet hours and digest times in the user's zone, and reading the stored settings."""

from __future__ import annotations

from datetime import UTC, datetime, time
from types import SimpleNamespace
from typing import Any

import pytest

from app.services import notification_settings as ns
from app.services.errors import Invalid


def _settings(zone: str = "UTC", start: str = "22:00", end: str = "07:00", **extra: Any) -> ns.Settings:
    user = SimpleNamespace(preferences={"time_zone": zone, "quiet_hours": {"enabled": True, "start": start,
                                                                           "end": end, **extra}})
    return ns.settings_of(user)  # type: ignore[arg-type]


@pytest.mark.parametrize(("local", "quiet"), [(time(21, 59), False), (time(22, 0), True), (time(3, 0), True),
                                               (time(6, 59), True), (time(7, 0), False), (time(12, 0), False)])
def test_quiet_hours_over_midnight(local: time, quiet: bool) -> None:
    assert _settings().quiet.covers(local) is quiet


def test_quiet_hours_within_a_day_and_empty_ones() -> None:
    assert _settings(start="12:00", end="13:00").quiet.covers(time(12, 30))
    assert not _settings(start="12:00", end="13:00").quiet.covers(time(23, 0))
    assert not _settings(start="09:00", end="09:00").quiet.covers(time(9, 0))


def test_quiet_hours_end_in_the_users_zone_across_a_clock_change() -> None:
    # 02:00 in Berlin on the night summer time begins (29 March 2026): quiet until 07:00 CEST = 05:00 UTC.
    at = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert ns.quiet_until(_settings("Europe/Berlin"), at) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    assert ns.quiet_until(_settings("Europe/Berlin"), datetime(2026, 3, 29, 12, 0, tzinfo=UTC)) is None


def test_an_allowed_urgency_is_not_held_and_others_are() -> None:
    at = datetime(2026, 1, 1, 23, 0, tzinfo=UTC)
    settings = _settings(urgent=["sla_breach"])
    assert ns.quiet_until(settings, at, ("sla_breach",)) is None
    assert ns.quiet_until(settings, at, ("urgent_priority",)) is not None
    assert ns.quiet_until(settings, at) is not None


def test_digest_times() -> None:
    settings = _settings("Asia/Kolkata")  # UTC+05:30
    at = datetime(2026, 5, 1, 10, 10, tzinfo=UTC)  # 15:40 local
    assert ns.digest_due(settings, "hourly", at) == datetime(2026, 5, 1, 10, 30, tzinfo=UTC)
    assert ns.digest_due(settings, "daily", at) == datetime(2026, 5, 2, 2, 30, tzinfo=UTC)  # 08:00 local


def test_unknown_stored_values_fall_back_to_defaults() -> None:
    user = SimpleNamespace(preferences={"time_zone": "Mars/Olympus", "digest_hour": 99,
                                        "notifications": {"ticket.assigned": {"email": True},
                                                          "user.locked": {"email": "weekly"}}})
    settings = ns.settings_of(user)  # type: ignore[arg-type]
    assert (settings.time_zone, settings.digest_hour, settings.quiet.enabled) == ("UTC", 8, False)
    assert ns.preference(user, "ticket.assigned") == (True, "now")  # type: ignore[arg-type]
    assert ns.preference(user, "user.locked") == (True, "now")  # type: ignore[arg-type]


def test_submitted_settings_are_checked() -> None:
    with pytest.raises(Invalid) as err:
        ns.check_settings({"time_zone": "Nowhere", "quiet_start": "25:00", "quiet_end": "07:00", "digest_hour": "x"})
    assert set(err.value.details) == {"time_zone", "quiet_start", "digest_hour"}
    stored = ns.check_settings({"time_zone": "Europe/Paris", "quiet_enabled": True, "quiet_start": "21:30",
                                "quiet_end": "06:00", "digest_hour": "7", "urgent": ["mention", "bogus"]})
    assert stored == {"time_zone": "Europe/Paris", "digest_hour": 7,
                      "quiet_hours": {"enabled": True, "start": "21:30", "end": "06:00", "urgent": ["mention"]}}


def test_quiet_hours_that_start_when_they_end_are_refused_only_when_on() -> None:
    same = {"time_zone": "UTC", "quiet_start": "22:00", "quiet_end": "22:00", "digest_hour": "8"}
    with pytest.raises(Invalid) as err:
        ns.check_settings({**same, "quiet_enabled": True})
    assert err.value.details == {"quiet_end": ["Quiet hours must end at another time than they start."]}
    assert ns.check_settings(same)["quiet_hours"]["enabled"] is False  # off: kept as typed, nothing to refuse
