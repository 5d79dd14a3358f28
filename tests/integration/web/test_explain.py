"""GET /users/<id>/explain and /roles/explain: the explainer on the user page and on /roles; the 403 page."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_user


def test_it_explains_an_allowed_action_with_its_grant(admin_client: FlaskClient, db_session: Session) -> None:
    agent = make_user(db_session, role_name="agent")
    resp = admin_client.get(f"/users/{agent.id}/explain?permission=tickets:assign")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" in body
    assert "allowed" in body and "<code data-testid=\"explain-matched\">tickets:assign</code>" in body
    assert "role agent" in body


def test_it_explains_a_refusal_with_the_nearest_grant_and_who_may_give_it(
    admin_client: FlaskClient, db_session: Session
) -> None:
    agent = make_user(db_session, role_name="agent")
    resp = admin_client.get(f"/users/{agent.id}/explain?permission=users:suspend",
                            headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in body and 'id="explain-result"' in body
    assert "refused" in body and "<code class=\"me-1\">users:suspend</code>" in body
    assert "Roles that allow it: admin." in body and "members of admin" in body
    assert "HX-Request" in resp.headers["Vary"]


def test_a_scoped_extra_grant_allows_only_its_object(admin_client: FlaskClient, db_session: Session) -> None:
    viewer = make_user(db_session, role_name="viewer", permissions=["tickets:assign:77"])
    own = admin_client.get(f"/users/{viewer.id}/explain?permission=tickets:assign&resource=77").get_data(as_text=True)
    other = admin_client.get(f"/users/{viewer.id}/explain?permission=tickets:assign&resource=78").get_data(
        as_text=True)
    assert "allowed" in own and "extra grant" in own
    assert "refused" in other and "tickets:assign:78" in other


def test_an_unknown_permission_is_a_422_in_place(admin_client: FlaskClient, db_session: Session) -> None:
    agent = make_user(db_session, role_name="agent")
    resp = admin_client.get(f"/users/{agent.id}/explain?permission=tickets:fly&resource=a:b",
                            headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "Choose a permission from the catalogue" in body and "no colon" in body


def test_roles_explain_answers_for_every_role(admin_client: FlaskClient) -> None:
    body = admin_client.get("/roles/explain?permission=customers:update").get_data(as_text=True)
    assert 'data-testid="explain-role-admin"' in body
    manager = body.split('data-testid="explain-role-manager"')[1].split("</li>")[0]
    agent = body.split('data-testid="explain-role-agent"')[1].split("</li>")[0]
    assert "allowed" in manager and "customers:*" in manager
    assert "refused" in agent


def test_the_permission_matrix(make_client: Callable[..., FlaskClient], client: FlaskClient,
                               db_session: Session) -> None:
    target = make_user(db_session, role_name="viewer")
    url = f"/users/{target.id}/explain?permission=tickets:read"
    assert make_client("admin").get(url).status_code == 200
    assert make_client("manager").get(url).status_code == 200  # users:read
    refused = make_client("agent").get(url)
    assert refused.status_code == 403
    assert "You need <code>users:read</code>" in refused.get_data(as_text=True)
    assert client.get(url).status_code in (302, 303)
    assert make_client("agent").get("/roles/explain?permission=tickets:read").status_code == 403


def test_the_403_json_names_the_missing_grant(make_client: Callable[..., FlaskClient]) -> None:
    resp = make_client("viewer").get("/users", headers={"Accept": "application/json"})
    assert resp.status_code == 403
    assert resp.get_json()["error"]["details"] == {"missing": ["users:read"]}
