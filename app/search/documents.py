"""Rows to index and rows to show, per entity, read from PostgreSQL (the system of record).

Every backend finds ids; what a hit shows is always read here, so a hit is never staler than the
database and the permission filter of the query is applied to rows, not to an index's copy."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from app.models import Customer, Ticket, User
from app.search.types import Hit

MODELS: dict[str, Any] = {"tickets": Ticket, "customers": Customer, "users": User}


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def version_of(entity: str, row: Any) -> int:
    """The external version: the row's optimistic-lock version where it has one, else its update time
    (users), so an older copy never overwrites a newer one whatever order the events arrive in."""
    return int(row.version) if entity != "users" else _micros(row.updated_at)


def _ticket_doc(row: Any) -> dict[str, Any]:
    return {"id": str(row.id), "number": row.number, "title": row.title, "description": row.description,
            "status": row.status, "priority": row.priority, "tags": list(row.tags or []),
            "customer_id": str(row.customer_id), "customer_name": row.company_name,
            "assignee_id": str(row.assignee_id) if row.assignee_id else None, "updated_at": row.updated_at.isoformat()}


def _customer_doc(row: Any) -> dict[str, Any]:
    return {"id": str(row.id), "company_name": row.company_name, "contact_name": row.contact_name,
            "contact_email": row.contact_email, "tier": row.subscription_tier, "status": row.status,
            "updated_at": row.updated_at.isoformat()}


def _user_doc(row: Any) -> dict[str, Any]:
    return {"id": str(row.id), "name": row.name, "email": row.email, "role": row.role_name, "status": row.status,
            "updated_at": row.updated_at.isoformat()}


def _source(entity: str) -> Any:
    if entity == "tickets":
        return (select(Ticket.id, Ticket.number, Ticket.title, Ticket.description, Ticket.status, Ticket.priority,
                       Ticket.tags, Ticket.customer_id, Ticket.assignee_id, Ticket.updated_at, Ticket.version,
                       Customer.company_name).join(Customer, Customer.id == Ticket.customer_id))
    if entity == "customers":
        return select(Customer.id, Customer.company_name, Customer.contact_name, Customer.contact_email,
                      Customer.subscription_tier, Customer.status, Customer.updated_at, Customer.version)
    return select(User.id, User.name, User.email, User.role_name, User.status, User.updated_at)


DOCS = {"tickets": _ticket_doc, "customers": _customer_doc, "users": _user_doc}
Document = tuple[str, int, dict[str, Any]]  # id, external version, body


def documents(session: Session, entity: str, ids: Sequence[uuid.UUID]) -> list[Document]:
    """The documents of these rows (ids that no longer exist are simply absent)."""
    model = MODELS[entity]
    rows = session.execute(_source(entity).where(model.id.in_(list(ids)))).all() if ids else []
    return [(str(r.id), version_of(entity, r), DOCS[entity](r)) for r in rows]


def batches(session: Session, entity: str, size: int) -> Iterator[list[Document]]:
    """Every row's document, in id order, `size` at a time (keyset: no deep offsets)."""
    model, last = MODELS[entity], None
    while True:
        stmt = _source(entity).order_by(model.id).limit(size)
        rows = session.execute(stmt if last is None else stmt.where(model.id > last)).all()
        if not rows:
            return
        last = rows[-1].id
        yield [(str(r.id), version_of(entity, r), DOCS[entity](r)) for r in rows]


def versions(session: Session, entity: str, after: uuid.UUID | None, size: int) -> list[tuple[uuid.UUID, int]]:
    """(id, external version) of the next `size` rows in id order: what reconciliation compares."""
    model = MODELS[entity]
    stmt = _source(entity).order_by(model.id).limit(size)
    rows = session.execute(stmt if after is None else stmt.where(model.id > after)).all()
    return [(r.id, version_of(entity, r)) for r in rows]


def count(session: Session, entity: str) -> int:
    return int(session.scalar(select(func.count()).select_from(MODELS[entity])) or 0)


def _in_order(rows: Sequence[Any], ids: Sequence[uuid.UUID]) -> list[Any]:
    by_id = {r.id: r for r in rows}
    return [by_id[i] for i in ids if i in by_id]


def present(session: Session, entity: str, ids: Sequence[uuid.UUID], snippets: dict[uuid.UUID, str] | None = None,
            snippet_sql: ColumnElement[Any] | None = None) -> list[Hit]:
    """The hits for these ids, in this order, read from the database: the shown page only."""
    if not ids:
        return []
    found = snippets or {}
    if entity == "tickets":
        snippet = snippet_sql if snippet_sql is not None else func.left(Ticket.description, 120)
        rows = session.execute(select(Ticket.id, Ticket.number, Ticket.title, snippet.label("snippet"), Ticket.status,
                                      Customer.company_name).join(Customer, Customer.id == Ticket.customer_id)
                               .where(Ticket.id.in_(list(ids)))).all()
        return [Hit("tickets", r.id, f"#{r.number} {r.title}", f"{r.company_name} · {r.status}",
                    found.get(r.id) or r.snippet or "") for r in _in_order(rows, ids)]
    if entity == "customers":
        rows = session.execute(select(Customer.id, Customer.company_name, Customer.contact_name,
                                      Customer.contact_email).where(Customer.id.in_(list(ids)))).all()
        return [Hit("customers", r.id, r.company_name, " · ".join(x for x in (r.contact_name, r.contact_email) if x))
                for r in _in_order(rows, ids)]
    rows = session.execute(select(User.id, User.name, User.email, User.role_name)
                           .where(User.id.in_(list(ids)))).all()
    return [Hit("users", r.id, r.name, f"{r.email} · {r.role_name}") for r in _in_order(rows, ids)]
