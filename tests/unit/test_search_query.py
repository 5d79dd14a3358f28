"""Reading what was typed into a search box: words, a prefix being typed, a ticket number."""

from __future__ import annotations

import pytest

from app.search.query import Parsed, clean, like_pattern, parse


@pytest.mark.parametrize(("typed", "number"), [("946397", 946397), ("#946397", 946397), (" #12 ", 12)])
def test_a_ticket_number_is_read_with_or_without_its_hash(typed: str, number: int) -> None:
    assert parse(typed).number == number and parse(typed, as_you_type=True).number == number


@pytest.mark.parametrize("typed", ["946397a", "#", "12 34", "#-5", "１２３"])
def test_other_text_is_not_a_ticket_number(typed: str) -> None:
    assert parse(typed).number is None


def test_a_trailing_star_is_a_prefix() -> None:
    assert parse("refu*") == Parsed("refu*", "", "refu")
    assert parse("card refu*") == Parsed("card refu*", "card", "refu")


def test_as_you_type_the_last_word_is_a_prefix_until_a_space() -> None:
    assert parse("Ori", as_you_type=True) == Parsed("Ori", "", "ori")
    assert parse("acme corp", as_you_type=True) == Parsed("acme corp", "acme", "corp")
    assert parse("acme corp ", as_you_type=True).prefix is None


@pytest.mark.parametrize("typed", ['"password reset"', "refund -invoice", "a OR b", '"half open', "ann@"])
def test_phrases_negations_choices_and_symbols_are_not_prefixes(typed: str) -> None:
    parsed = parse(typed, as_you_type=True)
    assert parsed.prefix is None and parsed.words == typed


def test_a_star_elsewhere_is_dropped() -> None:
    assert parse("re*fund now").words == "re fund now"


def test_control_characters_and_length_are_cleaned() -> None:
    assert clean("a\x00b\tc\n  d") == "a b c d"
    assert len(clean("x" * 500)) == 200
    assert parse("\x00").empty


def test_like_patterns_escape_their_wildcards() -> None:
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"
