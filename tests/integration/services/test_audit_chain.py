"""The audit chain end to end: one record per change, `flask audit verify`, anchors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import AuditRecord
from app.services import audit
from app.services.actor import Actor

ACTOR = Actor.system("pytest", correlation_id="corr-chain")


@pytest.fixture()
def anchors(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "anchors.log"
    monkeypatch.setitem(app.config, "AUDIT_ANCHOR_FILE", str(path))
    return path


def _cli(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", *args])
    return result.exit_code, result.output


def _tamper(session: Session, sql: str, **params: object) -> None:
    # As a superuser, with the append-only triggers bypassed (what an attacker with DB access does).
    session.execute(text("SET LOCAL session_replication_role = replica"))
    session.execute(text(sql), params)
    session.execute(text("SET LOCAL session_replication_role = origin"))


@pytest.mark.db_owner
def test_a_change_writes_one_record_that_verifies_until_tampered(
    app: Flask, make_client: object, db_session: Session, anchors: Path
) -> None:
    client: FlaskClient = make_client("agent")  # type: ignore[operator]
    resp = client.post("/notifications/preferences", data={"in_app:ticket.assigned": "on"},
                       headers={"X-Correlation-ID": "req-42"})
    assert resp.status_code == 303
    records = db_session.scalars(
        select(AuditRecord).where(AuditRecord.target_id == str(client.user.id))  # type: ignore[attr-defined]
    ).all()
    assert len(records) == 1
    rec = records[0]
    assert rec.action == "user.notification_preferences"
    assert rec.actor_id == client.user.id and rec.actor_label == client.user.email  # type: ignore[attr-defined]
    assert str(rec.ip) == "127.0.0.1" and rec.correlation_id == "req-42"
    assert rec.changes["ticket.assigned"] == [None, {"in_app": True, "email": "off"}]
    assert "user.locked" not in rec.changes  # not offered to agents: left alone
    assert _cli(app, "verify")[0] == 0

    _tamper(db_session, "UPDATE audit.audit_log SET changes = '{}' WHERE chain_index = :i", i=rec.chain_index)
    code, output = _cli(app, "verify")
    assert code == 1
    assert f"broken at record {rec.chain_index}" in output


@pytest.mark.db_owner
def test_deleting_the_newest_records_is_caught_by_the_anchor(app: Flask, db_session: Session, anchors: Path) -> None:
    for i in range(4):
        audit.record(db_session, ACTOR, "thing.done", "thing", str(i), {"n": [i, i + 1]})
    code, output = _cli(app, "anchor")
    assert code == 0 and "anchored record" in output
    head_index, head_hash = audit.head(db_session)
    line = json.loads(anchors.read_text().splitlines()[-1])
    assert line["chain_index"] == head_index and line["row_hash"] == head_hash and len(line["hmac"]) == 64
    assert _cli(app, "verify")[0] == 0

    _tamper(db_session, "DELETE FROM audit.audit_log WHERE chain_index >= :i", i=head_index - 1)
    assert list(audit.iter_problems(db_session)) == []  # the shortened chain is still a valid chain…
    code, output = _cli(app, "verify")
    assert code == 1  # …but not against the anchor
    assert f"record {head_index}" in output and "deleted" in output


def test_an_edited_anchor_is_refused(app: Flask, db_session: Session, anchors: Path) -> None:
    audit.record(db_session, ACTOR, "thing.done", "thing", "x", {})
    audit.write_anchor(db_session, anchors, app.config["SECRET_KEY"])
    data = json.loads(anchors.read_text())
    data["chain_index"] -= 1  # an attacker moving the anchor back to hide deletions
    anchors.write_text(json.dumps(data) + "\n")
    problem = audit.verify(db_session, anchors, app.config["SECRET_KEY"])
    assert problem is not None and "signature" in problem.reason


@pytest.mark.db_owner
def test_a_rewritten_chain_differs_from_its_anchor(app: Flask, db_session: Session, anchors: Path) -> None:
    rec = audit.record(db_session, ACTOR, "thing.done", "thing", "y", {"a": [1, 2]})
    audit.write_anchor(db_session, anchors, app.config["SECRET_KEY"])
    # Recompute the row's hash after the edit, as someone who read the code would.
    forged = audit.row_digest(rec.prev_hash, {**audit.hashed_fields(rec), "target_id": "z"})
    _tamper(db_session, "UPDATE audit.audit_log SET target_id = 'z', row_hash = :h WHERE chain_index = :i",
            h=forged, i=rec.chain_index)
    problem = audit.verify(db_session, anchors, app.config["SECRET_KEY"])
    assert problem is not None and problem.chain_index == rec.chain_index


def test_the_timeline_lists_one_targets_records_newest_first(db_session: Session) -> None:
    for i in range(3):
        audit.record(db_session, ACTOR, f"ticket.step{i}", "ticket", "t-1", {"status": ["a", "b"]})
    audit.record(db_session, ACTOR, "ticket.other", "ticket", "t-2", {})
    records = audit.timeline(db_session, "ticket", "t-1", limit=2)
    assert [r.action for r in records] == ["ticket.step2", "ticket.step1"]


@pytest.mark.db_owner
def test_a_ticket_change_writes_one_record_that_verifies_until_tampered(
    app: Flask, make_client: object, db_session: Session, anchors: Path
) -> None:
    from tests.factories import make_ticket

    ticket = make_ticket(db_session)
    client: FlaskClient = make_client("agent")  # type: ignore[operator]
    resp = client.post(f"/tickets/{ticket.id}/fields", data={"status": "pending", "version": "1"},
                       headers={"X-Correlation-ID": "req-ticket-7"})
    assert resp.status_code == 303
    records = db_session.scalars(select(AuditRecord).where(AuditRecord.target_id == str(ticket.id))).all()
    assert len(records) == 1
    rec = records[0]
    assert rec.target_type == "ticket" and rec.changes["status"] == ["open", "pending"]
    assert rec.actor_id == client.user.id  # type: ignore[attr-defined]
    assert str(rec.ip) == "127.0.0.1" and rec.correlation_id == "req-ticket-7"
    assert _cli(app, "verify")[0] == 0

    _tamper(db_session, "UPDATE audit.audit_log SET changes = '{}' WHERE chain_index = :i", i=rec.chain_index)
    code, output = _cli(app, "verify")
    assert code == 1 and f"broken at record {rec.chain_index}" in output
