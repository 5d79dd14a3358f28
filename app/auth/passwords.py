"""Password hashing (Argon2id) and the password rules."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

# OWASP floor is m=19 MiB, t=2, p=1; we go above it.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024 * 2, parallelism=1)
# Verified against when the email is unknown, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-for-timing")

MIN_LENGTH = 12
MAX_LENGTH = 128
# zxcvbn's score (0–4): 3 means "safely unguessable" (about 10^8 guesses or more, offline slow hash).
MIN_SCORE = 3
_COMMON = Path(__file__).with_name("common_passwords.txt")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    if not _COMMON.exists():
        return frozenset()
    return frozenset(line.strip().lower() for line in _COMMON.read_text().splitlines() if line.strip())


def password_problems(password: str, email: str = "", name: str = "") -> list[str]:
    """What is wrong with a new password, in words for the form; empty when it is fine."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Use at most {MAX_LENGTH} characters.")
    lowered = password.lower()
    if lowered in _common_passwords():
        problems.append("This password is too common; choose another.")
    elif MIN_LENGTH <= len(password) <= MAX_LENGTH:
        problems.extend(_strength_problems(password, [email, name, *email.split("@", 1)[:1]]))
    local = email.split("@", 1)[0].lower()
    if email and (lowered == email.lower() or (len(local) >= 4 and local in lowered)):
        problems.append("The password must not contain your email address.")
    if name and len(name) >= 4 and name.lower() in lowered:
        problems.append("The password must not contain your name.")
    return problems


def _strength_problems(password: str, user_inputs: list[str]) -> list[str]:
    """zxcvbn's estimate (frequency lists, keyboard patterns, repeats, sequences, dates) below MIN_SCORE."""
    result = zxcvbn(password, user_inputs=[u for u in user_inputs if u])
    if result["score"] >= MIN_SCORE:
        return []
    feedback = result.get("feedback") or {}
    reason = feedback.get("warning") or "This password is too easy to guess."
    hints = " ".join(feedback.get("suggestions") or [])
    return [f"Too easy to guess: {reason.rstrip('.')}." + (f" {hints}" if hints else "")]
