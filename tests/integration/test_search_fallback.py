"""When Elasticsearch fails, search answers from PostgreSQL and says so in one line; never a 500.

Three real failures, each a real socket: a closed port, a server that accepts and never answers,
and a server that answers HTTP errors (or a body that is not Elasticsearch's)."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.search import FALLBACK_NOTE
from tests.factories import make_customer, make_ticket, make_user

PAGES = ("/search?q=fallbackword", "/tickets?q=fallbackword", "/customers?q=fallbackword",
         "/users?q=fallbackword")


@pytest.fixture(autouse=True)
def _csrf_sending_clients(client: FlaskClient) -> None:
    """The `client` fixture installs the test client class make_client needs."""


def _use(app: Flask, url: str | None) -> None:
    app.config["ELASTICSEARCH_URL"] = url
    app.config["ELASTICSEARCH_TIMEOUT"] = 0.5
    app.extensions.pop("search.elastic", None)


@pytest.fixture()
def elasticsearch_at(app: Flask) -> Iterator[object]:
    def point(url: str) -> None:
        _use(app, url)

    yield point
    _use(app, None)


@pytest.fixture()
def closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there any more


@pytest.fixture()
def silent_server() -> Iterator[str]:
    """Accepts connections, reads nothing, answers nothing."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def _answering(status: int, body: bytes, headers: dict[str, str]) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def _reply(self) -> None:
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_HEAD = _reply  # noqa: N815 - the handler's protocol

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


ELASTIC = {"X-Elastic-Product": "Elasticsearch"}


@pytest.fixture(params=[(503, b'{"error": {"type": "cluster_block_exception"}, "status": 503}', ELASTIC),
                        (500, b'{"error": "boom", "status": 500}', ELASTIC),
                        (200, b"<html>a proxy's login page</html>", {"Content-Type": "text/html"}),
                        (200, b'{"hits": "not what a search returns"}', ELASTIC)],
                ids=["503", "500", "not-elasticsearch", "unreadable-body"])
def erroring_server(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from _answering(*request.param)


@pytest.fixture()
def data(db_session: Session) -> None:
    customer = make_customer(db_session, company_name="Fallbackword Industries")
    make_ticket(db_session, customer_id=customer.id, title="Fallbackword printer jam")
    make_user(db_session, name="Fallbackword Person")


def _answers_from_postgres(client: FlaskClient) -> None:
    for page in PAGES:
        started = time.monotonic()
        resp = client.get(page)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 200, page
        assert html.count(FALLBACK_NOTE) == 1, page  # one line says where the answer came from
        assert "Fallbackword</mark>" in html or "Fallbackword" in html, page  # results, not an empty page
        assert 'data-testid="empty-state"' not in html, page
        assert time.monotonic() - started < 10, page  # bounded by the short timeout, never hanging


def test_a_closed_port_falls_back(admin_client: FlaskClient, data: None, elasticsearch_at: object,
                                  closed_port: str) -> None:
    elasticsearch_at(closed_port)  # type: ignore[operator]
    _answers_from_postgres(admin_client)


def test_a_server_that_never_answers_falls_back(admin_client: FlaskClient, data: None, elasticsearch_at: object,
                                                silent_server: str) -> None:
    elasticsearch_at(silent_server)  # type: ignore[operator]
    _answers_from_postgres(admin_client)


def test_a_server_answering_errors_falls_back(admin_client: FlaskClient, data: None, elasticsearch_at: object,
                                              erroring_server: str) -> None:
    elasticsearch_at(erroring_server)  # type: ignore[operator]
    _answers_from_postgres(admin_client)


def test_the_palette_block_says_it_too(admin_client: FlaskClient, data: None, elasticsearch_at: object,
                                       closed_port: str) -> None:
    elasticsearch_at(closed_port)  # type: ignore[operator]
    body = admin_client.get("/search?q=fallbackword", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in body and body.count(FALLBACK_NOTE) == 1 and "Industries" in body


def test_without_elasticsearch_there_is_no_note(admin_client: FlaskClient, data: None) -> None:
    html = admin_client.get("/search?q=fallbackword").get_data(as_text=True)
    assert FALLBACK_NOTE not in html and "Industries" in html


def test_an_entity_being_repaired_is_searched_in_postgres(admin_client: FlaskClient, data: None, app: Flask,
                                                          elasticsearch_at: object, closed_port: str) -> None:
    from app.search import STALE_NOTE, mark_stale

    elasticsearch_at(closed_port)  # type: ignore[operator]
    with app.app_context():
        mark_stale("customers")  # reconciliation found the customers' index off by too much
    html = admin_client.get("/customers?q=fallbackword").get_data(as_text=True)
    assert html.count(STALE_NOTE) == 1 and FALLBACK_NOTE not in html and "Industries" in html


def test_indexing_an_event_fails_loudly_so_the_outbox_retries(app: Flask, db_session: Session,
                                                              elasticsearch_at: object, closed_port: str) -> None:
    from app.models import OutboxEvent
    from app.search import SearchUnavailable
    from app.services.handlers.search import index_change

    customer = make_customer(db_session, company_name="Retry Me")
    evt = OutboxEvent(type="customer.updated", aggregate_type="customer", aggregate_id=str(customer.id), data={})
    index_change(db_session, evt)  # no Elasticsearch configured: nothing to do
    elasticsearch_at(closed_port)  # type: ignore[operator]
    with pytest.raises(SearchUnavailable):
        index_change(db_session, evt)
