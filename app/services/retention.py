"""Retention: rows past their useful life are purged in batches, so no table grows without limit.

Ages come from the RETENTION_* settings (README). Each purge deletes at most `batch` rows per
transaction, so a first run on a large table never holds long locks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.models.base import utcnow
from app.services.uow import affected

BATCH = 5000


@dataclass(frozen=True)
class Rule:
    name: str
    table: str
    where: str  # constant SQL over the table's columns with :cutoff
    setting: str
    unit: str = "days"


RULES = [
    Rule("outbox", "outbox", "processed_at < :cutoff", "RETENTION_OUTBOX_DAYS"),
    Rule("event_deliveries", "event_deliveries",
         "done_at < :cutoff AND event_id IN (SELECT id FROM outbox WHERE processed_at IS NOT NULL)",
         "RETENTION_DELIVERIES_DAYS"),
    Rule("user_sessions", "user_sessions", "last_seen_at < :cutoff OR revoked_at < :cutoff", "RETENTION_SESSIONS_DAYS"),
    Rule("refresh_tokens", "refresh_tokens", "expires_at < :cutoff OR revoked_at < :cutoff",
         "RETENTION_SESSIONS_DAYS"),
    Rule("idempotency_keys", "idempotency_keys", "created_at < :cutoff", "RETENTION_SESSIONS_DAYS"),
    Rule("notifications", "notifications", "read_at IS NOT NULL AND created_at < :cutoff",
         "RETENTION_NOTIFICATIONS_DAYS"),
    Rule("notification_emails", "notification_emails", "sent_at < :cutoff", "RETENTION_NOTIFICATIONS_DAYS"),
    Rule("analytics_events", "analytics_events", "occurred_at < :cutoff", "RETENTION_ANALYTICS_DAYS"),
    Rule("export_parts", "export_parts", "created_at < :cutoff", "RETENTION_EXPORTS_DAYS"),
]


def purge(session: Session, rule: Rule, age: timedelta, batch: int = BATCH) -> int:
    """Delete the rule's rows older than `age`, `batch` rows per transaction; the count deleted."""
    statement = text(
        f"DELETE FROM {rule.table} WHERE ctid IN "  # noqa: S608 - table and condition are constants above
        f"(SELECT ctid FROM {rule.table} WHERE {rule.where} LIMIT :batch)"
    )
    cutoff = utcnow() - age
    total = 0
    while True:
        deleted = affected(session, statement, {"cutoff": cutoff, "batch": batch})
        session.commit()
        total += deleted
        if deleted < batch:
            return total


def purge_all(session: Session, config: Any, batch: int = BATCH) -> dict[str, int]:
    """Every rule with its configured age; {rule name: rows deleted}."""
    return {rule.name: purge(session, rule, timedelta(days=int(config[rule.setting])), batch) for rule in RULES}
