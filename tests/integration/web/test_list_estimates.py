"""A list's large planner estimate is kept a few seconds (no EXPLAIN on every view); small lists are counted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.services import list_counts, listing
from tests.factories import make_customer


@pytest.fixture()
def explains(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        if sql.startswith("EXPLAIN"):
            seen.append(sql)

    with app.app_context():
        engine = db.engine
    list_counts.forget()
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)
    list_counts.forget()


def test_a_large_estimate_is_asked_once_per_view_and_a_small_list_every_time(
    viewer_client: FlaskClient, db_session: Session, explains: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(8):
        make_customer(db_session, company_name=f"Kept {i}", subscription_tier="starter")
    for _ in range(2):
        body = viewer_client.get("/customers?per_page=2").get_data(as_text=True)
        assert 'data-testid="list-count"' in body
    assert len(explains) == 2  # small: estimated (and counted) on each view

    monkeypatch.setattr(listing, "COUNT_CAP", 1)
    monkeypatch.setattr(listing, "PLANNER_SLACK", 1)  # now any estimate over 1 is "about N" without counting
    explains.clear()
    for _ in range(3):
        assert "Kept" in viewer_client.get("/customers?per_page=2").get_data(as_text=True)
    assert len(explains) == 1
    viewer_client.get("/customers?per_page=2&tier=starter")  # another view: its own estimate
    viewer_client.get("/customers?per_page=2&q=kept")  # a search: never kept
    viewer_client.get("/customers?per_page=2&q=kept")
    assert len(explains) == 4
    list_counts.forget()
    viewer_client.get("/customers?per_page=2")
    assert len(explains) == 5
