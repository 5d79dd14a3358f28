"""`flask seed --audit N --audit-only` appends a realistic two-year mix that `flask audit verify` accepts."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import text

from app.extensions import db
from app.seed import seed
from tests.conftest import truncate_all


def _cli(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def test_seeded_audit_records_form_a_valid_chain_with_a_realistic_mix(app: Flask) -> None:
    with app.app_context():
        try:
            seed(app.extensions["owner_engine"], users=6, customers=30, tickets=200, seed_value=5)
            before = db.session.execute(text("SELECT coalesce(max(chain_index), 0) FROM audit.audit_log")).scalar()
            db.session.rollback()
            # As the application's role (SELECT, INSERT on the audit log), twice: the second run continues the chain.
            assert _cli(app, "seed", "--audit", "1000", "--audit-only")[0] == 0
            code, output = _cli(app, "seed", "--audit", "200", "--audit-only", "--seed", "6")
            assert code == 0, output
            code, output = _cli(app, "audit", "verify", "--no-anchor")
            rows = db.session.execute(text(
                "SELECT chain_index, occurred_at, action, target_type, actor_id, correlation_id"
                " FROM audit.audit_log WHERE chain_index > :b ORDER BY chain_index"), {"b": before}).all()
        finally:
            db.session.remove()
            truncate_all(app)
    assert code == 0, output
    assert len(rows) == 1200 and [r.chain_index for r in rows] == list(range(before + 1, before + 1201))
    seeded = rows[:1000]
    times = [r.occurred_at for r in seeded]
    assert times == sorted(times) and times[-1] - times[0] > timedelta(days=600)
    assert len({r.action for r in seeded}) >= 8
    assert {r.target_type for r in seeded} >= {"ticket", "customer", "invoice", "user"}
    assert sum(r.target_type == "ticket" for r in seeded) > 600
    assert any(r.actor_id is None for r in seeded) and sum(r.actor_id is not None for r in seeded) > 900
    groups: dict[str, int] = {}
    for r in seeded:
        groups[r.correlation_id] = groups.get(r.correlation_id, 0) + 1
    assert max(groups.values()) >= 3  # a bulk change: one request, several tickets
