"""A ticket list row's display values, computed once per row in Python (not in nested template calls)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.services import sla
from app.web.formatting import age


@dataclass(frozen=True, slots=True)
class TicketRow:
    id: str
    number: int
    title: str
    title_attr: str  # the title, then its tags in brackets
    tags: list[str]
    who: str  # "requester · company"
    status: str
    status_label: str
    priority: str
    assignee: str | None
    sla: str  # "due in 2 h", "breached 3 h ago", ""
    sla_breached: bool
    updated_iso: str
    updated_title: str
    age: str


def present(row: Any, now: datetime) -> TicketRow:
    """One row of tickets_query.list_tickets as the list shows it."""
    due = sla.describe(row.status, row.resolution_due_at, row.sla_breached_at, now)
    tags = list(row.tags or ())
    updated = row.updated_at
    return TicketRow(
        id=str(row.id), number=row.number, title=row.title,
        title_attr=f"{row.title} ({', '.join(tags)})" if tags else row.title, tags=tags,
        who=(f"{row.requester} · " if row.requester else "") + (row.company or ""),
        status=row.status, status_label=row.status.replace("_", " "), priority=row.priority,
        assignee=row.assignee_name, sla=due, sla_breached=due.startswith("breached"),
        updated_iso=updated.isoformat(), updated_title=updated.strftime("%Y-%m-%d %H:%M"), age=age(updated, now),
    )


def present_all(rows: Iterable[Any], now: datetime) -> list[TicketRow]:
    return [present(r, now) for r in rows]
