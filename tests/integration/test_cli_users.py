"""`flask users list | set-role | suspend`."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from tests.factories import make_user


def test_it_lists_users(app: Flask, db_session: Session) -> None:
    make_user(db_session, email="listed@example.com", role_name="viewer", name="Listed")
    result = app.test_cli_runner().invoke(args=["users", "list", "--role", "viewer"])
    assert result.exit_code == 0
    assert "listed@example.com\tviewer\tactive\tListed" in result.output


def test_it_sets_a_role(app: Flask, db_session: Session) -> None:
    user = make_user(db_session, email="promote@example.com", role_name="agent")
    result = app.test_cli_runner().invoke(args=["users", "set-role", "PROMOTE@example.com", "manager"])
    assert result.exit_code == 0 and "is now manager" in result.output
    db_session.refresh(user)
    assert user.role_name == "manager"


def test_it_suspends(app: Flask, db_session: Session) -> None:
    user = make_user(db_session, email="bye@example.com")
    result = app.test_cli_runner().invoke(args=["users", "suspend", "bye@example.com"])
    assert result.exit_code == 0
    db_session.refresh(user)
    assert user.status == "suspended"


def test_unknown_users_and_roles_are_clear_errors(app: Flask, db_session: Session) -> None:
    make_user(db_session, email="known@example.com")
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["users", "suspend", "ghost@example.com"])
    assert missing.exit_code == 2 and "no user with email 'ghost@example.com'" in missing.output
    bad_role = runner.invoke(args=["users", "set-role", "known@example.com", "user"])
    assert bad_role.exit_code == 2 and "unknown role 'user'" in bad_role.output


def test_the_last_admin_cannot_be_suspended_from_the_cli(app: Flask, db_session: Session) -> None:
    from sqlalchemy import select

    from app.models import User

    for other in db_session.scalars(select(User).where(User.role_name == "admin")):
        other.status = "suspended"
    make_user(db_session, email="only-admin@example.com", role_name="admin")
    result = app.test_cli_runner().invoke(args=["users", "suspend", "only-admin@example.com"])
    assert result.exit_code == 1 and "last active admin" in result.output
