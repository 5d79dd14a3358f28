"""The Elasticsearch backend through the official client, against a small recording server on a real socket.

No cluster runs here (test_search_elastic.py needs ELASTICSEARCH_URL); this server speaks just enough of
the REST API — aliases, index creation, _bulk with external versions, _search — to check what the
backend sends and that it reads the answers: the alias swap in one call, versions refused when older."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from app import search
from app.search import ElasticSearch
from app.search.maintenance import reindex
from app.search.query import parse
from tests.factories import make_customer


class Cluster:
    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}  # alias -> index
        self.indexes: dict[str, dict[str, tuple[int, dict[str, Any]]]] = {}  # index -> id -> (version, doc)
        self.calls: list[tuple[str, str]] = []
        self.alias_updates: list[list[dict[str, Any]]] = []
        self.searches: list[dict[str, Any]] = []

    def resolve(self, name: str) -> str:
        return self.aliases.get(name, name)

    def search(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """ids queries, match_all sorted by id with search_after, `version`; anything else matches all."""
        docs = self.indexes.get(self.resolve(name), {})
        ids = sorted(docs)
        wanted = body.get("query", {}).get("ids", {}).get("values")
        if wanted is not None:
            ids = [i for i in ids if i in wanted]
        if body.get("search_after"):
            ids = [i for i in ids if i > body["search_after"][0]]
        hits = [{"_id": i, "_score": 1.0, **({"_version": docs[i][0]} if body.get("version") else {})} for i in ids]
        return {"hits": {"hits": hits[: body.get("size", 10)]}}

    def bulk(self, lines: list[dict[str, Any]]) -> dict[str, Any]:
        items = []
        while lines:
            meta = lines.pop(0)
            (op, spec), = meta.items()
            docs = self.indexes.setdefault(self.resolve(spec["_index"]), {})
            if op == "delete":
                found = docs.pop(spec["_id"], None)
                items.append({op: {"_id": spec["_id"], "status": 200 if found else 404}})
                continue
            source = lines.pop(0)
            held = docs.get(spec["_id"])
            if spec.get("version_type") == "external" and held and held[0] >= spec["version"]:
                items.append({op: {"_id": spec["_id"], "status": 409,
                                   "error": {"type": "version_conflict_engine_exception"}}})
                continue
            docs[spec["_id"]] = (spec.get("version", 1), source)
            items.append({op: {"_id": spec["_id"], "status": 201}})
        return {"took": 1, "errors": any(i[next(iter(i))]["status"] >= 300 for i in items), "items": items}


def _server(cluster: Cluster) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def _send(self, status: int, body: Any = None) -> None:
            raw = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("X-Elastic-Product", "Elasticsearch")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _route(self) -> None:
            path = self.path.split("?")[0].strip("/").split("/")
            cluster.calls.append((self.command, "/" + "/".join(path)))
            raw = self._body()
            if path[0] == "_alias":
                index = cluster.aliases.get(path[1])
                if self.command == "HEAD":
                    return self._send(200 if index else 404)
                return self._send(200, {index: {"aliases": {path[1]: {}}}} if index else {})
            if path[0] == "_aliases":
                actions = json.loads(raw)["actions"]
                cluster.alias_updates.append(actions)
                for action in actions:
                    (kind, spec), = action.items()
                    if kind == "add":
                        cluster.aliases[spec["alias"]] = spec["index"]
                return self._send(200, {"acknowledged": True})
            if path[0] == "_bulk":
                lines = [json.loads(line) for line in raw.decode().splitlines() if line.strip()]
                return self._send(200, cluster.bulk(lines))
            if len(path) == 2 and path[1] == "_search":
                body = json.loads(raw or b"{}")
                cluster.searches.append(body)
                return self._send(200, cluster.search(path[0], body))
            if len(path) == 2 and path[1] == "_count":
                return self._send(200, {"count": len(cluster.indexes.get(cluster.resolve(path[0]), {}))})
            if len(path) == 2 and path[1] == "_refresh":
                return self._send(200, {"_shards": {"total": 1, "successful": 1, "failed": 0}})
            if self.command == "PUT" and len(path) == 1:
                cluster.indexes[path[0]] = {}
                return self._send(200, {"acknowledged": True, "index": path[0]})
            if self.command == "DELETE" and len(path) == 1:
                cluster.indexes.pop(path[0], None)
                return self._send(200, {"acknowledged": True})
            return self._send(400, {"error": {"type": "unknown_route", "reason": self.path}, "status": 400})

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _route  # noqa: N815 - the handler's protocol

        def log_message(self, *_args: object) -> None:
            pass

    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)


@pytest.fixture()
def cluster(app: Flask) -> Iterator[Cluster]:
    state = Cluster()
    server = _server(state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(ELASTICSEARCH_URL=f"http://127.0.0.1:{server.server_address[1]}", ELASTICSEARCH_TIMEOUT=5.0,
                      ELASTICSEARCH_INDEX_PREFIX="wire")
    app.extensions.pop("search.elastic", None)
    yield state
    app.config.update(ELASTICSEARCH_URL=None, ELASTICSEARCH_INDEX_PREFIX="backoffice")
    app.extensions.pop("search.elastic", None)
    server.shutdown()
    server.server_close()


def _backend() -> ElasticSearch:
    backend = search.elastic()
    assert backend is not None
    return backend


def test_a_reindex_builds_a_new_index_and_swaps_the_alias_in_one_call(cluster: Cluster,
                                                                      db_session: Session) -> None:
    make_customer(db_session, company_name="Wire One")
    make_customer(db_session, company_name="Wire Two")
    done = reindex(db_session, "customers", 1, lambda _n: None)
    first = cluster.aliases["wire-customers"]
    assert done == len(cluster.indexes[first]) >= 2 and cluster.alias_updates[-1] == [
        {"add": {"index": first, "alias": "wire-customers", "is_write_index": True}}]
    reindex(db_session, "customers", 100, lambda _n: None)
    second = cluster.aliases["wire-customers"]
    assert second != first and first not in cluster.indexes  # the old index is dropped after the swap
    assert cluster.alias_updates[-1] == [{"remove": {"index": first, "alias": "wire-customers"}},
                                         {"add": {"index": second, "alias": "wire-customers", "is_write_index": True}}]
    assert cluster.calls[-2:] == [("POST", "/_aliases"), ("DELETE", f"/{first}")]  # swap, then drop


def test_writes_use_external_versions_and_an_older_copy_is_harmless(cluster: Cluster, db_session: Session) -> None:
    customer = make_customer(db_session, company_name="Versions Ltd")
    reindex(db_session, "customers", 100, lambda _n: None)
    backend, index = _backend(), cluster.aliases["wire-customers"]
    doc_id = str(customer.id)
    assert backend.write("customers", [(doc_id, 9, {"company_name": "New"})]) == 1
    assert backend.write("customers", [(doc_id, 3, {"company_name": "Old"})]) == 1  # refused as older: no error
    assert cluster.indexes[index][doc_id] == (9, {"company_name": "New"})


def test_search_goes_to_the_alias_and_reads_the_hits_back_from_postgres(cluster: Cluster,
                                                                        db_session: Session) -> None:
    customer = make_customer(db_session, company_name="Searched Wire")
    reindex(db_session, "customers", 100, lambda _n: None)
    answer = search.search(db_session, "customers", parse("searched"), [customer.id], 5)
    assert answer.backend == "elasticsearch" and answer.note == ""
    assert [h.title for h in answer.hits] == ["Searched Wire"]
    sent = cluster.searches[-1]
    assert sent["_source"] is False and sent["query"]["bool"]["filter"] == [{"ids": {"values": [str(customer.id)]}}]


def test_reconciliation_indexes_missing_and_older_rows_and_drops_strays(cluster: Cluster, db_session: Session) -> None:
    from app.search import documents
    from app.search.maintenance import reconcile_index

    missing, older, fine = (make_customer(db_session, company_name=f"Reconcile {n}") for n in range(3))
    reindex(db_session, "customers", 100, lambda _n: None)
    index = cluster.aliases["wire-customers"]
    del cluster.indexes[index][str(missing.id)]  # an event that never arrived
    version, doc = cluster.indexes[index][str(older.id)]
    cluster.indexes[index][str(older.id)] = (version - 1, doc)  # an edit no event announced
    cluster.indexes[index]["00000000-0000-0000-0000-00000000dead"] = (1, {"company_name": "Gone"})
    repaired = reconcile_index(db_session, ["customers"], batch=2)
    assert repaired == {"customers": 3}
    held = cluster.indexes[index]
    assert str(missing.id) in held and held[str(older.id)][0] == version and str(fine.id) in held
    assert "00000000-0000-0000-0000-00000000dead" not in held
    assert len(held) == documents.count(db_session, "customers")
