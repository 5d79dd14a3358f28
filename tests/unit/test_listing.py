from __future__ import annotations

from app.services import listing
from app.web.listing import page_of, parse

SORTS = ("updated_at", "title")


def test_it_parses_a_valid_view() -> None:
    p = parse({"page": "3", "per_page": "20", "sort": "-title", "q": " refund ", "status": "open"},
              SORTS, "-updated_at", choices={"status": ("open", "closed")})
    assert (p.page, p.per_page, p.sort, p.descending, p.q) == (3, 20, "title", True, "refund")
    assert p.filters == {"status": "open"} and p.notes == []
    assert p.offset == 40


def test_malformed_values_fall_back_with_a_note() -> None:
    p = parse({"page": "abc", "per_page": "100000", "sort": "password", "status": "x' OR 1=1", "from": "yesterday"},
              SORTS, "-updated_at", choices={"status": ("open",)}, dates=("from",))
    assert p.page == 1 and p.per_page == 100 and p.sort == "updated_at" and p.descending
    assert p.filters == {} and len(p.notes) == 4


def test_sort_query_flips_direction_and_resets_page() -> None:
    p = parse({"sort": "title", "page": "4"}, SORTS, "-updated_at")
    assert "sort=-title" in p.sort_query("title") and "page" not in p.sort_query("title")
    assert "sort=updated_at" in p.sort_query("updated_at")


def test_page_of_knows_if_there_is_a_next_page() -> None:
    p = parse({"per_page": "2"}, SORTS, "-updated_at")
    key = listing.SortKey(("k",), (int,))
    full = listing.page_from([(1, 1), (2, 2), (3, 3)], key, p.list_query(), entity=True)
    assert page_of(full, p).has_next and page_of(full, p).rows == [1, 2]
    assert not page_of(listing.page_from([(1, 1), (2, 2)], key, p.list_query(), entity=True), p).has_next
