"""Request and response models shared by the API operations (pydantic v2).

Input models forbid unknown fields (no mass assignment) and are strict (no
silent coercion); the OpenAPI document is generated from these same classes.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_LIMIT = 100


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """Query strings arrive as text: lax parsing of numbers, unknown parameters ignored."""

    model_config = ConfigDict(extra="ignore")


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class PageQuery(Query):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Rows per page (at most 100).")
    cursor: Annotated[str, StringConstraints(max_length=500)] = Field(
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


class RefreshIn(Input):
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class TokenOut(Output):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = Field(description="Seconds until the access token expires.")
