"""Every API list pages by signed keyset cursors: each row exactly once while rows arrive between pages."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.services import customers, tickets_query, users_queries
from tests.factories import make_customer, make_ticket, make_user
from tests.integration.api.conftest import Auth, assert_envelope

Insert = Callable[[Session, dict[str, Any], int], None]


def _users(session: Session, ctx: dict[str, Any], i: int) -> None:
    # One row that sorts before everything and one after, whatever the sort: an offset would shift.
    make_user(session, name=f"Aaa Pager {i}", email=f"a{i}-{uuid.uuid4().hex[:6]}@pager.example", role_name="admin")
    make_user(session, name=f"Zzz Pager {i}", email=f"z{i}-{uuid.uuid4().hex[:6]}@pager.example", role_name="viewer")


def _customers(session: Session, ctx: dict[str, Any], i: int) -> None:
    make_customer(session, company_name=f"AAA pagerco {i}", contact_email=f"aaa{i}@pager.example",
                  subscription_tier="enterprise", status="active")
    make_customer(session, company_name=f"ZZZ pagerco {i}", contact_email=f"zzz{i}@pager.example",
                  subscription_tier="free", status="suspended")


def _tickets(session: Session, ctx: dict[str, Any], i: int) -> None:
    make_ticket(session, customer_id=ctx["customer"], priority="urgent", status="open", title=f"New {i} a")
    make_ticket(session, customer_id=ctx["customer"], priority="low", status="closed", title=f"New {i} z")


LISTS: dict[str, tuple[str, Insert, dict[str, Any]]] = {
    "users": ("/api/v1/users?q=pager.example", _users, users_queries.SORTS),
    "customers": ("/api/v1/customers?q=pagerco", _customers, customers.SORTS),
    "tickets": ("/api/v1/support/tickets?customer={customer}", _tickets,
                {s: tickets_query.sort_key(s) for s in tickets_query.SORTS}),
}
CASES = [(name, sort) for name, (_, _, sorts) in LISTS.items() for sort in sorts]


def _setup(db_session: Session, name: str) -> dict[str, Any]:
    ctx: dict[str, Any] = {"customer": make_customer(db_session).id}
    for i in range(4):
        LISTS[name][1](db_session, ctx, 100 + i)  # eight rows to start with
    return ctx


def _walk(api: FlaskClient, headers: dict[str, str], url: str, between: Callable[[int], None]) -> list[str]:
    seen: list[str] = []
    cursor, pages = "", 0
    while True:
        body = api.get(f"{url}&limit=3" + (f"&cursor={cursor}" if cursor else ""), headers=headers)
        assert body.status_code == 200, body.get_json()
        data = body.get_json()
        seen += [row["id"] for row in data["data"]]
        cursor, pages = data["meta"]["next_cursor"], pages + 1
        if cursor is None or pages > 20:
            return seen
        between(pages)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize(("name", "sort"), CASES)
def test_it_pages_through_every_row_once_while_rows_are_added(
    api: FlaskClient, make_token: Callable[..., Auth], db_session: Session, name: str, sort: str, descending: bool
) -> None:
    url_pattern, insert, sorts = LISTS[name]
    ctx = _setup(db_session, name)
    url = url_pattern.format(**ctx) + f"&sort={'-' if descending else ''}{sort}"
    headers = make_token("admin").headers
    before = set(_walk(api, headers, url, lambda _: None))
    assert len(before) == 8
    if not sorts[sort].keyset:
        return  # a nullable sort pages by offset; it still pages, but makes no promise under inserts
    seen = _walk(api, headers, url, lambda page: insert(db_session, ctx, page))
    assert len(seen) == len(set(seen)), "a row was returned twice"
    assert before <= set(seen), "a row that was there from the start was skipped"


@pytest.mark.parametrize("name", list(LISTS))
def test_a_bad_cursor_is_a_json_422(
    api: FlaskClient, make_token: Callable[..., Auth], db_session: Session, name: str
) -> None:
    ctx = _setup(db_session, name)
    url = LISTS[name][0].format(**ctx)
    headers = make_token("admin").headers
    first = api.get(f"{url}&limit=3", headers=headers).get_json()
    cursor = first["meta"]["next_cursor"]
    assert cursor and "." in cursor
    tampered = cursor[:5] + ("A" if cursor[5] != "A" else "B") + cursor[6:]
    for bad in ("garbage", tampered, cursor[:-3], "%00%ff", "x" * 2000):
        body = assert_envelope(api.get(f"{url}&limit=3&cursor={bad}", headers=headers), 422)
        assert "cursor" in body["details"]
    other = "users" if name != "users" else "customers"
    foreign = api.get(LISTS[other][0].format(**ctx) + "&limit=1", headers=headers).get_json()["meta"]["next_cursor"]
    if foreign:
        assert_envelope(api.get(f"{url}&limit=3&cursor={foreign}", headers=headers), 422)
    assert_envelope(api.get(f"{url}&limit=3&sort={next(iter(LISTS[name][2]))}&cursor={cursor}", headers=headers),
                    422)
