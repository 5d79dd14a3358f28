"""Phrase searches find their candidates by search_pairs and still answer exactly what the full-text
query answers; search statements are never prepared (a generic plan cannot see the words)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.search import parse
from app.search.pairs import phrase_pairs
from app.services.actor import Actor
from app.services.listing import ListQuery
from app.services.search import global_search
from app.services.tickets_query import list_tickets
from tests.factories import make_ticket

ADMIN = Actor(id=None, label="test", grants=frozenset({"*"}), correlation_id="test")
TEXTS = [
    ("Password reset fails", "The link in the email expired"),
    ("Login broken", "After a password reset the login page loops"),
    ("Reset my password", "I want a new password, please reset it"),  # both words, never side by side
    ("Passwords resetting themselves", "Every morning"),  # stems to the phrase
    ("Cannot sign in", "password"),  # the title's last word meets the body's first: "in password"
    ("Billing", "password reset request for the e-mail account of our CFO"),
    ("Billing again", "the e-mail reset did not work"),
    ("Reset the password", "still waiting"),  # a stop word between
]
QUERIES = ['"password reset"', '"password reset" -email', '"password reset" OR billing', '"reset the password"',
           '"e-mail reset"', "e-mail", '"sign in password"', '"password reset request"', '-"password reset" login',
           '"reset password"', '"password reset" login']


@pytest.fixture()
def tickets(db_session: Session) -> dict[str, uuid.UUID]:
    return {title: make_ticket(db_session, title=title, description=body).id for title, body in TEXTS}


def _truth(s: Session, q: str) -> set[uuid.UUID]:
    return set(s.scalars(text("SELECT id FROM support_tickets WHERE search_vector @@ "
                              "websearch_to_tsquery('english', :q)"), {"q": q}))


@pytest.mark.parametrize("q", QUERIES)
def test_a_phrase_search_answers_what_the_full_text_query_answers(db_session: Session,
                                                                   tickets: dict[str, uuid.UUID], q: str) -> None:
    found = {row.id for row in list_tickets(db_session, ADMIN, ListQuery(q=q)).rows}
    assert found == _truth(db_session, q)


def test_the_phrases_use_their_pairs(db_session: Session, tickets: dict[str, uuid.UUID]) -> None:
    assert phrase_pairs(db_session, '"password reset" -"foo bar"') == ["password reset"]
    assert phrase_pairs(db_session, '"e-mail reset"') == ["e mail", "e-mail e", "mail reset"]
    assert phrase_pairs(db_session, "password reset") == []  # no phrase: no round trip, no pairs
    assert phrase_pairs(db_session, '"reset the password"') == []  # only neighbours are pairs
    found = {r.id for r in list_tickets(db_session, ADMIN, ListQuery(q='"password reset"')).rows}
    expected = ("Password reset fails", "Login broken", "Passwords resetting themselves", "Billing")
    assert found == {tickets[t] for t in expected}


def test_global_search_finds_a_phrase_among_its_pairs(db_session: Session, tickets: dict[str, uuid.UUID]) -> None:
    hits = {h.id for g in global_search(db_session, ADMIN, '"password reset" ').groups for h in g.hits}
    assert tickets["Password reset fails"] in hits and tickets["Reset my password"] not in hits
    assert parse('"password reset" ', as_you_type=True).words == '"password reset"'


def test_search_statements_are_never_prepared(db_session: Session, tickets: dict[str, uuid.UUID]) -> None:
    for _ in range(8):  # psycopg prepares a statement on its sixth run
        list_tickets(db_session, ADMIN, ListQuery(q="password"))
        global_search(db_session, ADMIN, "passw")
    prepared = db_session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    assert not [p for p in prepared if "@@" in p]
