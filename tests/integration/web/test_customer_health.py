"""Customer health on the pages: list column, sort and filter, the explained profile, the weights form."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from rq import Queue
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditRecord, CustomerHealth, HealthSettings
from app.models.base import utcnow
from app.services import health, jobs
from app.services.health_score import Weights
from tests.factories import make_customer, make_invoice, make_ticket

HX = {"HX-Request": "true"}
SETTINGS = {"weight_revenue": "40", "weight_support": "20", "weight_sla": "20", "weight_satisfaction": "20",
            "healthy_min": "80", "at_risk_below": "50"}


@pytest.fixture(autouse=True)
def _csrf_sending_clients(client: FlaskClient) -> None:
    """The `client` fixture installs the test client class that sends the CSRF header."""


def _three(session: Session) -> dict[str, object]:
    """A healthy, a watched and an at-risk customer, scored through the service."""
    fine = make_customer(session, company_name="Fine Inc")
    meh = make_customer(session, company_name="Meh Ltd")
    bad = make_customer(session, company_name="Sinking Co")
    for _ in range(2):
        make_ticket(session, customer_id=meh.id, priority="urgent", sla_breached_at=utcnow())
    for _ in range(6):
        make_ticket(session, customer_id=bad.id, priority="urgent", sla_breached_at=utcnow())
    for c in (fine, meh, bad):
        health.recompute_customer(session, c.id)
    session.flush()
    return {"fine": fine, "meh": meh, "bad": bad}


def _companies(html: str) -> list[str]:
    return list(re.findall(r">(Fine Inc|Meh Ltd|Sinking Co)<", html))


def test_the_list_shows_sorts_and_filters_by_health(viewer_client: FlaskClient, db_session: Session) -> None:
    _three(db_session)
    html = viewer_client.get("/customers?sort=health").get_data(as_text=True)
    assert _companies(html) == ["Sinking Co", "Meh Ltd", "Fine Inc"]
    assert 'data-band="at_risk"' in html and re.search(r"\d+ · At risk", html)  # the badge's label
    assert re.search(r'<option value="watch"[^>]*>Watch</option>', html)  # the band filter's
    assert _companies(viewer_client.get("/customers?sort=-health").get_data(as_text=True))[0] == "Fine Inc"
    only = viewer_client.get("/customers?health=at_risk", headers=HX)
    assert only.status_code == 200 and "<html" not in only.get_data(as_text=True)
    assert _companies(only.get_data(as_text=True)) == ["Sinking Co"]
    note = viewer_client.get("/customers?health=dying").get_data(as_text=True)
    assert "Ignored unknown health" in note


def test_the_profile_explains_each_component(viewer_client: FlaskClient, db_session: Session) -> None:
    bad = _three(db_session)["bad"]
    make_invoice(db_session, bad, amount=Decimal("90.00"), issued_at=utcnow() - timedelta(days=3))
    health.recompute_customer(db_session, bad.id)  # a second point for the trend
    html = viewer_client.get(f"/customers/{bad.id}").get_data(as_text=True)
    section = html.split('data-testid="customer-health"', 1)[1].split("</section>", 1)[0]
    for name in ("revenue", "support", "sla", "satisfaction"):
        assert f'data-testid="health-component-{name}"' in section
    assert "6 resolution-target breaches" in section and "No satisfaction ratings yet" in section
    assert "skipped" in section and "as of " in section and "chart-health" in section
    block = viewer_client.get(f"/customers/{bad.id}", headers=HX).get_data(as_text=True)
    assert "<html" not in block  # htmx asks for the profile block, not the health section


def test_a_new_customer_is_pending_until_computed(viewer_client: FlaskClient, db_session: Session) -> None:
    fresh = make_customer(db_session, company_name="Brand New")
    html = viewer_client.get(f"/customers/{fresh.id}").get_data(as_text=True)
    assert "(pending)" in html and "not computed yet" in html


def test_an_admin_tunes_the_weights_audited_and_recomputed(admin_client: FlaskClient, db_session: Session) -> None:
    page = admin_client.get("/customers/health-settings")
    assert page.status_code == 200 and 'data-testid="health-settings-form"' in page.get_data(as_text=True)
    resp = admin_client.post("/customers/health-settings", data=SETTINGS)
    assert resp.status_code == 303
    row = db_session.get(HealthSettings, 1)
    assert row is not None and (row.weight_revenue, row.healthy_min) == (40, 80)
    record = db_session.scalar(select(AuditRecord).where(AuditRecord.action == "health.settings_changed"))
    assert record is not None and record.changes["weight_revenue"] == [30, 40]
    assert "health-recompute-all" in Queue("low", connection=jobs.connection()).job_ids


def test_the_first_settings_row_holds_the_scores_default_weights(
    admin_client: FlaskClient, db_session: Session
) -> None:
    assert health.weights(db_session) == Weights()  # the row migration 0010 seeds
    db_session.delete(db_session.get(HealthSettings, 1))
    db_session.commit()  # a savepoint: gone for the request, back for the next test
    page = admin_client.get("/customers/health-settings").get_data(as_text=True)
    assert health.weights(db_session) == Weights()
    assert re.search(r'name="weight_revenue"[^>]*value="30"', page)
    assert re.search(r'name="at_risk_below"[^>]*value="40"', page)


def test_bad_weights_are_422_with_the_field_named(admin_client: FlaskClient, db_session: Session) -> None:
    resp = admin_client.post("/customers/health-settings", data={**SETTINGS, "healthy_min": "30"})
    assert resp.status_code == 422 and "Healthy must start above the at-risk line" in resp.get_data(as_text=True)
    resp = admin_client.post("/customers/health-settings", data={**SETTINGS, "weight_sla": "abc"})
    assert resp.status_code == 422 and "Enter a whole number" in resp.get_data(as_text=True)
    assert db_session.get(HealthSettings, 1).weight_revenue == 30  # type: ignore[union-attr]


@pytest.mark.parametrize("role", ["manager", "agent", "viewer"])
def test_only_health_managers_tune_the_weights(make_client: Callable[..., FlaskClient], role: str) -> None:
    client = make_client(role)
    assert client.get("/customers/health-settings").status_code == 403
    assert client.post("/customers/health-settings", data=SETTINGS).status_code == 403


def test_the_weights_link_shows_only_to_health_managers(
    make_client: Callable[..., FlaskClient], db_session: Session
) -> None:
    customer = make_customer(db_session)
    assert "Weights and bands" in make_client("admin").get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Weights and bands" not in make_client("manager").get(f"/customers/{customer.id}").get_data(as_text=True)


def test_a_page_view_never_recomputes(viewer_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session)
    make_ticket(db_session, customer_id=customer.id, priority="urgent", sla_breached_at=utcnow())
    viewer_client.get(f"/customers/{customer.id}")
    viewer_client.get("/customers?sort=health")
    assert db_session.get(CustomerHealth, customer.id).computed_at is None  # type: ignore[union-attr]
