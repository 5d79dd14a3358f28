"""Global search on PostgreSQL in two round trips, whatever the number of kinds: one planner question
for every kind (EXPLAIN of a UNION ALL, one estimate per branch) and one statement returning every
kind's shown hits, ranked, with the tickets' headlines computed for those rows only.

On a busy machine a round trip costs more than the query it carries, so this is what global search
uses; `postgres.search_*` answer one kind at a time (the fallback of a single kind)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ColumnElement, String, func, literal, select, union_all
from sqlalchemy.orm import Session

from app.models import Customer, Ticket, User
from app.search.pairs import phrase_pairs
from app.search.postgres import (
    CANDIDATES_PER_HIT,
    HEADLINE,
    customer_condition,
    reads_matches,
    ticket_condition,
    tsquery,
    unprepared,
    user_condition,
)
from app.search.query import Parsed
from app.search.types import MARK, UNMARK, Hit
from app.services.listing import planner_plan

Scopes = dict[str, list[uuid.UUID] | None]
MODELS: dict[str, Any] = {"tickets": Ticket, "customers": Customer, "users": User}
CONFIG = {"tickets": "english", "customers": "simple", "users": "simple"}
PLANNED = ("tickets", "customers")  # staff are few: any plan is quick


def _condition(kind: str, parsed: Parsed, pairs: list[str]) -> ColumnElement[bool]:
    if kind == "tickets":
        return ticket_condition(parsed, pairs=pairs)  # customers are their own group here
    return customer_condition(parsed) if kind == "customers" else user_condition(parsed)


def _scoped(stmt: Any, model: Any, allowed: list[uuid.UUID] | None) -> Any:
    return stmt if allowed is None else stmt.where(model.id.in_(allowed))


def sparse_kinds(session: Session, parsed: Parsed, scopes: Scopes, pairs: list[str], limit: int) -> set[str]:
    """The kinds whose matches the planner expects to be few (read the GIN bitmap, then sort)."""
    kinds = [k for k in PLANNED if k in scopes]
    if not kinds:
        return set()
    branches = [_scoped(select(MODELS[k].id).where(_condition(k, parsed, pairs)), MODELS[k], scopes[k])
                for k in kinds]
    branches += [select(MODELS[k].id) for k in kinds]  # and each table's size
    plan = planner_plan(session, union_all(*branches))
    children = plan.get("Plans", []) if plan.get("Node Type") == "Append" else []
    if len(children) != len(branches):  # a plan we cannot read per branch: the safe choice for a rare word
        return set(kinds)
    rows = [int(child["Plan Rows"]) for child in children]
    need = CANDIDATES_PER_HIT * limit
    prefix = parsed.prefix is not None
    return {k for i, k in enumerate(kinds) if reads_matches(rows[i], rows[len(kinds) + i], need, prefix)}


def _best(kind: str, parsed: Parsed, pairs: list[str], allowed: list[uuid.UUID] | None, sparse: bool,
          limit: int) -> Any:
    model = MODELS[kind]
    query = tsquery(CONFIG[kind], parsed)
    newest = func.coalesce(model.updated_at, model.updated_at) if sparse else model.updated_at
    inner = _scoped(select(model.id, model.updated_at, model.search_vector.label("v"))
                    .where(_condition(kind, parsed, pairs)), model, allowed)
    cand = inner.order_by(newest.desc()).limit(CANDIDATES_PER_HIT * limit).subquery(f"{kind}_cand")
    rank = func.ts_rank(cand.c.v, query) if query is not None else literal(0.0)
    return (select(cand.c.id, rank.label("rank"), cand.c.updated_at)
            .order_by(rank.desc(), cand.c.updated_at.desc()).limit(limit).subquery(f"{kind}_best"))


def _shown(kind: str, parsed: Parsed, best: Any) -> Any:
    order = func.row_number().over(order_by=(best.c.rank.desc(), best.c.updated_at.desc()))
    sep = literal(" · ", String)
    if kind == "tickets":
        query = tsquery("english", parsed)
        clean = func.translate(Ticket.description, MARK + UNMARK, "")
        snippet = func.ts_headline("english", clean, query, HEADLINE) if query is not None else func.left(clean, 120)
        title = func.concat("#", Ticket.number, " ", Ticket.title)
        return (select(literal(kind, String).label("kind"), Ticket.id, title,
                       func.concat(Customer.company_name, sep, Ticket.status), snippet, order)
                .join(best, best.c.id == Ticket.id).join(Customer, Customer.id == Ticket.customer_id))
    if kind == "customers":
        return (select(literal(kind, String), Customer.id, Customer.company_name,
                       func.concat_ws(sep, func.nullif(Customer.contact_name, ""), Customer.contact_email),
                       literal("", String), order).join(best, best.c.id == Customer.id))
    return (select(literal(kind, String), User.id, User.name, func.concat(User.email, sep, User.role_name),
                   literal("", String), order).join(best, best.c.id == User.id))


def search_many(session: Session, parsed: Parsed, scopes: Scopes, limit: int) -> dict[str, list[Hit]]:
    """The best `limit` hits of every kind in `scopes` (each only among its allowed ids, when given)."""
    if not scopes:
        return {}
    pairs = phrase_pairs(session, parsed.words) if "tickets" in scopes else []
    with unprepared(session):
        sparse = sparse_kinds(session, parsed, scopes, pairs, limit)
        parts = [_shown(k, parsed, _best(k, parsed, pairs, allowed, k in sparse, limit))
                 for k, allowed in scopes.items()]
        rows = session.execute(parts[0] if len(parts) == 1 else union_all(*parts)).all()
    found: dict[str, list[Hit]] = {k: [] for k in scopes}
    for kind, hit_id, title, subtitle, snippet, _pos in sorted(rows, key=lambda r: (r[0], r[5])):
        found[kind].append(Hit(kind, hit_id, title or "", subtitle or "", snippet or ""))
    return found
