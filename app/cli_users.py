"""`flask users …`: list staff, change a role, suspend — as the system actor."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db_session
from app.models import User
from app.services import users
from app.services.actor import Actor
from app.services.auth import find_by_email
from app.services.errors import DomainError
from app.services.users_queries import role_names

users_cli = AppGroup("users", help="Staff users.")


def _user_or_exit(email: str) -> User:
    user = find_by_email(db_session(), email)
    if user is None:
        click.echo(f"error: no user with email {email!r}", err=True)
        sys.exit(2)
    return user


@users_cli.command("list")
@click.option("--role", default=None, help="Only users with this role.")
@click.option("--limit", default=200, show_default=True)
def list_cmd(role: str | None, limit: int) -> None:
    """Email, role, status and name of each user (newest first)."""
    stmt = select(User).order_by(User.created_at.desc()).limit(limit)
    if role:
        stmt = stmt.where(User.role_name == role)
    for user in db_session().scalars(stmt):
        click.echo(f"{user.email}\t{user.role_name}\t{user.status}\t{user.name}")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role")
def set_role_cmd(email: str, role: str) -> None:
    """Give the user with EMAIL the role ROLE."""
    user = _user_or_exit(email)
    known = role_names(db_session())
    if role not in known:
        click.echo(f"error: unknown role {role!r} (known: {', '.join(known)})", err=True)
        sys.exit(2)
    _run(lambda: users.set_role(db_session(), Actor.system("cli"), user.id, role), f"{user.email} is now {role}")


@users_cli.command("suspend")
@click.argument("email")
def suspend_cmd(email: str) -> None:
    """Suspend the user with EMAIL and end their sessions."""
    user = _user_or_exit(email)
    _run(lambda: users.suspend_user(db_session(), Actor.system("cli"), user.id), f"{user.email} suspended")


def _run(op: Callable[[], object], done: str) -> None:
    try:
        op()
    except DomainError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    click.echo(done)
