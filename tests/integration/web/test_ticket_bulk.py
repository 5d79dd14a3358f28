from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditRecord, Ticket
from app.services import tickets_bulk
from app.services.actor import Actor
from app.services.tickets_query import TicketFilter
from tests.factories import make_customer, make_ticket, make_user

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _csrf_sending_clients(client: FlaskClient) -> None:
    """Signed-in clients send the CSRF header like htmx does."""


def _audits(session: Session, ids: list[uuid.UUID]) -> int:
    return session.scalar(select(func.count()).select_from(AuditRecord)
                          .where(AuditRecord.target_id.in_([str(i) for i in ids]))) or 0


def test_it_changes_the_status_of_selected_tickets(agent_client: FlaskClient, db_session: Session) -> None:
    chosen = [make_ticket(db_session) for _ in range(3)]
    untouched = make_ticket(db_session)
    resp = agent_client.post("/tickets/bulk", headers=HX, data={
        "action": "status:solved", "ids": [str(t.id) for t in chosen], "query": "status=open"})
    assert resp.status_code == 200 and 'id="ticket-table"' in resp.get_data(as_text=True)
    assert "3 tickets changed" in resp.headers["HX-Trigger"]
    for t in [*chosen, untouched]:
        db_session.refresh(t)
    assert [t.status for t in chosen] == ["solved"] * 3 and untouched.status == "open"
    assert all(t.version == 2 and t.resolved_at for t in chosen)
    assert _audits(db_session, [t.id for t in chosen]) == 3 and _audits(db_session, [untouched.id]) == 0


def test_all_matching_this_filter(agent_client: FlaskClient, db_session: Session) -> None:
    urgent = [make_ticket(db_session, priority="urgent") for _ in range(2)]
    low = make_ticket(db_session, priority="low")
    resp = agent_client.post("/tickets/bulk", data={"action": "add_tag", "tag": "VIP", "scope": "all",
                                                    "query": "priority=urgent"})
    assert resp.status_code == 303
    for t in [*urgent, low]:
        db_session.refresh(t)
    assert [t.tags for t in urgent] == [["vip"], ["vip"]] and low.tags == []


def test_assign_and_remove_tag(agent_client: FlaskClient, db_session: Session) -> None:
    ann = make_user(db_session)
    tickets = [make_ticket(db_session, tags=["old", "keep"]) for _ in range(2)]
    ids = [str(t.id) for t in tickets]
    agent_client.post("/tickets/bulk", data={"action": f"assignee:{ann.id}", "ids": ids})
    agent_client.post("/tickets/bulk", data={"action": "remove_tag", "tag": "old", "ids": ids})
    for t in tickets:
        db_session.refresh(t)
    assert all(t.assignee_id == ann.id and t.tags == ["keep"] and t.version == 3 for t in tickets)


def test_priority_change_recomputes_sla(agent_client: FlaskClient, db_session: Session) -> None:
    from app.services import sla

    customer = make_customer(db_session, subscription_tier="enterprise")
    ticket = make_ticket(db_session, customer_id=customer.id, priority="low")
    agent_client.post("/tickets/bulk", data={"action": "priority:urgent", "ids": [str(ticket.id)]})
    db_session.refresh(ticket)
    assert ticket.priority == "urgent"
    assert ticket.resolution_due_at == sla.due_times(db_session, "urgent", "enterprise", ticket.created_at)[1]


@pytest.mark.parametrize("data", [
    {"action": "status:exploded", "ids": ["x"]},
    {"action": "status:open"},
    {"action": "teleport:now", "ids": [str(uuid.uuid4())]},
    {"action": "assignee:not-a-user", "ids": [str(uuid.uuid4())]},
    {"action": "add_tag", "tag": "no spaces allowed!", "ids": [str(uuid.uuid4())]},
])
def test_bad_bulk_requests_are_422_and_change_nothing(
    agent_client: FlaskClient, db_session: Session, data: dict
) -> None:
    ticket = make_ticket(db_session)
    if data.get("ids") == ["x"]:
        data["ids"] = [str(ticket.id)]
    resp = agent_client.post("/tickets/bulk", data=data, headers=HX)
    assert resp.status_code == 422
    db_session.refresh(ticket)
    assert ticket.version == 1 and _audits(db_session, [ticket.id]) == 0


def test_a_non_agent_assignee_is_refused_in_bulk(agent_client: FlaskClient, db_session: Session) -> None:
    viewer = make_user(db_session, role_name="viewer")
    ticket = make_ticket(db_session)
    resp = agent_client.post("/tickets/bulk", data={"action": f"assignee:{viewer.id}", "ids": [str(ticket.id)]},
                             headers=HX)
    assert resp.status_code == 422
    db_session.refresh(ticket)
    assert ticket.assignee_id is None


def test_viewers_cannot_bulk(viewer_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    assert viewer_client.post("/tickets/bulk", data={"action": "status:closed", "ids": [str(ticket.id)]}
                              ).status_code == 403


def test_all_matching_is_capped_and_says_so(db_session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tickets_bulk, "BULK_CAP", 3)
    customer = make_customer(db_session)
    for _ in range(5):
        make_ticket(db_session, customer_id=customer.id)
    actor = Actor(None, "test", frozenset({"*"}))
    result = tickets_bulk.bulk_update(db_session, actor, "status", "pending", tf=TicketFilter({"status": "open"}))
    assert result.changed == 3 and result.capped and "only the first 3" in result.summary
    assert db_session.scalar(select(func.count()).select_from(Ticket).where(Ticket.status == "pending")) == 3


def test_bulk_status_of_1000_tickets_runs_a_bounded_number_of_statements(db_session: Session) -> None:
    """A per-row regression shows as statements growing with the ticket count (speed itself is in bench/)."""
    customer = make_customer(db_session)
    db_session.execute(Ticket.__table__.insert(), [
        {"id": uuid.uuid4(), "customer_id": customer.id, "title": f"T{i}"} for i in range(1000)])
    ids = [str(i) for i in db_session.scalars(select(Ticket.id))]
    actor = Actor(None, "test", frozenset({"*"}))
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = db_session.get_bind()
    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        result = tickets_bulk.bulk_update(db_session, actor, "status", "solved", ids=ids)
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    assert result.changed == 1000
    assert len(statements) < 50, f"{len(statements)} statements for 1,000 tickets"
