"""Screen queries for tickets: the list (fast at 1,000,000 rows), its count, the detail page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session, aliased

from app import search
from app.models import Customer, Role, Ticket, TicketComment, User
from app.models.base import utcnow
from app.models.rollup import NO_ASSIGNEE, TicketOpenCount
from app.models.ticket import OPEN_STATUSES, PRIORITIES, STATUSES
from app.search.postgres import estimates as search_estimates
from app.search.postgres import indexed_counts, reads_matches, unprepared
from app.services import estimates
from app.services.actor import Actor
from app.services.ids import parse_uuid
from app.services.listing import (
    PLANNER_SLACK,
    Count,
    ListQuery,
    Page,
    SortKey,
    bounded_count,
    bounded_counts_and,
    page_from,
    planner_rows,
    planner_rows_each,
    read_rows,
    with_count,
)
from app.services.tickets import TAG_MAX, get_ticket_for
from app.services.tickets import scoped_ids as scoped_ids  # re-exported: search and saved views use it from here
from app.services.tickets_detail import THREAD_LIMIT
from app.services.tickets_detail import TicketDetail as TicketDetail  # the ticket page's reads
from app.services.tickets_detail import get_detail as get_detail

VIEWS = {"mine": "My open", "unassigned": "Unassigned", "urgent": "Urgent", "breaching": "Breaching SLA",
         "all": "All"}
SORTS = ("updated_at", "created_at", "number", "priority", "status", "resolution_due_at")
CHOICES = {"view": tuple(VIEWS), "status": STATUSES, "priority": PRIORITIES}
FREE = ("assignee", "customer", "tag")
DATES = ("created_from", "created_to")
Assignee = aliased(User)


@dataclass
class TicketFilter:
    """The filters of a ticket view, already parsed from the URL (the web layer does that)."""

    filters: dict[str, str] = field(default_factory=dict)
    q: str = ""
    me: uuid.UUID | None = None
    # The search box's condition, built once (it may ask the database which customers match).
    _search: tuple[ColumnElement[bool], str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # PostgreSQL text cannot hold NUL: drop it from anything typed into the URL.
        self.filters = {k: v.replace("\x00", "") for k, v in self.filters.items()}
        self.q = self.q.replace("\x00", "").strip()

    def conditions(self, now: datetime | None = None) -> tuple[list[ColumnElement[bool]], list[str]]:
        """WHERE conditions, plus notes about values that were ignored."""
        f = self.filters
        conds: list[ColumnElement[bool]] = []
        notes: list[str] = []
        view = f.get("view", "all")
        if view in ("mine", "unassigned", "urgent", "breaching") and "status" not in f:
            conds.append(Ticket.status.in_(OPEN_STATUSES))
        if view == "mine":
            conds.append(Ticket.assignee_id == self.me)
        elif view == "unassigned":
            conds.append(Ticket.assignee_id.is_(None))
        elif view == "urgent":
            conds.append(Ticket.priority == "urgent")
        elif view == "breaching":
            conds.append(Ticket.resolution_due_at <= (now or utcnow()))
        if "status" in f:
            conds.append(Ticket.status == f["status"])
        if "priority" in f:
            conds.append(Ticket.priority == f["priority"])
        self._people(conds, notes)
        if f.get("tag"):
            conds.append(Ticket.tags.contains([f["tag"].lower()[:TAG_MAX]]))
        if f.get("created_from"):
            conds.append(Ticket.created_at >= datetime.combine(date.fromisoformat(f["created_from"]), time.min, UTC))
        if f.get("created_to"):
            last = date.fromisoformat(f["created_to"])
            if last < date.max:
                conds.append(Ticket.created_at < datetime.combine(last + timedelta(days=1), time.min, UTC))
        if self.q:
            if self._search is None:
                self._search = search.condition("tickets", self.q)
            found, note = self._search
            conds.append(found)
            notes += [note] if note else []
        return conds, notes

    def _people(self, conds: list[ColumnElement[bool]], notes: list[str]) -> None:
        assignee = self.filters.get("assignee", "")
        if assignee == "me":
            conds.append(Ticket.assignee_id == self.me)
        elif assignee == "none":
            conds.append(Ticket.assignee_id.is_(None))
        else:
            self._by_id("assignee", Ticket.assignee_id, conds, notes)
        self._by_id("customer", Ticket.customer_id, conds, notes)

    def _by_id(self, name: str, column: Any, conds: list[ColumnElement[bool]], notes: list[str]) -> None:
        raw = self.filters.get(name, "")
        if not raw:
            return
        uid = parse_uuid(raw)
        if uid:
            conds.append(column == uid)
        else:
            notes.append(f"Ignored unknown {name} “{raw[:40]}”.")
            self.filters.pop(name)


ROW_COLUMNS = (Ticket.id, Ticket.number, Ticket.title, Ticket.status, Ticket.priority, Ticket.tags,
               Ticket.created_at, Ticket.updated_at, Ticket.first_response_due_at, Ticket.resolution_due_at,
               Ticket.sla_breached_at, Ticket.customer_id, Ticket.assignee_id)


# Semantic order for priority and status, as expressions that indexes of migration 0002_tickets cover
# (the text must match the index expression, so it is written out, not bound).
RANKS: dict[str, ColumnElement[int]] = {
    "priority": literal_column("(CASE support_tickets.priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 "
                               "WHEN 'medium' THEN 2 ELSE 1 END)"),
    "status": literal_column("(CASE support_tickets.status WHEN 'open' THEN 1 WHEN 'pending' THEN 2 "
                             "WHEN 'on_hold' THEN 3 WHEN 'solved' THEN 4 ELSE 5 END)"),
}


def sort_key(sort: str) -> SortKey:
    """The key of a sort, always ending in id, each matching an index read forwards or backwards."""
    sort = sort if sort in SORTS else "updated_at"
    if sort in RANKS:
        return SortKey((RANKS[sort], Ticket.updated_at, Ticket.id), (int, datetime, uuid.UUID))
    if sort == "number":  # unique already
        return SortKey((Ticket.number,), (int,))
    # resolution_due_at may be NULL: a row comparison cannot step over NULLs, so it pages by offset.
    return SortKey((getattr(Ticket, sort), Ticket.id), (datetime, uuid.UUID), keyset=sort != "resolution_due_at")


def _walked(key: SortKey, walk_index: bool) -> tuple[Any, ...]:
    """walk_index=False hides the columns from the planner (coalesce(c, c)): for a selective GIN filter
    (a tag) reading the matches and sorting them beats walking the sort index, which for a rare or
    absent tag would scan the whole table looking for 51 rows."""
    return key.columns if walk_index else tuple(func.coalesce(c, c) for c in key.columns)


def page_ids(tf: TicketFilter, sort: str, descending: bool, offset: int, limit: int,
             after: tuple[Any, ...] | None = None, sparse: bool = False) -> tuple[Select[Any], list[str]]:
    """The ids of one page, found on an index alone: from an offset, or after a row's sort key.
    `sparse`: the filter matches few rows (a rare word), so read them from their index and sort."""
    conds, notes = tf.conditions()
    key = sort_key(sort)
    cols = _walked(key, not tf.filters.get("tag") and not sparse)
    stmt = select(Ticket.id).where(*conds)
    if after is not None:
        stmt = stmt.where(key.after(descending, after, cols))
    elif offset:
        stmt = stmt.offset(offset)
    return stmt.order_by(*key.order_by(descending, cols)).limit(limit), notes


def ticket_filter(actor: Actor, query: ListQuery) -> TicketFilter:
    return TicketFilter(dict(query.filters), query.q, actor.id)


def list_tickets(session: Session, actor: Actor, query: ListQuery) -> Page[Any]:
    """One page of rows (with customer and assignee names, in one query), its notes and count.

    The page's ids are found first on the index alone (a deferred join), so deep pages do not
    join every skipped row."""
    scoped = scoped_ids(actor, "tickets:read")
    if scoped == []:
        actor.require("tickets:read")
    tf = ticket_filter(actor, query)
    if tf.q:  # a search's plan depends on its words: planned each time (search.postgres.unprepared)
        with unprepared(session):
            return _list_tickets(session, query, tf, scoped)
    return _list_tickets(session, query, tf, scoped)


def _list_tickets(session: Session, query: ListQuery, tf: TicketFilter, scoped: list[uuid.UUID] | None) -> Page[Any]:
    key = sort_key(query.sort)
    # One question to the planner serves twice: a rare word reads its GIN bitmap, and the count.
    estimate, total = search_estimates(session, _counted(tf, scoped)) if tf.q else (None, 0)
    need = query.start.offset + query.limit + 1
    sparse = estimate is not None and reads_matches(estimate, total, need, search.parse(tf.q).prefix is not None)
    shape = None if tf.q or tf.filters.get("view") == "breaching" else (
        tuple(sorted(tf.filters.items())), tf.me, None if scoped is None else tuple(scoped), query.sort,
        query.descending, query.start, query.limit)
    built = _STATEMENTS.get(shape) if shape else None
    stmt, notes = built or _page_statement(tf, query, scoped, sparse)
    notes = list(notes)
    if shape and not built:
        if len(_STATEMENTS) >= STATEMENTS_KEPT:
            _STATEMENTS.clear()
        _STATEMENTS[shape] = (stmt, notes)
    result = page_from(read_rows(session, stmt), key, query)
    result.notes = notes
    if tf.q:
        return with_count(result, query, lambda: _search_count(session, tf, scoped, estimate))
    return with_count(result, query, lambda: _list_count(session, tf, scoped, estimate))


# A list page's statement by its shape (no search, no clock in it): building a statement and its cache
# key costs more CPU than PostgreSQL spends running it, and the same few views are opened all day.
STATEMENTS_KEPT = 500
_STATEMENTS: dict[Any, tuple[Select[Any], list[str]]] = {}


def _page_statement(tf: TicketFilter, query: ListQuery, scoped: list[uuid.UUID] | None,
                    sparse: bool) -> tuple[Select[Any], list[str]]:
    key = sort_key(query.sort)
    ids, notes = page_ids(tf, query.sort, query.descending, query.start.offset, query.limit + 1, query.start.after,
                          sparse)
    if scoped is not None:  # only resource-scoped grants: just those tickets
        ids = ids.where(Ticket.id.in_(scoped))
    page = ids.subquery("page")
    # The assignee's name as a scalar subquery rather than an outer join: one join fewer to plan.
    assignee = select(Assignee.name).where(Assignee.id == Ticket.assignee_id).scalar_subquery()
    stmt = (
        select(*ROW_COLUMNS, Customer.company_name.label("company"), Customer.contact_name.label("requester"),
               assignee.label("assignee_name"), *(c.label(f"sort_key_{i}") for i, c in enumerate(key.columns)))
        .join(page, page.c.id == Ticket.id)
        .join(Customer, Customer.id == Ticket.customer_id)
        .order_by(*key.order_by(query.descending))
    )
    return stmt, notes


def _list_count(session: Session, tf: TicketFilter, scoped: list[uuid.UUID] | None, estimate: int | None) -> Count:
    """The list's bounded count; without a search, the planner's estimate may be a few seconds old."""
    if estimate is None and not tf.q:
        key = ("ticket-list", tuple(sorted(tf.filters.items())), tf.me, None if scoped is None else tuple(scoped))
        estimate = estimates.estimates([key], lambda _: [planner_rows(session, _counted(tf, scoped))])[0]
    return count_matching(session, tf, scoped, estimate)


def _search_count(session: Session, tf: TicketFilter, scoped: list[uuid.UUID] | None, estimate: int | None) -> Count:
    with indexed_counts(session):
        return count_matching(session, tf, scoped, estimate)


def matching_ids(session: Session, tf: TicketFilter, limit: int) -> list[uuid.UUID]:
    conds, _ = tf.conditions()
    key = sort_key("updated_at")
    return list(session.scalars(select(Ticket.id).where(*conds).order_by(*key.order_by(True)).limit(limit)))


def _counted(tf: TicketFilter, scoped: list[uuid.UUID] | None) -> Select[Any]:
    conds, _ = tf.conditions()
    stmt = select(Ticket.id).where(*conds)
    return stmt if scoped is None else stmt.where(Ticket.id.in_(scoped))


def count_matching(session: Session, tf: TicketFilter, scoped: list[uuid.UUID] | None = None,
                   estimate: int | None = None) -> Count:
    """Counted among the tickets the viewer may read: a count never tells of tickets they cannot open."""
    return bounded_count(session, _counted(tf, scoped), estimate=estimate)


NEWS_CAP = 99  # "N new — show" counts no further


def list_changes(session: Session, actor: Actor, query: ListQuery, since: datetime,
                 after: datetime) -> tuple[list[Any], int]:
    """For a list left open: the rows of its page that changed after `after` (tickets created since the
    page was loaded are not on it), and how many tickets matching the view were created after `since`."""
    page = list_tickets(session, actor, replace(query, with_count=False))
    changed = [r for r in page.rows if r.updated_at > after and r.created_at <= since]
    if not actor.can("tickets:read"):
        return changed, 0
    conds, _ = ticket_filter(actor, query).conditions()
    fresh = select(Ticket.id).where(*conds, Ticket.created_at > since).limit(NEWS_CAP).subquery()
    return changed, int(session.scalar(select(func.count()).select_from(fresh)) or 0)


VIEW_COUNT_CAP = 9_999  # breaching and all: exact below 10,000, the planner's estimate above
# Views whose count is a sum over the open-ticket rollup (migration 0002_dashboard, kept exact by triggers):
# the view's condition is "open" plus one of the rollup's keys, so the sum is exact at any size.
ROLLUP_VIEWS = ("mine", "unassigned", "urgent")


def _rollup_sums() -> list[Any]:
    rollup = TicketOpenCount.__table__.c
    which = {"mine": rollup.assignee_key == bindparam("me"), "unassigned": rollup.assignee_key == NO_ASSIGNEE,
             "urgent": rollup.priority == "urgent"}
    # One scan of the rollup (a few hundred rows) for all three sums.
    return [func.coalesce(func.sum(rollup.open_count).filter(which[v]), 0) for v in ROLLUP_VIEWS]


ROLLUP_SUMS = _rollup_sums()
ROLLUP_ONLY = select(*ROLLUP_SUMS)  # built once: at scale no other view is small enough to count


def view_counts(session: Session, actor: Actor) -> dict[str, Count]:
    """How many tickets each saved view holds, for the view list; none for scoped-only readers
    (their list is a handful of granted tickets, the counts would describe tickets they cannot see).
    Two round trips at most: the planner's estimates of the views the rollup cannot answer (shared by
    everyone, kept a few seconds), then the bounded counts of the small ones with the rollup's sums."""
    if not actor.can("tickets:read"):
        return {}
    now = utcnow()
    others = [v for v in VIEWS if v not in ROLLUP_VIEWS]

    def stmt(view: str) -> Select[Any]:
        return select(Ticket.id).where(*TicketFilter({"view": view}, "", actor.id).conditions(now)[0])

    guesses = dict(zip(others, estimates.estimates(
        [("ticket-view", v) for v in others],
        lambda missing: planner_rows_each(session, [stmt(others[i]) for i in missing])), strict=True))
    small = [v for v in others if guesses[v] <= VIEW_COUNT_CAP * PLANNER_SLACK]
    found = {v: Count(guesses[v], exact=False) for v in others if v not in small}
    if small:
        counts, sums = bounded_counts_and(session, [stmt(v) for v in small], ROLLUP_SUMS, cap=VIEW_COUNT_CAP,
                                          estimates=[guesses[v] for v in small], params={"me": actor.id})
        found |= dict(zip(small, counts, strict=True))
    else:
        sums = list(read_rows(session, ROLLUP_ONLY, {"me": actor.id})[0])
    found |= {v: Count(int(n), exact=True) for v, n in zip(ROLLUP_VIEWS, sums, strict=True)}
    return {v: found[v] for v in VIEWS}


def estimate(session: Session, tf: TicketFilter) -> int:
    return count_matching(session, tf).value


def activity_tag(ticket: Any) -> str:
    """Changes whenever anyone changes the ticket: fields bump the version, replies and notes updated_at."""
    return f"t{ticket.version}-{int(ticket.updated_at.timestamp() * 1_000_000)}"


def comments_since(session: Session, actor: Actor, ticket_id: object, seen: str | None) -> int:
    """How many replies and notes the ticket has beyond the `seen` a form was rendered with (0 if unknown)."""
    try:
        shown = int(seen or "")
    except ValueError:
        return 0
    ticket = get_ticket_for(session, actor, ticket_id, "read")
    total = session.scalar(select(func.count()).select_from(TicketComment).where(TicketComment.ticket_id == ticket.id))
    return max(0, min(int(total or 0), THREAD_LIMIT) - shown)


WORK_GRANTS = ["*", "tickets:*", "tickets:assign", "tickets:update"]


# A grant list holds tickets:assign or tickets:update exactly when it contains one of WORK_GRANTS.
AGENTS = select(User.id, User.name, User.email).where(
    User.status == "active",
    User.role_name.in_(select(Role.name).where(Role.permissions.op("?|")(array(WORK_GRANTS))))
    | User.permissions.op("?|")(array(WORK_GRANTS)),
)
ALL_AGENTS = AGENTS.order_by(User.name).limit(bindparam("limit"))  # built once: the list page asks every time


def agents(session: Session, q: str = "", limit: int = 10) -> list[Any]:
    """Active users who can work tickets (by role or by their own grants), matching `q` by name or
    email: the assignee typeahead and pickers. Rows of (id, name, email)."""
    q = (q or "").strip()[:100]
    if not q:
        return read_rows(session, ALL_AGENTS, {"limit": limit})
    like = f"%{q.replace('%', '').replace('_', '')}%"
    stmt = AGENTS.where(User.name.ilike(like) | User.email.ilike(like))
    return list(session.execute(stmt.order_by(User.name).limit(limit)))


def customers_for_picker(session: Session, actor: Actor, q: str = "", limit: int = 20, keep: str = "") -> list[Any]:
    """Active customers the actor may read whose company name starts with `q` (plus the chosen one, if readable)."""
    ids = scoped_ids(actor, "customers:read")
    stmt = select(Customer.id, Customer.company_name).where(Customer.status == "active")
    if ids is not None:
        stmt = stmt.where(Customer.id.in_(ids))
    q = (q or "").strip()[:100].lower().replace("%", "").replace("_", "")
    if q:
        stmt = stmt.where(func.lower(Customer.company_name).startswith(q))
    found = list(session.execute(stmt.order_by(func.lower(Customer.company_name)).limit(limit)))
    kid = parse_uuid(keep)
    if kid and all(c.id != kid for c in found) and actor.can("customers:read", kid):
        found += list(session.execute(select(Customer.id, Customer.company_name).where(Customer.id == kid)))
    return found


def user_names(session: Session, ids: list[str]) -> dict[str, str]:
    uids = [u for u in (parse_uuid(i) for i in ids) if u]
    if not uids:
        return {}
    return {str(i): n for i, n in session.execute(select(User.id, User.name).where(User.id.in_(uids)))}
