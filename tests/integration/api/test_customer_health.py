"""/api/v1/customers: the health field, the band filter and the health sort (keyset cursors)."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.services import health
from tests.factories import make_customer, make_ticket
from tests.integration.api.conftest import Auth, assert_envelope


def _scored(session: Session, breaches: int, name: str) -> object:
    customer = make_customer(session, company_name=name)
    for _ in range(breaches):
        make_ticket(session, customer_id=customer.id, priority="urgent", sla_breached_at=utcnow())
    health.recompute_customer(session, customer.id)
    return customer


def test_customers_carry_their_health(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session) -> None:
    bad = _scored(db_session, 6, "Sinking Co")
    resp = api.get(f"/api/v1/customers/{bad.id}", headers=make_token("viewer").headers)  # type: ignore[attr-defined]
    h = resp.get_json()["data"]["health"]
    assert h["band"] == "at_risk" and 0 <= h["score"] < 40 and h["computed_at"]
    assert h["components"]["satisfaction"]["value"] is None and h["components"]["sla"]["value"] == 0


def test_the_list_filters_by_band_and_sorts_by_health_over_cursor_pages(
    api: FlaskClient, make_token: Callable[..., Auth], db_session: Session
) -> None:
    for i, n in enumerate((0, 1, 2, 3, 6, 6)):
        _scored(db_session, n, f"Company {i}")
    headers = make_token("viewer").headers
    scores, cursor = [], ""
    while True:
        body = api.get(f"/api/v1/customers?sort=health&limit=2&cursor={cursor}", headers=headers).get_json()
        scores += [c["health"]["score"] for c in body["data"]]
        cursor = body["meta"]["next_cursor"]
        if not cursor:
            break
    assert len(scores) == 6 and scores == sorted(scores)
    at_risk = api.get("/api/v1/customers?health=at_risk", headers=headers).get_json()["data"]
    assert len(at_risk) == 2 and {c["health"]["band"] for c in at_risk} == {"at_risk"}
    assert_envelope(api.get("/api/v1/customers?health=dying", headers=headers), 422)


def test_the_openapi_document_names_the_field_and_the_filter(api: FlaskClient, make_token: Callable[..., Auth]) -> None:
    doc = api.get("/api/v1/openapi.json", headers=make_token("viewer").headers).get_json()
    params = {p["name"] for p in doc["paths"]["/customers"]["get"]["parameters"]}
    assert {"health", "sort"} <= params
    assert "health" in doc["components"]["schemas"]["CustomerOut"]["properties"]
