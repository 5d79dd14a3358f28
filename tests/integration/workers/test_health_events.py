"""A customer moves into "at risk" through events: each handler recomputes only that customer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import CustomerHealth, CustomerHealthHistory
from app.models.base import utcnow
from app.services import customers, health, sla, tickets, tickets_bulk
from app.services.actor import Actor
from tests.factories import make_customer, make_invoice, make_user


def _actor(session: Session) -> Actor:
    user = make_user(session, role_name="manager")
    return Actor(user.id, user.email, frozenset({"customers:*", "invoices:*", "tickets:*"}))


def _row(session: Session, customer_id: object) -> CustomerHealth:
    session.expire_all()
    row = session.get(CustomerHealth, customer_id)
    assert row is not None
    return row


def test_events_move_a_customer_into_at_risk(db_session: Session, run_jobs: Callable[[], int]) -> None:
    actor = _actor(db_session)
    bystander = make_customer(db_session)
    customer = customers.create_customer(db_session, actor, {
        "company_name": "Fading Corp", "contact_email": "ops@fading.example", "subscription_tier": "starter"})
    assert _row(db_session, customer.id).computed_at is None  # the trigger's row, not computed yet
    run_jobs()
    row = _row(db_session, customer.id)
    assert (row.score, row.band) == (100, "healthy") and row.computed_at is not None

    # Revenue falls: 1,000 a month half a year ago, one 200 invoice lately (paid now → invoice.paid).
    for days in (170, 140, 110):
        make_invoice(db_session, customer, amount=Decimal("1000.00"), issued_at=utcnow() - timedelta(days=days))
    late = make_invoice(db_session, customer, amount=Decimal("200.00"), status="open", paid_at=None,
                        issued_at=utcnow() - timedelta(days=10))
    customers.mark_invoice_paid(db_session, actor, late.id)
    run_jobs()
    row = _row(db_session, customer.id)
    # 200 in the last 90 days against 3,000 before: revenue 4; (4×30 + 100×25 + 100×25) / 80 = 64
    assert row.components["revenue"]["value"] == 4 and row.mrr == Decimal("200.00")
    assert (row.score, row.band) == (64, "watch")

    # Urgent tickets pile up and breach their targets.
    opened = [tickets.create_ticket(db_session, actor, customer.id, f"Outage {i}", priority="urgent")
              for i in range(4)]
    run_jobs()
    sla.mark_breaches(db_session, now=utcnow() + timedelta(days=30))
    run_jobs()
    row = _row(db_session, customer.id)
    # support (4 open, all urgent) 55, SLA (4 breaches) 20: (4×30 + 55×25 + 20×25) / 80 = 25
    assert (row.score, row.band) == (25, "at_risk"), row.components
    assert row.components["sla"]["value"] == 20 and "4 open" in row.components["support"]["why"]
    history = db_session.scalars(select(CustomerHealthHistory.band).where(
        CustomerHealthHistory.customer_id == customer.id).order_by(CustomerHealthHistory.id)).all()
    assert history[0] == "healthy" and "watch" in history and history[-1] == "at_risk"
    assert _row(db_session, bystander.id).computed_at is None  # nobody else was recomputed

    # Solving them in bulk recomputes the customer once, on ticket.bulk_updated.
    before = len(history)
    tickets_bulk.bulk_update(db_session, actor, "status", "solved", ids=[str(t.id) for t in opened])
    run_jobs()
    row = _row(db_session, customer.id)
    assert "0 open" in row.components["support"]["why"]
    assert db_session.query(CustomerHealthHistory).filter_by(customer_id=customer.id).count() == before + 1


def test_a_reopened_ticket_counts_against_support(db_session: Session, run_jobs: Callable[[], int]) -> None:
    actor = _actor(db_session)
    customer = make_customer(db_session)
    ticket = tickets.create_ticket(db_session, actor, customer.id, "Login loop")
    tickets.update_ticket(db_session, actor, ticket.id, ticket.version, {"status": "solved"})
    tickets.update_ticket(db_session, actor, ticket.id, ticket.version, {"status": "open"})
    run_jobs()
    db_session.refresh(ticket)
    assert ticket.reopened_count == 1
    assert "1 of 1 reopened" in _row(db_session, customer.id).components["support"]["why"]


def test_the_full_recompute_scores_everyone_and_leaves_newer_rows(db_session: Session) -> None:
    a, b = make_customer(db_session), make_customer(db_session)
    make_invoice(db_session, a, amount=Decimal("50.00"), issued_at=utcnow() - timedelta(days=5))
    assert health.recompute_all(db_session, Actor.system("test")) >= 2
    row_a, row_b = _row(db_session, a.id), _row(db_session, b.id)
    assert row_a.computed_at is not None and row_a.mrr == Decimal("50.00")
    assert row_b.components["revenue"]["value"] is None
    assert db_session.query(CustomerHealthHistory).filter_by(customer_id=a.id).count() == 1
    # Unchanged scores add no history on the next run.
    health.recompute_all(db_session, Actor.system("test"))
    assert db_session.query(CustomerHealthHistory).filter_by(customer_id=a.id).count() == 1
