"""/api/v1/support/tickets: permissions, optimistic locking, idempotent retries, filters, comments."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Ticket, TicketComment
from tests.factories import make_customer, make_ticket
from tests.integration.api.conftest import Auth, assert_envelope


def test_an_agent_creates_a_ticket(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session) -> None:
    customer = make_customer(db_session)
    body = {"customer_id": str(customer.id), "title": "Invoice is wrong", "priority": "high", "tags": ["billing"]}
    resp = api.post("/api/v1/support/tickets", json=body, headers=make_token("agent").headers)
    assert resp.status_code == 201, resp.get_json()
    data = resp.get_json()["data"]
    assert data["title"] == "Invoice is wrong" and data["version"] == 1 and data["tags"] == ["billing"]
    assert resp.headers["ETag"] == '"v1"'
    assert db_session.get(Ticket, uuid.UUID(data["id"])) is not None


def test_a_viewer_cannot_change_tickets(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session) -> None:
    ticket = make_ticket(db_session)
    viewer = make_token("viewer").headers
    assert api.get(f"/api/v1/support/tickets/{ticket.id}", headers=viewer).status_code == 200
    assert_envelope(api.patch(f"/api/v1/support/tickets/{ticket.id}", json={"status": "solved", "version": 1},
                              headers=viewer), 403)
    assert_envelope(api.post("/api/v1/support/tickets", json={"customer_id": str(ticket.customer_id), "title": "x"},
                             headers=viewer), 403)
    db_session.refresh(ticket)
    assert ticket.status == "open"


def test_a_stale_if_match_gets_412_and_the_first_change_survives(
    api: FlaskClient, make_token: Callable[..., Auth], db_session: Session
) -> None:
    ticket = make_ticket(db_session)
    headers = make_token("agent").headers
    tag = api.get(f"/api/v1/support/tickets/{ticket.id}", headers=headers).headers["ETag"]
    first = api.patch(f"/api/v1/support/tickets/{ticket.id}", json={"status": "pending"},
                      headers={**headers, "If-Match": tag})
    assert first.status_code == 200 and first.headers["ETag"] != tag
    second = api.patch(f"/api/v1/support/tickets/{ticket.id}", json={"status": "solved"},
                       headers={**headers, "If-Match": tag})
    assert_envelope(second, 412)
    db_session.refresh(ticket)
    assert ticket.status == "pending" and ticket.version == 2


def test_a_stale_version_field_gets_409(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session) -> None:
    ticket = make_ticket(db_session)
    headers = make_token("agent").headers
    url = f"/api/v1/support/tickets/{ticket.id}"
    assert api.patch(url, json={"priority": "urgent", "version": 1}, headers=headers).status_code == 200
    assert_envelope(api.patch(url, json={"priority": "low", "version": 1}, headers=headers), 409)
    assert "version" in assert_envelope(api.patch(url, json={"priority": "low"}, headers=headers), 422)["details"]
    db_session.refresh(ticket)
    assert ticket.priority == "urgent"


def test_a_retried_post_with_the_same_key_creates_one_ticket(
    api: FlaskClient, make_token: Callable[..., Auth], db_session: Session
) -> None:
    customer = make_customer(db_session)
    headers = {**make_token("agent").headers, "Idempotency-Key": "retry-123"}
    body = {"customer_id": str(customer.id), "title": "Sent twice"}
    first = api.post("/api/v1/support/tickets", json=body, headers=headers)
    again = api.post("/api/v1/support/tickets", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    count = db_session.scalar(select(func.count()).select_from(Ticket).where(Ticket.title == "Sent twice"))
    assert count == 1
    other = api.post("/api/v1/support/tickets", json={**body, "title": "Different"}, headers=headers)
    assert assert_envelope(other, 422)["code"] == "idempotency_key_reused"


def test_it_lists_with_the_filters_of_the_screen(
    api: FlaskClient, make_token: Callable[..., Auth], db_session: Session
) -> None:
    customer = make_customer(db_session)
    for n in range(3):
        make_ticket(db_session, customer_id=customer.id, priority="urgent", title=f"Urgent {n}")
    make_ticket(db_session, customer_id=customer.id, priority="low", status="solved")
    headers = make_token("viewer").headers
    url = f"/api/v1/support/tickets?customer={customer.id}&priority=urgent&limit=2&sort=number"
    first = api.get(url, headers=headers).get_json()
    assert [t["title"] for t in first["data"]] == ["Urgent 0", "Urgent 1"]
    second = api.get(f"{url}&cursor={first['meta']['next_cursor']}", headers=headers).get_json()
    assert [t["title"] for t in second["data"]] == ["Urgent 2"] and second["meta"]["next_cursor"] is None
    assert_envelope(api.get("/api/v1/support/tickets?status=nonsense", headers=headers), 422)


def test_it_assigns_bulk_updates_and_comments(
    api: FlaskClient, make_token: Callable[..., Auth], db_session: Session
) -> None:
    agent = make_token("agent")
    one, two = make_ticket(db_session), make_ticket(db_session)
    assigned = api.post(f"/api/v1/support/tickets/{one.id}/assign", json={"assignee_id": str(agent.user.id)},
                        headers=agent.headers)
    assert assigned.status_code == 200 and assigned.get_json()["data"]["assignee_id"] == str(agent.user.id)
    bulk = api.post("/api/v1/support/tickets/bulk-status", json={"ids": [str(one.id), str(two.id)],
                                                                 "status": "pending"}, headers=agent.headers)
    assert bulk.status_code == 200 and bulk.get_json()["data"]["changed"] == 2
    note = api.post(f"/api/v1/support/tickets/{one.id}/comments", json={"body": "Looking", "internal": True},
                    headers=agent.headers)
    assert note.status_code == 201
    listed = api.get(f"/api/v1/support/tickets/{one.id}/comments", headers=agent.headers).get_json()["data"]
    assert [c["body"] for c in listed] == ["Looking"]
    assert db_session.scalar(select(func.count()).select_from(TicketComment)
                             .where(TicketComment.ticket_id == one.id)) == 1
