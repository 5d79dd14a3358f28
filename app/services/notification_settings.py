"""A user's notification settings: delivery per kind, time zone, quiet hours, urgent exceptions.

Stored in `users.preferences`; everything here is pure (no database), so the rules are easy to test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from app.models import User
from app.services.errors import Invalid

# How an email for a kind travels: not at all, at once, or folded into the hourly / daily digest.
EMAIL_MODES: dict[str, str] = {"off": "No email", "now": "Email right away", "hourly": "Hourly digest",
                               "daily": "Daily digest"}
# What may break through quiet hours, when the user allows it.
URGENT: dict[str, str] = {"urgent_priority": "Tickets with urgent priority", "sla_breach": "SLA breaches",
                          "mention": "@mentions of me"}
DEFAULT_URGENT = ("urgent_priority", "sla_breach")
DEFAULT_TIME_ZONE = "UTC"
DEFAULT_DIGEST_HOUR = 8


@dataclass(frozen=True)
class Kind:
    label: str
    in_app: bool = True  # the defaults, until the user chooses
    email: str = "off"
    permission: str | None = None  # only people who hold it are offered the setting
    dedupe: bool = False  # repeated notifications about one thing fold into one


# The event kinds a user may tune on /notifications. Others notify in-app only.
KINDS: dict[str, Kind] = {
    "user.locked": Kind("An account was locked after failed sign-ins", True, "now", "users:update"),
    "user.role_changed": Kind("My role or permissions changed", True, "now"),
    "ticket.assigned": Kind("A ticket was assigned to me", True, "off"),
    "ticket.updated": Kind("Someone changed or noted on a ticket of mine", True, "hourly", dedupe=True),
    "ticket.mentioned": Kind("Someone @mentioned me in an internal note", True, "now"),
    "ticket.commented": Kind("A customer replied on my ticket", True, "off"),
    "ticket.sla_breached": Kind("A ticket of mine breached its SLA", True, "now"),
}


def kind_of(kind: str) -> Kind:
    return KINDS.get(kind, Kind(kind))


@dataclass(frozen=True)
class QuietHours:
    enabled: bool = False
    start: time = time(22, 0)
    end: time = time(7, 0)
    urgent: frozenset[str] = field(default_factory=lambda: frozenset(DEFAULT_URGENT))

    def covers(self, local: time) -> bool:
        if not self.enabled or self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # over midnight


@dataclass(frozen=True)
class Settings:
    time_zone: str = DEFAULT_TIME_ZONE
    quiet: QuietHours = field(default_factory=QuietHours)
    digest_hour: int = DEFAULT_DIGEST_HOUR

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@cache
def time_zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones() | {"UTC"}))


def email_mode(raw: object, default: str) -> str:
    """A stored choice; the older true/false spelling means right away / off."""
    if raw is True:
        return "now"
    if raw is False:
        return "off"
    return raw if isinstance(raw, str) and raw in EMAIL_MODES else default


def preference(user: User, kind: str) -> tuple[bool, str]:
    """(in-app, email mode) for this kind: the user's choice, else the kind's default."""
    default = kind_of(kind)
    chosen = (user.preferences or {}).get("notifications", {}).get(kind, {})
    return bool(chosen.get("in_app", default.in_app)), email_mode(chosen.get("email"), default.email)


def _time(raw: object, default: time) -> time:
    try:
        return time.fromisoformat(str(raw))
    except ValueError:
        return default


def settings_of(user: User) -> Settings:
    prefs = user.preferences or {}
    raw = prefs.get("quiet_hours") or {}
    zone = prefs.get("time_zone")
    hour = prefs.get("digest_hour")
    return Settings(
        time_zone=zone if isinstance(zone, str) and zone in time_zones() else DEFAULT_TIME_ZONE,
        quiet=QuietHours(bool(raw.get("enabled")), _time(raw.get("start"), QuietHours.start),
                         _time(raw.get("end"), QuietHours.end),
                         frozenset(u for u in raw.get("urgent", DEFAULT_URGENT) if u in URGENT)),
        digest_hour=hour if isinstance(hour, int) and 0 <= hour <= 23 else DEFAULT_DIGEST_HOUR,
    )


def check_settings(raw: dict[str, Any]) -> dict[str, Any]:
    """The stored form of the settings a user submitted, or Invalid naming the field."""
    zone = str(raw.get("time_zone") or DEFAULT_TIME_ZONE)
    errors: dict[str, list[str]] = {}
    if zone not in time_zones():
        errors["time_zone"] = ["Choose a time zone from the list."]
    times = {}
    for name in ("quiet_start", "quiet_end"):
        try:
            times[name] = time.fromisoformat(str(raw.get(name) or "")).strftime("%H:%M")
        except ValueError:
            errors[name] = ["Give a time as HH:MM."]
    if raw.get("quiet_enabled") and times.get("quiet_start", "") == times.get("quiet_end"):
        errors["quiet_end"] = ["Quiet hours must end at another time than they start."]
    try:
        hour = int(raw.get("digest_hour", DEFAULT_DIGEST_HOUR))
        if not 0 <= hour <= 23:
            raise ValueError
    except (TypeError, ValueError):
        errors["digest_hour"] = ["Choose an hour between 0 and 23."]
        hour = DEFAULT_DIGEST_HOUR
    if errors:
        raise Invalid("Check the notification settings.", errors)
    return {"time_zone": zone, "digest_hour": hour,
            "quiet_hours": {"enabled": bool(raw.get("quiet_enabled")), "start": times["quiet_start"],
                            "end": times["quiet_end"],
                            "urgent": [u for u in URGENT if u in (raw.get("urgent") or ())]}}


def quiet_until(settings: Settings, at: datetime, urgency: tuple[str, ...] = ()) -> datetime | None:
    """When quiet hours that cover `at` end (UTC), or None when email may go now: outside quiet hours,
    or for an urgent notification the user lets through."""
    quiet = settings.quiet
    if quiet.urgent.intersection(urgency):
        return None
    local = at.astimezone(settings.zone)
    if not quiet.covers(local.time()):
        return None
    end = datetime.combine(local.date(), quiet.end, tzinfo=settings.zone)
    if end <= local:
        end = datetime.combine(local.date() + timedelta(days=1), quiet.end, tzinfo=settings.zone)
    return end.astimezone(UTC)


def digest_due(settings: Settings, mode: str, at: datetime) -> datetime:
    """The next hourly digest (the next full hour in the user's zone) or daily one (the digest hour)."""
    local = at.astimezone(settings.zone)
    if mode == "hourly":
        nxt = local.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    else:
        nxt = datetime.combine(local.date(), time(settings.digest_hour), tzinfo=settings.zone)
        if nxt <= local:
            nxt = datetime.combine(local.date() + timedelta(days=1), time(settings.digest_hour),
                                   tzinfo=settings.zone)
    return nxt.astimezone(UTC)

