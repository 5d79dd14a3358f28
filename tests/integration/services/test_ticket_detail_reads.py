"""The ticket page's reads (app/services/tickets_detail.py): one statement for the ticket and what surrounds
it, one for the thread; scoped grants decide what the customer panel and its other tickets show."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from app.services import csat, tickets, tickets_merge
from app.services.actor import Actor
from app.services.errors import NotFound
from app.services.tickets_detail import get_detail
from tests.factories import make_comment, make_customer, make_ticket, make_user
from tests.plans import recorded_statements


def test_it_reads_the_page_in_two_statements(db_session: Session) -> None:
    customer = make_customer(db_session, company_name="Globex", contact_name="Ann")
    agent = make_user(db_session, role_name="agent", name="Agent Smith")
    ticket = make_ticket(db_session, customer_id=customer.id, assignee_id=agent.id)
    older = make_ticket(db_session, customer_id=customer.id, title="Older")
    make_comment(db_session, ticket, body="first")
    make_comment(db_session, ticket, body="second", internal=True)
    admin = Actor(None, "admin", frozenset({"*"}))
    tickets.update_ticket(db_session, admin, ticket.id, ticket.version, {"priority": "high"})
    tickets.update_ticket(db_session, admin, ticket.id, ticket.version, {"status": "pending"})
    older_id = older.id
    tid = ticket.id
    with recorded_statements(db_session.get_bind()) as seen:
        d = get_detail(db_session, admin, tid)
    assert len([s for s in seen if not s.startswith("SAVEPOINT")]) == 2
    assert (d.ticket.id, d.ticket.status, d.ticket.priority, d.assignee_name) == (tid, "pending", "high",
                                                                                 "Agent Smith")
    assert d.customer is not None and (d.customer.company_name, d.customer.contact_name) == ("Globex", "Ann")
    assert [o["title"] for o in d.other_tickets] == ["Older"] and d.other_tickets[0]["id"] == str(older_id)
    assert [c.body for c, _ in d.comments] == ["first", "second"]
    assert [r["changes"].get("status") for r in d.timeline][:2] == [["open", "pending"], None]  # newest first
    assert len(d.timeline[0]["occurred"]) == 16 and d.rating is None and d.merged_into is None


def test_scoped_readers_see_only_their_tickets_among_the_customers_others(db_session: Session) -> None:
    customer = make_customer(db_session)
    a, b, c = (make_ticket(db_session, customer_id=customer.id, title=t) for t in ("A", "B", "C"))
    scoped = Actor(None, "scoped", frozenset({f"tickets:read:{a.id}", f"tickets:read:{b.id}", "customers:read"}))
    assert [o["title"] for o in get_detail(db_session, scoped, a.id).other_tickets] == ["B"]
    with pytest.raises(NotFound):
        get_detail(db_session, scoped, c.id)


def test_a_reader_of_another_customer_sees_neither_contact_nor_other_tickets(db_session: Session) -> None:
    customer = make_customer(db_session, company_name="Initech")
    a = make_ticket(db_session, customer_id=customer.id)
    make_ticket(db_session, customer_id=customer.id)
    elsewhere = Actor(None, "elsewhere", frozenset({"tickets:read", f"customers:read:{make_customer(db_session).id}"}))
    d = get_detail(db_session, elsewhere, a.id)
    assert (d.customer, d.other_tickets, d.company_name) == (None, [], "Initech")


def test_it_names_the_ticket_a_merged_one_went_into_and_the_rating(db_session: Session) -> None:
    customer = make_customer(db_session)
    a, b = make_ticket(db_session, customer_id=customer.id), make_ticket(db_session, customer_id=customer.id)
    admin = Actor(None, "admin", frozenset({"*"}))
    tickets_merge.merge_tickets(db_session, admin, a.id, b.id)
    assert get_detail(db_session, admin, b.id).merged_into == (a.id, a.number)
    a.status = "solved"
    db_session.flush()
    csat.open_survey(db_session, a.id)
    rating = get_detail(db_session, admin, a.id).rating
    assert rating is not None and rating.sent_at is not None and rating.rated_at is None
