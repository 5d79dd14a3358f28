"""Keep the Elasticsearch index in step with PostgreSQL, from the outbox (nothing to do without it).

The handler re-reads the rows the event names and indexes them with their version as an external
version: a replayed or late event carries no data of its own, and an older copy never overwrites a
newer one. A row that is gone is deleted from the index. A failure raises, so the outbox retries."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app import search
from app.models import OutboxEvent
from app.search import documents

ENTITY = {"ticket": "tickets", "customer": "customers", "user": "users"}


def _ids(evt: OutboxEvent) -> list[uuid.UUID]:
    raw = [evt.aggregate_id, *(evt.data.get("ids") or []), *(evt.data.get("user_ids") or [])]
    found = []
    for value in raw:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue  # "bulk" as an aggregate id: the ids are in the payload
    return list(dict.fromkeys(found))


def index_change(session: Session, evt: OutboxEvent) -> None:
    backend = search.elastic()
    entity = ENTITY.get(evt.aggregate_type)
    if backend is None or entity is None:
        return
    ids = _ids(evt)
    docs = documents.documents(session, entity, ids)
    present = {d[0] for d in docs}
    backend.write(entity, docs, deleted=[str(i) for i in ids if str(i) not in present])
