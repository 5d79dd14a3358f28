"""Search behind one protocol: PostgreSQL by default, Elasticsearch when ELASTICSEARCH_URL is set.

`search()` answers a search box (ranked hits of one kind) and `condition()` gives a list page the
WHERE clause of its search box. Both fall back to PostgreSQL when Elasticsearch fails or is being
repaired for that entity, and then carry one line saying so (`note`)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Protocol

from flask import current_app, g, has_app_context, has_request_context
from redis.exceptions import RedisError
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from app.extensions import db_session
from app.search.documents import MODELS
from app.search.elastic import ElasticSearch
from app.search.postgres import PostgresSearch
from app.search.query import Parsed, parse
from app.search.types import ENTITIES, Hit, SearchUnavailable

log = logging.getLogger(__name__)
FALLBACK_NOTE = "The search index is not answering: these results come straight from the database."
STALE_NOTE = "The search index is being repaired: these results come straight from the database."
STALE_KEY = "search:stale:{}"


class SearchBackend(Protocol):
    name: str

    def search(self, session: Session, entity: str, parsed: Parsed, allowed: list[uuid.UUID] | None,
               limit: int) -> list[Hit]:
        """The best `limit` hits of one kind, only among `allowed` ids when that is not None."""
        ...


@dataclass
class Answer:
    hits: list[Hit]
    backend: str
    note: str = ""


POSTGRES = PostgresSearch()


def elastic() -> ElasticSearch | None:
    """The configured Elasticsearch backend (one client per app and URL), or None."""
    if not has_app_context():
        return None
    url = current_app.config["ELASTICSEARCH_URL"]
    if not url:
        return None
    cached = current_app.extensions.get("search.elastic")
    if cached is None or cached[0] != url:
        backend = ElasticSearch(url, current_app.config["ELASTICSEARCH_TIMEOUT"],
                                current_app.config["ELASTICSEARCH_INDEX_PREFIX"])
        cached = current_app.extensions["search.elastic"] = (url, backend)
    return cached[1]


def backend() -> SearchBackend:
    return elastic() or POSTGRES


def is_stale(entity: str) -> bool:
    """Reconciliation marks an entity while it repairs it; Redis being down means "not marked"."""
    try:
        return bool(current_app.extensions["redis"].exists(STALE_KEY.format(entity)))
    except RedisError:
        return False


def mark_stale(entity: str, seconds: int = 3600) -> None:
    current_app.extensions["redis"].set(STALE_KEY.format(entity), "1", ex=seconds)


def clear_stale(entity: str) -> None:
    current_app.extensions["redis"].delete(STALE_KEY.format(entity))


def search(session: Session, entity: str, parsed: Parsed, allowed: list[uuid.UUID] | None, limit: int) -> Answer:
    es, note = elastic(), ""
    if es is not None and is_stale(entity):
        note = STALE_NOTE
    elif es is not None:
        try:
            return Answer(es.search(session, entity, parsed, allowed, limit), es.name)
        except SearchUnavailable as exc:
            log.warning("search index unavailable, answering from PostgreSQL", extra={"error": str(exc)})
            note = FALLBACK_NOTE
    return Answer(POSTGRES.search(session, entity, parsed, allowed, limit), POSTGRES.name, note)


def condition(entity: str, q: str, session: Session | None = None) -> tuple[ColumnElement[bool], str]:
    """The WHERE clause of a list's search box, and a note when it had to fall back (once per request)."""
    key = (entity, q)
    memo: dict[tuple[str, str], tuple[ColumnElement[bool], str]] = (
        g.setdefault("search_conditions", {}) if has_request_context() else {})
    if key not in memo:
        memo[key] = _condition(session or db_session(), entity, parse(q))
    return memo[key]


def _condition(session: Session, entity: str, parsed: Parsed) -> tuple[ColumnElement[bool], str]:
    es = elastic()
    if es is None or parsed.number is not None:  # a ticket number is a primary-key lookup either way
        return POSTGRES.condition(session, entity, parsed), ""
    if is_stale(entity):
        return POSTGRES.condition(session, entity, parsed), STALE_NOTE
    try:
        return MODELS[entity].id.in_(es.ids(entity, parsed, None)), ""
    except SearchUnavailable as exc:
        log.warning("search index unavailable, answering from PostgreSQL", extra={"error": str(exc)})
        return POSTGRES.condition(session, entity, parsed), FALLBACK_NOTE


__all__ = ["ENTITIES", "Answer", "ElasticSearch", "Hit", "PostgresSearch", "SearchBackend", "SearchUnavailable",
           "backend", "condition", "parse", "search"]
