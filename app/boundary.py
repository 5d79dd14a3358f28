"""Request text is checked once, here, before any view sees it.

The rules, for every request (pages, htmx partials and the API alike):
- no control characters anywhere: not in the path, the query string, form fields or JSON
  strings (C0 except tab, DEL, C1; PostgreSQL cannot even store NUL), and no lone surrogates;
- fields are single-line unless their name is in MULTILINE_FIELDS: a line break in a title,
  name, subject, email or tag would end up in an email header or a CSV row;
- query-string values are at most MAX_QUERY_VALUE characters;
- JSON bodies nest at most MAX_JSON_DEPTH levels (a deeper document is refused before it is
  parsed, so no parser recursion can fail).
A refusal names the field: 404 for a path (an id with a line break is no address of ours),
400 for the query string, 422 for a body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, request

# Fields whose text may span lines; every other field is single-line.
MULTILINE_FIELDS = frozenset({"body", "description", "permissions", "meta_value", "comment", "message", "metadata"})
MAX_QUERY_VALUE = 100_000
MAX_JSON_DEPTH = 32

_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
_BAD_MULTILINE = re.compile(f"[{_CONTROL}]")
_BAD_SINGLE_LINE = re.compile(f"[{_CONTROL}\n\r\u2028\u2029]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


class Refused(Exception):
    def __init__(self, status: int, message: str, details: dict[str, list[str]]) -> None:
        super().__init__(message)
        self.status, self.message, self.details = status, message, details


def problem(name: str, value: str, multiline: bool = False) -> str | None:
    """What is wrong with one field's text, or None."""
    bad = (_BAD_MULTILINE if multiline else _BAD_SINGLE_LINE).search(value)
    if bad is None:
        return None
    char = bad.group()
    if char in "\n\r\u2028\u2029":
        return f"“{name}” must be a single line."
    return f"“{name}” contains a control character (U+{ord(char):04X})."


def json_depth(raw: bytes) -> int:
    """How deeply a JSON document nests, without parsing it (strings are skipped)."""
    depth = deepest = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _json_strings(value: Any, path: str = "", key: str = "", free: bool = False) -> Iterator[tuple[str, str, bool]]:
    """(field path, text, multiline?) for every string in a JSON document, keys included.

    A string is single-line unless its nearest key is in MULTILINE_FIELDS or it sits anywhere
    under such a key (customer metadata is free-form)."""
    if isinstance(value, str):
        yield path or "body", value, free or key in MULTILINE_FIELDS
    elif isinstance(value, dict):
        for name, item in value.items():
            child = f"{path}.{name}" if path else str(name)
            yield child, str(name), False
            yield from _json_strings(item, child, str(name), free or key in MULTILINE_FIELDS)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _json_strings(item, f"{path}.{i}" if path else str(i), key, free)


def check_request() -> None:
    """Raise Refused when the request's text breaks a rule above."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and _BAD_SINGLE_LINE.search(value):
            raise Refused(404, "There is nothing at this address.", {name: ["Not a valid id."]})
    query: dict[str, list[str]] = {}
    for name, value in request.args.items(multi=True):
        reason = problem(name[:100], name) or problem(name[:100], value)
        if reason is None and len(value) > MAX_QUERY_VALUE:
            reason = f"“{name[:100]}” is longer than {MAX_QUERY_VALUE:,} characters."
        if reason:
            query.setdefault(name[:100], []).append(reason)
    if query:  # the API answers every invalid query parameter with 422; pages with 400
        raise Refused(422 if request.path.startswith("/api/") else 400, next(iter(query.values()))[0], query)
    body: dict[str, list[str]] = {}
    for name, value in request.form.items(multi=True):
        reason = problem(name[:100], name) or problem(name[:100], value, name in MULTILINE_FIELDS)
        if reason:
            body.setdefault(name[:100], []).append(reason)
    if request.is_json and request.content_length:
        _check_json(body)
    if body:
        raise Refused(422, next(iter(body.values()))[0], body)


def _check_json(body: dict[str, list[str]]) -> None:
    raw = request.get_data(cache=True)
    if json_depth(raw) > MAX_JSON_DEPTH:
        raise Refused(400, f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels.", {"body": ["Too deep."]})
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        return  # the endpoint answers malformed JSON in its own words
    for path, text, multiline in _json_strings(parsed):
        reason = problem(path[:100], text, multiline)
        if reason:
            body.setdefault(path[:100], []).append(reason)


def init_app(app: Flask, respond: Any) -> None:
    """Check every request first; `respond(status, message, code, details)` answers a refusal."""

    @app.before_request
    def _check() -> Response | None:
        try:
            check_request()
        except Refused as exc:
            return respond(exc.status, exc.message, "invalid_input", exc.details)
        return None
