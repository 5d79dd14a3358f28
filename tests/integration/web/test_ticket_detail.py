from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditRecord, Ticket, TicketComment
from app.services import tickets
from app.services.actor import Actor
from tests.factories import make_comment, make_customer, make_ticket, make_user

HX = {"HX-Request": "true"}


def _audit_count(session: Session, ticket: Ticket) -> int:
    return session.scalar(select(func.count()).select_from(AuditRecord)
                          .where(AuditRecord.target_id == str(ticket.id))) or 0



@pytest.fixture(autouse=True)
def _csrf_sending_clients(client: FlaskClient) -> None:
    """Signed-in clients send the CSRF header like htmx does (the `client` fixture sets the class)."""

def test_the_page_shows_conversation_customer_and_timeline(agent_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session, company_name="Globex")
    ticket = make_ticket(db_session, customer_id=customer.id, title="Broken widget")
    other = make_ticket(db_session, customer_id=customer.id, title="Older widget issue")
    make_comment(db_session, ticket, body="We are on it", internal=False)
    make_comment(db_session, ticket, body="Customer is grumpy", internal=True)
    resp = agent_client.get(f"/tickets/{ticket.id}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" in html
    assert 'data-testid="public-reply"' in html and 'data-testid="internal-note"' in html
    assert "Globex" in html and other.title in html and 'data-testid="timeline"' in html


def test_htmx_presence_poll_returns_only_the_block(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    resp = agent_client.get(f"/tickets/{ticket.id}/presence", headers=HX)
    assert resp.status_code == 200 and "<html" not in resp.get_data(as_text=True)
    assert 'id="presence"' in resp.get_data(as_text=True)


def test_it_shows_who_else_is_viewing(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    ticket = make_ticket(db_session)
    ann = make_client("agent", name="Ann Viewer")
    bob = make_client("agent", name="Bob Viewer")
    ann.get(f"/tickets/{ticket.id}")
    html = bob.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Ann Viewer" in html
    assert "Bob Viewer" not in bob.get(f"/tickets/{ticket.id}/presence", headers=HX).get_data(as_text=True)


@pytest.mark.parametrize("tid", ["not-a-uuid", "123", "5f0c8f4e-4b7a-4a8e-9d3c-2b1e6f7a8c90", "%27%20OR%201=1"])
def test_unknown_or_malformed_ids_are_404(agent_client: FlaskClient, tid: str) -> None:
    assert agent_client.get(f"/tickets/{tid}").status_code == 404
    assert agent_client.post(f"/tickets/{tid}/fields", data={"status": "open", "version": "1"}).status_code == 404
    assert agent_client.post(f"/tickets/{tid}/comments", data={"body": "hi"}).status_code == 404


def test_an_agent_changes_status_with_audit_and_new_version(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    resp = agent_client.post(f"/tickets/{ticket.id}/fields", data={"status": "pending", "version": "1"}, headers=HX)
    assert resp.status_code == 200 and "toast" in resp.headers["HX-Trigger"]
    assert 'id="ticket-fields"' in resp.get_data(as_text=True) and 'id="timeline"' in resp.get_data(as_text=True)
    db_session.refresh(ticket)
    assert ticket.status == "pending" and ticket.version == 2
    assert _audit_count(db_session, ticket) == 1


def test_a_stale_version_is_409_naming_who_changed_what(
    make_client: Callable[..., FlaskClient], db_session: Session
) -> None:
    ticket = make_ticket(db_session)
    first = make_client("agent", email="first@example.com")
    second = make_client("agent")
    assert first.post(f"/tickets/{ticket.id}/fields", data={"status": "pending", "version": "1"}).status_code == 303
    resp = second.post(f"/tickets/{ticket.id}/fields", data={"priority": "urgent", "version": "1"}, headers=HX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "first@example.com changed status from open to pending" in html
    assert 'data-testid="conflict-reapply"' in html and 'name="priority" value="urgent"' in html
    db_session.refresh(ticket)
    assert ticket.status == "pending" and ticket.priority == "medium" and ticket.version == 2


def test_a_non_agent_assignee_is_refused(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    viewer = make_user(db_session, role_name="viewer")
    suspended = make_user(db_session, role_name="agent", status="suspended")
    for bad in (str(viewer.id), str(suspended.id), str(uuid.uuid4()), "nonsense"):
        resp = agent_client.post(f"/tickets/{ticket.id}/fields", data={"assignee_id": bad, "version": "1"},
                                 headers=HX)
        assert resp.status_code == 422 and "active agent" in resp.get_data(as_text=True)
    db_session.refresh(ticket)
    assert ticket.assignee_id is None and ticket.version == 1 and _audit_count(db_session, ticket) == 0


def test_an_agent_assigns_through_the_typeahead(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    ann = make_user(db_session, name="Annabel Typeahead")
    make_user(db_session, name="Annabel Viewer", role_name="viewer")
    results = agent_client.get(f"/tickets/{ticket.id}/assignees?q=annabel", headers=HX).get_data(as_text=True)
    assert "Annabel Typeahead" in results and "Annabel Viewer" not in results and "<html" not in results
    resp = agent_client.post(f"/tickets/{ticket.id}/fields", data={"assignee_id": str(ann.id), "version": "1"})
    assert resp.status_code == 303
    db_session.refresh(ticket)
    assert ticket.assignee_id == ann.id


def test_viewers_cannot_change_or_comment(viewer_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    assert viewer_client.get(f"/tickets/{ticket.id}").status_code == 200
    change = {"status": "closed", "version": "1"}
    assert viewer_client.post(f"/tickets/{ticket.id}/fields", data=change).status_code == 403
    assert viewer_client.post(f"/tickets/{ticket.id}/comments", data={"body": "hi"}).status_code == 403
    assert viewer_client.get(f"/tickets/{ticket.id}/assignees").status_code == 403
    db_session.refresh(ticket)
    assert ticket.status == "open"


def test_reply_and_internal_note(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    resp = agent_client.post(f"/tickets/{ticket.id}/comments", data={"body": "Hello customer", "kind": "reply"},
                             headers=HX)
    assert resp.status_code == 200 and 'id="conversation"' in resp.get_data(as_text=True)
    agent_client.post(f"/tickets/{ticket.id}/comments", data={"body": "Staff only", "kind": "note"})
    comments = db_session.scalars(select(TicketComment).where(TicketComment.ticket_id == ticket.id)
                                  .order_by(TicketComment.created_at)).all()
    assert [(c.body, c.internal) for c in comments] == [("Hello customer", False), ("Staff only", True)]
    db_session.refresh(ticket)
    assert ticket.first_response_at is not None and ticket.version == 1


def test_a_reply_to_a_closed_ticket_is_refused(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session, status="closed")
    resp = agent_client.post(f"/tickets/{ticket.id}/comments", data={"body": "Anyone?", "kind": "reply"},
                             headers=HX)
    assert resp.status_code == 422 and "reopen it" in resp.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(TicketComment)) == 0


def test_an_empty_reply_is_422(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    assert agent_client.post(f"/tickets/{ticket.id}/comments", data={"body": "  "}).status_code == 422


def test_create_ticket_full_and_validation(agent_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session, company_name="Initech", subscription_tier="enterprise")
    page = agent_client.get("/tickets/new")
    assert page.status_code == 200 and "Initech" in page.get_data(as_text=True)
    long = agent_client.post("/tickets/new", data={"customer_id": str(customer.id), "title": "x" * 501,
                                                   "priority": "high"})
    assert long.status_code == 422 and "the limit is 500" in long.get_data(as_text=True)
    assert 'value="' + "x" * 501 in long.get_data(as_text=True)
    assert db_session.scalar(select(func.count()).select_from(Ticket)) == 0
    ok = agent_client.post("/tickets/new", data={"customer_id": str(customer.id), "title": "TPS report",
                                                 "priority": "urgent", "tags": "Reports, tps"})
    assert ok.status_code == 303
    ticket = db_session.scalar(select(Ticket))
    assert ticket.title == "TPS report" and ticket.tags == ["reports", "tps"]
    assert ticket.resolution_due_at is not None and ticket.first_response_due_at is not None


@pytest.mark.parametrize("customer_id", ["", "nope", "5f0c8f4e-4b7a-4a8e-9d3c-2b1e6f7a8c91"])
def test_create_with_a_bad_customer_is_422(agent_client: FlaskClient, customer_id: str) -> None:
    resp = agent_client.post("/tickets/new", data={"customer_id": customer_id, "title": "T", "priority": "low"})
    assert resp.status_code == 422


def test_viewers_cannot_create(viewer_client: FlaskClient) -> None:
    assert viewer_client.get("/tickets/new").status_code == 403


def test_priority_change_recomputes_sla(db_session: Session) -> None:
    customer = make_customer(db_session, subscription_tier="professional")
    agent = make_user(db_session)
    actor = Actor(agent.id, agent.email, frozenset({"tickets:*", "customers:read"}))
    ticket = tickets.create_ticket(db_session, actor, customer.id, "Slow", priority="low")
    low_due = ticket.resolution_due_at
    tickets.update_ticket(db_session, actor, ticket.id, 1, {"priority": "urgent"})
    assert ticket.resolution_due_at < low_due
    assert (ticket.resolution_due_at - ticket.created_at).total_seconds() == 480 * 60


def test_the_customer_picker_searches_and_preselects(agent_client: FlaskClient, db_session: Session) -> None:
    wanted = make_customer(db_session, company_name="Zebra Logistics")
    make_customer(db_session, company_name="Aardvark Ltd")
    options = agent_client.get("/tickets/new/customers?customer_q=zeb", headers=HX).get_data(as_text=True)
    assert "Zebra Logistics" in options and "Aardvark" not in options and "<html" not in options
    page = agent_client.get(f"/tickets/new?customer={wanted.id}").get_data(as_text=True)
    assert f'<option selected value="{wanted.id}">' in page or f'value="{wanted.id}" selected' in page
    assert agent_client.get("/tickets/new?customer=garbage").status_code == 200


def test_viewers_cannot_search_customers_for_a_new_ticket(viewer_client: FlaskClient) -> None:
    assert viewer_client.get("/tickets/new/customers?customer_q=a").status_code == 403


def test_nul_characters_are_not_a_500(agent_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session)
    ticket = make_ticket(db_session, customer_id=customer.id)
    resp = agent_client.post(f"/tickets/{ticket.id}/comments", data={"body": "a\x00b", "kind": "note"})
    assert resp.status_code == 422  # refused at the boundary, naming the field
    created = agent_client.post("/tickets/new", data={"customer_id": str(customer.id), "title": "x\x00y",
                                                      "description": "\x00", "priority": "low"})
    assert created.status_code == 422
    bad_tags = agent_client.post(f"/tickets/{ticket.id}/fields", data={"tags": "ok \x00", "version": "1"})
    assert bad_tags.status_code == 422


def test_re_apply_after_a_conflict_uses_the_new_version(
    make_client: Callable[..., FlaskClient], db_session: Session
) -> None:
    ticket = make_ticket(db_session)
    first, second = make_client("agent"), make_client("agent")
    first.post(f"/tickets/{ticket.id}/fields", data={"status": "pending", "version": "1"})
    page = second.post(f"/tickets/{ticket.id}/fields", data={"priority": "high", "version": "1"})
    assert page.status_code == 409 and "<html" in page.get_data(as_text=True)  # no htmx: the whole page
    assert 'name="version" value="2"' in page.get_data(as_text=True)
    again = second.post(f"/tickets/{ticket.id}/fields", data={"priority": "high", "version": "2"})
    assert again.status_code == 303
    db_session.refresh(ticket)
    assert (ticket.status, ticket.priority, ticket.version) == ("pending", "high", 3)


def test_a_missing_version_is_422(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    resp = agent_client.post(f"/tickets/{ticket.id}/fields", data={"status": "closed"}, headers=HX)
    assert resp.status_code == 422
    db_session.refresh(ticket)
    assert ticket.status == "open"


def test_htmx_gets_blocks_of_the_new_and_detail_pages(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    new = agent_client.get("/tickets/new", headers=HX)
    assert "<html" not in new.get_data(as_text=True) and 'id="ticket-form"' in new.get_data(as_text=True)
    assert "HX-Request" in new.headers["Vary"]
    detail = agent_client.get(f"/tickets/{ticket.id}", headers=HX)
    assert "<html" not in detail.get_data(as_text=True) and 'id="presence"' in detail.get_data(as_text=True)


@pytest.mark.parametrize("role", ["admin", "manager", "agent", "viewer"])
def test_every_staff_role_reads_tickets(make_client: Callable[..., FlaskClient], db_session: Session,
                                        role: str) -> None:
    ticket = make_ticket(db_session)
    client = make_client(role)
    for url in ("/tickets", f"/tickets/{ticket.id}"):
        assert client.get(url).status_code == 200, (role, url)
    assert client.get(f"/tickets/{ticket.id}/presence", headers=HX).status_code == 200
    # Fragment endpoints opened as pages lead to the page they belong to.
    assert client.get(f"/tickets/{ticket.id}/presence").status_code == 302
    may_change = role != "viewer"
    assert (client.get("/tickets/new").status_code == 200) == may_change
    resp = client.post(f"/tickets/{ticket.id}/fields", data={"priority": "high", "version": "1"})
    assert resp.status_code == (303 if may_change else 403)


def test_each_fragment_of_a_ticket_opened_as_a_page_goes_to_the_ticket(admin_client: FlaskClient,
                                                                      db_session: Session) -> None:
    ticket = make_ticket(db_session)
    for part in ("live", "presence", "assignees", "macros", "links"):
        page = admin_client.get(f"/tickets/{ticket.id}/{part}")
        assert page.status_code == 302 and page.headers["Location"].endswith(f"/tickets/{ticket.id}"), part
        block = admin_client.get(f"/tickets/{ticket.id}/{part}", headers={"HX-Request": "true"})
        assert block.status_code == 200 and "<html" not in block.get_data(as_text=True), part
        assert admin_client.get(f"/tickets/{uuid.uuid4()}/{part}").status_code == 404, part
