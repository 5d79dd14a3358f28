from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Notification, OutboxEvent, Ticket
from app.models.base import utcnow
from app.services import sla, tickets
from app.services.actor import Actor
from tests.factories import make_customer, make_ticket, make_user
from workers.jobs.tickets import mark_sla_breaches

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _csrf_sending_clients(client: FlaskClient) -> None:
    """Signed-in clients send the CSRF header like htmx does."""


@pytest.fixture()
def export_dir(app: Flask, tmp_path: Any) -> Any:
    app.config["EXPORT_FOLDER"] = str(tmp_path)
    yield tmp_path
    app.config.pop("EXPORT_FOLDER")


def _agent_actor(session: Session) -> Actor:
    agent = make_user(session, email="boss@example.com")
    return Actor(agent.id, agent.email, frozenset({"tickets:*", "customers:read"}))


def test_assigning_notifies_the_assignee_and_emails_only_when_they_asked(
    db_session: Session, run_jobs: Callable[[], int], mail_sink: list[Any]
) -> None:
    actor = _agent_actor(db_session)
    ann = make_user(db_session, email="ann@example.com", name="Ann")  # "ticket assigned" email: off by default
    bob = make_user(db_session, email="bob@example.com", name="Bob",
                    preferences={"notifications": {"ticket.assigned": {"in_app": True, "email": True}}})
    ticket = make_ticket(db_session, title="Printer jam")
    other = make_ticket(db_session, title="Paper tray")
    tickets.update_ticket(db_session, actor, ticket.id, 1, {"assignee_id": str(ann.id)})
    tickets.update_ticket(db_session, actor, other.id, 1, {"assignee_id": str(bob.id)})
    run_jobs()
    run_jobs()
    note = db_session.scalar(select(Notification).where(Notification.user_id == ann.id))
    assert note is not None and f"#{ticket.number}" in note.message and note.link == f"/tickets/{ticket.id}"
    assert [m["To"] for m in mail_sink] == ["bob@example.com"]
    assert "Paper tray" in mail_sink[0].get_body(("plain",)).get_content()


def test_a_breach_email_follows_the_assignees_preference(
    db_session: Session, run_jobs: Callable[[], int], mail_sink: list[Any]
) -> None:
    ann = make_user(db_session, email="ann@example.com")  # SLA email: on by default
    off = make_user(db_session, email="quiet@example.com",
                    preferences={"notifications": {"ticket.sla_breached": {"in_app": True, "email": False}}})
    for user in (ann, off):
        make_ticket(db_session, assignee_id=user.id, resolution_due_at=utcnow() - timedelta(hours=1))
    assert mark_sla_breaches() == 2
    run_jobs()
    run_jobs()
    assert [m["To"] for m in mail_sink] == ["ann@example.com"]
    assert "SLA breached" in mail_sink[0]["Subject"]
    assert db_session.scalar(select(Notification.kind).where(Notification.user_id == off.id)) == "ticket.sla_breached"


def test_public_replies_email_the_customer_and_notes_do_not(
    db_session: Session, run_jobs: Callable[[], int], mail_sink: list[Any]
) -> None:
    actor = _agent_actor(db_session)
    customer = make_customer(db_session, contact_email="buyer@customer.example")
    ticket = make_ticket(db_session, customer_id=customer.id)
    tickets.add_comment(db_session, actor, ticket.id, "Staff only <b>secret</b>", internal=True)
    tickets.add_comment(db_session, actor, ticket.id, "Fixed it for you", internal=False)
    run_jobs()
    run_jobs()
    assert [m["To"] for m in mail_sink] == ["buyer@customer.example"]
    body = mail_sink[0].get_body(("plain",)).get_content()
    assert "Fixed it for you" in body and "secret" not in body


def test_solved_then_closed_keeps_the_resolution_time(db_session: Session) -> None:
    actor = _agent_actor(db_session)
    ticket = make_ticket(db_session)
    tickets.update_ticket(db_session, actor, ticket.id, 1, {"status": "solved"})
    solved_at = ticket.resolved_at
    assert solved_at is not None
    tickets.update_ticket(db_session, actor, ticket.id, 2, {"status": "closed"})
    assert ticket.resolved_at == solved_at
    tickets.update_ticket(db_session, actor, ticket.id, 3, {"status": "open"})
    assert ticket.resolved_at is None


def test_solving_emits_status_changed_and_solved(db_session: Session) -> None:
    actor = _agent_actor(db_session)
    ticket = make_ticket(db_session)
    tickets.update_ticket(db_session, actor, ticket.id, 1, {"status": "solved"})
    types = set(db_session.scalars(select(OutboxEvent.type).where(OutboxEvent.aggregate_id == str(ticket.id))))
    assert {"ticket.status_changed", "ticket.solved"} <= types


def test_the_sweep_marks_breaches_once_and_notifies(db_session: Session, run_jobs: Callable[[], int]) -> None:
    ann = make_user(db_session)
    late = make_ticket(db_session, assignee_id=ann.id, resolution_due_at=utcnow() - timedelta(hours=3))
    solved = make_ticket(db_session, status="solved", resolution_due_at=utcnow() - timedelta(hours=3))
    fine = make_ticket(db_session, resolution_due_at=utcnow() + timedelta(hours=2))
    assert mark_sla_breaches() == 1
    assert mark_sla_breaches() == 0  # running twice is harmless
    for t in (late, solved, fine):
        db_session.refresh(t)
    assert late.sla_breached_at is not None and solved.sla_breached_at is None and fine.sla_breached_at is None
    assert sla.describe(late.status, late.resolution_due_at, late.sla_breached_at).startswith("breached")
    assert sla.describe(fine.status, fine.resolution_due_at, None) in ("due in 1 h", "due in 2 h")
    run_jobs()
    assert db_session.scalar(select(Notification.kind).where(Notification.user_id == ann.id)) == "ticket.sla_breached"


def test_the_sla_column_shows_due_and_breached(agent_client: FlaskClient, db_session: Session) -> None:
    make_ticket(db_session, title="Late one", resolution_due_at=utcnow() - timedelta(hours=3, minutes=5))
    make_ticket(db_session, title="On time", resolution_due_at=utcnow() + timedelta(hours=2))
    html = agent_client.get("/tickets").get_data(as_text=True)
    assert "breached 3 h ago" in html
    breaching = agent_client.get("/tickets?view=breaching").get_data(as_text=True)
    assert "Late one" in breaching and "On time" not in breaching


def test_export_runs_as_a_job_with_progress_and_download(
    make_client: Callable[..., FlaskClient], db_session: Session, run_jobs: Callable[[], int], export_dir: Any
) -> None:
    owner = make_client("agent")
    other = make_client("agent")
    customer = make_customer(db_session, company_name="Exporter Inc")
    make_ticket(db_session, customer_id=customer.id, title="=HYPERLINK(evil)", priority="high")
    make_ticket(db_session, customer_id=customer.id, title="Not high", priority="low")
    db_session.commit()
    started = owner.post("/tickets/export", data={"query": "priority=high"}, headers=HX)
    assert started.status_code == 202
    html = started.get_data(as_text=True)
    assert "<progress" in html and 'hx-trigger="every 1s"' in html
    export_id = html.split("/tickets/exports/")[1].split('"')[0]
    run_jobs()
    done = owner.get(f"/tickets/exports/{export_id}", headers=HX)
    assert done.status_code == 286 and 'data-testid="export-download"' in done.get_data(as_text=True)
    assert other.get(f"/tickets/exports/{export_id}").status_code == 404
    assert other.get(f"/tickets/exports/{export_id}/download").status_code == 404
    file = owner.get(f"/tickets/exports/{export_id}/download")
    assert file.status_code == 200 and file.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(file.get_data(as_text=True))))
    assert rows[0][0] == "number" and len(rows) == 2
    assert rows[1][1] == "'=HYPERLINK(evil)" and rows[1][4] == "Exporter Inc"


def test_export_ids_that_are_unknown_or_malformed_are_404(agent_client: FlaskClient) -> None:
    for bad in ("0" * 32, "../../etc/passwd", "x"):
        assert agent_client.get(f"/tickets/exports/{bad}").status_code == 404
        assert agent_client.get(f"/tickets/exports/{bad}/download").status_code == 404


def test_viewers_cannot_export(viewer_client: FlaskClient) -> None:
    assert viewer_client.post("/tickets/export", data={"query": ""}).status_code == 403


def test_export_streams_with_a_server_side_cursor(db_session: Session, export_dir: Any) -> None:
    from app.services import tickets_export
    from app.services.tickets_query import TicketFilter

    customer = make_customer(db_session)
    db_session.execute(Ticket.__table__.insert(), [
        {"customer_id": customer.id, "title": f"Row {i}"} for i in range(12_000)])
    seen: list[int] = []
    total = tickets_export.write_csv(db_session, "a" * 32, TicketFilter(), seen.append)
    assert total == 12_000 and seen == [5000, 10000, 12000]


def test_export_without_htmx_is_a_status_page(
    agent_client: FlaskClient, run_jobs: Callable[[], int], export_dir: Any
) -> None:
    started = agent_client.post("/tickets/export", data={"query": "status=open"})
    assert started.status_code == 303 and "/tickets/exports/" in started.headers["Location"]
    page = agent_client.get(started.headers["Location"])
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert "<progress" in page.get_data(as_text=True)
    run_jobs()
    done = agent_client.get(started.headers["Location"])
    assert done.status_code == 200 and 'data-testid="export-download"' in done.get_data(as_text=True)


def test_export_says_so_when_the_queue_is_down(agent_client: FlaskClient, app: Flask) -> None:
    from redis import Redis

    from app.services import jobs

    jobs.init(Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2))
    try:
        resp = agent_client.post("/tickets/export", data={"query": ""}, headers=HX)
    finally:
        jobs.init(app.extensions["redis"])
    assert resp.status_code == 503 and "unavailable" in resp.headers["HX-Trigger"]
