"""The open ticket's poll (ETag/304), the one-click reply with a status, and "arrived while typing"."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import Ticket
from tests.factories import make_comment, make_customer, make_ticket

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _csrf_sending_clients(client: FlaskClient) -> None:
    """Signed-in clients send the CSRF header like htmx does (the `client` fixture sets the class)."""


def test_the_poll_answers_304_until_someone_writes(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    first = agent_client.get(f"/tickets/{ticket.id}/live", headers=HX)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and 'id="thread"' in first.get_data(as_text=True)
    assert "<html" not in first.get_data(as_text=True)
    again = agent_client.get(f"/tickets/{ticket.id}/live", headers={**HX, "If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    assert agent_client.post(f"/tickets/{ticket.id}/comments", data={"body": "New info", "seen": "0"},
                             headers=HX).status_code == 200
    changed = agent_client.get(f"/tickets/{ticket.id}/live", headers={**HX, "If-None-Match": tag})
    assert changed.status_code == 200 and "New info" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != tag


def test_the_poll_opened_as_a_page_goes_to_the_ticket(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    resp = agent_client.get(f"/tickets/{ticket.id}/live")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/tickets/{ticket.id}")


def test_the_opening_message_is_the_first_entry_with_its_requester(
    agent_client: FlaskClient, db_session: Session
) -> None:
    customer = make_customer(db_session, contact_name="Nina Requester")
    ticket = make_ticket(db_session, customer_id=customer.id, description="It broke on Monday")
    make_comment(db_session, ticket, body="Looking", internal=False)
    html = agent_client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    opening = html.index('data-testid="opening-message"')
    assert opening < html.index('data-testid="public-reply"')
    assert "Nina Requester" in html[opening:opening + 600] and "It broke on Monday" in html


def test_send_and_set_status_is_one_request(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    resp = agent_client.post(f"/tickets/{ticket.id}/comments",
                             data={"body": "Fixed, please confirm", "then_status": "solved", "seen": "0"}, headers=HX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Fixed, please confirm" in html and 'id="ticket-fields"' in html
    db_session.expire_all()
    assert db_session.get(Ticket, ticket.id).status == "solved"  # type: ignore[union-attr]
    refused = agent_client.post(f"/tickets/{ticket.id}/comments",
                                data={"body": "x", "then_status": "closed", "seen": "1"}, headers=HX)
    assert refused.status_code == 422


def test_a_reply_that_arrived_while_typing_is_shown_before_sending(
    agent_client: FlaskClient, db_session: Session
) -> None:
    ticket = make_ticket(db_session)
    make_comment(db_session, ticket, body="Colleague got there first", internal=True)
    resp = agent_client.post(f"/tickets/{ticket.id}/comments", data={"body": "My draft", "seen": "0"}, headers=HX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and 'data-testid="arrived-while-typing"' in html
    assert "Colleague got there first" in html and "My draft" in html
    sent = agent_client.post(f"/tickets/{ticket.id}/comments", data={"body": "My draft", "seen": "1"}, headers=HX)
    assert sent.status_code == 200
