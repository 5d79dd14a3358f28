"""The SLA policy editor and the first-response breach: targets, re-timing open tickets, marks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditRecord, OutboxEvent
from app.models.base import utcnow
from app.services import sla, sla_policies
from app.services.actor import Actor
from app.services.errors import Invalid, PermissionDenied
from tests.factories import make_customer, make_ticket

LEAD = Actor(None, "lead", frozenset({"sla:manage"}))


def test_saving_targets_applies_to_new_and_on_request_to_open_tickets(db_session: Session) -> None:
    customer = make_customer(db_session, subscription_tier="starter")
    created = utcnow() - timedelta(hours=1)
    open_ = make_ticket(db_session, customer_id=customer.id, priority="high", created_at=created)
    solved = make_ticket(db_session, customer_id=customer.id, priority="high", status="solved", created_at=created)
    assert sla_policies.save_targets(db_session, LEAD, {("high", "starter"): (30, 600)}) == 0
    assert sla.due_times(db_session, "high", "starter", created) == (created + timedelta(minutes=30),
                                                                      created + timedelta(minutes=600))
    assert sla_policies.save_targets(db_session, LEAD, {("high", "starter"): (20, 120)}, apply_open=True) == 1
    db_session.refresh(open_)
    db_session.refresh(solved)
    assert open_.resolution_due_at == created + timedelta(minutes=120)
    assert open_.first_response_due_at == created + timedelta(minutes=20)
    assert solved.resolution_due_at != created + timedelta(minutes=120)
    recs = db_session.scalars(select(AuditRecord).where(AuditRecord.action == "sla.updated")).all()
    assert len(recs) == 2 and recs[1].changes["high/starter"] == [[30, 600], [20, 120]]


@pytest.mark.parametrize("pair", [(0, 10), (10, 5), ("x", 10), (10, 10**9)])
def test_bad_targets_are_refused(db_session: Session, pair: tuple[object, object]) -> None:
    with pytest.raises(Invalid):
        sla_policies.save_targets(db_session, LEAD, {("low", "free"): pair})


def test_it_needs_sla_manage(db_session: Session) -> None:
    with pytest.raises(PermissionDenied):
        sla_policies.save_targets(db_session, Actor(None, "agent", frozenset({"tickets:*"})), {})


def test_the_sweep_marks_first_response_breaches_once(db_session: Session) -> None:
    now = utcnow()
    late = make_ticket(db_session, first_response_due_at=now - timedelta(minutes=5),
                       resolution_due_at=now + timedelta(hours=5))
    answered = make_ticket(db_session, first_response_due_at=now - timedelta(minutes=5),
                           first_response_at=now - timedelta(minutes=10), resolution_due_at=now + timedelta(hours=5))
    assert sla.mark_breaches(db_session, now) == 1
    assert sla.mark_breaches(db_session, now) == 0
    db_session.refresh(late)
    db_session.refresh(answered)
    assert late.first_response_breached_at == now and late.sla_breached_at is None
    assert answered.first_response_breached_at is None
    evts = db_session.scalars(select(OutboxEvent).where(OutboxEvent.type == "ticket.first_response_breached")).all()
    assert [e.aggregate_id for e in evts] == [str(late.id)]
