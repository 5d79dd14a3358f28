"""/audit: filters, keyset pages, diffs, links, CSV export job, permissions."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.services import audit
from app.services.actor import Actor

ACTOR = Actor.system("pytest")


def _records(session: Session, n: int, **kw: Any) -> list[Any]:
    return [audit.record(session, kw.get("actor", ACTOR), kw.get("action", "ticket.updated"),
                         kw.get("target_type", "ticket"), kw.get("target_id", f"t{i}"),
                         kw.get("changes", {"status": ["open", "solved"]})) for i in range(n)]


def test_it_shows_the_full_page(admin_client: FlaskClient, db_session: Session) -> None:
    _records(db_session, 2)
    resp = admin_client.get("/audit")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" in body and 'data-testid="audit-table"' in body
    assert body.count('data-testid="audit-row"') >= 2


def test_it_returns_only_the_block_for_htmx(admin_client: FlaskClient) -> None:
    resp = admin_client.get("/audit", headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in body and 'id="audit-results"' in body
    assert "HX-Request" in resp.headers["Vary"]


def test_only_audit_readers_see_it(make_client: Callable[..., FlaskClient], client: FlaskClient) -> None:
    assert make_client("manager").get("/audit").status_code == 200
    assert make_client("agent").get("/audit").status_code == 403
    assert make_client("viewer").get("/audit").status_code == 403
    resp = client.get("/audit")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_it_shows_a_readable_diff_and_links_to_the_target(admin_client: FlaskClient, db_session: Session) -> None:
    audit.record(db_session, ACTOR, "ticket.updated", "ticket", "abc-123", {"priority": ["low", "<b>urgent</b>"]})
    body = admin_client.get("/audit?target_id=abc-123").get_data(as_text=True)
    assert 'href="/tickets/abc-123"' in body
    assert re.search(r"line-through[^>]*>\s*low\s*<", body)  # the old value, struck through
    assert "&lt;b&gt;urgent&lt;/b&gt;" in body and "<b>urgent" not in body


def test_it_filters_by_action_actor_target_and_date(admin_client: FlaskClient, db_session: Session) -> None:
    user = admin_client.user  # type: ignore[attr-defined]
    me = Actor(id=user.id, label=user.email)
    audit.record(db_session, me, "customer.updated", "customer", "c-1", {"tier": ["pro", "enterprise"]})
    _records(db_session, 3, action="ticket.assigned")
    by_action = admin_client.get("/audit?action=customer.updated").get_data(as_text=True)
    assert by_action.count('data-testid="audit-row"') == 1 and "/customers/c-1" in by_action
    by_prefix = admin_client.get("/audit?action=ticket.*&target_type=ticket").get_data(as_text=True)
    assert by_prefix.count('data-testid="audit-row"') >= 3 and "/customers/c-1" not in by_prefix
    by_actor = admin_client.get(f"/audit?actor={user.email}").get_data(as_text=True)
    assert "/customers/c-1" in by_actor and "ticket.assigned" not in by_actor
    future = admin_client.get("/audit?date_from=2999-01-01").get_data(as_text=True)
    assert 'data-testid="empty-state"' in future
    today = admin_client.get("/audit?date_to=2999-01-01&action=customer.updated").get_data(as_text=True)
    assert today.count('data-testid="audit-row"') == 1


def test_it_pages_by_chain_index(admin_client: FlaskClient, db_session: Session) -> None:
    recs = _records(db_session, 55, action="page.test")
    first = admin_client.get("/audit?action=page.test").get_data(as_text=True)
    assert first.count('data-testid="audit-row"') == 50
    older = f"before={recs[5].chain_index}"
    assert older in first
    second = admin_client.get(f"/audit?action=page.test&{older}").get_data(as_text=True)
    assert second.count('data-testid="audit-row"') == 5


def test_bad_parameters_get_a_note_not_an_error(admin_client: FlaskClient) -> None:
    resp = admin_client.get("/audit?before=abc&date_from=yesterday&page=x")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Ignored" in body and "not a date" in body


def test_it_exports_csv_through_a_job(admin_client: FlaskClient, db_session: Session, run_jobs: Any) -> None:
    audit.record(db_session, ACTOR, "export.me", "ticket", "=HYPERLINK(1)", {"title": ["a", "b"]})
    db_session.commit()
    resp = admin_client.post("/audit/export", data={"action": "export.me"}, headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'hx-trigger="every 1s"' in body
    job_id = body.split("/audit/exports/")[1].split('"')[0]
    run_jobs()
    status = admin_client.get(f"/audit/exports/{job_id}", headers={"HX-Request": "true"})
    assert status.status_code == 286 and "export-download" in status.get_data(as_text=True)
    download = admin_client.get(f"/audit/exports/{job_id}/download")
    assert download.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[0][0] == "chain_index" and len(rows) == 2 and rows[1][4] == "export.me"
    assert rows[1][6] == "'=HYPERLINK(1)"  # a formula-looking cell is quoted, not run by a spreadsheet
    assert audit.timeline(db_session, "audit", job_id)[0].action == "audit.exported"


def test_an_export_belongs_to_whoever_asked(
    admin_client: FlaskClient, make_client: Callable[..., FlaskClient], run_jobs: Any
) -> None:
    resp = admin_client.post("/audit/export", data={}, follow_redirects=False)
    assert resp.status_code == 303
    job_id = resp.headers["Location"].rsplit("/", 1)[1]
    other = make_client("admin")
    assert other.get(f"/audit/exports/{job_id}").status_code == 404
    assert other.get(f"/audit/exports/{job_id}/download").status_code == 404


def test_exporting_needs_the_export_permission(make_client: Callable[..., FlaskClient]) -> None:
    manager = make_client("manager")
    assert manager.post("/audit/export", data={}).status_code == 403
    assert 'data-testid="audit-export"' not in manager.get("/audit").get_data(as_text=True)
