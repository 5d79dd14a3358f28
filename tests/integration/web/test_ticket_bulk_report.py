"""/tickets/bulk: the report of each ticket's result, its page and poll, undo, and the permission cast."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import Ticket
from tests.factories import make_outsider_role, make_ticket

HX = {"HX-Request": "true"}


def _run_id(html: str) -> str:
    match = re.search(r"/tickets/bulk/([0-9a-f-]{36})", html)
    assert match, html[:500]
    return match.group(1)


def test_htmx_bulk_returns_the_table_and_the_report_with_each_refusal(agent_client: FlaskClient,
                                                                      db_session: Session) -> None:
    kept = [make_ticket(db_session) for _ in range(2)]
    gone = make_ticket(db_session)
    gone_id = gone.id
    db_session.delete(gone)
    db_session.flush()
    resp = agent_client.post("/tickets/bulk", headers=HX, data={
        "action": "status:solved", "ids": [str(t.id) for t in kept] + [str(gone_id)]})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="ticket-table"' in html and 'id="bulk-report"' in html
    assert 'hx-swap-oob="true"' in html and 'data-outcome="refused"' in html and str(gone_id) in html
    assert "2 tickets changed, 1 refused" in resp.headers["HX-Trigger"]
    assert 'data-testid="bulk-undo"' in html


def test_the_report_page_and_its_block(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    resp = agent_client.post("/tickets/bulk", data={"action": "priority:urgent", "ids": [str(ticket.id)]})
    assert resp.status_code == 303 and "/tickets/bulk/" in resp.headers["Location"]
    page = agent_client.get(resp.headers["Location"])
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    block = agent_client.get(resp.headers["Location"], headers=HX)
    assert "<html" not in block.get_data(as_text=True) and 'id="bulk-report"' in block.get_data(as_text=True)
    assert "HX-Request" in block.headers["Vary"]


def test_undo_restores_and_reports(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    resp = agent_client.post("/tickets/bulk", headers=HX, data={"action": "status:solved", "ids": [str(ticket.id)]})
    run_id = _run_id(resp.get_data(as_text=True))
    undo = agent_client.post(f"/tickets/bulk/{run_id}/undo", headers=HX)
    assert undo.status_code == 200 and "1 restored" in undo.headers["HX-Trigger"]
    assert 'data-testid="undo-summary"' in undo.get_data(as_text=True)
    db_session.refresh(ticket)
    assert ticket.status == "open"
    again = agent_client.post(f"/tickets/bulk/{run_id}/undo", headers=HX)
    assert again.status_code == 409


def test_only_the_author_sees_a_run_and_outsiders_are_refused(make_client: Callable[..., FlaskClient],
                                                             db_session: Session) -> None:
    ticket = make_ticket(db_session)
    ann = make_client("agent")
    resp = ann.post("/tickets/bulk", headers=HX, data={"action": "status:pending", "ids": [str(ticket.id)]})
    run_id = _run_id(resp.get_data(as_text=True))
    bob = make_client("agent")
    assert bob.get(f"/tickets/bulk/{run_id}").status_code == 404
    assert bob.post(f"/tickets/bulk/{run_id}/undo").status_code == 404
    assert make_client("viewer").get(f"/tickets/bulk/{run_id}").status_code == 403
    make_outsider_role(db_session)
    assert make_client("nobody").post(f"/tickets/bulk/{run_id}/undo").status_code == 403
    assert db_session.get(Ticket, ticket.id).status == "pending"  # type: ignore[union-attr]


def test_a_loaded_at_past_the_calendar_is_ignored_not_an_error(agent_client: FlaskClient, db_session: Session) -> None:
    tickets = [make_ticket(db_session) for _ in range(2)]
    for ticket, moment in zip(tickets, ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+12:00"), strict=True):
        resp = agent_client.post("/tickets/bulk", headers=HX, data={
            "action": "priority:urgent", "ids": [str(ticket.id)], "loaded_at": moment})
        assert resp.status_code == 200 and "1 ticket changed" in resp.headers["HX-Trigger"]
        db_session.refresh(ticket)
        assert ticket.priority == "urgent"
