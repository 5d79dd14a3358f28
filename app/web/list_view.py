"""A list page's links and labels computed once in Python, for templates that only print them.

The `sort_header` and `pager` macros of components/listing.html build every URL in the template
(two `urlencode`s per header and per pager link, several macro calls per page); these build the
same markup's values once, for the `headers` and `pager_nav` macros of components/list_view.html.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.services.actor import Actor
from app.web import listing


@dataclass(frozen=True, slots=True)
class Header:
    label: str
    href: str
    aria_sort: str | None  # "ascending" / "descending" on the sorted column
    caret: str | None  # "up" / "down" on the sorted column
    cls: str = ""


@dataclass(frozen=True, slots=True)
class Pager:
    count_text: str
    number: int
    prev_href: str
    next_href: str
    has_prev: bool
    has_next: bool


def headers(params: listing.ListParams, base: str, columns: Iterable[tuple[str, str] | tuple[str, str, str]]
            ) -> list[Header]:
    """(column, label[, class]) → a sortable header each: clicking sorts by it, or flips the direction."""
    out = []
    for column, label, *cls in columns:
        active = params.sort == column
        href = f"{base}?{params.sort_query(column)}"
        aria = ("descending" if params.descending else "ascending") if active else None
        caret = ("down" if params.descending else "up") if active else None
        out.append(Header(label, href, aria, caret, cls[0] if cls else ""))
    return out


def count_text(page: listing.Page, label: str) -> str:
    """What the pager says about the count: "no customers", "12 customers", "about 100,000 customers"."""
    first = page.params.page == 1
    if not page.rows and first:
        return f"no {label}"
    if not page.has_next and first:
        return f"{len(page.rows):,} {label}"
    if page.estimate is not None:
        return f"{'about ' if page.estimate >= 1000 else ''}{page.estimate:,} {label}"
    return ""


def pager(page: listing.Page, base: str, label: str = "rows") -> Pager:
    number = page.params.page
    return Pager(count_text(page, label), number, f"{base}?{page.params.query(page=number - 1)}",
                 f"{base}?{page.params.query(page=number + 1)}", page.has_prev, page.has_next)


def allowed(actor: Actor, permissions: Sequence[str], resource: object | None = None) -> dict[str, bool]:
    """The viewer's answer for each permission the page's controls need, asked once per request."""
    return {p: actor.can(p, resource) for p in permissions}
