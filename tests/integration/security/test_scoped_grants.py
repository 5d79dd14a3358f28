"""Scoped grants show only what they grant: no customer details, other tickets or customers beyond scope."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Role, Ticket
from tests.factories import make_customer, make_ticket

HX = {"HX-Request": "true"}


@pytest.fixture()
def empty_role(db_session: Session) -> str:
    db_session.add(Role(name="scoped-only", description="", permissions=["notifications:read"]))
    db_session.flush()
    return "scoped-only"


def test_one_ticket_grant_shows_neither_contact_details_nor_other_tickets(
    make_client: Callable[..., FlaskClient], db_session: Session, empty_role: str
) -> None:
    customer = make_customer(
        db_session, company_name="Secretive Corp", contact_name="Carla Contact", contact_email="carla@secretive.example"
    )
    mine = make_ticket(db_session, customer_id=customer.id, title="The one I may read")
    make_ticket(db_session, customer_id=customer.id, title="Hidden sibling ticket")
    client = make_client(empty_role, permissions=[f"tickets:read:{mine.id}"])
    assert client.get(f"/customers/{customer.id}").status_code == 403
    page = client.get(f"/tickets/{mine.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "The one I may read" in html
    assert "Carla Contact" not in html and "carla@secretive.example" not in html
    assert "Hidden sibling ticket" not in html
    assert 'data-testid="customer-restricted"' in html


def test_readable_customer_but_scoped_tickets_lists_only_readable_siblings(
    make_client: Callable[..., FlaskClient], db_session: Session, empty_role: str
) -> None:
    customer = make_customer(db_session)
    mine = make_ticket(db_session, customer_id=customer.id, title="Granted one")
    also = make_ticket(db_session, customer_id=customer.id, title="Granted two")
    make_ticket(db_session, customer_id=customer.id, title="Not granted")
    client = make_client(
        empty_role, permissions=[f"tickets:read:{mine.id}", f"tickets:read:{also.id}", f"customers:read:{customer.id}"]
    )
    html = client.get(f"/tickets/{mine.id}").get_data(as_text=True)
    assert customer.contact_email in html and "Granted two" in html and "Not granted" not in html


def test_the_picker_lists_only_readable_customers_and_create_refuses_others(
    make_client: Callable[..., FlaskClient], db_session: Session, empty_role: str
) -> None:
    inside = make_customer(db_session, company_name="Inside Scope Ltd")
    outside = make_customer(db_session, company_name="Outside Scope Ltd")
    client = make_client(empty_role, permissions=["tickets:create", f"customers:read:{inside.id}"])
    page = client.get("/tickets/new").get_data(as_text=True)
    assert "Inside Scope Ltd" in page and "Outside Scope Ltd" not in page
    options = client.get("/tickets/new/customers?customer_q=", headers=HX).get_data(as_text=True)
    assert "Inside Scope Ltd" in options and "Outside Scope Ltd" not in options
    preselected = client.get(f"/tickets/new?customer={outside.id}").get_data(as_text=True)
    assert "Outside Scope Ltd" not in preselected
    before = db_session.scalar(select(func.count()).select_from(Ticket))
    refused = client.post("/tickets/new", data={"customer_id": str(outside.id), "title": "Sneaky", "priority": "low"})
    assert refused.status_code in (403, 422)
    assert db_session.scalar(select(func.count()).select_from(Ticket)) == before
    ok = client.post("/tickets/new", data={"customer_id": str(inside.id), "title": "Fine", "priority": "low"})
    assert ok.status_code == 303


def test_the_api_refuses_a_ticket_for_an_out_of_scope_customer(
    make_token: Callable, api: FlaskClient, db_session: Session, empty_role: str
) -> None:
    inside = make_customer(db_session)
    outside = make_customer(db_session)
    auth = make_token(empty_role, permissions=["tickets:create", f"customers:read:{inside.id}"])
    refused = api.post(
        "/api/v1/support/tickets", json={"customer_id": str(outside.id), "title": "Sneaky"}, headers=auth.headers
    )
    assert refused.status_code in (403, 422)
    assert "outside your access" in refused.get_data(as_text=True)
    ok = api.post(
        "/api/v1/support/tickets", json={"customer_id": str(inside.id), "title": "Fine"}, headers=auth.headers
    )
    assert ok.status_code == 201, ok.get_data(as_text=True)
