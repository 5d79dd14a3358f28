"""/csat/<token> (public, once) and /satisfaction (analytics:read); the rating on ticket and customer."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.services import csat
from tests.factories import make_customer, make_outsider_role, make_ticket

HX = {"HX-Request": "true"}


def _token(app: Flask, session: Session, **fields: object) -> tuple[str, object]:
    ticket = make_ticket(session, status="solved", **fields)
    with app.test_request_context():
        token = csat.open_survey(session, ticket.id)
    assert token
    return token, ticket


def test_the_customer_rates_without_signing_in_once(app: Flask, client: FlaskClient, db_session: Session,
                                                    admin_client: FlaskClient) -> None:
    customer = make_customer(db_session)
    token, ticket = _token(app, db_session, customer_id=customer.id)
    page = client.get(f"/csat/{token}")
    assert page.status_code == 200 and 'data-testid="csat-form"' in page.get_data(as_text=True)
    client.get("/login")
    resp = client.post(f"/csat/{token}", data={"score": "5", "comment": "<b>great</b>"},
                       headers={"X-CSRFToken": client.csrf_token or client.fetch_csrf()})  # type: ignore[attr-defined]
    assert resp.status_code == 200 and 'data-testid="csat-thanks"' in resp.get_data(as_text=True)
    again = client.post(f"/csat/{token}", data={"score": "1"},
                        headers={"X-CSRFToken": client.csrf_token or ""})  # type: ignore[attr-defined]
    assert again.status_code == 400 and "rated already" in again.get_data(as_text=True)
    shown = admin_client.get(f"/tickets/{ticket.id}").get_data(as_text=True)  # type: ignore[attr-defined]
    assert 'data-testid="ticket-rating"' in shown and "5 / 5" in shown and "&lt;b&gt;great&lt;/b&gt;" in shown
    assert 'data-testid="customer-csat"' in admin_client.get(f"/customers/{customer.id}").get_data(as_text=True)


def test_a_forged_link_is_400(client: FlaskClient) -> None:
    resp = client.get("/csat/forged.token.value")
    assert resp.status_code == 400 and 'data-testid="csat-error"' in resp.get_data(as_text=True)


def test_the_report_page_and_block(admin_client: FlaskClient, make_client: Callable[..., FlaskClient],
                                   db_session: Session) -> None:
    page = admin_client.get("/satisfaction")
    assert page.status_code == 200 and 'data-testid="csat-by-agent"' in page.get_data(as_text=True)
    block = admin_client.get("/satisfaction", headers=HX)
    assert "<html" not in block.get_data(as_text=True) and 'id="csat-report"' in block.get_data(as_text=True)
    assert "HX-Request" in block.headers["Vary"]
    assert make_client("agent").get("/satisfaction").status_code == 403
    make_outsider_role(db_session)
    assert make_client("nobody").get("/satisfaction").status_code == 403


def test_a_missing_or_wrong_rating_keeps_the_form_with_its_error(app: Flask, client: FlaskClient,
                                                                db_session: Session) -> None:
    token, ticket = _token(app, db_session)
    client.get("/login")
    headers = {"X-CSRFToken": client.csrf_token or client.fetch_csrf()}  # type: ignore[attr-defined]
    for data in ({}, {"score": "abc"}, {"score": "6"}, {"score": "9" * 5000}):
        resp = client.post(f"/csat/{token}", data=data, headers=headers)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422 and 'data-testid="csat-form"' in html and "from 1 to 5" in html
    survey = csat.rating_of(db_session, ticket.id)  # type: ignore[attr-defined]
    assert survey is not None and survey.rated_at is None
    done = client.post(f"/csat/{token}", data={"score": "4"}, headers=headers)
    assert done.status_code == 200 and "rated this 4 out of 5" in done.get_data(as_text=True)
