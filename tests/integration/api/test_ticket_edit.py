"""PATCH /api/v1/support/tickets/<id> with title and description: locking, checks, the permission matrix."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_outsider_role, make_ticket
from tests.integration.api.conftest import AGENT_WORK, Auth, assert_envelope


def test_an_agent_edits_title_and_description(api: FlaskClient, make_token: Callable[..., Auth],
                                              db_session: Session) -> None:
    ticket = make_ticket(db_session, title="Old")
    resp = api.patch(f"/api/v1/support/tickets/{ticket.id}", json={"title": "New", "description": "Line\nline",
                                                                  "version": 1}, headers=make_token("agent").headers)
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()["data"]
    assert (data["title"], data["description"], data["version"]) == ("New", "Line\nline", 2)
    assert resp.headers["ETag"] == '"v2"'


def test_a_stale_title_edit_is_409_and_the_first_survives(api: FlaskClient, make_token: Callable[..., Auth],
                                                         db_session: Session) -> None:
    ticket = make_ticket(db_session, title="Old")
    url, headers = f"/api/v1/support/tickets/{ticket.id}", make_token("agent", name="Ann").headers
    assert api.patch(url, json={"title": "First", "version": 1}, headers=headers).status_code == 200
    error = assert_envelope(api.patch(url, json={"title": "Second", "version": 1}, headers=headers), 409)
    assert "changed title from “Old” to “First”" in error["message"]
    db_session.refresh(ticket)
    assert ticket.title == "First"


@pytest.mark.parametrize("body", [{"title": ""}, {"title": "a\nb"}, {"title": None}, {"title": "x" * 501},
                                  {"description": "x" * 50_001}])
def test_bad_text_is_422(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session,
                         body: dict[str, object]) -> None:
    ticket = make_ticket(db_session, title="Keep")
    resp = api.patch(f"/api/v1/support/tickets/{ticket.id}", json={**body, "version": 1},
                     headers=make_token("agent").headers)
    assert_envelope(resp, 422)
    db_session.refresh(ticket)
    assert ticket.title == "Keep"


@pytest.mark.parametrize(("role", "status"), AGENT_WORK)
def test_the_permission_matrix(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session,
                               role: str, status: int) -> None:
    make_outsider_role(db_session)
    ticket = make_ticket(db_session, title="Keep")
    resp = api.patch(f"/api/v1/support/tickets/{ticket.id}", json={"title": "Changed", "version": 1},
                     headers=make_token(role).headers)
    assert resp.status_code == status
    db_session.refresh(ticket)
    assert ticket.title == ("Changed" if status == 200 else "Keep")


def test_anonymous_is_401(api: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    assert_envelope(api.patch(f"/api/v1/support/tickets/{ticket.id}", json={"title": "x", "version": 1}), 401)
