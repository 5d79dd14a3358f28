"""After the run: every domain event emitted against the effects that should follow, read from
PostgreSQL (as the superuser), the SMTP sink and the driver's own records."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rq import Queue
from rq.registry import FailedJobRegistry, StartedJobRegistry

from bench.soak.stack import Stack
from bench.soak.traffic import Recorder

TOKEN = re.compile(r"Soak reply ([0-9a-f]{32})")
NO_ASSIGNEE = "00000000-0000-0000-0000-000000000000"


@dataclass
class Effect:
    name: str
    expected: int = 0
    observed: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)


@dataclass
class Ledger:
    events: dict[str, dict[str, int]]  # type -> emitted, processed, waiting, parked
    effects: list[Effect]
    rollups: dict[str, int]
    tickets: dict[str, Any]
    idempotency: dict[str, Any]
    exports: dict[str, Any]
    queues: dict[str, int]
    duplicates: list[dict[str, Any]]


def _one(conn: Any, sql: str, *args: Any) -> Any:
    row = conn.execute(sql, args).fetchone()
    return row[0] if row else None


def outbox(conn: Any, since: datetime) -> dict[str, dict[str, int]]:
    rows = conn.execute(
        "SELECT type, count(*), count(processed_at), "
        "count(*) FILTER (WHERE processed_at IS NULL AND parked_at IS NULL), count(parked_at) "
        "FROM outbox WHERE occurred_at >= %s GROUP BY type ORDER BY type", (since,)).fetchall()
    return {r[0]: {"emitted": r[1], "processed": r[2], "waiting": r[3], "parked": r[4]} for r in rows}


def deliveries(conn: Any, since: datetime) -> Effect:
    """Every handler of every processed event has its delivery row (handlers per type from the
    rows themselves: the most any event of the type got)."""
    rows = conn.execute(
        "SELECT o.id::text, o.type, count(d.handler) FROM outbox o LEFT JOIN event_deliveries d ON d.event_id = o.id "
        "WHERE o.occurred_at >= %s GROUP BY o.id, o.type", (since,)).fetchall()
    most: dict[str, int] = {}
    for _, type_, n in rows:
        most[type_] = max(most.get(type_, 0), n)
    eff = Effect("handler deliveries (event_deliveries)")
    for event_id, type_, n in rows:
        eff.expected += most[type_]
        eff.observed += n
        if n < most[type_]:
            eff.lost.append(f"{type_} {event_id}")
    return eff


def _per_event(name: str, rows: list[tuple[str, str, int]]) -> Effect:
    """(event id, type, effects found) per event that should have exactly one."""
    eff = Effect(name, len(rows))
    for event_id, type_, n in rows:
        eff.observed += n
        if n == 0:
            eff.lost.append(f"{type_} {event_id}")
        elif n > 1:
            eff.duplicated.append(f"{type_} {event_id} x{n}")
    return eff


def analytics(conn: Any, since: datetime) -> Effect:
    rows = conn.execute(
        "SELECT o.id::text, o.type, count(a.id) FROM outbox o LEFT JOIN analytics_events a ON a.event_id = o.id "
        "WHERE o.occurred_at >= %s AND o.type IN ('ticket.created', 'ticket.solved', 'user.logged_in') "
        "GROUP BY o.id, o.type", (since,)).fetchall()
    return _per_event("analytics rows (ticket.created, ticket.solved, user.logged_in)", rows)


def notifications(conn: Any, since: datetime) -> Effect:
    """ticket.assigned (one ticket, to someone else who is active) and a bulk assignment: one
    notification for the assignee, keyed by the event."""
    rows = conn.execute(
        "SELECT o.id::text, o.type, count(n.id) FROM outbox o "
        "JOIN users u ON u.id = (CASE WHEN o.type = 'ticket.assigned' THEN o.data->>'assignee_id' "
        "                             ELSE o.data->>'value' END)::uuid "
        "LEFT JOIN notifications n ON n.event_id = o.id AND n.user_id = u.id "
        "WHERE o.occurred_at >= %s AND u.status = 'active' AND u.id::text IS DISTINCT FROM o.data->>'actor_id' AND ("
        "  (o.type = 'ticket.assigned' AND coalesce((o.data->>'bulk')::boolean, false) = false) OR "
        "  (o.type = 'ticket.bulk_updated' AND o.data->>'field' = 'assignee_id')) "
        "GROUP BY o.id, o.type", (since,)).fetchall()
    return _per_event("assignee notifications (ticket.assigned, bulk assignment)", rows)


def emails(conn: Any, since: datetime, stack: Stack) -> tuple[Effect, dict[str, list[float]]]:
    """Every email.requested event: one message in the sink with the Message-ID made from its id."""
    seen: dict[str, list[float]] = {}
    for mail in stack.sink.snapshot():
        seen.setdefault(mail.message_id.strip("<>").split("@")[0], []).append(mail.at)
    ids = [r[0] for r in conn.execute("SELECT id::text FROM outbox WHERE type = 'email.requested' "
                                      "AND occurred_at >= %s", (since,)).fetchall()]
    rows = [(i, "email.requested", len(seen.get(i, []))) for i in ids]
    return _per_event("emails in the SMTP sink, by Message-ID (email.requested)", rows), \
        {i: seen[i] for i in ids if len(seen.get(i, [])) > 1}


def reply_emails(conn: Any, since: datetime, stack: Stack) -> tuple[Effect, dict[str, list[float]]]:
    """Every public reply committed during the run: exactly one email to the customer, found by the
    unique token the reply carries."""
    tokens = [TOKEN.search(b).group(1) for (b,) in conn.execute(  # type: ignore[union-attr]
        "SELECT body FROM ticket_comments WHERE created_at >= %s AND NOT internal AND body LIKE 'Soak reply %%'",
        (since,)).fetchall() if TOKEN.search(b)]
    seen: dict[str, list[float]] = {}
    for mail in stack.sink.snapshot():
        found = TOKEN.search(mail.text)
        if found:
            seen.setdefault(found.group(1), []).append(mail.at)
    eff = Effect("reply emails in the SMTP sink (ticket.reply_added)", len(tokens))
    for token in tokens:
        copies = seen.get(token, [])
        eff.observed += len(copies)
        if not copies:
            eff.lost.append(token)
        elif len(copies) > 1:
            eff.duplicated.append(token)
    return eff, seen


def rollups(conn: Any) -> dict[str, int]:
    opened = _one(conn, """
        SELECT count(*) FROM ticket_daily_stats s FULL JOIN (
            SELECT (created_at AT TIME ZONE 'UTC')::date AS day, priority, count(*) AS n FROM support_tickets
            GROUP BY 1, 2) t ON t.day = s.day AND t.priority = s.priority
        WHERE coalesce(s.opened, 0) <> coalesce(t.n, 0)""")
    open_counts = _one(conn, f"""
        SELECT count(*) FROM (SELECT * FROM ticket_open_counts WHERE open_count <> 0) c FULL JOIN (
            SELECT priority, coalesce(assignee_id, '{NO_ASSIGNEE}'::uuid) AS assignee_key, count(*) AS n
            FROM support_tickets WHERE status IN ('open', 'pending', 'on_hold') GROUP BY 1, 2) t
          ON t.priority = c.priority AND t.assignee_key = c.assignee_key
        WHERE coalesce(c.open_count, 0) <> coalesce(t.n, 0)""")
    tickets = _one(conn, "SELECT count(*) FROM support_tickets")
    total = _one(conn, "SELECT coalesce(sum(opened), 0) FROM ticket_daily_stats")
    return {"tickets": int(tickets), "sum_opened": int(total), "daily_rows_off": int(opened),
            "open_count_rows_off": int(open_counts)}


def created_tickets(conn: Any, rec: Recorder) -> dict[str, Any]:
    """Each 2xx create: its ticket row, its audit row and its outbox row; and no marker twice."""
    rows = conn.execute(
        "SELECT substring(title from 'soak (?:web|api) ([0-9a-f]{32})'), count(*) FROM support_tickets "
        "WHERE title LIKE 'soak %%' GROUP BY 1").fetchall()
    per_marker = dict(rows)
    missing = []
    for t in rec.tickets:
        audit = _one(conn, "SELECT count(*) FROM audit.audit_log WHERE target_type = 'ticket' AND target_id = %s "
                           "AND action = 'ticket.created'", t["id"])
        evt = _one(conn, "SELECT count(*) FROM outbox WHERE type = 'ticket.created' AND aggregate_id = %s", t["id"])
        row = _one(conn, "SELECT count(*) FROM support_tickets WHERE id = %s::uuid", t["id"])
        if not (audit == 1 and evt == 1 and row == 1):
            missing.append({**t, "audit": audit, "outbox": evt, "row": row})
    return {"acknowledged": len(rec.tickets), "in_db": sum(per_marker.values()),
            "duplicated_markers": {m: n for m, n in per_marker.items() if n > 1},
            "without_business_audit_outbox": missing}


def idempotency(conn: Any, rec: Recorder) -> dict[str, Any]:
    keys = rec.keys
    counts = dict(conn.execute(
        "SELECT substring(title from 'soak api ([0-9a-f]{32})'), count(*) FROM support_tickets "
        "WHERE title LIKE 'soak api %%' GROUP BY 1").fetchall())
    retried = [k for k in keys if k["attempts"] > 1]
    unanswered = [k for k in keys if not k["ticket"]]
    return {
        "keys": len(keys), "requests": sum(k["attempts"] for k in keys), "retried_keys": len(retried),
        "retries": sum(k["attempts"] - 1 for k in keys), "replayed": sum(k["replays"] for k in keys),
        "tickets_for_keys": sum(counts.get(k["key"], 0) for k in keys),
        "keys_with_two_tickets": [k["key"] for k in keys if counts.get(k["key"], 0) > 1],
        "retried_then_created": sum(1 for k in retried if k["ticket"]),
        "unanswered": [{"key": k["key"], "statuses": k["statuses"], "in_db": counts.get(k["key"], 0)}
                       for k in unanswered],
        "statuses": dict(Counter(s for k in keys for s in k["statuses"])),
    }


def exports(conn: Any, rec: Recorder) -> dict[str, Any]:
    """Each export started: downloaded by its client; else its file in export_parts after the drain
    (finished after the client stopped polling) or nowhere (lost)."""
    late: list[dict[str, Any]] = []
    lost: list[dict[str, Any]] = []
    for e in rec.exports:
        if e["state"] == "downloaded":
            continue
        parts = _one(conn, "SELECT count(*) FROM export_parts WHERE export_id = %s", e["id"])
        (late if parts else lost).append(e)
    states = Counter(e["state"] for e in rec.exports)
    return {"started": len(rec.exports), "downloaded": states.get("downloaded", 0), "finished_late": late,
            "not_downloaded": lost}


def queues(stack: Stack) -> dict[str, int]:
    conn = stack.redis.client()
    out: dict[str, int] = {}
    for name in ("high", "default", "low"):
        q = Queue(name, connection=conn)
        out[f"{name} queued"] = q.count
        out[f"{name} started"] = StartedJobRegistry(queue=q).count
        out[f"{name} failed"] = FailedJobRegistry(queue=q).count
    return out


def explain(seen: dict[str, list[float]], kills: list[dict[str, Any]], wall_started: float) -> list[dict[str, Any]]:
    """Each duplicated email (by Message-ID) with the kill that falls between its first copy and its last."""
    out = []
    for token, times in seen.items():
        if len(times) < 2:
            continue
        first, last = min(times) - wall_started, max(times) - wall_started
        cause = [k for k in kills if first - 1 <= k["t"] <= last]
        out.append({"token": token, "copies": len(times), "first": round(first, 1), "last": round(last, 1),
                    "kill": cause[0] if cause else None})
    return out


def collect(stack: Stack, rec: Recorder, kills: list[dict[str, Any]]) -> Ledger:
    since = datetime.fromtimestamp(rec.wall_started, UTC)
    with stack.pg.connect() as conn:
        replies, _ = reply_emails(conn, since, stack)
        sent, seen = emails(conn, since, stack)
        return Ledger(
            events=outbox(conn, since),
            effects=[deliveries(conn, since), analytics(conn, since), notifications(conn, since), replies, sent],
            rollups=rollups(conn),
            tickets=created_tickets(conn, rec),
            idempotency=idempotency(conn, rec),
            exports=exports(conn, rec),
            queues=queues(stack),
            duplicates=explain(seen, kills, rec.wall_started),
        )
