"""Undoing a bulk change within UNDO_WINDOW: each ticket gets its previous values back unless someone
changed it since (then the result says who changed what); one audit record per ticket restored."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.orm import Session

from app.models import Ticket, TicketBulkRun
from app.models.base import utcnow
from app.services import audit
from app.services.actor import Actor
from app.services.errors import Invalid, NotFound
from app.services.ids import parse_uuid
from app.services.tickets import change_events, changes_since
from app.services.tickets_bulk import FIELD, emit_grouped, jsonable, locked_rows, write
from app.services.uow import transaction

UNDO_WINDOW = timedelta(minutes=10)
_DATES = {c.name for c in Ticket.__table__.c if isinstance(c.type, DateTime)}


def get_run_for(session: Session, actor: Actor, run_id: object) -> TicketBulkRun:
    """A bulk run, to the one who started it (404 for anyone else)."""
    actor.require("tickets:bulk")
    rid = parse_uuid(run_id)
    run = session.get(TicketBulkRun, rid) if rid else None
    if run is None or run.actor_id is None or run.actor_id != actor.id:
        raise NotFound("There is no such bulk change.")
    return run


def can_undo(run: TicketBulkRun, now: datetime) -> bool:
    return (run.state == "done" and run.undone_at is None and run.finished_at is not None
            and now - run.finished_at <= UNDO_WINDOW and any(i["outcome"] == "changed" for i in run.results))


def _decode(column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in _DATES:
        return datetime.fromisoformat(value)
    return uuid.UUID(value) if column == "assignee_id" else value


def _since(session: Session, tid: uuid.UUID, version: int) -> str:
    found = changes_since(session, tid, version)
    if not found:
        return "not undone: changed since"
    what = "; ".join(f"{c.who} changed {c.field.replace('_id', '')}" for c in found[-3:])
    return f"not undone: {what} since"


def undo_bulk(session: Session, actor: Actor, run_id: object) -> list[dict[str, Any]]:
    """Restore each changed ticket's values from before the run, unless it changed since."""
    run = get_run_for(session, actor, run_id)
    now = utcnow()
    if not can_undo(run, now):
        raise Invalid("This bulk change can no longer be undone: undo is possible once, within "
                      f"{int(UNDO_WINDOW.total_seconds() // 60)} minutes, after it finished.", {})
    field, aid = FIELD[run.action], str(actor.id) if actor.id else None
    changed = [i for i in run.results if i["outcome"] == "changed"]
    with transaction(session):
        session.refresh(run, with_for_update=True)
        if run.undone_at is not None:
            raise Invalid("This bulk change was undone already.", {})
        rows = locked_rows(session, [uuid.UUID(i["id"]) for i in changed])
        results, audits, values, evts = [], [], [], []
        for item in changed:
            tid = uuid.UUID(item["id"])
            row = rows.get(tid)
            result: dict[str, Any] = {"id": item["id"], "number": item["number"]}
            if row is None:
                results.append({**result, "outcome": "skipped", "reason": "not undone: the ticket no longer exists"})
                continue
            if row.version != item["version"]:
                results.append({**result, "outcome": "skipped", "reason": _since(session, tid, item["version"])})
                continue
            cols = {k: _decode(k, v) for k, v in item["before"].items()}
            now_v, back_v = jsonable(getattr(row, field)), item["before"][field]
            audits.append((tid, {field: [now_v, back_v], "version": [row.version, row.version + 1], "bulk": True,
                                 "undo_of": str(run.id)}))
            values.append((tid, cols))
            evts += [(t, tid, d) for t, d in
                     change_events(row.number, row.title, aid, {field: now_v}, {field: back_v}, bulk=True)]
            results.append({**result, "outcome": "restored", "reason": None})
        if values:
            write(session, values, now)
            audit.record_many(session, actor, "ticket.bulk_undone", "ticket", audits)
            emit_grouped(session, actor, evts)
        run.undone_at, run.undo_results = now, results
    return results
