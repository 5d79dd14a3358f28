"""Request and response models shared by the API operations (pydantic v2).

Input models forbid unknown fields (no mass assignment) and are strict (no
silent coercion); the OpenAPI document is generated from these same classes.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

MAX_LIMIT = 100


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """Query strings arrive as text: numbers are parsed from it; unknown parameters are refused (422)."""

    model_config = ConfigDict(extra="ignore")


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
UUID_PATTERN = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def _real_date(value: str) -> str:
    date.fromisoformat(value)  # ValueError -> a field error
    return value


# Query values are text: exact formats, no lenient coercion ("0" is not a date, "abc…" without dashes no UUID).
QueryDate = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"), AfterValidator(_real_date),
                      WithJsonSchema({"type": "string", "format": "date"})]
QueryUUID = Annotated[str, StringConstraints(pattern=f"^{UUID_PATTERN}$"),
                      WithJsonSchema({"type": "string", "format": "uuid"})]


class PageQuery(Query):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Rows per page (at most 100).")
    cursor: Annotated[str, StringConstraints(max_length=2000)] = Field(
        "", description="The `next_cursor` of the previous page; empty for the first page."
    )


class ListMeta(Output):
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last page.")
    estimate: int | None = Field(None, description="Approximate number of matching rows.")


class ErrorDetail(Output):
    code: str
    message: str
    details: dict[str, Any]


class ErrorBody(Output):
    error: ErrorDetail


class LoginIn(Input):
    email: Annotated[str, StringConstraints(min_length=1, max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    otp: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = Field(
        None, description="A TOTP or recovery code; required when the user has two-factor sign-in.")


class RefreshIn(Input):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class TokenOut(Output):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = Field(description="Seconds until the access token expires.")
