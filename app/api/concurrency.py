"""Optimistic locking over HTTP: ETags with If-Match (412) or a `version` field (409)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import request

from app.api.errors import ApiError
from app.services.errors import Conflict

T = TypeVar("T")


def etag(version: int) -> str:
    return f'"v{version}"'


def expected_version(current: int, version: int | None, what: str) -> tuple[int, bool]:
    """The version the client saw, and whether it came from If-Match (then staleness is 412)."""
    if_match = request.headers.get("If-Match")
    if if_match is None:
        if version is None:
            raise ApiError(422, "Send the version you read, or an If-Match header.",
                           {"version": ["Required without If-Match."]})
        return version, False
    if if_match.strip() not in (etag(current), "*"):
        raise ApiError(412, f"The {what} changed since you read it (If-Match does not match).",
                       {"etag": [etag(current)]})
    return (current if version is None else version), True


def guarded(by_etag: bool, change: Callable[[], T]) -> T:
    """Run the service call; a stale version found there is 412 when the client used If-Match."""
    try:
        return change()
    except Conflict as exc:
        if by_etag:
            raise ApiError(412, exc.message, exc.details) from exc
        raise
