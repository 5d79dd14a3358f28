"""The audit trail: one append-only, hash-chained record per change.

Writers serialise on a transaction-scoped advisory lock and take the next
index from the head row, so the chain has no gaps (a rolled-back transaction
leaves none) and no forks (two writers never share a predecessor).
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models import AuditRecord
from app.models.base import utcnow
from app.services.actor import Actor

GENESIS = "0" * 64
_CHAIN_LOCK = 7_361_001  # advisory lock key for the audit chain


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def row_digest(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps({k: _canonical(v) for k, v in fields.items()}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def hashed_fields(rec: Any) -> dict[str, Any]:
    """The hashed view of a record (a model instance or a row of the table)."""
    return {
        "chain_index": rec.chain_index,
        "id": rec.id,
        "occurred_at": rec.occurred_at,
        "actor_id": rec.actor_id,
        "actor_label": rec.actor_label,
        "action": rec.action,
        "target_type": rec.target_type,
        "target_id": rec.target_id,
        "changes": rec.changes,
        "ip": str(rec.ip) if rec.ip is not None else None,
        "user_agent": rec.user_agent,
        "correlation_id": rec.correlation_id,
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """{field: [old, new]} for the fields that changed."""
    return {
        k: [_canonical(before.get(k)), _canonical(after.get(k))]
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }


def record(
    session: Session,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: object,
    changes: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one record inside the caller's transaction."""
    return record_many(session, actor, action, target_type, [(target_id, changes or {})])[0]


def record_many(
    session: Session,
    actor: Actor,
    action: str,
    target_type: str,
    items: list[tuple[object, dict[str, Any]]],
) -> list[AuditRecord]:
    """Append one record per target, under one lock acquisition (bulk actions)."""
    session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    head = session.execute(
        select(AuditRecord.chain_index, AuditRecord.row_hash).order_by(AuditRecord.chain_index.desc()).limit(1)
    ).first()
    index, prev = (head[0], head[1]) if head else (0, GENESIS)
    now = utcnow()
    records = []
    for target_id, changes in items:
        index += 1
        rec = AuditRecord(
            chain_index=index,
            id=uuid.uuid4(),
            occurred_at=now,
            actor_id=actor.id,
            actor_label=actor.label,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            changes=json.loads(json.dumps(changes, default=str)),
            ip=_normal_ip(actor.ip),
            user_agent=actor.user_agent,
            correlation_id=actor.correlation_id,
            prev_hash=prev,
        )
        rec.row_hash = row_digest(prev, hashed_fields(rec))
        prev = rec.row_hash
        records.append(rec)
    session.add_all(records)
    session.flush()
    return records


def _normal_ip(ip: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(ip)) if ip else None
    except ValueError:
        return None


@dataclass
class ChainProblem:
    chain_index: int
    reason: str


def iter_problems(session: Session, batch: int = 5000) -> Iterator[ChainProblem]:
    """Walk the chain in order and yield every record that does not verify."""
    prev, expected = GENESIS, 1
    last = 0
    while True:
        table = AuditRecord.__table__
        rows = session.execute(
            select(table).where(table.c.chain_index > last).order_by(table.c.chain_index).limit(batch)
        ).all()
        if not rows:
            return
        for rec in rows:
            if rec.chain_index != expected:
                yield ChainProblem(expected, f"record {expected} is missing (next is {rec.chain_index})")
            if rec.prev_hash != prev:
                yield ChainProblem(rec.chain_index, "previous-hash link is broken")
            if row_digest(rec.prev_hash, hashed_fields(rec)) != rec.row_hash:
                yield ChainProblem(rec.chain_index, "contents do not match the record's hash")
            prev, expected, last = rec.row_hash, rec.chain_index + 1, rec.chain_index
