"""Retries with one Idempotency-Key: ten at once create one ticket, and a request lost while its answer
is being stored leaves nothing half done."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from app.api.security import token_settings
from app.extensions import db
from app.models import Ticket
from app.services import tokens
from tests import processes
from tests.factories import make_customer, make_user
from tests.integration.api.conftest import http


def _create_request(app: Flask, session: Session, key: str, title: str) -> tuple[dict[str, str], dict[str, str]]:
    """Headers (an agent's bearer token and the key) and body of one ticket create."""
    agent, customer = make_user(session, role_name="agent"), make_customer(session)
    session.commit()
    with app.test_request_context():
        token = tokens.issue_access(agent, uuid.uuid4(), token_settings())
    return ({"Authorization": f"Bearer {token}", "Idempotency-Key": key},
            {"customer_id": str(customer.id), "title": title})


def _tickets_titled(session: Session, title: str) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Ticket).where(Ticket.title == title)) or 0


def test_parallel_retries_with_one_key_create_one_ticket(app: Flask, committed_db: Session, live_api: str) -> None:
    headers, body = _create_request(app, committed_db, "race-1", "Raced create")
    start = threading.Barrier(10)

    def attempt(_: int) -> tuple[int, dict]:
        start.wait()
        return http("POST", f"{live_api}/api/v1/support/tickets", body, headers)

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(attempt, range(10)))
    statuses = sorted(status for status, _ in results)
    assert set(statuses) <= {201, 409}, statuses
    created = {resp["data"]["id"] for status, resp in results if status == 201}
    assert len(created) == 1, statuses
    assert http("POST", f"{live_api}/api/v1/support/tickets", body, headers)[1]["data"]["id"] in created
    assert _tickets_titled(committed_db, "Raced create") == 1


STALL = """
CREATE FUNCTION stall_answer() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN IF NEW.status_code IS NOT NULL THEN PERFORM pg_sleep(30); END IF; RETURN NEW; END $$;
CREATE TRIGGER stall_answer BEFORE UPDATE ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION stall_answer();
"""


def _sleeping_backend() -> int | None:
    with db.engine.connect() as conn:
        return conn.scalar(text("SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep'"))


def test_a_request_lost_while_storing_its_answer_leaves_nothing_half_done(
    app: Flask, committed_db: Session, live_api: str, service_urls: dict[str, str]
) -> None:
    """The connection dies while the stored answer is being written (the soak's killed worker): the
    work must not have committed without it, or every retry would answer 409 for a day."""
    url = f"{live_api}/api/v1/support/tickets"
    headers, body = _create_request(app, committed_db, "lost-answer", "Answer lost once")
    owner = create_engine(service_urls["owner"])  # the app's role may not create triggers
    with owner.begin() as conn:  # the answer's UPDATE stalls, so it can be cut off mid-way
        conn.execute(text(STALL))
    try:
        outcome: dict[str, int] = {}

        def first() -> None:
            try:
                outcome["status"] = http("POST", url, body, headers)[0]
            except ValueError:  # an HTML error page, not JSON
                outcome["status"] = -1

        client = threading.Thread(target=first)
        client.start()
        processes.wait_until(lambda: _sleeping_backend() is not None, timeout=15)
        with db.engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": _sleeping_backend()})
        client.join(30)
        assert outcome.get("status") != 201, outcome
    finally:
        with owner.begin() as conn:
            conn.execute(text("DROP TRIGGER stall_answer ON idempotency_keys; DROP FUNCTION stall_answer();"))
        owner.dispose()
    assert _tickets_titled(committed_db, "Answer lost once") == 0  # nothing committed without its answer
    status, retried = http("POST", url, body, headers)
    assert status == 201, retried
    replay = http("POST", url, body, headers)
    assert replay[0] == 201 and replay[1]["data"]["id"] == retried["data"]["id"]
    assert _tickets_titled(committed_db, "Answer lost once") == 1
