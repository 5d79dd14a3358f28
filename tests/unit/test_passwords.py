from __future__ import annotations

from argon2 import PasswordHasher

from app.auth.passwords import hash_password, needs_rehash, password_problems, verify_password


def test_it_hashes_with_argon2id_above_the_owasp_floor() -> None:
    stored = hash_password("a perfectly fine passphrase")
    assert stored.startswith("$argon2id$")
    params = dict(p.split("=") for p in stored.split("$")[3].split(","))
    assert int(params["m"]) >= 19456 and int(params["t"]) >= 2


def test_long_passwords_are_checked_in_full() -> None:
    base = "x" * 100
    stored = hash_password(base + "a")
    assert verify_password(stored, base + "a")
    assert not verify_password(stored, base + "b")


def test_a_weaker_hash_needs_rehash() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8192).hash("a perfectly fine passphrase")
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password("a perfectly fine passphrase"))


def test_unknown_user_never_verifies() -> None:
    assert not verify_password(None, "anything")


def test_password_rules() -> None:
    assert password_problems("short") != []
    assert password_problems("a perfectly fine passphrase") == []
    assert any("email" in p for p in password_problems("jane.doe-secret-1", email="jane.doe@example.com"))
