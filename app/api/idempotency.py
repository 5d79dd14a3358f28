"""Idempotency-Key for POST and PATCH: a retried request has one effect and gets the same answer.

The first request with a key reserves (user, key) with a hash of the request in
the same transaction as its work, and stores its response in that transaction
too (the operation's commit is held until then, `uow.held`), so the work, the
reservation and the stored answer commit together or not at all: a request
killed mid-way (its worker SIGKILLed, the database restarted) leaves nothing
behind, and the retry does the work once. A retry that arrives while the first
is still running waits for it (at most LOCK_WAIT) and then gets the stored
response (marked `Idempotent-Replayed: true`), or 409 if the first is still
finishing; the same key with a different body is refused (422). A failed
request frees its key so that it can be retried.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Response, make_response, request
from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert

from app.api.errors import ApiError
from app.extensions import db_session
from app.models import IdempotencyKey
from app.models.base import utcnow
from app.services import uow

HEADER = "Idempotency-Key"
KEEP_FOR = timedelta(hours=24)
MAX_KEY = 255
LOCK_WAIT = "10s"  # a retry waits this long for the request holding its key (then 503, Retry-After)


def request_hash() -> str:
    body = request.get_data(cache=True) or b""
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + body).hexdigest()


def _reserve(user_id: Any, key: str, digest: str) -> IdempotencyKey | None:
    """None when this request now owns the key (uncommitted: it commits with the work), else the
    existing row. A concurrent holder of the key makes the INSERT wait until it commits or rolls back."""
    session = db_session()
    session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
    session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.user_id == user_id, IdempotencyKey.key == key, IdempotencyKey.created_at < utcnow() - KEEP_FOR
    ))
    inserted = session.execute(
        insert(IdempotencyKey)
        .values(key=key, user_id=user_id, request_hash=digest, created_at=utcnow())
        .on_conflict_do_nothing()
        .returning(IdempotencyKey.key)
    ).first()
    session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
    if inserted is not None:
        return None
    existing = session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                           IdempotencyKey.key == key))
    session.rollback()
    return existing


def _replay(row: IdempotencyKey, digest: str) -> Response:
    if row.request_hash != digest:
        raise ApiError(422, "This Idempotency-Key was already used with a different request.",
                       {"Idempotency-Key": ["Use a new key for a different request."]}, "idempotency_key_reused")
    if row.status_code is None:
        raise ApiError(409, "A request with this Idempotency-Key is still being processed. Retry shortly.",
                       code="idempotency_in_progress")
    resp = make_response(row.response_body or "", row.status_code)
    resp.mimetype = "application/json"
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def _finish(user_id: Any, key: str, resp: Response) -> None:
    """Store a success beside the work (one commit); free the key of anything else."""
    session = db_session()
    where = (IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    if 200 <= resp.status_code < 300:
        session.execute(update(IdempotencyKey).where(*where).values(
            status_code=resp.status_code, response_body=resp.get_data(as_text=True)))
    else:
        session.execute(delete(IdempotencyKey).where(*where))
    uow.commit(session)


def run(user_id: Any, call: Callable[[], Any]) -> Response:
    """Run `call` under the request's Idempotency-Key, if it has one."""
    key = request.headers.get(HEADER)
    if key is None:
        return make_response(call())
    if not key.strip() or len(key) > MAX_KEY:
        raise ApiError(400, f"Idempotency-Key must be 1 to {MAX_KEY} characters.", code="bad_idempotency_key")
    digest = request_hash()
    existing = _reserve(user_id, key, digest)
    if existing is not None:
        return _replay(existing, digest)
    session = db_session()
    try:
        with uow.held(session):
            resp = make_response(call())
    except BaseException:
        uow.rollback(session)  # the reservation goes with the work ...
        _finish(user_id, key, make_response("", 500))  # ... or, if something committed early, is freed
        raise
    _finish(user_id, key, resp)
    return resp
