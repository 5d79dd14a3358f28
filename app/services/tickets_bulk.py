"""Bulk changes to many tickets that account for every item: each selected ticket is changed, unchanged
(and why) or refused (and why: missing, no permission, changed by someone since the list was loaded).
A run row keeps each result with the values before, for undo (app.services.tickets_bulk_undo). Small
bulks run in the request, in one transaction with one audit record per ticket and the same domain
events as a single change; large ones run as a job, a chunk per transaction, with progress."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from app.auth.permissions import has_any_scope, user_grants
from app.models import AuditRecord, Customer, Ticket, TicketBulkRun, User
from app.models.base import utcnow
from app.models.ticket import PRIORITIES, STATUSES
from app.services import audit, events, jobs, sla
from app.services.actor import Actor
from app.services.errors import Invalid
from app.services.ids import parse_uuid
from app.services.tickets import (
    change_events,
    check_assignee,
    normalise_tags,
    resolved_at_after,
    sla_after_priority,
)
from app.services.tickets_query import TicketFilter, matching_ids
from app.services.uow import transaction

BULK_CAP = 1000
SYNC_MAX = 100  # more tickets than this run as a job with progress
CHUNK = 100
ACTIONS = {"status": "Change status", "priority": "Change priority", "assignee": "Assign",
           "add_tag": "Add tag", "remove_tag": "Remove tag"}
FIELD = {"status": "status", "priority": "priority", "assignee": "assignee_id", "add_tag": "tags",
         "remove_tag": "tags"}
MISSING = "missing: no such ticket (deleted, or outside your access)"
# Core, not ORM, UPDATEs: no per-row session synchronisation for up to BULK_CAP rows. A mapped
# class's __table__ is typed as a FromClause; for Ticket it is its Table.
_TABLE = cast(Table, Ticket.__table__)
_T = _TABLE.c
_COLS = [c for c in _TABLE.c if c.name not in ("search_vector", "search_pairs")]


@dataclass(frozen=True)
class BulkResult:
    run_id: uuid.UUID
    action: str
    value: str
    selected: int
    capped: bool
    items: tuple[dict[str, Any], ...] = ()
    queued: bool = False

    def count(self, outcome: str) -> int:
        return sum(1 for i in self.items if i["outcome"] == outcome)

    @property
    def changed(self) -> int:
        return self.count("changed")

    @property
    def summary(self) -> str:
        if self.queued:
            return f"{self.selected:,} tickets queued: the change runs in the background."
        text_ = f"{self.changed} ticket{'s' if self.changed != 1 else ''} changed"
        if self.count("unchanged"):
            text_ += f", {self.count('unchanged')} already as asked"
        if self.count("refused"):
            text_ += f", {self.count('refused')} refused"
        if self.capped:
            text_ += f" (only the first {BULK_CAP:,} matching tickets; run it again for the rest)"
        return text_ + "."


def result_of(run: TicketBulkRun) -> BulkResult:
    return BulkResult(run.id, run.action, str(run.value), run.total, False, tuple(run.results),
                      run.state in ("queued", "running"))


def _target_ids(session: Session, ids: list[str] | None, tf: TicketFilter | None) -> tuple[list[uuid.UUID], bool]:
    if tf is not None:
        found = matching_ids(session, tf, BULK_CAP + 1)
        return found[:BULK_CAP], len(found) > BULK_CAP
    parsed = list(dict.fromkeys(u for u in (parse_uuid(i) for i in ids or []) if u))
    if not parsed:
        raise Invalid("Select at least one ticket.", {"ids": ["Nothing selected."]})
    if len(parsed) > BULK_CAP:
        raise Invalid(f"Select at most {BULK_CAP:,} tickets at once.", {"ids": ["Too many."]})
    return parsed, False


def _check(session: Session, action: str, value: str) -> Any:
    """The new value for the action (validated)."""
    if action == "status" and value in STATUSES:
        return value
    if action == "priority" and value in PRIORITIES:
        return value
    if action == "assignee":
        return None if value in ("", "none") else check_assignee(session, value)
    if action in ("add_tag", "remove_tag"):
        tags = normalise_tags([value])
        if len(tags) == 1:
            return tags[0]
        raise Invalid("Give one tag.", {"value": ["Give one tag."]})
    if action not in ACTIONS:
        raise Invalid("Choose an action.", {"action": ["Unknown action."]})
    raise Invalid(f"Choose a {action}.", {"value": [f"Choose a {action}."]})


def _new_value(action: str, new: Any, old: Any) -> Any:
    if action == "add_tag":
        return old if new in old else [*old, new]
    if action == "remove_tag":
        return [t for t in old if t != new]
    return new


def row_values(session: Session, action: str, new: Any, row: Any, after: Any, now: Any) -> dict[str, Any]:
    """The columns one ticket's change sets, by the same rules as a single change."""
    if action == "status":
        return {"status": new, "resolved_at": resolved_at_after(row.status, new, row.resolved_at, now),
                **sla.pause_values(session, row.status, new, row.pending_since, row.resolution_due_at,
                                   row.paused_minutes, now)}
    if action == "priority":
        return {"priority": new, **sla_after_priority(session, new, row.tier, row.created_at, row.paused_minutes)}
    return {FIELD[action]: after}


def write(session: Session, values: list[tuple[uuid.UUID, dict[str, Any]]], now: Any) -> None:
    """One UPDATE per distinct set of new values (a status change is one or two statements)."""
    groups: dict[str, tuple[dict[str, Any], list[uuid.UUID]]] = {}
    for tid, cols in values:
        groups.setdefault(repr(sorted(cols.items())), (cols, []))[1].append(tid)
    for cols, ids in groups.values():
        session.execute(update(_TABLE).where(_T.id.in_(ids))
                        .values(**cols, version=_T.version + 1, updated_at=now))


def locked_rows(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    rows = session.execute(
        select(*_COLS, Customer.subscription_tier.label("tier")).join(Customer, Customer.id == _T.customer_id)
        .where(_T.id.in_(ids)).order_by(_T.id).with_for_update(of=Ticket.__table__)).all() if ids else []
    return {r.id: r for r in rows}


def jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return list(value) if isinstance(value, list) else value


def _stale(session: Session, run: TicketBulkRun, rows: dict[uuid.UUID, Any]) -> dict[uuid.UUID, str]:
    """Tickets someone changed since the list was loaded (or whose version differs from the one sent)."""
    found = {tid: f"changed since you loaded it: now version {r.version}, you saw {run.versions[str(tid)]}"
             for tid, r in rows.items() if str(tid) in run.versions and run.versions[str(tid)] != r.version}
    loaded_at = run.loaded_at
    newer = [str(tid) for tid, r in rows.items() if loaded_at and r.updated_at > loaded_at and tid not in found]
    if newer and loaded_at is not None:
        for rec in session.scalars(select(AuditRecord).where(
                AuditRecord.target_type == "ticket", AuditRecord.target_id.in_(newer),
                AuditRecord.occurred_at > loaded_at).order_by(AuditRecord.chain_index)):
            if "version" in (rec.changes or {}):
                fields = ", ".join(k.replace("_id", "") for k in rec.changes if k not in ("version", "bulk"))
                found[uuid.UUID(rec.target_id)] = f"changed by {rec.actor_label} since you loaded the list ({fields})"
    return found


def _outcome(actor: Actor, run: TicketBulkRun, row: Any, tid: uuid.UUID, after: Any,
             stale: dict[uuid.UUID, str]) -> tuple[str, str | None]:
    perm = "tickets:assign" if run.action == "assignee" else "tickets:update"
    if row is None or not actor.can("tickets:read", tid):
        return "refused", MISSING
    if not actor.can(perm, tid):
        return "refused", f"no permission: you may not {ACTIONS[run.action].lower()} this ticket ({perm})"
    if tid in stale:
        return "refused", stale[tid]
    if after == getattr(row, FIELD[run.action]):
        return "unchanged", "already as asked"
    return "changed", None


def apply_chunk(session: Session, actor: Actor, run: TicketBulkRun, ids: list[uuid.UUID]) -> list[dict[str, Any]]:
    """Change one chunk of the run's tickets (inside the caller's transaction); a result per ticket."""
    field, new, now, aid = FIELD[run.action], _decode_value(run), utcnow(), str(actor.id) if actor.id else None
    rows = locked_rows(session, ids)
    stale = _stale(session, run, rows)
    results, audits, values, evts = [], [], [], []
    for tid in ids:
        row = rows.get(tid)
        after = _new_value(run.action, new, getattr(row, field)) if row is not None else None
        outcome, reason = _outcome(actor, run, row, tid, after, stale)
        item: dict[str, Any] = {"id": str(tid), "number": row.number if row is not None else None,
                                "outcome": outcome, "reason": reason}
        if outcome == "changed" and row is not None:
            cols = row_values(session, run.action, new, row, after, now)
            before_v, after_v = jsonable(getattr(row, field)), jsonable(after)
            item.update(before={k: jsonable(getattr(row, k)) for k in cols}, version=row.version + 1)
            audits.append((tid, {field: [before_v, after_v], "version": [row.version, row.version + 1],
                                 "bulk": True}))
            values.append((tid, cols))
            evts += [(t, tid, d) for t, d in
                     change_events(row.number, row.title, aid, {field: before_v}, {field: after_v}, bulk=True)]
        results.append(item)
    if values:
        write(session, values, now)
        audit.record_many(session, actor, "ticket.updated", "ticket", audits)
        emit_grouped(session, actor, evts)
        events.emit(session, actor, "ticket.bulk_updated", "ticket", values[0][0],
                    {"ids": [str(i) for i, _ in values], "field": field, "value": run.value, "actor_id": aid})
    return results


def emit_grouped(session: Session, actor: Actor, evts: list[tuple[str, uuid.UUID, dict[str, Any]]]) -> None:
    for type_ in dict.fromkeys(t for t, _, _ in evts):
        events.emit_many(session, actor, type_, "ticket", [(i, d) for t, i, d in evts if t == type_])


def _decode_value(run: TicketBulkRun) -> Any:
    return uuid.UUID(run.value) if run.action == "assignee" and run.value else run.value


def bulk_update(session: Session, actor: Actor, action: str, value: str, ids: list[str] | None = None,
                tf: TicketFilter | None = None, loaded_at: datetime | None = None,
                versions: dict[str, int] | None = None, background: bool = False) -> BulkResult:
    """Apply one change to the selected tickets (or to all matching `tf`, capped at BULK_CAP); with
    `background`, more than SYNC_MAX tickets are left to a job."""
    actor.require("tickets:bulk")
    perm = "tickets:assign" if action == "assignee" else "tickets:update"
    if not has_any_scope(actor.grants, perm):  # scoped grants pass here and are checked per ticket
        actor.require(perm)
    new = _check(session, action, value)
    targets, capped = _target_ids(session, ids, tf)
    queued = background and len(targets) > SYNC_MAX
    with transaction(session):
        run = TicketBulkRun(actor_id=actor.id, action=action, value=jsonable(new), loaded_at=loaded_at,
                            versions={str(k): int(v) for k, v in (versions or {}).items()},
                            ticket_ids=[str(t) for t in targets], total=len(targets), state="queued",
                            processed=0, results=[], undo_results=[], created_at=utcnow())
        session.add(run)
        session.flush()
        if queued:
            run_id = str(run.id)
            jobs.after_commit(session, lambda: jobs.enqueue("workers.jobs.tickets.run_bulk", run_id,
                                                            job_id=f"bulk-{run_id}"))
        else:
            run.results = apply_chunk(session, actor, run, targets)
            run.processed, run.state, run.finished_at = len(targets), "done", utcnow()
    return BulkResult(run.id, action, str(value), len(targets), capped, tuple(run.results), queued)


def run_queued(session: Session, run_id: str) -> int:
    """The job's side of a large bulk: a chunk per transaction until done; running it twice is harmless."""
    while True:
        with transaction(session):
            run = session.scalar(select(TicketBulkRun).where(TicketBulkRun.id == parse_uuid(run_id))
                                 .with_for_update())
            if run is None or run.state in ("done", "failed"):
                return 0 if run is None else run.processed
            user = session.get(User, run.actor_id) if run.actor_id else None
            actor = (Actor(user.id, user.email, user_grants(user)) if user is not None and user.status == "active"
                     else Actor(None, "former user"))  # a suspended author's run refuses the rest
            chunk = [uuid.UUID(i) for i in run.ticket_ids[run.processed:run.processed + CHUNK]]
            run.results = [*run.results, *apply_chunk(session, actor, run, chunk)]
            run.processed += len(chunk)
            run.state = "done" if run.processed >= run.total else "running"
            run.finished_at = utcnow() if run.state == "done" else None
