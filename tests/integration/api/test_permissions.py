"""D1 for the API: every operation refuses a token without its permission (403) and no token (401)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.api.endpoint import OPERATIONS
from app.models import Role
from tests.integration.api.conftest import Auth, assert_envelope


def _url(rule: str) -> str:
    return "/api/v1" + re.sub(r"<(?:\w+:)?\w+>", str(uuid.uuid4()), rule)


def test_every_operation_needs_its_permission(
    api: FlaskClient, make_token: Callable[..., Auth], db_session: Session
) -> None:
    db_session.add(Role(name="nobody", description="no permissions", permissions=[]))
    db_session.flush()
    nobody = make_token("nobody").headers
    checked = 0
    for op in OPERATIONS:
        if op.permission in ("public", "authenticated"):
            continue
        resp = api.open(_url(op.rule), method=op.method, headers=nobody, json={})
        assert_envelope(resp, 403)
        assert_envelope(api.open(_url(op.rule), method=op.method, json={}), 401)
        checked += 1
    assert checked >= 12


def test_a_scoped_grant_opens_only_its_operation(
    api: FlaskClient, make_token: Callable[..., Auth], db_session: Session
) -> None:
    db_session.add(Role(name="reader", description="reads tickets", permissions=["tickets:read"]))
    db_session.flush()
    reader = make_token("reader").headers
    assert api.get("/api/v1/support/tickets", headers=reader).status_code == 200
    assert_envelope(api.get("/api/v1/users", headers=reader), 403)


def test_a_patch_with_a_forbidden_part_changes_nothing(
    api: FlaskClient, make_token: Callable[..., Auth], db_session: Session
) -> None:
    from tests.factories import make_customer, make_user

    db_session.add(Role(name="editor", description="edits, no role or status changes",
                        permissions=["users:read", "users:update", "customers:read", "customers:update"]))
    db_session.flush()
    editor = make_token("editor").headers
    target = make_user(db_session, name="Before", role_name="agent")
    resp = api.patch(f"/api/v1/users/{target.id}", headers=editor, json={"name": "After", "role": "viewer"})
    assert_envelope(resp, 403)
    db_session.refresh(target)
    assert (target.name, target.role_name) == ("Before", "agent")
    customer = make_customer(db_session, company_name="Before Inc")
    resp = api.patch(f"/api/v1/customers/{customer.id}", headers=editor,
                     json={"company_name": "After Inc", "status": "suspended", "version": customer.version})
    assert_envelope(resp, 403)
    db_session.refresh(customer)
    assert (customer.company_name, customer.status) == ("Before Inc", "active")
