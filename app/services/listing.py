"""The one list contract: a ListQuery in, a Page out, a bounded count and keyset cursors.

Every screen query (`list_…`) takes a ListQuery (filters, search, sort, and where the page
starts: an offset or the sort key of the last row seen) and returns a Page (rows, a count that
is exact when small and the planner's estimate otherwise, and where the next page starts).
The web layer turns the query string into a ListQuery; the API turns its signed cursor into one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import Select, func, select, tuple_, union_all
from sqlalchemy.orm import Session

from app.services.errors import Invalid

T = TypeVar("T")
COUNT_CAP = 1000  # exact counts up to here; beyond it "about N" from the planner
# The planner's estimate may be this many times too high and we still count exactly.
PLANNER_SLACK = 10
MAX_OFFSET = 100 * 10_000  # as deep as offset pages go (100 per page, page 10,000)
SEARCH_MAX = 200  # the longest search text a list takes (pages trim to it, the API refuses more)


@dataclass(frozen=True)
class Position:
    """Where a page starts: after the sort key of a row (keyset) or at an offset."""

    offset: int = 0
    after: tuple[Any, ...] | None = None


@dataclass
class ListQuery:
    """What a list screen or API call asks for, already parsed and validated by its edge."""

    filters: dict[str, str] = field(default_factory=dict)
    q: str = ""
    sort: str = ""
    descending: bool = True
    limit: int = 50
    start: Position = field(default_factory=Position)
    with_count: bool = True

    @property
    def sort_token(self) -> str:
        return ("-" if self.descending else "") + self.sort


@dataclass(frozen=True)
class Count:
    value: int
    exact: bool


@dataclass
class Page(Generic[T]):
    """One page of rows; `next` is None on the last page."""

    rows: list[T]
    next: Position | None = None
    count: Count | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def has_next(self) -> bool:
        return self.next is not None

    @property
    def estimate(self) -> int | None:
        return self.count.value if self.count else None


@dataclass(frozen=True)
class SortKey:
    """The ORDER BY of one sort: expressions in one direction, the last one unique (the id).

    `kinds` are the Python types of the key values, to check a cursor before it reaches SQL.
    A sort over a column that may be NULL cannot be compared as a row value, so it pages by
    offset (keyset=False)."""

    columns: tuple[Any, ...]
    kinds: tuple[type, ...]
    keyset: bool = True
    nulls_last: bool = False

    def order_by(self, descending: bool, columns: Sequence[Any] | None = None) -> list[Any]:
        cols = columns if columns is not None else self.columns
        ordered = [c.desc() if descending else c.asc() for c in cols]
        if self.nulls_last:
            ordered[0] = ordered[0].nulls_last()
        return ordered

    def after(self, descending: bool, values: tuple[Any, ...], columns: Sequence[Any] | None = None) -> Any:
        """Rows strictly after `values` in this order: one row comparison, an index range scan."""
        row = tuple_(*(columns if columns is not None else self.columns))
        key = tuple_(*values)
        return row < key if descending else row > key


# ---------------------------------------------------------------- reading


def read_rows(session: Session, stmt: Any, params: dict[str, Any] | None = None) -> list[Any]:
    """The rows of a select of plain columns, run on the session's connection: no ORM entities to load,
    so the ORM's per-statement machinery is skipped (changes not yet flushed are flushed first)."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    return list(session.connection().execute(stmt, params or {}).all())


# ---------------------------------------------------------------- counting


def planner_plan(session: Session, stmt: Any) -> dict[str, Any]:
    """PostgreSQL's plan for a query, as EXPLAIN (FORMAT JSON) gives its top node (nothing is read)."""
    conn = session.connection()
    compiled = stmt.compile(conn, compile_kwargs={"render_postcompile": True})
    plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled.string}", compiled.params).scalar_one()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return dict(plan[0]["Plan"])


def planner_rows(session: Session, stmt: Select[Any]) -> int:
    """PostgreSQL's own row estimate for a query (EXPLAIN, nothing is read)."""
    return int(planner_plan(session, stmt)["Plan Rows"])


def planner_rows_each(session: Session, stmts: Sequence[Select[Any]]) -> list[int]:
    """The planner's estimate for each of several queries, asked once: the EXPLAIN of their UNION ALL
    holds one branch per query, in order (asked one by one if the planner shaped it otherwise)."""
    if len(stmts) > 1:
        plan = planner_plan(session, union_all(*stmts))
        branches = plan.get("Plans", []) if plan["Node Type"] == "Append" else []
        if len(branches) == len(stmts):
            return [int(b["Plan Rows"]) for b in branches]
    return [planner_rows(session, stmt) for stmt in stmts]


def bounded_count(session: Session, stmt: Select[Any], cap: int | None = None, estimate: int | None = None) -> Count:
    """How many rows `stmt` matches, never by counting more than cap + 1 of them.

    The planner's estimate comes first (free). When it is small enough that a count stopping
    at cap + 1 is cheap, we count: exact up to the cap, else the larger of the two, flagged
    as an estimate. A large estimate is shown as "about N" without reading a row. A caller that
    already asked the planner passes its `estimate`."""
    estimates = None if estimate is None else [estimate]
    return bounded_counts(session, [stmt], cap, estimates)[0]


def bounded_counts(session: Session, stmts: Sequence[Select[Any]], cap: int | None = None,
                   estimates: Sequence[int] | None = None) -> list[Count]:
    """bounded_count for several queries in two round trips: one EXPLAIN for all the estimates,
    one query holding every count that is worth making."""
    return bounded_counts_and(session, stmts, (), cap, estimates)[0]


def bounded_counts_and(session: Session, stmts: Sequence[Select[Any]], extra: Sequence[Any], cap: int | None = None,
                       estimates: Sequence[int] | None = None,
                       params: dict[str, Any] | None = None) -> tuple[list[Count], list[Any]]:
    """bounded_counts, plus the values of `extra` scalar expressions (a rollup's sums, say) read in
    the same round trip as the counts: still two round trips in all. `params` binds the extras'
    bound parameters."""
    cap = COUNT_CAP if cap is None else cap
    estimates = planner_rows_each(session, stmts) if estimates is None else estimates
    counted = [i for i, e in enumerate(estimates) if e <= cap * PLANNER_SLACK]
    columns = [select(func.count()).select_from(stmts[i].limit(cap + 1).subquery()).scalar_subquery()
               for i in counted]
    values = list(session.execute(select(*columns, *extra), params or {}).one()) if columns or extra else []
    capped = dict(zip(counted, values[:len(counted)], strict=True))
    counts = []
    for i, estimate in enumerate(estimates):
        n = capped.get(i)
        if n is None or n > cap:
            counts.append(Count(estimate if n is None else max(estimate, n), exact=False))
        else:
            counts.append(Count(n, exact=True))
    return counts, values[len(counted):]


# ---------------------------------------------------------------- paging


def fetch_page(
    session: Session,
    stmt: Select[Any],
    key: SortKey,
    query: ListQuery,
    entity: bool = False,
    order_columns: Sequence[Any] | None = None,
) -> Page[Any]:
    """Run `stmt` (already filtered) for one page: ordered by `key`, started at the query's
    position, limit + 1 rows to know whether there is a next page.

    The key's values are selected beside the rows, so the next cursor holds exactly what the
    database compared. `order_columns` are the same key written differently (for example
    hidden from the planner); `entity` unwraps a select of one model."""
    start = query.start
    cols = order_columns if order_columns is not None else key.columns
    if start.after is not None:
        stmt = stmt.where(key.after(query.descending, start.after, cols))
    stmt = stmt.add_columns(*(c.label(f"sort_key_{i}") for i, c in enumerate(key.columns)))
    stmt = stmt.order_by(*key.order_by(query.descending, cols)).limit(query.limit + 1)
    if start.after is None and start.offset:
        stmt = stmt.offset(start.offset)
    rows = list(session.execute(stmt).all())
    return page_from(rows, key, query, entity)


def page_from(rows: list[Any], key: SortKey, query: ListQuery, entity: bool = False) -> Page[Any]:
    """Trim the extra row and work out where the next page starts."""
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    width = len(key.columns)
    nxt = None
    if more and rows:
        if key.keyset and query.start.offset == 0:
            nxt = Position(after=tuple(rows[-1][-width:]))
        elif query.start.offset + query.limit <= MAX_OFFSET:
            nxt = Position(offset=query.start.offset + query.limit)
    return Page([r[0] for r in rows] if entity else rows, nxt)


def with_count(page: Page[T], query: ListQuery, count: Callable[[], Count]) -> Page[T]:
    """The page's count; a first page that is also the last is its own exact count (never "about
    5,000" over an empty result, and no second query)."""
    if not query.with_count:
        return page
    first = query.start.offset == 0 and query.start.after is None
    page.count = Count(len(page.rows), exact=True) if first and not page.has_next else count()
    return page


# ---------------------------------------------------------------- cursors

_SALT = "backoffice.list-cursor"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def encode_cursor(position: Position, scope: str, sort_token: str, secret: str | bytes) -> str:
    """An opaque, signed cursor: the list and sort it belongs to, and the key (or offset) to start from."""
    data: dict[str, Any] = {"l": scope, "s": sort_token}
    if position.after is not None:
        data["k"] = [_plain(v) for v in position.after]
    else:
        data["o"] = position.offset
    return str(URLSafeSerializer(secret, salt=_SALT).dumps(data))


def _typed(value: Any, kind: type) -> Any:
    if kind is datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive time")
        return parsed
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is int:
        if type(value) is not int:
            raise ValueError("not an integer")
        return value
    if not isinstance(value, kind):
        raise ValueError(f"not a {kind.__name__}")
    return value


def decode_cursor(raw: str, scope: str, sort_token: str, key: SortKey, secret: str | bytes) -> Position:
    """The position a cursor names, or Invalid: unsigned, altered, from another sort or list,
    or holding values that are not the sort's types."""
    if not raw:
        return Position()
    refused = Invalid("The cursor is not valid.", {"cursor": ["Use the next_cursor of a previous page."]})
    try:
        data = URLSafeSerializer(secret, salt=_SALT).loads(raw)
    except (BadData, UnicodeDecodeError, ValueError) as exc:
        raise refused from exc
    if not isinstance(data, dict) or data.get("l") != scope:
        raise refused
    if data.get("s") != sort_token:
        raise Invalid("The cursor belongs to another sort.", {"cursor": ["Keep the sort of the page it came from."]})
    if "k" in data and key.keyset:
        values = data["k"]
        if not isinstance(values, list) or len(values) != len(key.kinds):
            raise refused
        try:
            return Position(after=tuple(_typed(v, k) for v, k in zip(values, key.kinds, strict=True)))
        except (TypeError, ValueError) as exc:
            raise refused from exc
    offset = data.get("o")
    if "k" in data or type(offset) is not int or not 0 <= offset <= MAX_OFFSET:
        raise refused
    return Position(offset=offset)
