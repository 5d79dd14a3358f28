"""/api/v1/support/macros and applying one to a ticket: results, locking, the permission matrix."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import Macro
from app.services import macros
from app.services.actor import Actor
from tests.factories import make_outsider_role, make_ticket
from tests.integration.api.conftest import AGENT_WORK, Auth, assert_envelope


def _shared(session: Session) -> Macro:
    return macros.save_macro(session, Actor.system(), None, "Close politely", "Thanks, {{ customer.company }}!",
                             False, True, {"status": "solved"})


@pytest.mark.parametrize(("role", "status"), AGENT_WORK)
def test_the_permission_matrix(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session,
                               role: str, status: int) -> None:
    make_outsider_role(db_session)
    macro = _shared(db_session)
    ticket = make_ticket(db_session)
    headers = make_token(role).headers
    listed = api.get("/api/v1/support/macros", headers=headers)
    assert listed.status_code == status
    applied = api.post(f"/api/v1/support/tickets/{ticket.id}/macros/{macro.id}/apply",
                       json={"version": 1}, headers=headers)
    assert applied.status_code == status
    db_session.refresh(ticket)
    assert ticket.status == ("solved" if status == 200 else "open")
    db_session.refresh(ticket)
    assert ticket.status == ("solved" if status == 200 else "open")


def test_it_lists_and_applies(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session) -> None:
    macro = _shared(db_session)
    ticket = make_ticket(db_session)
    headers = make_token("agent").headers
    data = api.get("/api/v1/support/macros?q=close", headers=headers).get_json()["data"]
    assert [m["name"] for m in data] == ["Close politely"] and data[0]["shared"] is True
    url = f"/api/v1/support/tickets/{ticket.id}/macros/{macro.id}/apply"
    resp = api.post(url, json={"version": 1}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["data"]["status"] == "solved"
    assert resp.headers["ETag"] == '"v2"'
    ticket2 = make_ticket(db_session, status="pending")
    url2 = f"/api/v1/support/tickets/{ticket2.id}/macros/{macro.id}/apply"
    assert_envelope(api.post(url2, json={"version": 0}, headers=headers), 409)
    assert_envelope(api.post(url2, json={"version": 1, "extra": 1}, headers=headers), 422)
    missing = f"/api/v1/support/tickets/{ticket2.id}/macros/{ticket2.id}/apply"
    assert_envelope(api.post(missing, json={"version": 1}, headers=headers), 404)
