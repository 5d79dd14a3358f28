"""Reading a list page's whole view from the query string, forgivingly.

Unknown or malformed values are dropped (and reported in `notes`) instead of
raising: a bookmarked or hand-edited URL never produces a 500.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from app.services import listing

MAX_PER_PAGE = 100
MAX_PAGE = listing.MAX_OFFSET // MAX_PER_PAGE
# Dates outside these years are typos, and date arithmetic near 1 or 9999 overflows.
MIN_YEAR, MAX_YEAR = 1900, 2999


@dataclass
class ListParams:
    page: int = 1
    per_page: int = 50
    sort: str = ""
    descending: bool = True
    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def list_query(self, with_count: bool = True) -> listing.ListQuery:
        """The service's query for this view (pages by offset: the URL says which page)."""
        return listing.ListQuery(filters=dict(self.filters), q=self.q, sort=self.sort, descending=self.descending,
                                 limit=self.per_page, start=listing.Position(offset=self.offset),
                                 with_count=with_count)

    def query(self, **changes: Any) -> str:
        """The query string for this view with some values changed (None removes one)."""
        values: dict[str, Any] = {**self.filters}
        if self.q:
            values["q"] = self.q
        if self.sort:
            values["sort"] = ("-" if self.descending else "") + self.sort
        if self.page > 1:
            values["page"] = self.page
        if self.per_page != 50:
            values["per_page"] = self.per_page
        values.update(changes)
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})

    def sort_query(self, column: str) -> str:
        """Clicking a header: sort by it, or flip the direction if it is already the sort."""
        descending = not self.descending if self.sort == column else False
        return self.query(sort=("-" if descending else "") + column, page=None)


def _int(raw: str | None, default: int, low: int, high: int) -> int | None:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        return None
    return min(max(value, low), high)


def parse(
    args: Mapping[str, str],
    sorts: Iterable[str],
    default_sort: str,
    choices: Mapping[str, Iterable[str]] | None = None,
    free: Iterable[str] = (),
    dates: Iterable[str] = (),
) -> ListParams:
    """Parse page/per_page/sort/q plus filters: `choices` must be one of a set, `free` any short
    string, `dates` an ISO date."""
    params = ListParams()
    page = _int(args.get("page"), 1, 1, MAX_PAGE)
    per_page = _int(args.get("per_page"), 50, 1, MAX_PER_PAGE)
    if page is None:
        params.notes.append("Ignored a page number that is not a number.")
    params.page = page or 1
    params.per_page = per_page or 50
    raw_sort = args.get("sort", "") or default_sort
    column = raw_sort.lstrip("-")
    if column in set(sorts):
        params.sort, params.descending = column, raw_sort.startswith("-")
    else:
        params.notes.append(f"Ignored unknown sort “{raw_sort[:40]}”.")
        params.sort, params.descending = default_sort.lstrip("-"), default_sort.startswith("-")
    params.q = (args.get("q") or "").strip()[:listing.SEARCH_MAX]
    for name, allowed in (choices or {}).items():
        value = args.get(name, "")
        if value and value in set(allowed):
            params.filters[name] = value
        elif value:
            params.notes.append(f"Ignored unknown {name.replace('_', ' ')} “{value[:40]}”.")
    for name in free:
        value = (args.get(name) or "").strip()[:100]
        if value:
            params.filters[name] = value
    for name in dates:
        value = args.get(name, "")
        if value:
            try:
                if not MIN_YEAR <= date.fromisoformat(value).year <= MAX_YEAR:
                    raise ValueError(value)
                params.filters[name] = value
            except ValueError:
                params.notes.append(f"Ignored {name.replace('_', ' ')}: “{value[:40]}” is not a date (YYYY-MM-DD).")
    return params


@dataclass
class Page:
    """A service page as a screen shows it: with the view's parameters for its links."""

    rows: list[Any]
    params: ListParams
    has_next: bool
    estimate: int | None = None  # planner estimate or bounded count, for "about N" / "N"

    @property
    def has_prev(self) -> bool:
        return self.params.page > 1


def page_of(result: listing.Page[Any], params: ListParams) -> Page:
    params.notes.extend(n for n in result.notes if n not in params.notes)  # e.g. search answered by PostgreSQL
    return Page(result.rows, params, result.has_next, result.estimate)
