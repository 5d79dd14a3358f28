"""/api/v1/support/views and /support/tickets?view=<id>: results and the permission matrix."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_outsider_role, make_ticket
from tests.integration.api.conftest import Auth, assert_envelope


@pytest.mark.parametrize(("role", "status"), [("admin", 201), ("manager", 201), ("agent", 201), ("viewer", 201),
                                              ("nobody", 403)])
def test_the_permission_matrix(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session,
                               role: str, status: int) -> None:
    make_outsider_role(db_session)
    headers = make_token(role).headers
    assert api.post("/api/v1/support/views", json={"name": "Mine", "query": "status=open"},
                    headers=headers).status_code == status
    assert api.get("/api/v1/support/views", headers=headers).status_code == (200 if status == 201 else 403)
    shared = api.post("/api/v1/support/views", json={"name": "Team", "role_name": "agent"}, headers=headers)
    assert shared.status_code == (201 if role in ("admin", "manager") else 403)


def test_a_saved_view_filters_the_ticket_list(api: FlaskClient, make_token: Callable[..., Auth],
                                              db_session: Session) -> None:
    high = make_ticket(db_session, priority="high", title="Loud printer")
    make_ticket(db_session, priority="low", title="Quiet printer")
    headers = make_token("agent").headers
    created = api.post("/api/v1/support/views", json={"name": "High", "query": "priority=high&sort=number"},
                       headers=headers).get_json()["data"]
    assert created["count"] == 1 and created["count_exact"] is True
    rows = api.get(f"/api/v1/support/tickets?view={created['id']}", headers=headers).get_json()["data"]
    assert [r["id"] for r in rows] == [str(high.id)]
    assert api.get(f"/api/v1/support/tickets?view={created['id']}&priority=low",
                   headers=headers).get_json()["data"][0]["title"] == "Quiet printer"  # given parameters win
    other = make_token("agent").headers
    assert_envelope(api.get(f"/api/v1/support/tickets?view={created['id']}", headers=other), 404)
    assert_envelope(api.delete(f"/api/v1/support/views/{created['id']}", headers=other), 404)
    assert api.delete(f"/api/v1/support/views/{created['id']}", headers=headers).status_code == 204
