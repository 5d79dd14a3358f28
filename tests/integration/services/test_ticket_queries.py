"""The list's queries read an index in order for every sort: no sort of the whole table."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.orm import Session

from app.services.actor import Actor
from app.services.tickets_query import SORTS, TicketFilter, get_detail, page_ids
from tests.factories import make_customer, make_ticket
from tests.plans import index_plan


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("descending", [True, False])
def test_every_sort_reads_an_index_in_order(db_session: Session, sort: str, descending: bool) -> None:
    make_ticket(db_session)
    stmt, _ = page_ids(TicketFilter(), sort, descending, 9950, 51)
    plan = index_plan(db_session, stmt)
    assert "Index" in plan and " Sort " not in plan and "Sort Key" not in plan, plan


@pytest.mark.parametrize("filters", [
    {"status": "open", "priority": "high"},
    {"assignee": str(uuid.uuid4()), "status": "pending"},
    {"customer": str(uuid.uuid4())},
])
def test_filtered_lists_read_an_index_in_order(db_session: Session, filters: dict[str, str]) -> None:
    make_ticket(db_session)
    stmt, _ = page_ids(TicketFilter(dict(filters)), "updated_at", True, 0, 51)
    plan = index_plan(db_session, stmt)
    assert "Sort Key" not in plan, plan


def test_the_ticket_page_names_the_company_and_shows_the_customer_only_to_its_readers(db_session: Session) -> None:
    ticket = make_ticket(db_session, customer_id=make_customer(db_session, company_name="Globex").id)
    ticket_reader = Actor(None, "reader", frozenset({"tickets:read"}))
    both = Actor(None, "both", frozenset({"tickets:read", "customers:read"}))
    shown = get_detail(db_session, ticket_reader, ticket.id)
    assert shown.company_name == "Globex" and shown.customer is None
    full = get_detail(db_session, both, ticket.id)
    assert full.company_name == "Globex" and full.customer is not None and full.customer.id == ticket.customer_id
