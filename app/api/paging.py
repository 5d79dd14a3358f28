"""Opaque cursors for list endpoints, and the sort parameter (`field` or `-field`)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any

from app.api.errors import ApiError
from app.api.schemas import ListMeta, PageQuery

MAX_OFFSET = 100 * 10_000  # as deep as the list pages go


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> int:
    if not raw:
        return 0
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        kind, _, value = text.partition(":")
        offset = int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        offset, kind = -1, ""
    if kind != "o" or not 0 <= offset <= MAX_OFFSET:
        raise ApiError(422, "The cursor is not valid.", {"cursor": ["Use the next_cursor of a previous page."]})
    return offset


def page(rows: list[Any], query: PageQuery, offset: int, estimate: int | None = None) -> tuple[list[Any], ListMeta]:
    """Trim the extra row fetched to detect a next page and build the meta."""
    more = len(rows) > query.limit
    nxt = encode_cursor(offset + query.limit) if more and offset + query.limit <= MAX_OFFSET else None
    return rows[: query.limit], ListMeta(next_cursor=nxt, estimate=estimate)


def sort_values(fields: Iterable[str]) -> tuple[str, ...]:
    """The allowed values of `sort`: each field ascending, and descending with a leading '-'."""
    return tuple(v for f in fields for v in (f, f"-{f}"))


def split_sort(sort: str) -> tuple[str, bool]:
    return sort.lstrip("-"), sort.startswith("-")
