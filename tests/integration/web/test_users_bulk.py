"""POST /users/bulk: change role, suspend, reactivate for the selected rows."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditRecord
from tests.factories import make_user

HX = {"HX-Request": "true"}


def _audits(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditRecord)) or 0


def test_it_changes_the_role_of_the_selected_users(admin_client: FlaskClient, db_session: Session) -> None:
    targets = [make_user(db_session, role_name="agent", name=f"Bulk {n}") for n in range(3)]
    me = admin_client.user  # type: ignore[attr-defined]
    before = _audits(db_session)
    resp = admin_client.post("/users/bulk", headers=HX, data={
        "action": "set_role", "role": "viewer", "ids": [str(t.id) for t in targets] + [str(me.id)],
        "view": "q=bulk"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "3 updated, 1 failed" in body and "You cannot change your own role." in body
    assert 'id="user-table"' in body and 'hx-swap-oob="true"' in body
    assert json.loads(resp.headers["HX-Trigger"])["toast"]["message"] == "3 updated, 1 failed"
    assert _audits(db_session) == before + 3
    for t in targets:
        db_session.refresh(t)
        assert t.role_name == "viewer"


def test_it_suspends_and_reactivates_without_htmx(admin_client: FlaskClient, db_session: Session) -> None:
    targets = [make_user(db_session) for _ in range(2)]
    ids = [str(t.id) for t in targets]
    assert admin_client.post("/users/bulk", data={"action": "suspend", "ids": ids}).status_code == 303
    assert {db_session.get(type(t), t.id).status for t in targets} == {"suspended"}
    assert admin_client.post("/users/bulk", data={"action": "reactivate", "ids": ids}).status_code == 303
    for t in targets:
        db_session.refresh(t)
        assert t.status == "active"


def test_nothing_selected_or_a_bad_role_is_a_clear_error(admin_client: FlaskClient, db_session: Session) -> None:
    target = make_user(db_session)
    empty = admin_client.post("/users/bulk", headers=HX, data={"action": "suspend"})
    assert empty.status_code == 422 and "Select at least one user." in empty.get_data(as_text=True)
    bad = admin_client.post("/users/bulk", headers=HX,
                            data={"action": "set_role", "role": "god", "ids": [str(target.id)]})
    assert bad.status_code == 422 and "Choose one of the listed roles." in bad.get_data(as_text=True)


def test_bulk_needs_the_permission(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    target = make_user(db_session, role_name="viewer")
    data = {"action": "set_role", "role": "agent", "ids": [str(target.id)]}
    assert make_client("agent").post("/users/bulk", data=data).status_code == 403
    assert make_client("manager").post("/users/bulk", data=data).status_code == 403
    assert make_client("manager").post("/users/bulk", data={**data, "action": "suspend"}).status_code == 403
    db_session.refresh(target)
    assert (target.role_name, target.status) == ("viewer", "active")
