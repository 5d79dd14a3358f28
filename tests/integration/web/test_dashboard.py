from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.services import dashboard
from tests.factories import make_customer, make_invoice, make_ticket

HX = {"HX-Request": "true"}


def _widget(client: FlaskClient, name: str, query: str = "") -> str:
    resp = client.get(f"/dashboard/widgets/{name}{query}", headers=HX)
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def test_it_shows_the_page_with_lazy_self_refreshing_widgets(admin_client: FlaskClient) -> None:
    html = admin_client.get("/?range=7d&refresh=15").get_data(as_text=True)
    assert "<html" in html
    for name in dashboard.FULL_WIDGETS:
        assert f'id="widget-{name}"' in html
        assert re.search(rf'hx-get="/dashboard/widgets/{name}\?range=7d&amp;refresh=15"', html)
    assert html.count('hx-trigger="load, every 15s"') == len(dashboard.FULL_WIDGETS)
    assert "chart-4.6.1.umd.min.js" in html and "<script>" not in html


def test_it_pauses_refreshing(admin_client: FlaskClient) -> None:
    html = admin_client.get("/?refresh=0").get_data(as_text=True)
    main = html.split("<main", 1)[1]  # the widgets, not the top bar's bell
    widget_triggers = re.findall(r'hx-trigger="(load[^"]*)"', main)
    assert widget_triggers and all("every" not in t for t in widget_triggers)


def test_the_cards_show_real_counts(admin_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session)
    make_ticket(db_session, customer_id=customer.id, status="open", title="Printer on fire")
    make_ticket(db_session, customer_id=customer.id, status="closed")
    make_invoice(db_session, customer, amount=Decimal("1234.50"))
    cards = _widget(admin_client, "cards")
    assert "<html" not in cards
    assert 'data-testid="stat-open-tickets">1<' in cards
    assert 'data-testid="stat-revenue">$1,234.50<' in cards
    assert re.search(r'data-testid="stat-system-health">\d+%<', cards)
    assert 'id="health-breakdown"' in cards and "Outbox lag" in cards
    assert "Printer on fire" in _widget(admin_client, "recent")


def test_htmx_gets_only_the_widget_block(admin_client: FlaskClient) -> None:
    for name in dashboard.FULL_WIDGETS:
        resp = admin_client.get(f"/dashboard/widgets/{name}", headers=HX)
        body = resp.get_data(as_text=True)
        assert "<html" not in body and 'id="widget-' not in body, name
        assert "HX-Request" in resp.headers["Vary"]


@pytest.mark.parametrize("name", ["cards", "opened_solved", "backlog", "sla", "revenue", "workload", "recent"])
def test_a_plain_get_of_a_widget_gives_the_page(admin_client: FlaskClient, name: str) -> None:
    resp = admin_client.get(f"/dashboard/widgets/{name}")
    assert resp.status_code == 200 and "<html" in resp.get_data(as_text=True)


def test_charts_carry_their_data_as_json(admin_client: FlaskClient, db_session: Session) -> None:
    make_ticket(db_session, status="open", priority="urgent")
    body = _widget(admin_client, "backlog")
    spec = json.loads(re.search(r"data-chart='([^']*)'", body).group(1).replace("&#34;", '"'))
    assert spec["labels"] == ["low", "medium", "high", "urgent"] and spec["datasets"][0]["data"] == [0, 0, 0, 1]


@pytest.mark.parametrize("query", ["?range=custom&from=2025-03-10&to=2025-03-01",
                                   "?range=custom&from=nope&to=2025-01-01",
                                   "?range=forever", "?range=custom&from=2020-01-01&to=2025-01-01"])
def test_a_bad_range_falls_back_with_a_note(admin_client: FlaskClient, query: str) -> None:
    resp = admin_client.get("/" + query)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'data-testid="range-note"' in html and "showing the last 30 days" in html
    assert _widget(admin_client, "cards", query)


def test_a_custom_range_is_kept_in_the_widget_urls(admin_client: FlaskClient) -> None:
    html = admin_client.get("/?range=custom&from=2025-03-01&to=2025-03-10").get_data(as_text=True)
    assert "range=custom&amp;refresh=30&amp;from=2025-03-01&amp;to=2025-03-10" in html
    assert 'data-testid="range-note"' not in html


def test_a_failing_widget_shows_the_last_good_value_marked_stale(
    app: Flask, admin_client: FlaskClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_ticket(db_session, status="open")
    assert 'data-testid="stat-open-tickets">1<' in _widget(admin_client, "cards", "?refresh=2")
    from sqlalchemy.exc import OperationalError

    def broken(*args: object) -> dict:
        raise OperationalError("SELECT", {}, Exception("connection lost"))

    monkeypatch.setitem(dashboard.COMPUTE, "cards", broken)
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 0)
    body = _widget(admin_client, "cards", "?refresh=2")
    assert 'data-testid="widget-stale"' in body and 'data-testid="stat-open-tickets">1<' in body
    assert 'data-testid="widget-stale"' in _widget(admin_client, "cards", "?range=7d")  # nothing good yet


def test_the_permission_matrix(make_client: Callable[..., FlaskClient], client: FlaskClient) -> None:
    manager, agent, viewer = make_client("manager"), make_client("agent"), make_client("viewer")
    assert _widget(manager, "revenue")
    for reduced in (agent, viewer):
        page = reduced.get("/").get_data(as_text=True)
        assert 'id="widget-my_cards"' in page and 'id="widget-revenue"' not in page
        assert reduced.get("/dashboard/widgets/revenue", headers=HX).status_code == 403
        assert 'data-testid="stat-open-tickets"' in _widget(reduced, "my_cards")
    assert client.get("/").status_code == 302
    assert client.get("/dashboard/widgets/cards").status_code == 302
    assert manager.get("/dashboard/widgets/nope", headers=HX).status_code == 404


def test_an_agent_sees_only_their_own_tickets(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    agent = make_client("agent")
    make_ticket(db_session, status="open", assignee_id=agent.user.id, title="Mine to fix")
    make_ticket(db_session, status="open", title="Somebody else's")
    assert 'data-testid="stat-open-tickets">1<' in _widget(agent, "my_cards")
    recent = _widget(agent, "recent")
    assert "Mine to fix" in recent and "Somebody else" not in recent


def test_health_and_ready(client: FlaskClient) -> None:
    assert client.get("/health").get_json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_it_echoes_the_correlation_id(client: FlaskClient) -> None:
    assert client.get("/health", headers={"X-Correlation-ID": "abc-123"}).headers["X-Correlation-ID"] == "abc-123"
    assert len(client.get("/health").headers["X-Correlation-ID"]) == 32
