"""The agent's home: their open tickets in SLA order, read from the queue index."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.services import dashboard
from app.services.actor import Actor
from tests.factories import make_ticket, make_user

RANGE = dashboard.DateRange("custom", date(2025, 3, 1), date(2025, 3, 10))


def test_it_orders_the_queue_by_due_time_with_no_due_time_last(db_session: Session) -> None:
    agent = make_user(db_session, role_name="agent")
    now = utcnow()
    later = make_ticket(db_session, assignee_id=agent.id, resolution_due_at=now + timedelta(hours=5))
    undated = make_ticket(db_session, assignee_id=agent.id, resolution_due_at=None)
    soon = make_ticket(db_session, assignee_id=agent.id, resolution_due_at=now + timedelta(minutes=20),
                       status="pending")
    make_ticket(db_session, assignee_id=agent.id, resolution_due_at=now, status="solved")  # done: not queued
    make_ticket(db_session, resolution_due_at=now)  # someone else's
    actor = Actor(id=agent.id, label="a", grants=frozenset({"dashboard:read"}))
    data = dashboard.widget_data(db_session, actor, "queue", RANGE, 0).data
    assert [t["number"] for t in data["tickets"]] == [soon.number, later.number, undated.number]


def test_the_queue_reads_its_partial_index(db_session: Session) -> None:
    agent = make_user(db_session, role_name="agent")
    conn = db_session.connection()
    ran: list[tuple[str, Any]] = []

    def spy(_conn: object, _cursor: object, statement: str, parameters: Any, *_: object) -> None:
        ran.append((statement, parameters))

    event.listen(conn, "before_cursor_execute", spy)
    try:
        dashboard.queue(db_session, RANGE, agent.id)
    finally:
        event.remove(conn, "before_cursor_execute", spy)
    [(statement, parameters)] = ran  # the query the widget runs, not one written for the test
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = "\n".join(r[0] for r in conn.exec_driver_sql(f"EXPLAIN {statement}", parameters).all())
    assert "ix_support_tickets_queue" in plan and "Sort" not in plan


def test_the_agent_home_offers_the_next_ticket(agent_client: FlaskClient, db_session: Session) -> None:
    me = db_session.scalar(text("SELECT id FROM users WHERE role_name = 'agent' ORDER BY created_at DESC LIMIT 1"))
    first = make_ticket(db_session, assignee_id=me, resolution_due_at=utcnow() + timedelta(minutes=5))
    make_ticket(db_session, assignee_id=me, resolution_due_at=utcnow() + timedelta(days=2))
    html = agent_client.get("/dashboard/widgets/queue?refresh=0", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'href="/tickets/{first.id}" data-testid="next-ticket"' in html and "due in" in html
