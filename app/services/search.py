"""Global search: tickets, customers and users in one box, each kind only among what the viewer may open."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app import search
from app.search.types import Hit
from app.services.actor import Actor
from app.services.tickets_query import scoped_ids

# Each kind and the permission that opens one of its hits.
KINDS: dict[str, tuple[str, str]] = {
    "tickets": ("Tickets", "tickets:read"),
    "customers": ("Customers", "customers:read"),
    "users": ("Users", "users:read"),
}
PER_KIND = 5


@dataclass
class Group:
    kind: str
    label: str
    hits: list[Hit]
    more: bool  # a full group: the kind's list page may hold more (no count is shown: counts leak)


@dataclass
class Results:
    q: str
    groups: list[Group] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(g.hits for g in self.groups)


def readable_kinds(actor: Actor) -> dict[str, list[uuid.UUID] | None]:
    """Each kind the actor may open something of: None for all of it, else the ids of their scoped grants."""
    found: dict[str, list[uuid.UUID] | None] = {}
    for kind, (_label, permission) in KINDS.items():
        scope = scoped_ids(actor, permission)
        if scope != []:
            found[kind] = scope
    return found


def global_search(session: Session, actor: Actor, q: str, per_kind: int = PER_KIND) -> Results:
    """The best hits of every kind the actor may read, as typed (the last word is a prefix).

    A ticket number searches tickets only. Hits outside the actor's scope are dropped even if a
    backend returned them, so nobody sees a hit they could not open."""
    parsed = search.parse(q, as_you_type=True)
    results = Results(parsed.raw)
    if parsed.empty:
        return results
    for kind, scope in readable_kinds(actor).items():
        if parsed.number is not None and kind != "tickets":
            continue
        answer = search.search(session, kind, parsed, scope, per_kind)
        hits = [h for h in answer.hits if scope is None or h.id in scope]
        results.groups.append(Group(kind, KINDS[kind][0], hits, len(hits) >= per_kind))
        if answer.note and answer.note not in results.notes:
            results.notes.append(answer.note)
    return results
