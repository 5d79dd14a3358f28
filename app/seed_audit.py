"""Audit records for demo and benchmark data: a realistic two-year mix, COPied in batches, chained.

The records are appended after the chain's head, under the chain's advisory lock, each hashed with
`audit.row_digest(prev, audit.hashed_fields(rec))` exactly as the application writes them, so
`flask audit verify` passes. They are spread over the two years before now in chain order, about
what a support team of the seeded size writes: ticket changes most, then customers, invoices,
staff and roles; a few are one bulk request changing several tickets (one correlation id).

Changes hold only strings, integers, None and two-element lists, which JSONB gives back unchanged,
so the hash over the Python values is the hash over what verify reads.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from app.seed import STATUS, Conn, _slots
from app.services import audit

DAY = 86400
TWO_YEARS = 730 * DAY
BATCH = 10_000
COPY_SQL = (
    "COPY audit.audit_log (chain_index, id, occurred_at, actor_id, actor_label, action, target_type, target_id,"
    " changes, ip, user_agent, correlation_id, prev_hash, row_hash) FROM STDIN"
)
# (action, target type, share): the mix of what staff do over a year.
MIX = (
    ("ticket.updated", "ticket", 0.46), ("ticket.created", "ticket", 0.16), ("ticket.assigned", "ticket", 0.10),
    ("ticket.commented", "ticket", 0.06), ("customer.updated", "customer", 0.05),
    ("customer.tier_changed", "customer", 0.02), ("customer.created", "customer", 0.02),
    ("invoice.paid", "invoice", 0.05), ("auth.api_login", "user", 0.03), ("user.updated", "user", 0.02),
    ("user.created", "user", 0.01), ("user.password_changed", "user", 0.01), ("role.updated", "role", 0.005),
    ("customer.suspended", "customer", 0.005),
)
BULK_SHARE = 0.01  # of events: one request changing 3-20 tickets the same way
PRIORITIES = ("low", "medium", "high", "urgent")
TIERS = ("free", "starter", "professional", "enterprise")
AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "python-requests/2.31 (integration)",
)


@dataclass
class Targets:
    """Ids the records point at, sampled from the database (each list may be empty)."""

    staff: list[tuple[str, str]]  # (id, email)
    tickets: list[str]
    customers: list[str]
    invoices: list[str]
    roles: list[str]


@dataclass(slots=True)
class _Rec:
    """The fields audit.hashed_fields reads."""

    chain_index: int
    id: uuid.UUID
    occurred_at: datetime
    actor_id: str | None
    actor_label: str
    action: str
    target_type: str
    target_id: str
    changes: dict[str, Any]
    ip: str | None
    user_agent: str | None
    correlation_id: str | None


def _sample(driver: Conn, sql: str) -> list[Any]:
    with driver.cursor() as cur:
        cur.execute(sql)
        return list(cur.fetchall())


def load_targets(driver: Conn, per_kind: int = 20_000) -> Targets:
    """Every staff user, and a random sample of each other kind."""
    def one(sql: str) -> list[str]:
        return [str(r[0]) for r in _sample(driver, sql)]

    staff = [(str(i), e) for i, e in _sample(driver, "SELECT id, email FROM users ORDER BY email")]
    return Targets(
        staff=staff,
        tickets=one(f"SELECT id FROM support_tickets ORDER BY random() LIMIT {per_kind}"),
        customers=one(f"SELECT id FROM customers ORDER BY random() LIMIT {per_kind}"),
        invoices=one(f"SELECT id FROM invoices WHERE status = 'paid' ORDER BY random() LIMIT {per_kind}"),
        roles=one("SELECT id FROM roles"),
    )


def _changes(rnd: random.Random, action: str, t: Targets, statuses: list[str]) -> dict[str, Any]:
    pick = rnd.choice
    if action == "ticket.updated":
        field = rnd.random()
        if field < 0.6:
            return {"status": [pick(statuses), pick(statuses)], "version": [rnd.randint(1, 9), rnd.randint(2, 10)]}
        return {"priority": [pick(PRIORITIES), pick(PRIORITIES)]}
    if action == "ticket.created":
        return {"status": [None, "open"], "priority": [None, pick(PRIORITIES)],
                "customer_id": [None, pick(t.customers)] if t.customers else [None, None]}
    if action == "ticket.assigned":
        staff: list[str | None] = [s[0] for s in t.staff] or [None]
        return {"assignee_id": [pick(staff), pick(staff)]}
    if action == "ticket.commented":
        return {"internal": rnd.random() < 0.3, "comment_id": str(uuid.UUID(int=rnd.getrandbits(128), version=4))}
    if action == "customer.tier_changed":
        return {"subscription_tier": [pick(TIERS), pick(TIERS)]}
    if action == "customer.updated":
        return {"contact_name": [f"Contact {rnd.randrange(10_000)}", f"Contact {rnd.randrange(10_000)}"]}
    if action == "customer.created":
        return {"status": [None, "active"], "subscription_tier": [None, pick(TIERS)]}
    if action == "customer.suspended":
        return {"status": ["active", "suspended"]}
    if action == "invoice.paid":
        return {"status": ["open", "paid"]}
    if action == "user.updated":
        return {"role_name": [pick(("agent", "viewer")), pick(("agent", "manager"))]}
    if action == "user.created":
        return {"role_name": [None, "agent"], "status": [None, "invited"]}
    if action == "role.updated":
        return {"permissions": [["tickets:read"], ["tickets:read", "tickets:update"]]}
    return {}


def _copy_text(value: object) -> str:
    if value is None:
        return "\\N"
    text = value if isinstance(value, str) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def audit_rows(
    rnd: random.Random, n: int, first_index: int, prev_hash: str, start_s: int, end_s: int, t: Targets
) -> Iterator[str]:
    """COPY text rows for `n` chained records after (first_index - 1, prev_hash), in time order."""
    pools: dict[str, list[str]] = {"ticket": t.tickets, "customer": t.customers, "invoice": t.invoices,
                                   "user": [s[0] for s in t.staff], "role": t.roles}
    mix = [(a, k, w) for a, k, w in MIX if pools[k]]
    if not mix:
        raise ValueError("audit records need something to point at (users, customers or tickets)")
    actions, weights = [(a, k) for a, k, _ in mix], [w for _, _, w in mix]
    statuses = _slots(STATUS)
    actors: list[tuple[str | None, str]] = [(i, e) for i, e in t.staff] or [(None, "system")]
    span = max(1, end_s - start_s)
    index, prev, i = first_index, prev_hash, 0
    digest, fields = audit.row_digest, audit.hashed_fields
    while i < n:
        bulk = bool(t.tickets) and rnd.random() < BULK_SHARE
        size = min(n - i, rnd.randint(3, 20)) if bulk else 1
        action, kind = ("ticket.updated", "ticket") if bulk else rnd.choices(actions, weights)[0]
        system = not bulk and rnd.random() < 0.04
        actor_id, label = (None, rnd.choice(("system", "cli", "seed"))) if system else rnd.choice(actors)
        ip = None if system else f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}"
        agent = None if system else rnd.choice(AGENTS)
        correlation = f"{rnd.getrandbits(64):016x}"
        at = datetime.fromtimestamp(start_s + span * i // n, UTC)
        shared = {"status": [None, rnd.choice(statuses)]} if bulk else None
        for _ in range(size):
            changes = shared if shared is not None else _changes(rnd, action, t, statuses)
            rec = _Rec(index, uuid.UUID(int=rnd.getrandbits(128), version=4), at, actor_id, label, action, kind,
                       rnd.choice(pools[kind]), changes, ip, agent, correlation)
            row_hash = digest(prev, fields(rec))
            yield (
                f"{index}\t{rec.id}\t{at.isoformat()}\t{actor_id or chr(92) + 'N'}\t{_copy_text(label)}\t{action}\t"
                f"{kind}\t{rec.target_id}\t{_copy_text(json.dumps(changes))}\t{_copy_text(ip)}\t"
                f"{_copy_text(agent)}\t{correlation}\t{prev}\t{row_hash}\n"
            )
            prev, index, i = row_hash, index + 1, i + 1


def seed_audit(
    engine: Engine, n: int, seed_value: int = 42, progress: Callable[[str], None] = lambda _m: None,
    now: datetime | None = None,
) -> tuple[int, float]:
    """Append `n` records to the chain in one transaction; returns (records, seconds)."""
    started = time.perf_counter()
    end_s = int((now or datetime.now(UTC)).timestamp())
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        if driver is None:
            raise RuntimeError("the seed connection has no database driver connection")
        with driver.cursor() as cur:
            cur.execute("SET LOCAL synchronous_commit = off")
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (audit._CHAIN_LOCK,))
            cur.execute("SELECT chain_index, row_hash FROM audit.audit_log ORDER BY chain_index DESC LIMIT 1")
            head = cur.fetchone()
        index, prev = (int(head[0]), str(head[1])) if head else (0, audit.GENESIS)
        targets = load_targets(driver)
        rnd = random.Random(seed_value * 7919 + index)
        rows = audit_rows(rnd, n, index + 1, prev, end_s - TWO_YEARS, end_s, targets)
        with driver.cursor() as cur, cur.copy(COPY_SQL) as copy:
            buf: list[str] = []
            for done, row in enumerate(rows, 1):
                buf.append(row)
                if len(buf) >= BATCH:
                    copy.write("".join(buf))
                    buf.clear()
                    if done % 100_000 == 0:
                        progress(f"{done} audit records")
            if buf:
                copy.write("".join(buf))
        driver.commit()
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.close()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE audit.audit_log")
    return n, time.perf_counter() - started
