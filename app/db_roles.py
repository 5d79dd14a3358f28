"""The application's database role: everything it needs, and on the audit log only SELECT, INSERT.

Migrations run as the owner of the schema; `flask db-grant APP_ROLE` (run by the owner right
after `flask db upgrade`, in every way we ship the app) gives the application role its
privileges. The role owns nothing, so it cannot ALTER, DISABLE TRIGGER, TRUNCATE or rewrite
the audit log; the append-only triggers still refuse UPDATE and DELETE to the owner.
"""

from __future__ import annotations

import re
import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import text
from sqlalchemy.engine import Connection

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_statements(role: str) -> list[str]:
    if not _NAME.match(role):
        raise ValueError(f"not a plain role name: {role!r}")
    r = f'"{role}"'
    return [
        f"GRANT USAGE ON SCHEMA public, audit TO {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
        f"REVOKE INSERT, UPDATE, DELETE ON public.alembic_version FROM {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public, audit TO {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM {r}",
        f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA audit TO {r}",
        f"REVOKE CREATE ON SCHEMA public FROM {r}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
    ]


def grant(conn: Connection, role: str) -> None:
    """Give `role` the application's privileges (idempotent; run after every migration)."""
    for statement in grant_statements(role):
        conn.execute(text(statement))


def app_role_problems(conn: Connection) -> list[str]:
    """What the connected role could do to the audit log that the application must not."""
    row = conn.execute(
        text(
            "SELECT r.rolsuper, r.rolbypassrls,"
            " pg_has_role(current_user, c.relowner, 'USAGE'),"
            " has_table_privilege(current_user, 'audit.audit_log', 'UPDATE'),"
            " has_table_privilege(current_user, 'audit.audit_log', 'DELETE'),"
            " has_table_privilege(current_user, 'audit.audit_log', 'TRUNCATE'),"
            " has_table_privilege(current_user, 'audit.audit_log', 'TRIGGER')"
            " FROM pg_roles r, pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE r.rolname = current_user AND n.nspname = 'audit' AND c.relname = 'audit_log'"
        )
    ).one()
    bad = []
    if row[0]:
        bad.append("the application connects as a superuser")
    if row[2]:
        bad.append("the application role owns the audit log (it could disable its triggers)")
    if any(row[3:]):
        bad.append("the application role may UPDATE/DELETE/TRUNCATE the audit log")
    return bad


@click.command("db-grant")
@click.argument("role")
@with_appcontext
def db_grant(role: str) -> None:
    """As the schema owner: give ROLE the application's privileges (SELECT, INSERT on the audit log)."""
    from app.extensions import db

    try:
        with db.engine.begin() as conn:
            grant(conn, role)
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"privileges granted to {role}")
