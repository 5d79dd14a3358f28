"""The Elasticsearch backend (used when ELASTICSEARCH_URL is set), on the official client.

Every failure of the cluster — refused connection, no answer within the short timeout, an HTTP
error, a body we cannot read — becomes SearchUnavailable, and the search service answers from
PostgreSQL instead. After a failure the cluster is left alone for a few seconds, so a hanging
cluster costs one timeout, not one per request."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, helpers
from sqlalchemy.orm import Session

from app.search import documents
from app.search.elastic_mapping import (
    alias_actions,
    alias_name,
    build_query,
    delete_action,
    index_action,
    index_body,
    index_name,
    is_conflict,
    read_hits,
)
from app.search.query import Parsed
from app.search.types import ENTITIES, Hit, SearchUnavailable

FAILURES = (ApiError, TransportError)  # the cluster refused, timed out or answered an error
UNREADABLE = (KeyError, TypeError, ValueError)  # it answered, but not a search result
LIST_IDS = 1000  # a list search box with Elasticsearch covers this many best matches


class ElasticSearch:
    name = "elasticsearch"

    def __init__(self, url: str, timeout: float, prefix: str, pause: float = 5.0) -> None:
        self.client = Elasticsearch(url, request_timeout=timeout, max_retries=0, retry_on_timeout=False)
        self.prefix, self.pause = prefix, pause
        self._down_until = 0.0

    # ------------------------------------------------------------ reading

    def _call(self, fn: Callable[[], Any]) -> Any:
        if time.monotonic() < self._down_until:
            raise SearchUnavailable("the search index failed a moment ago")
        try:
            return fn()
        except FAILURES as exc:
            self._down_until = time.monotonic() + self.pause
            raise SearchUnavailable(str(exc)[:200]) from exc

    def find(self, entity: str, parsed: Parsed, allowed: list[uuid.UUID] | None,
             size: int) -> list[tuple[uuid.UUID, str]]:
        body = build_query(entity, parsed, allowed, size)
        response = self._call(lambda: self.client.search(index=alias_name(self.prefix, entity), **body))
        try:
            return read_hits(response)
        except UNREADABLE as exc:
            self._down_until = time.monotonic() + self.pause
            raise SearchUnavailable(f"unreadable search response: {exc!r}"[:200]) from exc

    def search(self, session: Session, entity: str, parsed: Parsed, allowed: list[uuid.UUID] | None,
               limit: int) -> list[Hit]:
        found = self.find(entity, parsed, allowed, limit)
        return documents.present(session, entity, [i for i, _ in found], dict(found))

    def ids(self, entity: str, parsed: Parsed, allowed: list[uuid.UUID] | None) -> list[uuid.UUID]:
        return [i for i, _ in self.find(entity, parsed, allowed, LIST_IDS)]

    # ------------------------------------------------------------ writing

    def write(self, entity: str, docs: Iterable[documents.Document], index: str | None = None,
              deleted: Iterable[str] = ()) -> int:
        """Bulk index (external versions) and delete; refused older versions count as done."""
        target = index or alias_name(self.prefix, entity)
        actions = [*(index_action(target, i, v, d) for i, v, d in docs), *(delete_action(target, i) for i in deleted)]
        if not actions:
            return 0
        _, errors = self._call(lambda: helpers.bulk(self.client, actions, raise_on_error=False, stats_only=False))
        failed = [e for e in errors if isinstance(e, dict) and not is_conflict(e) and not _missing_delete(e)]
        if failed:
            raise SearchUnavailable(f"{len(failed)} documents were refused: {str(failed[0])[:200]}")
        return len(actions)

    def reindex(self, session: Session, entity: str, batch: int = 1000,
                progress: Callable[[int], None] = lambda _n: None) -> int:
        """Build a new index from PostgreSQL in batches, then swap the alias to it atomically and drop the old."""
        alias = alias_name(self.prefix, entity)
        new = index_name(self.prefix, entity, datetime.now(UTC).strftime("%Y%m%dt%H%M%S%f"))
        self.client.indices.create(index=new, **index_body(entity))
        done = 0
        for docs in documents.batches(session, entity, batch):
            done += self.write(entity, docs, index=new)
            progress(done)
        self.client.indices.refresh(index=new)
        old = self.indexes_behind(alias)
        self.client.indices.update_aliases(actions=alias_actions(alias, new, old))
        for index in old:
            self.client.indices.delete(index=index)
        return done

    def indexes_behind(self, alias: str) -> list[str]:
        if not self.client.indices.exists_alias(name=alias):
            return []
        return sorted(self.client.indices.get_alias(name=alias).body)

    # ------------------------------------------------------------ reconciling

    def indexed_versions(self, entity: str, ids: list[uuid.UUID]) -> dict[str, int]:
        response = self.client.search(index=alias_name(self.prefix, entity), size=len(ids), version=True,
                                      query={"ids": {"values": [str(i) for i in ids]}}, source=False)
        return {h["_id"]: int(h["_version"]) for h in response["hits"]["hits"]}

    def indexed_ids_after(self, entity: str, after: str | None, size: int) -> list[str]:
        response = self.client.search(index=alias_name(self.prefix, entity), query={"match_all": {}}, size=size,
                                      sort=[{"id": "asc"}], source=False, search_after=[after] if after else None)
        return [h["_id"] for h in response["hits"]["hits"]]

    def count(self, entity: str) -> int:
        return int(self.client.count(index=alias_name(self.prefix, entity))["count"])


def _missing_delete(item: dict[str, Any]) -> bool:
    result: dict[str, Any] = item.get("delete") or {}
    return int(result.get("status", 0)) == 404


def reconcile(backend: ElasticSearch, session: Session, entities: Iterable[str] = ENTITIES,
              batch: int = 1000) -> dict[str, int]:
    """Compare ids and versions with PostgreSQL and repair the drift: index what is missing or older,
    delete what PostgreSQL no longer has. Returns how many documents each entity needed."""
    repaired: dict[str, int] = {}
    for entity in entities:
        fixed, after = 0, None
        while rows := documents.versions(session, entity, after, batch):
            indexed = backend.indexed_versions(entity, [i for i, _ in rows])
            stale = [i for i, v in rows if indexed.get(str(i), -1) < v]
            fixed += backend.write(entity, documents.documents(session, entity, stale)) if stale else 0
            after = rows[-1][0]
        if backend.count(entity) != documents.count(session, entity):
            fixed += _drop_strays(backend, session, entity, batch)
        repaired[entity] = fixed
    return repaired


def _drop_strays(backend: ElasticSearch, session: Session, entity: str, batch: int) -> int:
    model, dropped, after = documents.MODELS[entity], 0, None
    while ids := backend.indexed_ids_after(entity, after, batch):
        known = {str(i) for i in session.scalars(model.__table__.select().with_only_columns(model.id)
                                                 .where(model.id.in_([uuid.UUID(i) for i in ids])))}
        strays = [i for i in ids if i not in known]
        dropped += backend.write(entity, (), deleted=strays) if strays else 0
        after = ids[-1]
    return dropped
