"""/users: the list, active search, filters, sorting, paging, and who may see it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models.base import utcnow
from tests.factories import make_user


def test_it_shows_the_users_table(admin_client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, name="Ann Example", email="ann@example.com")
    resp = admin_client.get("/users")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" in body
    assert 'data-testid="users-table"' in body and "ann@example.com" in body
    assert 'data-testid="create-user-btn"' in body and 'data-testid="create-user-form"' in body


def test_it_returns_only_the_table_block_for_htmx(admin_client: FlaskClient) -> None:
    resp = admin_client.get("/users?q=ann", headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "<html" not in body and 'id="user-table"' in body
    assert "HX-Request" in resp.headers["Vary"]


def test_a_history_restore_gets_the_whole_page(admin_client: FlaskClient) -> None:
    resp = admin_client.get("/users?q=ann", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in resp.get_data(as_text=True)


def test_it_searches_name_and_email(admin_client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, name="Zelda Searchable", email="zs@example.com")
    make_user(db_session, name="Other Person", email="findme-by-mail@example.com")
    make_user(db_session, name="Not Shown", email="nope@example.com")
    by_name = admin_client.get("/users?q=zelda").get_data(as_text=True)
    assert "zs@example.com" in by_name and "nope@example.com" not in by_name
    by_mail = admin_client.get("/users?q=FINDME").get_data(as_text=True)
    assert "findme-by-mail@example.com" in by_mail and "nope@example.com" not in by_mail


def test_it_treats_like_wildcards_literally(admin_client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, name="Plain", email="plain@example.com")
    assert "plain@example.com" not in admin_client.get("/users?q=%25").get_data(as_text=True)


def test_it_filters_by_role_status_and_creation_date(admin_client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, email="mgr@example.com", role_name="manager", status="suspended")
    make_user(db_session, email="old@example.com", role_name="manager", status="suspended",
              created_at=utcnow() - timedelta(days=400))
    make_user(db_session, email="agent-x@example.com", role_name="agent")
    body = admin_client.get("/users?role=manager&status=suspended").get_data(as_text=True)
    assert "mgr@example.com" in body and "old@example.com" in body and "agent-x@example.com" not in body
    recent = (utcnow() - timedelta(days=30)).date().isoformat()
    body = admin_client.get(f"/users?role=manager&created_after={recent}").get_data(as_text=True)
    assert "mgr@example.com" in body and "old@example.com" not in body


def test_it_sorts_by_name_both_ways(admin_client: FlaskClient, db_session: Session) -> None:
    make_user(db_session, name="Aaa Sorted", email="a-sorted@example.com")
    make_user(db_session, name="Zzz Sorted", email="z-sorted@example.com")
    asc = admin_client.get("/users?q=sorted&sort=name").get_data(as_text=True)
    desc = admin_client.get("/users?q=sorted&sort=-name").get_data(as_text=True)
    assert asc.index("a-sorted@") < asc.index("z-sorted@")
    assert desc.index("z-sorted@") < desc.index("a-sorted@")


def test_it_pages_without_repeating_rows(admin_client: FlaskClient, db_session: Session) -> None:
    for n in range(5):
        make_user(db_session, name=f"Pager {n}", email=f"pager{n}@example.com")
    first = admin_client.get("/users?q=pager&per_page=3&sort=name").get_data(as_text=True)
    second = admin_client.get("/users?q=pager&per_page=3&sort=name&page=2").get_data(as_text=True)
    assert "pager0@" in first and "pager3@" not in first
    assert "pager3@" in second and "pager4@" in second and "pager0@" not in second


def test_bad_parameters_are_ignored_with_a_note(admin_client: FlaskClient) -> None:
    resp = admin_client.get("/users?sort=password_hash&role=wizard&created_after=yesterday&page=x")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Ignored unknown sort" in body and "Ignored unknown role" in body and "not a date" in body


def test_permission_matrix_for_the_list(
    make_client: Callable[..., FlaskClient], client: FlaskClient
) -> None:
    assert make_client("agent").get("/users").status_code == 403
    assert make_client("viewer").get("/users").status_code == 403
    manager = make_client("manager").get("/users")
    assert manager.status_code == 200
    body = manager.get_data(as_text=True)
    assert 'data-testid="create-user-btn"' not in body and 'id="bulk-form"' not in body
    anonymous = client.get("/users")
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["Location"]


def test_a_long_list_shows_an_estimate_instead_of_counting(admin_client: FlaskClient, db_session: Session) -> None:
    from sqlalchemy import text

    db_session.execute(text(
        "INSERT INTO users (id, email, name, role_name, status) SELECT gen_random_uuid(), "
        "'many' || n || '@example.com', 'Many ' || n, 'viewer', 'active' FROM generate_series(1, 1100) n"))
    # Web-search syntax: OR is a choice of words, not SQL; neither "nobody'" nor "'x'='x" is in a name.
    body = admin_client.get("/users?q=nobody'%20or%20'x'='x").get_data(as_text=True)
    assert 'data-testid="empty-state"' in body
    body = admin_client.get("/users?q=many").get_data(as_text=True)
    assert "about " in body and "page 1" in body
