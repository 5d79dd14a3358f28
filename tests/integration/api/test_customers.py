"""/api/v1/customers: permissions, ETags and versions, filters."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_customer
from tests.integration.api.conftest import Auth, assert_envelope

NEW = {"company_name": "Acme Rockets", "contact_email": "ops@acme.example", "subscription_tier": "enterprise"}


def test_a_manager_creates_a_customer(api: FlaskClient, make_token: Callable[..., Auth]) -> None:
    resp = api.post("/api/v1/customers", json=NEW, headers=make_token("manager").headers)
    assert resp.status_code == 201, resp.get_json()
    data = resp.get_json()["data"]
    assert data["company_name"] == "Acme Rockets" and data["status"] == "active" and data["metadata"] == {}
    assert resp.headers["ETag"] == f'"v{data["version"]}"'


def test_an_agent_cannot_create_or_change_customers(
    api: FlaskClient, make_token: Callable[..., Auth], db_session: Session
) -> None:
    customer = make_customer(db_session)
    agent = make_token("agent").headers
    assert api.get(f"/api/v1/customers/{customer.id}", headers=agent).status_code == 200
    assert_envelope(api.post("/api/v1/customers", json=NEW, headers=agent), 403)
    assert_envelope(api.patch(f"/api/v1/customers/{customer.id}", json={"company_name": "X", "version": 1},
                              headers=agent), 403)


def test_a_stale_update_is_refused_and_the_first_survives(
    api: FlaskClient, make_token: Callable[..., Auth], db_session: Session
) -> None:
    customer = make_customer(db_session, company_name="Original")
    headers = make_token("manager").headers
    url = f"/api/v1/customers/{customer.id}"
    tag = api.get(url, headers=headers).headers["ETag"]
    assert api.patch(url, json={"company_name": "First"}, headers={**headers, "If-Match": tag}).status_code == 200
    assert_envelope(api.patch(url, json={"company_name": "Second"}, headers={**headers, "If-Match": tag}), 412)
    assert_envelope(api.patch(url, json={"company_name": "Third", "version": 1}, headers=headers), 409)
    db_session.refresh(customer)
    assert customer.company_name == "First"


def test_it_suspends_through_patch(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session) -> None:
    customer = make_customer(db_session)
    resp = api.patch(f"/api/v1/customers/{customer.id}", json={"status": "suspended", "version": customer.version},
                     headers=make_token("manager").headers)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["data"]["status"] == "suspended"


def test_it_lists_with_filters_and_cursors(
    api: FlaskClient, make_token: Callable[..., Auth], db_session: Session
) -> None:
    for n in range(3):
        make_customer(db_session, company_name=f"Zebra Paging {n}", subscription_tier="starter")
    headers = make_token("viewer").headers
    url = "/api/v1/customers?q=zebra+paging&tier=starter&sort=company&limit=2"
    first = api.get(url, headers=headers).get_json()
    assert [c["company_name"] for c in first["data"]] == ["Zebra Paging 0", "Zebra Paging 1"]
    second = api.get(f"{url}&cursor={first['meta']['next_cursor']}", headers=headers).get_json()
    assert [c["company_name"] for c in second["data"]] == ["Zebra Paging 2"]
    assert_envelope(api.get("/api/v1/customers?tier=gold", headers=headers), 422)
