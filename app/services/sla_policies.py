"""The SLA policy editor (sla:manage): first-response and resolution targets by priority and customer
tier, and the business calendar they count in (time zone, weekly hours, holidays); changes apply to new
tickets and, when asked, to the open ones (measured from their creation)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from zoneinfo import available_timezones

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import Customer, SlaCalendar, SlaPolicy, Ticket
from app.models.base import utcnow
from app.models.customer import TIERS
from app.models.ticket import OPEN_STATUSES, PRIORITIES
from app.services import audit, sla
from app.services.actor import Actor
from app.services.errors import Invalid
from app.services.uow import transaction

MAX_MINUTES = 366 * 24 * 60
Targets = dict[tuple[str, str], tuple[int, int]]


def list_policies(session: Session, actor: Actor) -> Targets:
    actor.require("sla:manage")
    return {(p.priority, p.tier): (p.first_response_minutes, p.resolution_minutes)
            for p in session.scalars(select(SlaPolicy))}


def _check(raw: Mapping[tuple[str, str], tuple[object, object]]) -> Targets:
    clean: Targets = {}
    errors: dict[str, list[str]] = {}
    for (priority, tier), (first, resolution) in raw.items():
        if priority not in PRIORITIES or tier not in TIERS:
            raise Invalid("Unknown priority or tier.", {"targets": [f"{priority}/{tier}"]})
        try:
            pair = (int(str(first)), int(str(resolution)))
        except ValueError:
            pair = (0, 0)
        if not all(0 < m <= MAX_MINUTES for m in pair) or pair[0] > pair[1]:
            errors[f"{priority}-{tier}"] = [f"{priority}, {tier}: whole minutes from 1 to {MAX_MINUTES:,}, "
                                            "first response no later than resolution."]
        clean[(priority, tier)] = pair
    if errors:
        raise Invalid("Check the targets.", errors)
    return clean


def save_targets(session: Session, actor: Actor, raw: Mapping[tuple[str, str], tuple[object, object]],
                 apply_open: bool = False) -> int:
    """Store the targets; with `apply_open`, re-time the open tickets they cover. Returns tickets re-timed."""
    actor.require("sla:manage")
    new = _check(raw)
    old = list_policies(session, actor)
    changed = {k: v for k, v in new.items() if old.get(k) != v}
    retimed = 0
    with transaction(session):
        for (priority, tier), (first, resolution) in changed.items():
            policy = session.get(SlaPolicy, (priority, tier)) or SlaPolicy(priority=priority, tier=tier)
            policy.first_response_minutes, policy.resolution_minutes = first, resolution
            session.add(policy)
        if changed:
            audit.record(session, actor, "sla.updated", "sla", "policies",
                         {f"{p}/{t}": [list(old.get((p, t), ())) or None, list(v)] for (p, t), v in changed.items()}
                         | {"applied_to_open": apply_open})
        for (priority, tier), (first, resolution) in changed.items() if apply_open else ():
            retimed += _retime(session, priority, tier, first, resolution)
    return retimed


def _retime(session: Session, priority: str, tier: str, first: int, resolution: int) -> int:
    """New due times for the open tickets of one priority and tier, counted in the business calendar (the
    resolution target later by the time each spent pending); a breach the new target undoes is cleared."""
    cal, now = sla.calendar(session), utcnow()
    rows = session.execute(
        select(Ticket.id, Ticket.created_at, Ticket.paused_minutes, Ticket.sla_breached_at)
        .join(Customer, Customer.id == Ticket.customer_id)
        .where(Ticket.status.in_(OPEN_STATUSES), Ticket.priority == priority, Customer.subscription_tier == tier)
    ).all()
    values = []
    for tid, created, paused, breached in rows:
        res_due = sla.add_minutes(created, resolution + paused, cal)
        values.append({"tid": tid, "first_due": sla.add_minutes(created, first, cal), "res_due": res_due,
                       "breached": None if res_due > now else breached})
    if values:
        session.execute(text("UPDATE support_tickets SET first_response_due_at = :first_due, "
                             "resolution_due_at = :res_due, sla_breached_at = :breached WHERE id = :tid"), values)
    return len(values)


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_HOLIDAYS = 400
TZ_MAX = 64


@dataclass(frozen=True)
class CalendarForm:
    """The business calendar as the editor shows it: times as "HH:MM", holidays as ISO dates."""

    enabled: bool = False
    tz: str = "UTC"
    hours: dict[int, tuple[str, str]] = field(default_factory=dict)  # weekday -> (opens, closes)
    holidays: tuple[str, ...] = ()


def get_calendar(session: Session, actor: Actor) -> CalendarForm:
    actor.require("sla:manage")
    row = session.get(SlaCalendar, sla.CALENDAR_ID)
    if row is None:
        return CalendarForm(hours=dict.fromkeys(range(5), ("09:00", "17:00")))
    return CalendarForm(row.enabled, row.tz, {int(d): (v[0], v[1]) for d, v in row.hours.items()},
                        tuple(row.holidays))


def _clock(raw: str) -> time | None:
    """A wall-clock time of the calendar's own zone; one with its own offset ("09:00+01:00") is refused."""
    try:
        moment = time.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        return None
    return moment if moment is None or moment.tzinfo is None else None


def _check_calendar(form: CalendarForm) -> CalendarForm:
    errors: dict[str, list[str]] = {}
    tz = form.tz.strip()
    if len(tz) > TZ_MAX or tz not in available_timezones():  # a folder such as "America" is no zone
        errors["tz"] = ["A time zone name such as Europe/Berlin or America/New_York."]
    hours: dict[int, tuple[str, str]] = {}
    for day, (opens_raw, closes_raw) in sorted(form.hours.items()):
        if day not in range(7):
            raise Invalid("Unknown weekday.", {"hours": [str(day)]})
        if not opens_raw.strip() and not closes_raw.strip():
            continue  # closed that day
        opens, closes = _clock(opens_raw), _clock(closes_raw)
        if opens is None or closes is None or opens >= closes:
            errors[f"hours-{day}"] = [f"{WEEKDAYS[day]}: opening and closing times (HH:MM), opening first; "
                                      "leave both empty when closed."]
            continue
        hours[day] = (opens.strftime("%H:%M"), closes.strftime("%H:%M"))
    if form.enabled and not hours and not any(k.startswith("hours-") for k in errors):
        errors["hours"] = ["Business hours need at least one open day."]
    holidays: set[str] = set()
    for raw in form.holidays:
        try:
            holidays.add(date.fromisoformat(raw.strip()).isoformat())
        except ValueError:
            errors.setdefault("holidays", []).append(f"“{raw.strip()[:20]}” is not a date (YYYY-MM-DD).")
    if len(holidays) > MAX_HOLIDAYS:
        errors.setdefault("holidays", []).append(f"At most {MAX_HOLIDAYS} holidays.")
    if errors:
        raise Invalid("Check the business calendar.", errors)
    return CalendarForm(form.enabled, tz, hours, tuple(sorted(holidays)))


def save_calendar(session: Session, actor: Actor, form: CalendarForm, apply_open: bool = False) -> int:
    """Store the business calendar the targets count in (new tickets and priority changes use it); with
    `apply_open`, re-time every open ticket by it. Returns tickets re-timed."""
    actor.require("sla:manage")
    clean = _check_calendar(form)
    old = get_calendar(session, actor)
    hours, holidays = {str(d): list(v) for d, v in clean.hours.items()}, list(clean.holidays)
    stored = session.get(SlaCalendar, sla.CALENDAR_ID)
    before = ({"enabled": old.enabled, "tz": old.tz, "hours": {str(d): list(v) for d, v in old.hours.items()},
               "holidays": list(old.holidays)} if stored is not None else {})
    changes = audit.diff(before, {"enabled": clean.enabled, "tz": clean.tz, "hours": hours, "holidays": holidays})
    retimed = 0
    with transaction(session):
        if changes:
            row = stored or SlaCalendar(id=sla.CALENDAR_ID)
            row.enabled, row.tz, row.hours, row.holidays = clean.enabled, clean.tz, hours, holidays
            session.add(row)
            session.flush()
            audit.record(session, actor, "sla.calendar_updated", "sla", "calendar",
                         changes | {"applied_to_open": apply_open})
        if apply_open:
            for (priority, tier), (first, resolution) in list_policies(session, actor).items():
                retimed += _retime(session, priority, tier, first, resolution)
    return retimed
