"""The customers, users and audit lists' bounded counts, with the planner's estimate kept a few seconds.

listing.bounded_count asks the planner first (an EXPLAIN: a round trip and a planning of the query),
then counts at most COUNT_CAP + 1 rows when the estimate is small enough to count. The estimate only
decides whether to count (and is the "about N" of a list too long to count), so one a few seconds old
serves as well: it is kept per process (app/services/estimates.py), by the list and its filters. Counts are never
kept. With a kept estimate small enough to count, the count is a column of the page's own query, so
such a list costs no round trip for its count at all. Searches keep nothing (each text is asked once
or twice).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.services import estimates, listing
from app.services.listing import Count, ListQuery, Page, SortKey

COUNT_COLUMN = "capped_count"


def _counted(estimate: int, n: int) -> Count:
    """bounded_count's answer for an estimate and a count stopped at COUNT_CAP + 1."""
    return Count(n, exact=True) if n <= listing.COUNT_CAP else Count(max(estimate, n), exact=False)


def _small(estimate: int) -> bool:
    return estimate <= listing.COUNT_CAP * listing.PLANNER_SLACK


def bounded_count(session: Session, stmt: Select[Any], key: Hashable | None) -> Count:
    """listing.bounded_count(session, stmt), with the estimate kept for `key` (None: keep nothing)."""
    estimate = estimates.kept(key)
    if estimate is None:
        estimate = listing.planner_rows(session, stmt)
        if key is not None:
            estimates.keep(key, estimate)
    return listing.bounded_count(session, stmt, estimate=estimate)


def counted_page(session: Session, rows: Select[Any], ids: Select[Any], sort: SortKey, query: ListQuery,
                 key: Hashable | None, order_columns: Sequence[Any] | None = None) -> Page[Any]:
    """listing.fetch_page and with_count in one: `rows` for the page, `ids` (the same filter) to count.
    When a kept estimate says the list is small, its capped count rides along in the page's query."""
    estimate = estimates.kept(key) if query.with_count else None
    inline = estimate is not None and _small(estimate)
    if inline:
        capped = select(func.count()).select_from(ids.limit(listing.COUNT_CAP + 1).subquery()).scalar_subquery()
        rows = rows.add_columns(capped.label(COUNT_COLUMN))
    page = listing.fetch_page(session, rows, sort, query, order_columns=order_columns)
    if inline and estimate is not None and page.rows:
        count = _counted(estimate, getattr(page.rows[0], COUNT_COLUMN))
        return listing.with_count(page, query, lambda: count)
    return listing.with_count(page, query, lambda: bounded_count(session, ids, key))
