"""flask commands for admins and operators (`flask --app wsgi …`)."""

from __future__ import annotations

import os
import sys
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import text

from app.extensions import db, db_session
from app.services import audit, events, jobs
from app.services.actor import Actor
from app.services.errors import Invalid
from app.services.roles_setup import create_admin, ensure_default_roles

outbox_cli = AppGroup("outbox", help="Domain events waiting in the outbox.")
audit_cli = AppGroup("audit", help="The audit trail.")
search_cli = AppGroup("search", help="The ticket search index.")


def register(app: Flask) -> None:
    for command in (create_admin_cmd, seed_cmd, wait_for_services, worker_cmd, ensure_roles):
        app.cli.add_command(command)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(search_cli)
    from app import deploy_check

    deploy_check.register(app)
    from app.db_roles import db_grant

    app.cli.add_command(db_grant)
    from app.cli_users import users_cli

    app.cli.add_command(users_cli)
    from app.cli_health import health_cli

    app.cli.add_command(health_cli)


@click.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", default=None, help="Prompted for when not given.")
@click.option("--generate", is_flag=True, help="Generate a random password and print it once.")
def create_admin_cmd(email: str, name: str, password: str | None, generate: bool) -> None:
    """Create or promote an admin (idempotent)."""
    if password is None and not generate:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user, generated = create_admin(db_session(), Actor.system("cli"), email, name, password)
    except Invalid as exc:
        for msg in exc.details.get("password", []):
            click.echo(f"error: {msg}", err=True)
        sys.exit(2)
    click.echo(f"admin ready: {user.email}")
    if generated:
        click.echo(f"password (shown once): {generated}")


@click.command("ensure-roles")
def ensure_roles() -> None:
    """Create any missing built-in role."""
    ensure_default_roles(db_session())
    db_session().commit()


@click.command("seed")
@click.option("--users", default=25, show_default=True)
@click.option("--customers", default=200, show_default=True)
@click.option("--tickets", default=2000, show_default=True)
@click.option("--seed", "seed_value", default=42, show_default=True)
@click.option("--audit", "audit_records", default=0, show_default=True,
              help="Also append this many audit records (a valid hash chain over two years).")
@click.option("--audit-only", is_flag=True, help="Only append the --audit records to the existing data.")
@click.option("--if-empty", is_flag=True, help="Do nothing when tickets already exist.")
def seed_cmd(users: int, customers: int, tickets: int, seed_value: int, audit_records: int, audit_only: bool,
             if_empty: bool) -> None:
    """Load demo data (fast enough for 1,000,000 tickets)."""
    from app.seed import seed

    ensure_default_roles(db_session())
    db_session().commit()
    if audit_only:
        _seed_audit(audit_records, seed_value)
        return
    present = if_empty and db_session().execute(text("SELECT EXISTS (SELECT 1 FROM support_tickets)")).scalar()
    db_session().rollback()  # the seed alters tables on its own connection: hold no lock on them
    if present:
        click.echo("data present; seed skipped")
        return
    result = seed(db.engine, users, customers, tickets, seed_value, progress=lambda m: click.echo(f"  {m}"))
    click.echo(
        f"seeded {result.users} users, {result.customers} customers, {result.invoices} invoices, "
        f"{result.tickets} tickets in {result.seconds:.1f}s"
    )
    from app.services import health

    started = time.perf_counter()
    scored = health.recompute_all(db_session(), Actor.system("seed"))
    click.echo(f"health scores for {scored} customers in {time.perf_counter() - started:.1f}s")
    if audit_records:
        _seed_audit(audit_records, seed_value)


def _seed_audit(n: int, seed_value: int) -> None:
    from app.seed_audit import seed_audit

    db_session().rollback()  # the seed appends on its own connection, under the chain's lock
    count, seconds = seed_audit(db.engine, n, seed_value, progress=lambda m: click.echo(f"  {m}"))
    click.echo(f"appended {count} audit records in {seconds:.1f}s")


@click.command("wait-for-services")
@click.option("--timeout", default=60, show_default=True, type=float)
def wait_for_services(timeout: float) -> None:
    """Exit 0 once PostgreSQL and Redis answer; 1 after the timeout."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            db_session().execute(text("SELECT 1"))
            jobs.connection().ping()
            click.echo("services ready")
            return
        except Exception as exc:  # noqa: BLE001 - any failure means "not yet"
            db_session().rollback()
            last = f"{type(exc).__name__}: {exc}"
            time.sleep(0.5)
    click.echo(f"services not ready after {timeout}s: {last}", err=True)
    sys.exit(1)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--with-scheduler/--no-scheduler", default=True)
def worker_cmd(burst: bool, with_scheduler: bool) -> None:
    """Run an RQ worker (same as `python -m workers`)."""
    # The worker process builds its own app; starting it by module path keeps app/ from importing
    # workers/ (which imports app/).
    args = [sys.executable, "-m", "workers", *(["--burst"] if burst else []),
            *([] if with_scheduler else ["--no-scheduler"])]
    os.execv(sys.executable, args)  # noqa: S606 - our own interpreter and module


@outbox_cli.command("relay")
@click.option("--limit", default=500, show_default=True)
def outbox_relay(limit: int) -> None:
    """Dispatch undelivered domain events."""
    sent = events.relay(db_session(), limit)
    click.echo(f"dispatched {sent} events")


@audit_cli.command("verify")
@click.option("--no-anchor", is_flag=True, help="Skip the check against the last anchor.")
def audit_verify(no_anchor: bool) -> None:
    """Check the audit hash chain and the last anchor; exit 1 naming the first broken record."""
    path = None if no_anchor else audit.anchor_file(current_app.config)
    problem = audit.verify(db_session(), path, current_app.config["SECRET_KEY"])
    if problem is not None:
        click.echo(f"audit chain broken at record {problem.chain_index}: {problem.reason}", err=True)
        sys.exit(1)
    index, _ = audit.head(db_session())
    anchored = audit.last_anchor(path) if path else None
    note = f"; last anchor at record {anchored.chain_index} ({anchored.anchored_at}) matches" if anchored else ""
    click.echo(f"audit chain verified: {index} records{note}")


@audit_cli.command("anchor")
def audit_anchor() -> None:
    """Append the chain's head (index, hash, time, HMAC) to AUDIT_ANCHOR_FILE."""
    path = audit.anchor_file(current_app.config)
    anchor = audit.write_anchor(db_session(), path, current_app.config["SECRET_KEY"])
    click.echo(f"anchored record {anchor.chain_index} ({anchor.row_hash[:16]}…) in {path}")


@search_cli.command("reindex")
@click.option("--entity", type=click.Choice(["tickets", "customers", "users"]), multiple=True,
              help="Only this kind (repeatable); every kind when not given.")
@click.option("--batch", default=10_000, show_default=True)
def search_reindex(entity: tuple[str, ...], batch: int) -> None:
    """Rebuild the search index: Elasticsearch (a new index, then the alias swapped) when
    ELASTICSEARCH_URL is set, else the tickets' PostgreSQL full-text vectors."""
    from app.search import ENTITIES, documents, elastic
    from app.search.maintenance import reindex

    for name in entity or ENTITIES:
        if elastic() is None and name != "tickets":
            click.echo(f"{name}: PostgreSQL keeps this vector as a generated column; nothing to rebuild")
            continue
        total = documents.count(db_session(), name)
        with click.progressbar(length=total, label=f"{name} ({total:,})", file=sys.stderr) as bar:
            seen = [0]

            def progress(n: int, bar: object = bar, seen: list[int] = seen) -> None:
                bar.update(n - seen[0])  # type: ignore[attr-defined]
                seen[0] = n

            done = reindex(db_session(), name, batch, progress)
        click.echo(f"reindexed {done:,} {name}")


@search_cli.command("reconcile")
def search_reconcile() -> None:
    """Compare the Elasticsearch index with PostgreSQL (ids and versions) and repair any drift."""
    from app.search.maintenance import reconcile_index

    repaired = reconcile_index(db_session())
    if not repaired:
        click.echo("no Elasticsearch configured: PostgreSQL is the index")
    for name, fixed in repaired.items():
        click.echo(f"{name}: {fixed:,} documents repaired")
