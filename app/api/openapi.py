"""The OpenAPI 3.1 document, built from OPERATIONS and their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from app.api.endpoint import OPERATIONS, Operation
from app.api.errors import CODES
from app.api.schemas import ErrorBody, ListMeta

REF = "#/components/schemas/{model}"
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_PARAM_TYPES = {"uuid": {"type": "string", "format": "uuid"}, "int": {"type": "integer"}}
ALWAYS = (400, 401, 403, 422, 429)


def _path(rule: str) -> str:
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule)


def _path_params(rule: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": dict(_PARAM_TYPES.get(conv or "", {"type": "string"}))}
        for conv, name in _PARAM.findall(rule)
    ]


def _drop_null(schema: dict[str, Any]) -> dict[str, Any]:
    """Query values cannot be null: `X | None` becomes `X`, and a null default is no default
    (the parameter is simply left out)."""
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1:
        rest = {k: v for k, v in schema.items() if k != "anyOf" and not (k == "default" and v is None)}
        return {**rest, **options[0]}
    return schema


def _query_params(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = _drop_null(prop)
        prop.pop("title", None)
        description = prop.pop("description", None)
        param = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _models() -> tuple[dict[Any, dict[str, Any]], dict[str, Any]]:
    """The JSON schema of each (model, mode) pair, and the shared definitions they refer to."""
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorBody, "serialization"), (ListMeta, "serialization")]
    for op in OPERATIONS:
        if op.body is not None:
            pairs.append((op.body, "validation"))
        if op.response is not None:
            pairs.append((op.response, "serialization"))
    unique = list(dict.fromkeys(pairs))
    keys, defs = models_json_schema(unique, ref_template=REF)
    return keys, defs.get("$defs", {})


def _success(op: Operation, keys: dict[Any, Any]) -> dict[str, Any]:
    if op.status == 204:
        return {"description": "Done; no content."}
    item = keys[(op.response, "serialization")] if op.response else {"type": "object"}
    if not op.envelope:
        schema = item
    else:
        data = {"type": "array", "items": item} if op.many else item
        schema = {"type": "object", "required": ["data", "meta"],
                  "properties": {"data": data, "meta": keys[(ListMeta, "serialization")] if op.many
                                 else {"type": "object"}}}
    out: dict[str, Any] = {"description": "Success", "content": {"application/json": {"schema": schema}}}
    links = _links(op)
    if links:
        out["links"] = links
    if op.etag:
        out["headers"] = {"ETag": {"description": "The version of the resource, for If-Match.",
                                   "schema": {"type": "string"}}}
    return out


def _links(op: Operation) -> dict[str, Any]:
    """From a created resource to the operations on it (OpenAPI links, for clients and stateful tests)."""
    if op.method != "POST" or op.status != 201 or _PARAM.search(op.rule):
        return {}
    links = {}
    for other in OPERATIONS:
        params = [name for _, name in _PARAM.findall(other.rule)]
        if other.rule.startswith(op.rule + "/<") and len(params) == 1:
            links[other.endpoint.split(".")[-1]] = {"operationId": other.endpoint.replace(".", "_"),
                                                    "parameters": {params[0]: "$response.body#/data/id"}}
    return links


def _errors(op: Operation) -> dict[str, Any]:
    statuses = set(ALWAYS if op.permission != "public" else (400, 422, 429)) | set(op.errors)
    if op.query is not None or op.body is not None:
        statuses.add(422)
    if op.body is not None:
        statuses |= {413, 415}
    if _PARAM.search(op.rule):
        statuses.add(404)
    if op.method in ("POST", "PATCH") and op.permission != "public":
        statuses |= {409, 422}  # Idempotency-Key in progress / reused
    out = {}
    for status in sorted(statuses):
        entry: dict[str, Any] = {"description": CODES.get(status, "error").replace("_", " "),
                                 "content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorBody")}}}}
        if status == 429:
            entry["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string"}}}
        out[str(status)] = entry
    return out


def _operation(op: Operation, keys: dict[Any, Any]) -> dict[str, Any]:
    params = _path_params(op.rule) + (_query_params(op.query) if op.query else [])
    if op.method in ("POST", "PATCH") and op.permission != "public":
        params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                       "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                       "description": "Retry-safe key: a repeated request with the same key has one effect."})
    if op.etag and op.method == "PATCH":
        params.append({"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
                       "description": "The ETag of the version being changed; 412 when it is stale."})
    doc: dict[str, Any] = {
        "operationId": op.endpoint.replace(".", "_"),
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": params,
        "responses": {str(op.status): _success(op, keys), **_errors(op)},
        "x-permission": op.permission,
    }
    if op.description:
        doc["description"] = op.description
    if op.body is not None:
        doc["requestBody"] = {"required": True,
                              "content": {"application/json": {"schema": keys[(op.body, "validation")]}}}
    if op.permission != "public":
        doc["security"] = [{"bearerAuth": []}]
    else:
        doc["security"] = []
    return doc


def document(server_url: str = "/api/v1") -> dict[str, Any]:
    keys, defs = _models()
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(_path(op.rule), {})[op.method.lower()] = _operation(op, keys)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Backoffice API", "version": "1.0.0",
                 "description": "Bearer access tokens from POST /auth/login; rotate with POST /auth/refresh."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
