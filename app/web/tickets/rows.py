"""A ticket list row's display values, computed once per row in Python (not in nested template calls)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from app.services import sla
from app.web.formatting import age


class Agent(NamedTuple):
    """An agent in the list's pickers (the assignee filter, the bulk bar's "Assign to")."""

    id: str
    name: str


class TicketRow(NamedTuple):
    id: str
    number: int
    title: str
    title_attr: str  # the title, then its tags in brackets
    tags: tuple[str, ...]
    who: str  # "requester · company"
    status: str
    status_label: str
    priority: str
    assignee: str | None
    sla: str  # "due in 2 h", "breached 3 h ago", ""
    sla_breached: bool
    updated_iso: str
    updated_title: str  # "YYYY-MM-DD HH:MM"
    age: str


def present(row: Any, now: datetime) -> TicketRow:
    """One row of tickets_query.list_tickets as the list shows it."""
    (id_, number, title, status, priority, tags, updated, due_at, breached_at, company, requester,
     assignee) = (row.id, row.number, row.title, row.status, row.priority, row.tags, row.updated_at,
                  row.resolution_due_at, row.sla_breached_at, row.company, row.requester, row.assignee_name)
    due = sla.describe(status, due_at, breached_at, now)
    iso = updated.isoformat()
    return TicketRow(
        str(id_), number, title, f"{title} ({', '.join(tags)})" if tags else title, tuple(tags or ()),
        f"{requester} · {company or ''}" if requester else company or "", status,
        status.replace("_", " "), priority, assignee, due, due.startswith("breached"), iso,
        # isoformat() starts with exactly the fields strftime("%Y-%m-%d %H:%M") would give
        iso[:16].replace("T", " "), age(updated, now),
    )


def present_all(rows: Sequence[Any], now: datetime) -> list[TicketRow]:
    return [present(r, now) for r in rows]
