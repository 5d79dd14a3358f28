"""List endpoints on the one list contract: signed keyset cursors in, `meta` out, and `sort`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import current_app

from app.api.schemas import ListMeta, PageQuery
from app.services import listing


def list_query(query: PageQuery, scope: str, sort: str, key: listing.SortKey, filters: Mapping[str, Any],
               q: str = "") -> listing.ListQuery:
    """The service's query for an API call; a cursor that is malformed, altered or from another
    list or sort is refused by the service's decoder (Invalid, a 422)."""
    column, descending = split_sort(sort)
    start = listing.decode_cursor(query.cursor, scope, sort, key, current_app.secret_key or "")
    return listing.ListQuery(filters={k: str(v) for k, v in filters.items() if v is not None}, q=q, sort=column,
                             descending=descending, limit=query.limit, start=start)


def meta(page: listing.Page[Any], scope: str, query: listing.ListQuery) -> dict[str, Any]:
    nxt = page.next
    cursor = listing.encode_cursor(nxt, scope, query.sort_token, current_app.secret_key or "") if nxt else None
    return ListMeta(next_cursor=cursor, estimate=page.estimate).model_dump()


def sort_values(fields: Iterable[str]) -> tuple[str, ...]:
    """The allowed values of `sort`: each field ascending, and descending with a leading '-'."""
    return tuple(v for f in fields for v in (f, f"-{f}"))


def split_sort(sort: str) -> tuple[str, bool]:
    return sort.lstrip("-"), sort.startswith("-")
