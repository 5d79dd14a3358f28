"""The list cursor: opaque, signed, bound to its list and sort, and refused when touched."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime

import pytest

from app.services.errors import Invalid
from app.services.listing import MAX_OFFSET, Position, SortKey, decode_cursor, encode_cursor

SECRET = "a-test-secret-that-is-long-enough-for-signing"
KEY = SortKey(("updated_at", "id"), (datetime, uuid.UUID))
AT = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
ID = uuid.UUID("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f")


def test_it_round_trips_a_keyset_position() -> None:
    raw = encode_cursor(Position(after=(AT, ID)), "tickets", "-updated_at", SECRET)
    assert decode_cursor(raw, "tickets", "-updated_at", KEY, SECRET) == Position(after=(AT, ID))


def test_it_round_trips_an_offset_position() -> None:
    raw = encode_cursor(Position(offset=150), "users", "last_login_at", SECRET)
    assert decode_cursor(raw, "users", "last_login_at", SortKey(("x", "id"), (datetime, uuid.UUID), keyset=False),
                         SECRET) == Position(offset=150)


def test_an_empty_cursor_is_the_first_page() -> None:
    assert decode_cursor("", "tickets", "-updated_at", KEY, SECRET) == Position()


def _forge(data: object) -> str:
    """A cursor with the right shape but no valid signature."""
    body = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return body + ".AAAAAAAAAAAAAAAAAAAAAAAAAAA"


@pytest.mark.parametrize("raw", [
    "garbage", "o:10", "...", "%%%", "é" * 40, "a." * 300,
    _forge({"l": "tickets", "s": "-updated_at", "o": 0}),
])
def test_it_refuses_malformed_cursors(raw: str) -> None:
    with pytest.raises(Invalid) as caught:
        decode_cursor(raw, "tickets", "-updated_at", KEY, SECRET)
    assert "cursor" in caught.value.details


def test_it_refuses_a_tampered_cursor() -> None:
    raw = encode_cursor(Position(after=(AT, ID)), "tickets", "-updated_at", SECRET)
    payload, _, signature = raw.rpartition(".")
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    for bad in (flipped + "." + signature, payload + "." + signature[::-1], raw[:-2]):
        with pytest.raises(Invalid):
            decode_cursor(bad, "tickets", "-updated_at", KEY, SECRET)


def test_it_refuses_a_cursor_signed_with_another_key() -> None:
    raw = encode_cursor(Position(offset=50), "tickets", "-updated_at", "another-secret")
    with pytest.raises(Invalid):
        decode_cursor(raw, "tickets", "-updated_at", KEY, SECRET)


def test_it_refuses_a_cursor_from_another_list_or_sort() -> None:
    raw = encode_cursor(Position(after=(AT, ID)), "tickets", "-updated_at", SECRET)
    with pytest.raises(Invalid):
        decode_cursor(raw, "customers", "-updated_at", KEY, SECRET)
    with pytest.raises(Invalid) as caught:
        decode_cursor(raw, "tickets", "updated_at", KEY, SECRET)
    assert "another sort" in caught.value.message


@pytest.mark.parametrize("values", [
    ["2026-03-04T05:06:07", str(ID)],  # a time without a zone
    ["yesterday", str(ID)],
    [AT.isoformat(), "not-a-uuid"],
    [AT.isoformat()],  # too short
    [AT.isoformat(), str(ID), 3],  # too long
    [12, str(ID)],
    "not a list",
])
def test_it_refuses_signed_values_of_the_wrong_type(values: object) -> None:
    from itsdangerous import URLSafeSerializer

    # Signed with our key (as a bug or a key leak might): the types are still checked before SQL.
    raw = URLSafeSerializer(SECRET, salt="backoffice.list-cursor").dumps({"l": "tickets", "s": "-updated_at",
                                                                          "k": values})
    with pytest.raises(Invalid):
        decode_cursor(raw, "tickets", "-updated_at", KEY, SECRET)


@pytest.mark.parametrize("offset", [-1, MAX_OFFSET + 1, "10", True, None])
def test_it_refuses_offsets_out_of_range(offset: object) -> None:
    from itsdangerous import URLSafeSerializer

    raw = URLSafeSerializer(SECRET, salt="backoffice.list-cursor").dumps({"l": "tickets", "s": "-updated_at",
                                                                          "o": offset})
    with pytest.raises(Invalid):
        decode_cursor(raw, "tickets", "-updated_at", KEY, SECRET)


def test_integer_keys_refuse_booleans() -> None:
    from itsdangerous import URLSafeSerializer

    raw = URLSafeSerializer(SECRET, salt="backoffice.list-cursor").dumps({"l": "audit", "s": "-n", "k": [True]})
    with pytest.raises(Invalid):
        decode_cursor(raw, "audit", "-n", SortKey(("n",), (int,)), SECRET)
