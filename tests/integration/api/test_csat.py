"""/api/v1/support/csat: results and the permission matrix."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_outsider_role
from tests.integration.api.conftest import Auth


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("manager", 200), ("agent", 403), ("viewer", 403),
                                              ("nobody", 403)])
def test_the_permission_matrix(api: FlaskClient, make_token: Callable[..., Auth], db_session: Session,
                               role: str, status: int) -> None:
    make_outsider_role(db_session)
    resp = api.get("/api/v1/support/csat", headers=make_token(role).headers)
    assert resp.status_code == status
    if status == 200:
        assert set(resp.get_json()["data"]) == {"overall", "agents", "tiers", "weeks"}
