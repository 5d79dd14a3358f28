"""Domain errors. The web and API layers map each to one status code, in one place."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Invalid(DomainError):
    """Validation failed; details maps field name to a list of messages."""

    status = 422
    code = "validation_error"


# Names used across the codebase and in STYLE.md.
Forbidden = PermissionDenied
ValidationFailed = Invalid
