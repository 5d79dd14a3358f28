"""POST /api/v1/support/tickets/bulk-status with a result per ticket; GET and undo of a run; permissions."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_outsider_role, make_ticket
from tests.integration.api.conftest import AGENT_WORK, Auth, assert_envelope


def test_each_ticket_has_a_result_and_the_run_can_be_undone(api: FlaskClient, make_token: Callable[..., Auth],
                                                            db_session: Session) -> None:
    first, second = make_ticket(db_session), make_ticket(db_session)
    missing = uuid.uuid4()
    headers = make_token("agent").headers
    resp = api.post("/api/v1/support/tickets/bulk-status", headers=headers, json={
        "ids": [str(first.id), str(second.id), str(missing)], "status": "solved",
        "versions": {str(second.id): 7}})
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()["data"]
    assert (data["changed"], data["unchanged"], data["refused"], data["state"]) == (1, 0, 2, "done")
    outcomes = {i["id"]: i["outcome"] for i in data["items"]}
    assert outcomes == {str(first.id): "changed", str(second.id): "refused", str(missing): "refused"}
    assert data["undo_until"] is not None and data["undone"] is None
    run = f"/api/v1/support/tickets/bulk/{data['run_id']}"
    assert api.get(run, headers=headers).get_json()["data"]["items"] == data["items"]
    undone = api.post(f"{run}/undo", headers=headers)
    assert undone.status_code == 200 and undone.get_json()["data"]["undone"][0]["outcome"] == "restored"
    assert_envelope(api.post(f"{run}/undo", headers=headers), 422)
    db_session.refresh(first)
    assert first.status == "open"


@pytest.mark.parametrize(("role", "status"), AGENT_WORK)
def test_the_permission_matrix(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session,
                               role: str, status: int) -> None:
    make_outsider_role(db_session)
    ticket = make_ticket(db_session)
    resp = api.post("/api/v1/support/tickets/bulk-status", headers=make_token(role).headers,
                    json={"ids": [str(ticket.id)], "status": "pending"})
    assert resp.status_code == status
    db_session.refresh(ticket)
    assert ticket.status == ("pending" if status == 200 else "open")


def test_another_users_run_is_404(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session) -> None:
    ticket = make_ticket(db_session)
    resp = api.post("/api/v1/support/tickets/bulk-status", headers=make_token("agent").headers,
                    json={"ids": [str(ticket.id)], "status": "pending"})
    run = f"/api/v1/support/tickets/bulk/{resp.get_json()['data']['run_id']}"
    other = make_token("agent").headers
    assert_envelope(api.get(run, headers=other), 404)
    assert_envelope(api.post(f"{run}/undo", headers=other), 404)
    assert_envelope(api.get(run), 401)
