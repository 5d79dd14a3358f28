"""Against a real Elasticsearch: run with ELASTICSEARCH_URL=http://host:9200 (skipped, and said so, otherwise).

Each test works under its own index prefix and deletes its indexes afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from app import search
from app.search import ElasticSearch, documents
from app.search.elastic import reconcile
from app.search.elastic_mapping import alias_name, index_action
from app.search.maintenance import reindex
from app.search.query import parse
from app.services.handlers.search import index_change
from tests.factories import make_customer, make_ticket

URL = os.environ.get("ELASTICSEARCH_URL", "")
pytestmark = pytest.mark.skipif(not URL, reason="ELASTICSEARCH_URL is not set: the Elasticsearch integration "
                                                "tests were not run (no cluster on this machine)")


@pytest.fixture()
def es(app: Flask) -> Iterator[ElasticSearch]:
    prefix = f"bo-test-{uuid.uuid4().hex[:8]}"
    app.config.update(ELASTICSEARCH_URL=URL, ELASTICSEARCH_TIMEOUT=10.0, ELASTICSEARCH_INDEX_PREFIX=prefix)
    app.extensions.pop("search.elastic", None)
    backend = search.elastic()
    assert backend is not None
    yield backend
    for index in backend.client.indices.get(index=f"{prefix}-*", allow_no_indices=True).body:
        backend.client.indices.delete(index=index)  # by name: clusters refuse wildcard deletes by default
    app.config.update(ELASTICSEARCH_URL=None, ELASTICSEARCH_INDEX_PREFIX="backoffice")
    app.extensions.pop("search.elastic", None)


def _refresh(es: ElasticSearch, entity: str) -> None:
    es.client.indices.refresh(index=alias_name(es.prefix, entity))


def test_a_reindex_swaps_the_alias_and_drops_the_old_index(es: ElasticSearch, db_session: Session) -> None:
    make_customer(db_session, company_name="Swapsville Traders")
    assert reindex(db_session, "customers", 100, lambda _n: None) == documents.count(db_session, "customers")
    first = es.indexes_behind(alias_name(es.prefix, "customers"))
    reindex(db_session, "customers", 100, lambda _n: None)
    second = es.indexes_behind(alias_name(es.prefix, "customers"))
    assert len(first) == len(second) == 1 and first != second
    assert not es.client.indices.exists(index=first[0])
    hits = es.search(db_session, "customers", parse("swapsv", as_you_type=True), None, 5)
    assert [h.title for h in hits] == ["Swapsville Traders"]


def test_an_older_version_never_overwrites_a_newer(es: ElasticSearch, db_session: Session) -> None:
    customer = make_customer(db_session, company_name="Versioned Goods")
    reindex(db_session, "customers", 100, lambda _n: None)
    (doc_id, version, body) = documents.documents(db_session, "customers", [customer.id])[0]
    alias = alias_name(es.prefix, "customers")
    es.write("customers", [(doc_id, version + 5, {**body, "company_name": "Newest Goods"})])
    es.write("customers", [(doc_id, version + 1, {**body, "company_name": "Stale Goods"})])  # a late replay
    _refresh(es, "customers")
    assert es.client.get(index=alias, id=doc_id)["_source"]["company_name"] == "Newest Goods"
    assert index_action(alias, doc_id, 1, body)["version_type"] == "external"


def test_the_outbox_handler_indexes_the_rows_an_event_names(es: ElasticSearch, db_session: Session) -> None:
    from app.models import OutboxEvent

    reindex(db_session, "tickets", 100, lambda _n: None)
    ticket = make_ticket(db_session, title="Handler indexed gearbox")
    index_change(db_session, OutboxEvent(type="ticket.created", aggregate_type="ticket",
                                         aggregate_id=str(ticket.id), data={}))
    _refresh(es, "tickets")
    hits = es.search(db_session, "tickets", parse("gearbox"), None, 5)
    assert [h.id for h in hits] == [ticket.id]
    assert es.search(db_session, "tickets", parse("gearbox"), [uuid.uuid4()], 5) == []  # scope is a filter


def test_reconciliation_repairs_missing_and_stray_documents(es: ElasticSearch, db_session: Session) -> None:
    kept = make_customer(db_session, company_name="Reconciled One")
    reindex(db_session, "customers", 100, lambda _n: None)
    alias = alias_name(es.prefix, "customers")
    es.client.delete(index=alias, id=str(kept.id), refresh=True)
    stray = str(uuid.uuid4())
    es.client.index(index=alias, id=stray, document={"id": stray, "company_name": "Ghost"}, refresh=True)
    repaired = reconcile(es, db_session, ["customers"])
    _refresh(es, "customers")
    assert repaired["customers"] >= 2
    assert es.client.exists(index=alias, id=str(kept.id)) and not es.client.exists(index=alias, id=stray)
    assert es.count("customers") == documents.count(db_session, "customers")
