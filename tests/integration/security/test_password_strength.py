"""Passwords: zxcvbn's estimate with a minimum score, no reuse of the current one, the reason in the form."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from app.auth.passwords import MIN_SCORE, password_problems
from tests.factories import PASSWORD

WEAK = ["Password123!", "password1234", "123456789012", "aaaaaaaaaaaa1", "qwertyuiopas", " " * 12]


@pytest.mark.parametrize("password", WEAK, ids=repr)
def test_guessable_passwords_of_policy_length_are_refused(password: str) -> None:
    assert len(password) >= 12
    problems = password_problems(password, "someone@example.com", "Some One")
    assert problems, f"{password!r} was accepted"
    assert any("guess" in p or "common" in p for p in problems)


def test_strong_passphrases_pass_and_the_score_floor_is_three() -> None:
    assert MIN_SCORE == 3
    assert password_problems("a perfectly fine passphrase") == []
    assert password_problems("Tr0ub4dor&3-galaxy-lantern") == []


def test_the_users_own_name_makes_a_password_weak() -> None:
    assert password_problems("zanzibar2024!", "zanzibar@example.com", "Ann Zanzibar") != []


@pytest.mark.parametrize("password", WEAK, ids=repr)
def test_the_profile_form_shows_why(make_client: Callable[..., FlaskClient], password: str) -> None:
    me = make_client("agent")
    resp = me.post("/profile/password", data={"current": PASSWORD, "password": password, "confirm": password})
    assert resp.status_code == 422
    assert "Too easy to guess" in resp.get_data(as_text=True) or "too common" in resp.get_data(as_text=True)


def test_the_current_password_cannot_be_reused(make_client: Callable[..., FlaskClient]) -> None:
    me = make_client("agent")
    resp = me.post("/profile/password", data={"current": PASSWORD, "password": PASSWORD, "confirm": PASSWORD})
    assert resp.status_code == 422
    assert "different from your current one" in resp.get_data(as_text=True)
