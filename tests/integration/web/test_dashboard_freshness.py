"""Dashboard widgets say how fresh they are and answer 304 when their data has not changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.services import freshness, health
from tests.factories import make_customer, make_invoice, make_ticket

HX = {"HX-Request": "true"}


def _get(client: FlaskClient, name: str, etag: str | None = None, query: str = "?refresh=30") -> object:
    headers = {**HX, **({"If-None-Match": etag} if etag else {})}
    return client.get(f"/dashboard/widgets/{name}{query}", headers=headers)


def test_a_widget_has_a_weak_etag_and_says_when_it_was_computed(admin_client: FlaskClient) -> None:
    resp = _get(admin_client, "backlog")
    assert resp.status_code == 200 and resp.headers["ETag"].startswith('W/"')
    body = resp.get_data(as_text=True)
    assert 'data-testid="freshness"' in body and "just computed" in body
    assert resp.headers["X-Freshness"].startswith("as of ") and "HX-Request" in resp.headers["Vary"]


def test_an_unchanged_widget_answers_304_without_a_body(admin_client: FlaskClient) -> None:
    tag = _get(admin_client, "backlog").headers["ETag"]
    again = _get(admin_client, "backlog", tag)
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == tag
    assert "cached (recomputed at most every 10 s)" in again.headers["X-Freshness"]
    assert _get(admin_client, "backlog", f'"other", {tag}').status_code == 304  # a list, weak comparison
    assert _get(admin_client, "backlog", '"other"').status_code == 200


def test_recomputed_but_equal_data_is_still_304(
    admin_client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 0)  # every request runs the queries
    tag = _get(admin_client, "backlog").headers["ETag"]
    again = _get(admin_client, "backlog", tag)
    assert again.status_code == 304 and "just computed" in again.headers["X-Freshness"]


def test_changed_data_gets_a_new_body_and_tag(
    admin_client: FlaskClient, app: Flask, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 0)
    tag = _get(admin_client, "backlog").headers["ETag"]
    make_ticket(db_session, status="open", priority="urgent")
    changed = _get(admin_client, "backlog", tag)
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert "urgent: 1" in changed.get_data(as_text=True)


def test_the_tag_depends_on_the_view(admin_client: FlaskClient) -> None:
    week = _get(admin_client, "opened_solved", query="?range=7d&refresh=30").headers["ETag"]
    month = _get(admin_client, "opened_solved", query="?range=30d&refresh=30").headers["ETag"]
    assert week != month
    assert _get(admin_client, "opened_solved", week, "?range=30d&refresh=30").status_code == 200


def test_a_stale_widget_has_no_tag(admin_client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy.exc import OperationalError

    from app.services import dashboard

    _get(admin_client, "backlog")  # a last good value

    def broken(*_a: object) -> dict:
        raise OperationalError("SELECT", {}, Exception("database went away"))

    monkeypatch.setitem(dashboard.COMPUTE, "backlog", broken)
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 0)
    resp = _get(admin_client, "backlog")
    assert resp.status_code == 200 and "ETag" not in resp.headers and "Stale" in resp.get_data(as_text=True)


def test_agents_get_304_on_their_own_queue(make_client: Callable[..., FlaskClient]) -> None:
    agent = make_client("agent")
    tag = _get(agent, "my_cards").headers["ETag"]
    assert _get(agent, "my_cards", tag).status_code == 304
    assert _get(agent, "at_risk").status_code == 403


def test_the_at_risk_widget_weighs_customers_by_revenue(admin_client: FlaskClient, db_session: Session) -> None:
    sinking, fine = make_customer(db_session, company_name="Sinking Co"), make_customer(db_session)
    make_invoice(db_session, sinking, amount=Decimal("3000.00"), issued_at=utcnow() - timedelta(days=120))
    make_invoice(db_session, sinking, amount=Decimal("300.00"))  # the latest: its MRR
    make_invoice(db_session, fine, amount=Decimal("700.00"))
    for _ in range(6):
        make_ticket(db_session, customer_id=sinking.id, priority="urgent", sla_breached_at=sinking.created_at)
    for c in (sinking, fine):
        health.recompute_customer(db_session, c.id)
    body = _get(admin_client, "at_risk").get_data(as_text=True)
    assert 'data-testid="at-risk-mrr">$300.00' in body and "30.0 % of all" in body
    assert "Sinking Co" in body and "1 of 2" in body


def test_reports_say_when_they_were_computed(admin_client: FlaskClient) -> None:
    body = admin_client.get("/reports").get_data(as_text=True)
    assert 'data-testid="freshness"' in body and "just computed" in body


@pytest.mark.parametrize(("header", "expected"), [
    (None, False), ("", False), ("*", True), ('W/"a"', True), ('"a"', True), ('"b", W/"a"', True), ('"b"', False),
])
def test_if_none_match_uses_the_weak_comparison(header: str | None, expected: bool) -> None:
    assert freshness.matches(header, 'W/"a"') is expected
