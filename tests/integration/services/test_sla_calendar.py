"""SLA targets in business hours: the calendar on create, priority change (single and bulk), the editor's
rules, and the resolution clock stopped while a ticket is pending."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditRecord, Ticket
from app.services import sla, sla_policies, tickets, tickets_bulk
from app.services.actor import Actor
from app.services.errors import Invalid, PermissionDenied
from app.services.sla_policies import CalendarForm
from tests.factories import make_customer

LEAD = Actor(None, "lead", frozenset({"sla:manage"}))
AGENT = Actor(None, "agent", frozenset({"tickets:*", "customers:read"}))
BERLIN = ZoneInfo("Europe/Berlin")
NINE_TO_FIVE = dict.fromkeys(range(5), ("09:00", "17:00"))
EIGHT_HOURS = 8 * 60


def _berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def _setup(db_session: Session, holidays: tuple[str, ...] = ()) -> object:
    sla_policies.save_targets(db_session, LEAD, {("high", "starter"): (60, EIGHT_HOURS),
                                                 ("urgent", "starter"): (30, 2 * 60)})
    sla_policies.save_calendar(db_session, LEAD, CalendarForm(True, "Europe/Berlin", NINE_TO_FIVE, holidays))
    return make_customer(db_session, subscription_tier="starter").id


def _create(db_session: Session, customer_id: object, at: datetime, priority: str = "high") -> Ticket:
    with time_machine.travel(at, tick=False):
        return tickets.create_ticket(db_session, AGENT, customer_id, "Printer offline", priority=priority)


def test_friday_five_pm_plus_eight_business_hours_is_monday_five_pm(db_session: Session) -> None:
    ticket = _create(db_session, _setup(db_session), _berlin(2026, 11, 6, 17))  # a Friday
    assert ticket.resolution_due_at == _berlin(2026, 11, 9, 17)
    assert ticket.first_response_due_at == _berlin(2026, 11, 9, 10)


def test_across_the_change_from_summer_time(db_session: Session) -> None:
    # Berlin leaves summer time on Sunday 25 October 2026: Friday 17:00 is 15:00 UTC, Monday 17:00 is 16:00 UTC.
    ticket = _create(db_session, _setup(db_session), _berlin(2026, 10, 23, 17))
    assert ticket.resolution_due_at == datetime(2026, 10, 26, 16, tzinfo=UTC) == _berlin(2026, 10, 26, 17)


def test_a_holiday_is_skipped(db_session: Session) -> None:
    ticket = _create(db_session, _setup(db_session, ("2026-11-09",)), _berlin(2026, 11, 6, 17))
    assert ticket.resolution_due_at == _berlin(2026, 11, 10, 17)


def test_without_the_calendar_targets_run_round_the_clock(db_session: Session) -> None:
    customer_id = _setup(db_session)
    sla_policies.save_calendar(db_session, LEAD, CalendarForm(False, "Europe/Berlin", NINE_TO_FIVE))
    ticket = _create(db_session, customer_id, _berlin(2026, 11, 6, 17))
    assert ticket.resolution_due_at == _berlin(2026, 11, 7, 1)


def test_a_priority_change_single_and_bulk_uses_the_calendar(db_session: Session) -> None:
    customer_id = _setup(db_session)
    one = _create(db_session, customer_id, _berlin(2026, 11, 6, 16))
    two = _create(db_session, customer_id, _berlin(2026, 11, 6, 16))
    with time_machine.travel(_berlin(2026, 11, 6, 16, 30), tick=False):
        tickets.update_ticket(db_session, AGENT, one.id, one.version, {"priority": "urgent"})
        tickets_bulk.bulk_update(db_session, AGENT, "priority", "urgent", ids=[str(two.id)])
    db_session.refresh(two)
    # 2 business hours from Friday 16:00: one hour on Friday, one on Monday.
    assert one.resolution_due_at == two.resolution_due_at == _berlin(2026, 11, 9, 10)


def test_pending_stops_the_resolution_clock(db_session: Session) -> None:
    customer_id = _setup(db_session)
    ticket = _create(db_session, customer_id, _berlin(2026, 11, 9, 9))  # Monday 09:00, due Monday 17:00
    assert ticket.resolution_due_at == _berlin(2026, 11, 9, 17)
    with time_machine.travel(_berlin(2026, 11, 9, 11), tick=False):
        tickets.update_ticket(db_session, AGENT, ticket.id, ticket.version, {"status": "pending"})
    assert ticket.pending_since == _berlin(2026, 11, 9, 11)
    # Past the resolution target while pending: the sweep marks only the (unpaused) first-response breach.
    sla.mark_breaches(db_session, _berlin(2026, 11, 9, 18))
    db_session.refresh(ticket)
    assert ticket.sla_breached_at is None and ticket.first_response_breached_at is not None
    # Back on Tuesday 10:00: pending for 6 open hours on Monday and 1 on Tuesday, so 7 business hours later.
    with time_machine.travel(_berlin(2026, 11, 10, 10), tick=False):
        tickets.update_ticket(db_session, AGENT, ticket.id, ticket.version, {"status": "open"})
    assert ticket.pending_since is None and ticket.paused_minutes == 7 * 60
    assert ticket.resolution_due_at == _berlin(2026, 11, 10, 16)
    # A later priority change keeps the time spent pending.
    with time_machine.travel(_berlin(2026, 11, 10, 10, 5), tick=False):
        tickets.update_ticket(db_session, AGENT, ticket.id, ticket.version, {"priority": "urgent"})
    assert ticket.resolution_due_at == _berlin(2026, 11, 10, 10)  # 2 h + 7 h from Monday 09:00


def test_the_bulk_status_path_pauses_the_same_way(db_session: Session) -> None:
    customer_id = _setup(db_session)
    ticket = _create(db_session, customer_id, _berlin(2026, 11, 9, 9))
    with time_machine.travel(_berlin(2026, 11, 9, 11), tick=False):
        tickets_bulk.bulk_update(db_session, AGENT, "status", "pending", ids=[str(ticket.id)])
    with time_machine.travel(_berlin(2026, 11, 9, 13), tick=False):
        tickets_bulk.bulk_update(db_session, AGENT, "status", "open", ids=[str(ticket.id)])
    db_session.refresh(ticket)
    assert ticket.status == "open" and ticket.pending_since is None and ticket.paused_minutes == 120
    assert ticket.resolution_due_at == _berlin(2026, 11, 10, 11)


def test_the_calendar_is_audited_and_checked(db_session: Session) -> None:
    _setup(db_session)
    rec = db_session.scalars(select(AuditRecord).where(AuditRecord.action == "sla.calendar_updated")).one()
    assert rec.target_type == "sla" and rec.changes["tz"] == [None, "Europe/Berlin"]
    assert sla_policies.get_calendar(db_session, LEAD).hours[4] == ("09:00", "17:00")
    with pytest.raises(Invalid) as exc:
        sla_policies.save_calendar(db_session, LEAD, CalendarForm(True, "Mars/Olympus", {0: ("17:00", "09:00")},
                                                                  ("2026-13-01",)))
    assert set(exc.value.details) == {"tz", "hours-0", "holidays"}
    with pytest.raises(Invalid):
        sla_policies.save_calendar(db_session, LEAD, CalendarForm(True, "UTC", {}))
    with pytest.raises(Invalid) as folder:
        sla_policies.save_calendar(db_session, LEAD, CalendarForm(True, "America", NINE_TO_FIVE))
    assert set(folder.value.details) == {"tz"}
    with pytest.raises(PermissionDenied):
        sla_policies.save_calendar(db_session, AGENT, CalendarForm())


def test_re_timing_open_tickets_by_the_calendar(db_session: Session) -> None:
    customer_id = _setup(db_session)
    sla_policies.save_calendar(db_session, LEAD, CalendarForm(False, "Europe/Berlin", NINE_TO_FIVE))
    ticket = _create(db_session, customer_id, _berlin(2026, 11, 6, 17))
    assert ticket.resolution_due_at == _berlin(2026, 11, 7, 1)
    assert sla_policies.save_calendar(db_session, LEAD, CalendarForm(True, "Europe/Berlin", NINE_TO_FIVE),
                                      apply_open=True) >= 1
    db_session.refresh(ticket)
    assert ticket.resolution_due_at == _berlin(2026, 11, 9, 17)
