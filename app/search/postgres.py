"""PostgreSQL full-text search: weighted GIN-indexed tsvectors, websearch syntax, pg_trgm for partial
names and emails, ticket numbers by their unique index, ranking among the newest matches, headlines for
the shown rows only."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, String, and_, false, func, literal, literal_column, or_, select, text, update
from sqlalchemy.orm import Session

from app.models import Customer, Ticket, User
from app.search.documents import present
from app.search.pairs import pairs_condition, phrase_pairs
from app.search.query import Parsed, like_pattern
from app.search.types import MARK, UNMARK, Hit
from app.services.listing import planner_rows_each

# Ranking reads every candidate's vector: candidates are the newest matches, so a word found in a
# quarter of a million tickets costs as much as one found in a hundred.
CANDIDATES_PER_HIT = 4
PREFIX_GUESS = 0.0075  # above the planner's flat estimate for a prefix it knows nothing about (0.48 %)
HEADLINE = f"StartSel={MARK}, StopSel={UNMARK}, MaxWords=18, MinWords=6, MaxFragments=1"
MIN_TRIGRAM = 3  # shorter patterns cannot use a trigram index


@contextmanager
def unprepared(session: Session) -> Iterator[None]:
    """Run the statements inside unprepared: psycopg prepares a statement after its fifth run, and
    PostgreSQL then settles on a generic plan, one that cannot see which words are searched for (a
    rare word's plan, or a common one's, for every word: 20-60 ms instead of 5 at a million tickets).
    Planned each time with its values, a search costs a millisecond of planning at most."""
    driver = session.connection().connection.driver_connection
    threshold = getattr(driver, "prepare_threshold", None)
    if threshold is None:
        yield
        return
    driver.prepare_threshold = None  # type: ignore[union-attr]
    try:
        yield
    finally:
        driver.prepare_threshold = threshold  # type: ignore[union-attr]


@contextmanager
def indexed_counts(session: Session) -> Iterator[None]:
    """Count a search's matches from its full-text index: counting to COUNT_CAP + 1 of 9,000 estimated
    matches, the planner prefers a sequential scan (it expects to stop after a tenth of the table, and
    a prefix's index scan looks dear), which reads 100,000 rows where the index reads 1,000."""
    previous = session.execute(text("SELECT current_setting('enable_seqscan'), "
                                    "set_config('enable_seqscan', 'off', true)")).scalar_one()
    try:
        yield
    finally:
        session.execute(text("SELECT set_config('enable_seqscan', :v, true)"), {"v": previous})


def tsquery(config: str, parsed: Parsed) -> ColumnElement[Any] | None:
    """websearch_to_tsquery for the words, `&&` a prefix query for the last word being typed."""
    parts: list[ColumnElement[Any]] = []
    if parsed.words:
        parts.append(func.websearch_to_tsquery(config, parsed.words))
    if parsed.prefix:
        parts.append(func.to_tsquery(config, parsed.prefix + ":*"))  # prefix holds letters and digits only
    if not parts:
        return None
    query = parts[0]
    for part in parts[1:]:
        query = query.op("&&")(part)
    return query


def _haystack(*columns: Any) -> ColumnElement[str]:
    """The expression of a trigram index (migrations 0001 and 0012): lower(a) || ' ' || lower(b) ..."""
    space = literal_column("' '", type_=String)
    expr: Any = func.lower(columns[0])
    for column in columns[1:]:
        expr = expr.op("||")(space).op("||")(func.lower(column))
    return expr


CUSTOMER_HAYSTACK = (Customer.company_name, Customer.contact_name, Customer.contact_email)
USER_HAYSTACK = (User.name, User.email)


def _matches(vector: Any, config: str, parsed: Parsed, haystack: Sequence[Any]) -> ColumnElement[bool]:
    conds: list[ColumnElement[bool]] = []
    query = tsquery(config, parsed)
    if query is not None:
        conds.append(vector.op("@@")(query))
    if len(parsed.raw) >= MIN_TRIGRAM:
        conds.append(_haystack(*haystack).like(like_pattern(parsed.raw), escape="\\"))
    return or_(*conds) if conds else false()


def customer_condition(parsed: Parsed) -> ColumnElement[bool]:
    return _matches(Customer.search_vector, "simple", parsed, CUSTOMER_HAYSTACK)


def user_condition(parsed: Parsed) -> ColumnElement[bool]:
    return _matches(User.search_vector, "simple", parsed, USER_HAYSTACK)


def ticket_condition(parsed: Parsed, customer_ids: Sequence[uuid.UUID] = (),
                     pairs: Sequence[str] = ()) -> ColumnElement[bool]:
    """A ticket number; or the words in title or description; or a ticket of one of these customers
    (whose name, contact or email matched: fetched first, so the planner sees a list it can index).
    `pairs`: the neighbouring lexemes a phrase needs (pairs.phrase_pairs), which find its candidates."""
    if parsed.number is not None:
        return Ticket.number == parsed.number
    conds: list[ColumnElement[bool]] = []
    query = tsquery("english", parsed)
    if query is not None:
        if pairs:  # the pairs find the candidates; the vector, hidden from its index, decides
            hidden = func.coalesce(Ticket.search_vector, Ticket.search_vector)
            conds.append(and_(pairs_condition(list(pairs)), hidden.op("@@")(query)))
        else:
            conds.append(Ticket.search_vector.op("@@")(query))
    if customer_ids:
        conds.append(Ticket.customer_id.in_(list(customer_ids)))
    return or_(*conds) if conds else false()


def matching_customers(session: Session, parsed: Parsed, limit: int = 50) -> list[uuid.UUID]:
    if parsed.number is not None or parsed.empty:
        return []
    with unprepared(session):
        return list(session.scalars(select(Customer.id).where(customer_condition(parsed)).limit(limit)))


def reads_matches(estimate: int, total: int, need: int, prefix: bool = False) -> bool:
    """Walk or read. Walking the recency index until `need` matches are found visits about
    need * total / estimate rows; reading every match from the full-text index (its bitmap, then a
    sort) visits `estimate` rows, each costing about the same (a heap page). Read when that is fewer:
    at a million tickets a word in under ~7,000 of them for a page of 50, ~4,500 for global search.
    A prefix that matches no frequent lexeme gets the planner's flat guess (about half a percent of
    the table, whatever it is, even nothing): a walk on a guess can visit every row, so a prefix
    estimated below PREFIX_GUESS of the table is read."""
    if prefix and estimate < PREFIX_GUESS * total:
        return True
    return estimate * estimate < need * max(total, 1)


def estimates(session: Session, stmt: Any, model: Any = Ticket) -> tuple[int, int]:
    """The planner's rows for `stmt` and for the whole table, asked in one EXPLAIN."""
    found, total = planner_rows_each(session, [stmt, select(model.id)])
    return found, total


def is_sparse(session: Session, cond: ColumnElement[bool], model: Any, need: int, prefix: bool = False) -> bool:
    """Whether reading the matches from their GIN bitmap beats walking the recency index until
    `need` match (a word in one ticket of four fills a page at once; a word in none would walk all
    million)."""
    return reads_matches(*estimates(session, select(model.id).where(cond), model), need, prefix)


def _scoped(stmt: Any, column: Any, allowed: list[uuid.UUID] | None) -> Any:
    return stmt if allowed is None else stmt.where(column.in_(allowed))


def _ranked(session: Session, cond: ColumnElement[bool], table: Any, vector: Any, query: Any,
            allowed: list[uuid.UUID] | None, limit: int, prefix: bool = False) -> list[uuid.UUID]:
    """Ids of the best `limit` matches among the newest CANDIDATES_PER_HIT * limit, best first."""
    inner = _scoped(select(table.id, table.updated_at, vector.label("v")).where(cond), table.id, allowed)
    # Staff are few: any plan is quick, so their search spends no round trip asking the planner.
    sparse = table is not User and is_sparse(session, cond, table, CANDIDATES_PER_HIT * limit, prefix)
    newest = table.updated_at if not sparse else func.coalesce(
        table.updated_at, table.updated_at)  # hidden from the planner: read the bitmap, then sort
    cand = inner.order_by(newest.desc()).limit(CANDIDATES_PER_HIT * limit).subquery("cand")
    rank = func.ts_rank(cand.c.v, query) if query is not None else literal(0)
    stmt = select(cand.c.id).order_by(rank.desc(), cand.c.updated_at.desc()).limit(limit)
    return list(session.scalars(stmt))


def search_tickets(session: Session, parsed: Parsed, allowed: list[uuid.UUID] | None, limit: int) -> list[Hit]:
    query = tsquery("english", parsed)
    # The customers themselves are their own group in global search: tickets match by their own text here.
    cond = ticket_condition(parsed, pairs=phrase_pairs(session, parsed.words))
    with unprepared(session):
        ids = _ranked(session, cond, Ticket, Ticket.search_vector, query, allowed, limit, parsed.prefix is not None)
    clean = func.translate(Ticket.description, MARK + UNMARK, "")
    snippet = func.ts_headline("english", clean, query, HEADLINE) if query is not None else None
    return present(session, "tickets", ids, snippet_sql=snippet)


def search_customers(session: Session, parsed: Parsed, allowed: list[uuid.UUID] | None, limit: int) -> list[Hit]:
    with unprepared(session):
        ids = _ranked(session, customer_condition(parsed), Customer, Customer.search_vector,
                      tsquery("simple", parsed), allowed, limit, parsed.prefix is not None)
    return present(session, "customers", ids)


def search_users(session: Session, parsed: Parsed, allowed: list[uuid.UUID] | None, limit: int) -> list[Hit]:
    with unprepared(session):
        ids = _ranked(session, user_condition(parsed), User, User.search_vector, tsquery("simple", parsed),
                      allowed, limit, parsed.prefix is not None)
    return present(session, "users", ids)


SEARCHES: dict[str, Callable[[Session, Parsed, list[uuid.UUID] | None, int], list[Hit]]] = {
    "tickets": search_tickets, "customers": search_customers, "users": search_users,
}
CONDITIONS: dict[str, Callable[[Session, Parsed], ColumnElement[bool]]] = {
    "tickets": lambda session, parsed: ticket_condition(parsed, matching_customers(session, parsed),
                                                       phrase_pairs(session, parsed.words)),
    "customers": lambda _session, parsed: customer_condition(parsed),
    "users": lambda _session, parsed: user_condition(parsed),
}


class PostgresSearch:
    name = "postgres"

    def condition(self, session: Session, entity: str, parsed: Parsed) -> ColumnElement[bool]:
        return CONDITIONS[entity](session, parsed)

    def search(self, session: Session, entity: str, parsed: Parsed, allowed: list[uuid.UUID] | None,
               limit: int) -> list[Hit]:
        return SEARCHES[entity](session, parsed, allowed, limit)


def reindex(session: Session, batch: int = 10_000, progress: Callable[[int], None] = lambda _n: None) -> int:
    """Recompute every ticket's search_vector (the trigger does it on a title write; updated_at is
    kept, so no list reorders), in batches
    so no transaction holds a million row locks. Returns how many tickets were reindexed.
    Customers' and users' vectors are generated columns: always current."""
    done, last = 0, None
    while True:
        stmt = select(Ticket.id).order_by(Ticket.id).limit(batch)
        if last is not None:
            stmt = stmt.where(Ticket.id > last)
        ids = list(session.scalars(stmt))
        if not ids:
            return done
        touch = update(Ticket).where(Ticket.id.in_(ids)).values(title=Ticket.title, updated_at=Ticket.updated_at)
        session.execute(touch.execution_options(synchronize_session=False))
        session.commit()
        done, last = done + len(ids), ids[-1]
        progress(done)
