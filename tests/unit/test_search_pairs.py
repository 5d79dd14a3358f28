"""Which neighbouring lexeme pairs a tsquery needs (read from PostgreSQL's text form), and the seed's
pairs literal."""

from __future__ import annotations

import pytest

from app.search.pairs import may_hold_phrase, needed_pairs
from app.seed import pairs_literal


@pytest.mark.parametrize(("tsquery", "pairs"), [
    ("'password' <-> 'reset'", ["password reset"]),
    ("'a' <-> 'b' <-> 'c'", ["a b", "b c"]),
    ("'a' <-> ( 'b' <-> 'c' )", ["a b", "b c"]),  # R starts right after L ends
    ("'reset' <2> 'password'", []),  # a stop word between: not neighbours
    ("'a' <-> 'b' <2> 'c' <-> 'd'", ["a b", "c d"]),
    ("'password' <-> 'reset' & 'refund'", ["password reset"]),
    ("'password' <-> 'reset' & !( 'foo' <-> 'bar' )", ["password reset"]),  # nothing under NOT
    ("!( 'foo' <-> 'bar' )", []),
    ("'a' <-> 'b' | 'c' <-> 'd'", []),  # either one: neither is needed
    ("( 'a' <-> 'b' & 'x' ) | ( 'a' <-> 'b' & 'y' )", ["a b"]),  # both sides need it
    ("'a' <-> 'b':*", []),  # a prefix is no one lexeme
    ("'a':* <-> 'b' <-> 'c'", ["b c"]),
    ("'a':AB <-> 'b'", ["a b"]),  # weights restrict where, not which
    ("'a' <-> !'b'", []),
    ("( 'a' | 'b' ) <-> 'c'", []),
    ("'e-mail' <-> 'e' <-> 'mail' <-> 'reset' & 'o' <-> 'neil'",
     ["e mail", "e-mail e", "mail reset", "o neil"]),
    ("'it''s' <-> 'back\\\\slash'", ["it's back\\slash"]),  # quotes doubled, backslashes escaped
    ("'refund'", []),
    ("", []),
])
def test_needed_pairs(tsquery: str, pairs: list[str]) -> None:
    assert needed_pairs(tsquery) == sorted(pairs)


@pytest.mark.parametrize("bad", ["'a' <->", "( 'a'", "'a' )", "'a' ? 'b'"])
def test_an_unreadable_tsquery_is_refused(bad: str) -> None:
    with pytest.raises((ValueError, IndexError)):
        needed_pairs(bad)


def test_only_words_that_may_hold_a_phrase_ask_postgresql() -> None:
    assert may_hold_phrase('"password reset"') and may_hold_phrase("e-mail") and may_hold_phrase("o'neil")
    assert not may_hold_phrase("refund -invoice") and not may_hold_phrase("refund OR invoice")


LEXEMES: dict[str, str | None] = {"billing": "bill", "access": None, "refund": "refund", "card": "card"}
CODES = {a: {b: f"{a}+{b}" for b in LEXEMES if LEXEMES[b]} for a in LEXEMES if LEXEMES[a]}


def test_the_pairs_literal_follows_the_vectors_positions() -> None:
    assert pairs_literal(["billing", "refund", "card"], LEXEMES, CODES) == "{billing+refund,refund+card}"
    # a stop word leaves a gap: no pair across it
    assert pairs_literal(["billing", "access", "refund", "card"], LEXEMES, CODES) == "{refund+card}"
    # the body continues right after the title's last lexeme (a trailing stop word takes no position)
    assert pairs_literal(["card", "access", "refund"], LEXEMES, CODES, title_words=2) == "{card+refund}"
    assert pairs_literal(["card"], LEXEMES, CODES) == "{}"


def test_walk_or_read() -> None:
    from app.search.postgres import reads_matches

    million = 1_000_000
    assert not reads_matches(9_000, million, 51)  # a word in one ticket of a hundred: walk the newest
    assert reads_matches(5_000, million, 51) and reads_matches(100, million, 20)  # rare: read them all
    assert not reads_matches(5_000, million, 20)  # global search needs only 20 candidates
    assert reads_matches(4_767, million, 20, prefix=True)  # the planner's guess for an unknown prefix
    assert not reads_matches(9_000, million, 20, prefix=True)
