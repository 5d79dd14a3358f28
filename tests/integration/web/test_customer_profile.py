"""The customer page is read in one query, and shows what the separate reads showed, to whom they showed it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import CustomerHealthHistory, Role
from app.models.base import utcnow
from app.services import customers
from app.services.actor import Actor
from tests.factories import make_customer, make_invoice, make_ticket

ACTOR = Actor.system("pytest")


@pytest.fixture(autouse=True)
def _csrf_sending_clients(client: FlaskClient) -> None:
    """The `client` fixture installs the test client class that sends the CSRF header; make_client needs it."""


def _section(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}".*?</section>', html, re.S)
    assert found, testid
    return found.group(0)


def test_the_page_is_one_query_with_every_list_in_order(
    make_client: Callable[..., FlaskClient], db_session: Session, statements: list[str]
) -> None:
    customer = make_customer(db_session, company_name="Globex")
    old = make_invoice(db_session, customer, number=700001, amount=Decimal("1234.50"),
                       issued_at=utcnow() - timedelta(days=40))
    new = make_invoice(db_session, customer, number=700002, amount=Decimal("99.00"), status="open", paid_at=None)
    make_ticket(db_session, customer_id=customer.id, title="Older ticket", updated_at=utcnow() - timedelta(days=2))
    make_ticket(db_session, customer_id=customer.id, title="Newer ticket")
    for days, score in ((3, 40), (1, 70)):
        db_session.add(CustomerHealthHistory(customer_id=customer.id, score=score, band="watch",
                                             recorded_at=utcnow() - timedelta(days=days)))
    customers.set_status(db_session, ACTOR, customer.id, "suspended")
    customers.mark_invoice_paid(db_session, ACTOR, new.id)
    manager = make_client("manager")
    statements.clear()
    html = manager.get(f"/customers/{customer.id}").get_data(as_text=True)

    reads = [s for s in statements if re.search(r"\b(invoices|support_tickets|audit_log|csat_surveys)\b", s)]
    assert len(reads) == 1 and "FROM customers c JOIN customer_health" in reads[0]
    invoices = _section(html, "customer-invoices")
    assert invoices.index("700002") < invoices.index("700001") and "USD 1,234.50" in invoices
    tickets = _section(html, "customer-tickets")
    assert tickets.index("Newer ticket") < tickets.index("Older ticket")
    activity = _section(html, "customer-activity")
    assert activity.index("invoice.paid") < activity.index("customer.suspended")  # newest first, both kinds
    assert '"labels":' in html and "[40, 70]" in html  # the trend, oldest first
    assert 'data-testid="revenue-lifetime">$1,333.50<' in html and 'data-testid="pay-invoice"' not in html
    assert 'data-testid="reactivate-customer"' in html and old.number == 700001


def test_a_reader_without_invoices_sees_neither_them_nor_their_activity(
    make_client: Callable[..., FlaskClient], db_session: Session
) -> None:
    customer = make_customer(db_session, company_name="Hooli")
    invoice = make_invoice(db_session, customer, number=700101, status="open", paid_at=None)
    customers.mark_invoice_paid(db_session, ACTOR, invoice.id)
    make_ticket(db_session, customer_id=customer.id, title="Hidden ticket")
    db_session.add(Role(name="one-customer", description="one customer",
                        permissions=[f"customers:read:{customer.id}"]))
    db_session.flush()
    html = make_client("one-customer").get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Hooli" in html and "700101" not in html and "invoice.paid" not in html
    assert "Hidden ticket" not in html and "No invoices." in html and "No tickets." in html
