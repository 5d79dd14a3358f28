"""One declaration per API operation: route, permission, request/response schemas, OpenAPI entry.

The same pydantic models validate the request and describe it in the OpenAPI
document (app/api/openapi.py reads OPERATIONS), so the two cannot drift.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ValidationError

from app.api import idempotency
from app.api.errors import ApiError
from app.api.security import api_require, current_api_user
from app.auth.permissions import public


@dataclass
class Operation:
    method: str
    rule: str
    endpoint: str
    summary: str
    tag: str
    permission: str
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    many: bool = False
    status: int = 200
    errors: tuple[int, ...] = ()
    etag: bool = False
    envelope: bool = True
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


OPERATIONS: list[Operation] = []


def field_errors(exc: ValidationError) -> dict[str, list[str]]:
    details: dict[str, list[str]] = {}
    for err in exc.errors(include_url=False, include_context=False, include_input=False):
        name = ".".join(str(part) for part in err["loc"]) or "body"
        details.setdefault(name, []).append(err["msg"])
    return details


def refuse_unknown_query(model: type[BaseModel] | None) -> None:
    """A misspelt filter must not silently widen a query: unknown parameters are refused."""
    known = model.model_fields if model is not None else {}
    unknown = [k for k in request.args if k not in known]
    if unknown:
        raise ApiError(422, "Unknown query parameters.", {k[:100]: ["Unknown parameter."] for k in unknown[:20]})


def parse_query(model: type[BaseModel]) -> BaseModel:
    values = dict(request.args.items())  # text already checked at the boundary (app/boundary.py)
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise ApiError(422, "Some query parameters are not valid.", field_errors(exc)) from exc


def parse_body(model: type[BaseModel]) -> BaseModel:
    if request.mimetype != "application/json":
        raise ApiError(415, "Send the request body as JSON (Content-Type: application/json).")
    raw = request.get_data(cache=True)
    try:
        json.loads(raw)  # well-formed? (its text was checked at the boundary, app/boundary.py)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "The request body is not valid JSON.", code="malformed_json") from exc
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise ApiError(422, "Some fields are not valid.", field_errors(exc)) from exc


def respond(data: Any, status: int = 200, meta: dict[str, Any] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    """The success envelope {"data": …, "meta": …}; models are dumped in JSON mode."""
    if isinstance(data, BaseModel):
        data = data.model_dump(mode="json")
    elif isinstance(data, list):
        data = [d.model_dump(mode="json") if isinstance(d, BaseModel) else d for d in data]
    resp = jsonify({"data": data, "meta": meta or {}})
    resp.status_code = status
    resp.headers.update(headers or {})
    return resp


def operation(bp: Blueprint, method: str, rule: str, **spec: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare an operation: `@operation(bp, "POST", "/users", permission="users:create", body=UserIn, …)`."""

    def decorator(view: Callable[..., Any]) -> Any:
        op = Operation(method=method, rule=rule, endpoint=f"{bp.name}.{view.__name__}", **spec)
        OPERATIONS.append(op)

        @wraps(view)
        def handler(*args: Any, **kwargs: Any) -> Any:
            refuse_unknown_query(op.query)
            if op.query is not None:
                kwargs["query"] = parse_query(op.query)
            if op.body is not None:
                kwargs["body"] = parse_body(op.body)
            return view(*args, **kwargs)

        if op.permission == "public":
            wrapped = public(handler)
        else:

            @wraps(handler)
            def with_key(*args: Any, **kwargs: Any) -> Any:
                if method in ("POST", "PATCH"):
                    return idempotency.run(current_api_user().id, lambda: handler(*args, **kwargs))
                return handler(*args, **kwargs)

            wrapped = api_require(op.permission)(with_key)
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapped, methods=[method])
        return wrapped

    return decorator
