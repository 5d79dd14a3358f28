"""/api/v1/support/tickets/<id>/merge and /links: results and the permission matrix."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_customer, make_outsider_role, make_ticket
from tests.integration.api.conftest import AGENT_WORK, Auth, assert_envelope


@pytest.mark.parametrize(("role", "status"), AGENT_WORK)
def test_merge_permission_matrix(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session,
                                 role: str, status: int) -> None:
    make_outsider_role(db_session)
    customer = make_customer(db_session)
    a, b = make_ticket(db_session, customer_id=customer.id), make_ticket(db_session, customer_id=customer.id)
    headers = make_token(role).headers
    resp = api.post(f"/api/v1/support/tickets/{a.id}/merge", json={"source_id": str(b.id)}, headers=headers)
    assert resp.status_code == status
    linked = api.post(f"/api/v1/support/tickets/{a.id}/links", json={"other_id": str(b.id)}, headers=headers)
    assert linked.status_code == status
    db_session.refresh(b)
    assert b.merged_into_id == (a.id if status == 200 else None)


def test_merge_and_links(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session) -> None:
    customer = make_customer(db_session)
    a, b, c = (make_ticket(db_session, customer_id=customer.id) for _ in range(3))
    headers = make_token("agent").headers
    merged = api.post(f"/api/v1/support/tickets/{a.id}/merge", json={"source_id": str(b.id)}, headers=headers)
    assert merged.status_code == 200 and merged.get_json()["data"]["id"] == str(a.id)
    assert api.get(f"/api/v1/support/tickets/{b.id}", headers=headers).get_json()["data"]["merged_into_id"] == str(a.id)
    assert_envelope(api.post(f"/api/v1/support/tickets/{a.id}/merge", json={"source_id": str(a.id)},
                             headers=headers), 422)
    links = api.post(f"/api/v1/support/tickets/{a.id}/links", json={"other_id": str(c.id)}, headers=headers)
    data = links.get_json()["data"]
    assert [t["id"] for t in data["linked"]] == [str(c.id)] and [t["id"] for t in data["merged"]] == [str(b.id)]
    back = api.get(f"/api/v1/support/tickets/{c.id}/links", headers=headers).get_json()["data"]
    assert [t["id"] for t in back["linked"]] == [str(a.id)]
    gone = api.delete(f"/api/v1/support/tickets/{c.id}/links/{a.id}", headers=headers)
    assert gone.status_code == 200 and gone.get_json()["data"]["linked"] == []
