"""What the ticket page shows from its plain-row reads: the timeline oldest first with names, the thread,
the customer's other tickets, and controls only for those who may use them."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.services import tickets
from app.services.actor import Actor
from tests.factories import make_comment, make_customer, make_ticket, make_user


def test_the_timeline_reads_oldest_first_with_the_assignees_names(agent_client: FlaskClient,
                                                                    db_session: Session) -> None:
    ticket = make_ticket(db_session)
    other_agent = make_user(db_session, role_name="agent", name="Bea Agent")
    admin = Actor(None, "admin@example.com", frozenset({"*"}))
    tickets.update_ticket(db_session, admin, ticket.id, ticket.version, {"status": "pending"})
    tickets.update_ticket(db_session, admin, ticket.id, ticket.version, {"assignee_id": str(other_agent.id)})
    html = agent_client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    timeline = html[html.index('data-testid="timeline"'):]
    status_at, assignee_at = timeline.index("status open → pending"), timeline.index("assignee nobody → Bea Agent")
    assert status_at < assignee_at and "admin@example.com" in timeline


def test_the_thread_and_the_other_tickets_in_order(agent_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session)
    ticket = make_ticket(db_session, customer_id=customer.id)
    make_ticket(db_session, customer_id=customer.id, title="Second other")
    make_comment(db_session, ticket, body="Reply one")
    make_comment(db_session, ticket, body="Reply two")
    html = agent_client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert html.index("Reply one") < html.index("Reply two") and "Second other" in html
    assert 'data-count="2"' in html and 'name="seen" value="2"' in html


def test_viewers_get_no_controls_they_cannot_use(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    ticket = make_ticket(db_session)
    viewer = make_client("viewer").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    agent = make_client("agent").get(f"/tickets/{ticket.id}").get_data(as_text=True)
    for testid in ("edit-ticket", "comment-form", "assign-me", "send-pending"):
        assert f'data-testid="{testid}"' not in viewer and f'data-testid="{testid}"' in agent
