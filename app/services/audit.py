"""The audit trail: one append-only, hash-chained record per change.

Writers serialise on a transaction-scoped advisory lock and take the next
index from the head row, so the chain has no gaps (a rolled-back transaction
leaves none) and no forks (two writers never share a predecessor).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
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


def timeline(session: Session, target_type: str, target_id: object, limit: int = 20) -> list[AuditRecord]:
    """The newest records about one object, for its page (users, customers, tickets)."""
    return list(
        session.scalars(
            select(AuditRecord)
            .where(AuditRecord.target_type == target_type, AuditRecord.target_id == str(target_id))
            .order_by(AuditRecord.chain_index.desc())
            .limit(limit)
        )
    )


def head(session: Session) -> tuple[int, str]:
    """(index, hash) of the newest record; (0, GENESIS) for an empty chain."""
    row = session.execute(
        select(AuditRecord.chain_index, AuditRecord.row_hash).order_by(AuditRecord.chain_index.desc()).limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, GENESIS)


# Anchors: the head written outside the database, so deleting the newest rows (or recomputing
# the whole chain) is detected. Each line is signed with an HMAC of a key PostgreSQL never holds.


@dataclass(frozen=True)
class Anchor:
    chain_index: int
    row_hash: str
    anchored_at: str
    hmac: str


def _anchor_mac(key: str, index: int, row_hash: str, anchored_at: str) -> str:
    message = f"{index}|{row_hash}|{anchored_at}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def write_anchor(session: Session, path: Path, key: str) -> Anchor:
    """Append the current head to the anchor file (one JSON line, fsynced)."""
    index, row_hash = head(session)
    at = utcnow().isoformat()
    anchor = Anchor(index, row_hash, at, _anchor_mac(key, index, row_hash, at))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(asdict(anchor), sort_keys=True) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return anchor


def last_anchor(path: Path) -> Anchor | None:
    """The newest anchor line; None when there is no file yet. ValueError when it is unreadable."""
    if not path.exists():
        return None
    with path.open("rb") as fh:
        fh.seek(0, os.SEEK_END)
        fh.seek(max(0, fh.tell() - 4096))
        lines = [line for line in fh.read().decode("utf-8", "replace").splitlines() if line.strip()]
    if not lines:
        return None
    try:
        data = json.loads(lines[-1])
        return Anchor(int(data["chain_index"]), str(data["row_hash"]), str(data["anchored_at"]), str(data["hmac"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError("the last line of the anchor file is not an anchor") from exc


def anchor_problems(session: Session, path: Path, key: str) -> Iterator[ChainProblem]:
    """Check the chain against the last anchor: its record must still exist with the same hash."""
    try:
        anchor = last_anchor(path)
    except ValueError as exc:
        yield ChainProblem(0, f"anchor file {path}: {exc}")
        return
    if anchor is None:
        return
    expected = _anchor_mac(key, anchor.chain_index, anchor.row_hash, anchor.anchored_at)
    if not hmac.compare_digest(expected, anchor.hmac):
        yield ChainProblem(anchor.chain_index, "the last anchor's signature is wrong (edited, or another key)")
        return
    if anchor.chain_index == 0:
        return
    stored = session.scalar(select(AuditRecord.row_hash).where(AuditRecord.chain_index == anchor.chain_index))
    if stored is None:
        yield ChainProblem(
            anchor.chain_index,
            f"record {anchor.chain_index}, anchored at {anchor.anchored_at}, is missing: newest records were deleted",
        )
    elif stored != anchor.row_hash:
        yield ChainProblem(anchor.chain_index, f"record differs from its anchor of {anchor.anchored_at}: rewritten")


def verify(session: Session, anchor_path: Path | None, key: str) -> ChainProblem | None:
    """The first problem in the chain, else against the last anchor; None when all is well."""
    problem = next(iter_problems(session), None)
    if problem is None and anchor_path is not None:
        problem = next(anchor_problems(session, anchor_path, key), None)
    return problem


def anchor_file(config: Any) -> Path:
    """AUDIT_ANCHOR_FILE, else instance/audit-anchors.log (keep it where the database's
    administrators cannot write: another host, or a file owned by another OS user)."""
    from app.config import INSTANCE

    return Path(config["AUDIT_ANCHOR_FILE"] or INSTANCE / "audit-anchors.log")
