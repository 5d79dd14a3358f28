"""A list's planner estimate is kept a few seconds (no EXPLAIN on every view); small lists are still counted
exactly on every view, in the page's own query once their estimate is known."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.services import estimates, listing
from tests.factories import make_customer


@pytest.fixture(autouse=True)
def _no_kept_estimates() -> Iterator[None]:
    estimates.forget()
    yield
    estimates.forget()


def _explains(seen: list[str]) -> int:
    return sum(s.startswith("EXPLAIN") for s in seen)


def test_a_small_list_is_counted_exactly_on_every_view_in_its_page_query(
    viewer_client: FlaskClient, db_session: Session, statements: list[str]
) -> None:
    for i in range(8):
        make_customer(db_session, company_name=f"Kept {i}", subscription_tier="starter")
    url = "/customers?per_page=2&tier=starter"
    assert "8 customers" in viewer_client.get(url).get_data(as_text=True)
    assert _explains(statements) == 1
    make_customer(db_session, company_name="Kept 8", subscription_tier="starter")
    statements.clear()
    assert "9 customers" in viewer_client.get(url).get_data(as_text=True)  # counted again, not kept
    customer_reads = [s for s in statements if "FROM customers" in s]
    assert _explains(statements) == 0 and len(customer_reads) == 1  # the count rode along in the page


def test_a_large_estimate_is_asked_once_per_view(
    viewer_client: FlaskClient, db_session: Session, statements: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(8):
        make_customer(db_session, company_name=f"Kept {i}", subscription_tier="starter")
    monkeypatch.setattr(listing, "COUNT_CAP", 1)
    monkeypatch.setattr(listing, "PLANNER_SLACK", 1)  # any estimate over 1 is now too many to count
    for _ in range(3):
        assert "Kept" in viewer_client.get("/customers?per_page=2").get_data(as_text=True)
    assert _explains(statements) == 1
    viewer_client.get("/customers?per_page=2&tier=starter")  # another view: its own estimate
    viewer_client.get("/customers?per_page=2&q=kept")  # a search: never kept
    viewer_client.get("/customers?per_page=2&q=kept")
    assert _explains(statements) == 4
    estimates.forget()
    viewer_client.get("/customers?per_page=2")
    assert _explains(statements) == 5
