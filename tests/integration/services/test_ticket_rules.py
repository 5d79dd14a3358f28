"""The status and SLA rules of a ticket change hold alike for a single change and a bulk one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from app.models import Ticket
from app.services import tickets, tickets_bulk
from app.services.actor import Actor
from tests.factories import make_customer, make_ticket

ADMIN = Actor(None, "test", frozenset({"*"}))


def _single(session: Session, ticket: Ticket, change: dict[str, str]) -> None:
    tickets.update_ticket(session, ADMIN, ticket.id, ticket.version, change)


def _bulk(session: Session, ticket: Ticket, change: dict[str, str]) -> None:
    ((action, value),) = change.items()
    tickets_bulk.bulk_update(session, ADMIN, action, value, ids=[str(ticket.id)])


PATHS = pytest.mark.parametrize("change", [_single, _bulk], ids=["single", "bulk"])


@PATHS
def test_closing_a_solved_ticket_keeps_its_resolution_time(
    db_session: Session, change: Callable[[Session, Ticket, dict[str, str]], None]
) -> None:
    ticket = make_ticket(db_session)
    change(db_session, ticket, {"status": "solved"})
    db_session.refresh(ticket)
    solved_at = ticket.resolved_at
    assert solved_at is not None
    change(db_session, ticket, {"status": "closed"})
    db_session.refresh(ticket)
    assert ticket.status == "closed" and ticket.resolved_at == solved_at


@PATHS
def test_reopening_clears_the_resolution_and_solving_again_sets_a_new_one(
    db_session: Session, change: Callable[[Session, Ticket, dict[str, str]], None]
) -> None:
    ticket = make_ticket(db_session)
    change(db_session, ticket, {"status": "solved"})
    db_session.refresh(ticket)
    first = ticket.resolved_at
    change(db_session, ticket, {"status": "open"})
    db_session.refresh(ticket)
    assert ticket.resolved_at is None
    change(db_session, ticket, {"status": "closed"})
    db_session.refresh(ticket)
    assert ticket.resolved_at is not None and first is not None and ticket.resolved_at > first


def test_a_priority_change_sets_the_same_sla_targets_single_or_bulk(db_session: Session) -> None:
    customer = make_customer(db_session, subscription_tier="enterprise")
    one, other = (make_ticket(db_session, customer_id=customer.id) for _ in range(2))
    other.created_at = one.created_at  # the same clock start
    db_session.flush()
    medium_due = one.resolution_due_at
    _single(db_session, one, {"priority": "urgent"})
    _bulk(db_session, other, {"priority": "urgent"})
    db_session.refresh(one)
    db_session.refresh(other)
    targets = [(t.first_response_due_at, t.resolution_due_at, t.sla_breached_at) for t in (one, other)]
    assert targets[0] == targets[1]
    assert targets[0][1] is not None and targets[0][1] != medium_due  # recomputed for the new priority
