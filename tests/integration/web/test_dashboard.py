from __future__ import annotations

from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_customer, make_invoice, make_ticket


def test_it_shows_real_counts(admin_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session)
    make_ticket(db_session, customer_id=customer.id, status="open", title="Printer on fire")
    make_ticket(db_session, customer_id=customer.id, status="closed")
    make_invoice(db_session, customer, amount=Decimal("1234.50"))
    html = admin_client.get("/").get_data(as_text=True)
    assert 'data-testid="stat-open-tickets">1<' in html
    assert 'data-testid="stat-revenue">$1,234.50<' in html
    assert "Printer on fire" in html


def test_htmx_gets_only_the_stats_block(admin_client: FlaskClient) -> None:
    resp = admin_client.get("/", headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert "<html" not in body and 'id="stats-cards"' in body
    assert "HX-Request" in resp.headers["Vary"]


def test_health_and_ready(client: FlaskClient) -> None:
    assert client.get("/health").get_json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_it_echoes_the_correlation_id(client: FlaskClient) -> None:
    assert client.get("/health", headers={"X-Correlation-ID": "abc-123"}).headers["X-Correlation-ID"] == "abc-123"
    assert len(client.get("/health").headers["X-Correlation-ID"]) == 32
