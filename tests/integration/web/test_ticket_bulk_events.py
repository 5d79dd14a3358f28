"""Bulk changes emit the same per-ticket domain events as single changes, so what counts them
(reports, the assignee's bell) sees bulk and single changes alike."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Notification, OutboxEvent
from app.models.base import utcnow
from tests.factories import make_ticket, make_user


@pytest.fixture(autouse=True)
def _csrf_sending_clients(client: FlaskClient) -> None:
    """Signed-in clients send the CSRF header like htmx does."""


def _types(session: Session, type_: str) -> list[str]:
    return list(session.scalars(select(OutboxEvent.aggregate_id).where(OutboxEvent.type == type_)))


def test_bulk_solving_emits_solved_per_ticket_and_reports_count_them(
    agent_client: FlaskClient, admin_client: FlaskClient, db_session: Session, run_jobs: Callable[[], int]
) -> None:
    chosen = [make_ticket(db_session) for _ in range(3)]
    already = make_ticket(db_session, status="solved")
    agent_client.post("/tickets/bulk", data={"action": "status:solved",
                                             "ids": [str(t.id) for t in [*chosen, already]]})
    assert sorted(_types(db_session, "ticket.solved")) == sorted(str(t.id) for t in chosen)
    assert len(_types(db_session, "ticket.status_changed")) == 3
    run_jobs()
    today = utcnow().date().isoformat()
    html = admin_client.get(f"/reports?range=custom&from={today}&to={today}&type=ticket.solved").get_data(as_text=True)
    assert 'data-testid="total-ticket.solved">3<' in html


def test_bulk_closing_solved_tickets_keeps_their_resolution_time(
    agent_client: FlaskClient, db_session: Session
) -> None:
    ticket = make_ticket(db_session)
    agent_client.post("/tickets/bulk", data={"action": "status:solved", "ids": [str(ticket.id)]})
    db_session.refresh(ticket)
    solved_at = ticket.resolved_at
    assert solved_at is not None
    agent_client.post("/tickets/bulk", data={"action": "status:closed", "ids": [str(ticket.id)]})
    db_session.refresh(ticket)
    assert ticket.status == "closed" and ticket.resolved_at == solved_at and ticket.version == 3


def test_bulk_assignment_emits_assigned_per_ticket_and_notifies_once(
    agent_client: FlaskClient, db_session: Session, run_jobs: Callable[[], int]
) -> None:
    ann = make_user(db_session)
    chosen = [make_ticket(db_session) for _ in range(2)]
    agent_client.post("/tickets/bulk", data={"action": f"assignee:{ann.id}", "ids": [str(t.id) for t in chosen]})
    assert len(_types(db_session, "ticket.assigned")) == 2
    run_jobs()
    notes = list(db_session.scalars(select(Notification.message).where(Notification.user_id == ann.id)))
    assert notes == ["2 tickets were assigned to you."]
    assert db_session.scalar(select(func.count()).select_from(OutboxEvent)
                             .where(OutboxEvent.processed_at.is_(None))) == 0
