"""/api/v1/support/csat: results and the permission matrix."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.services import csat
from tests.factories import make_customer, make_outsider_role, make_ticket, make_user
from tests.integration.api.conftest import Auth


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("manager", 200), ("agent", 403), ("viewer", 403),
                                              ("nobody", 403)])
def test_the_permission_matrix(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session,
                               role: str, status: int) -> None:
    make_outsider_role(db_session)
    resp = api.get("/api/v1/support/csat", headers=make_token(role).headers)
    assert resp.status_code == status
    if status == 200:
        assert set(resp.get_json()["data"]) == {"overall", "agents", "tiers", "weeks"}


def test_the_results_hold_each_rating_by_agent_and_tier(app: Flask, api: FlaskClient,
                                                       make_token: Callable[..., Auth], db_session: Session) -> None:
    agent = make_user(db_session, name="Rated Agent")
    customer = make_customer(db_session, subscription_tier="enterprise")
    for score in ("5", "2"):
        ticket = make_ticket(db_session, status="solved", customer_id=customer.id, assignee_id=agent.id)
        with app.test_request_context():
            token = csat.open_survey(db_session, ticket.id)
            assert token
            csat.rate(db_session, token, score)
    data = api.get("/api/v1/support/csat", headers=make_token("admin").headers).get_json()["data"]
    assert data["overall"] == {"label": "All", "average": 3.5, "count": 2}
    assert {"label": "Rated Agent", "average": 3.5, "count": 2} in data["agents"]
    assert {"label": "enterprise", "average": 3.5, "count": 2} in data["tiers"]
    assert sum(w["count"] for w in data["weeks"]) == 2
