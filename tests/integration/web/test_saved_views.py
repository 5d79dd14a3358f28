"""The saved views side list on /tickets: lazy block, save, order, delete, the permission cast."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import SavedView
from tests.factories import make_outsider_role, make_ticket

HX = {"HX-Request": "true"}


def test_the_side_list_loads_lazily_and_saves_the_current_list(agent_client: FlaskClient,
                                                               db_session: Session) -> None:
    make_ticket(db_session, priority="high")
    page = agent_client.get("/tickets?priority=high").get_data(as_text=True)
    assert 'hx-get="/tickets/views"' in page
    assert agent_client.get("/tickets/views").status_code == 302
    resp = agent_client.post("/tickets/views", data={"name": "High ones", "query": "priority=high&page=2"},
                             headers=HX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in html and "High ones" in html
    assert 'href="/tickets?priority=high"' in html and 'data-testid="saved-view-count"' in html
    view = db_session.scalars(select(SavedView)).one()
    assert view.query == "priority=high" and view.role_name is None
    bad = agent_client.post("/tickets/views", data={"name": "", "query": ""}, headers=HX)
    assert bad.status_code == 422 and 'data-testid="saved-view-error"' in bad.get_data(as_text=True)
    assert agent_client.post(f"/tickets/views/{view.id}/delete", headers=HX).status_code == 200
    assert db_session.scalars(select(SavedView)).first() is None


def test_sharing_needs_views_share(agent_client: FlaskClient, make_client: Callable[..., FlaskClient],
                                   db_session: Session) -> None:
    assert agent_client.post("/tickets/views", data={"name": "Team", "role_name": "agent"}).status_code == 403
    manager = make_client("manager")
    block = manager.get("/tickets/views", headers=HX).get_data(as_text=True)
    assert 'data-testid="view-role"' in block
    assert manager.post("/tickets/views", data={"name": "Team", "role_name": "agent"}).status_code == 303
    assert "Team" in agent_client.get("/tickets/views", headers=HX).get_data(as_text=True)


def test_the_permission_cast(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    make_outsider_role(db_session)
    nobody = make_client("nobody")
    assert nobody.get("/tickets/views", headers=HX).status_code == 403
    assert nobody.post("/tickets/views", data={"name": "x"}).status_code == 403
    assert make_client("viewer").post("/tickets/views", data={"name": "Mine"}).status_code == 303
