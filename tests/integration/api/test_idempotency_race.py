"""Ten clients retrying one create at the same moment with one Idempotency-Key: one ticket."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from app.api.security import token_settings
from app.models import Ticket
from app.services import tokens
from tests.factories import make_customer, make_user
from tests.integration.api.conftest import http


def test_parallel_retries_with_one_key_create_one_ticket(app: Flask, committed_db: Session, live_api: str) -> None:
    agent, customer = make_user(committed_db, role_name="agent"), make_customer(committed_db)
    committed_db.commit()
    with app.test_request_context():
        token = tokens.issue_access(agent, uuid.uuid4(), token_settings())
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "race-1"}
    body = {"customer_id": str(customer.id), "title": "Raced create"}
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
    count = committed_db.scalar(select(func.count()).select_from(Ticket).where(Ticket.title == "Raced create"))
    assert count == 1


def test_a_request_lost_while_storing_its_answer_leaves_nothing_half_done(
    app: Flask, committed_db: Session, live_api: str, service_urls: dict[str, str]
) -> None:
    """The connection dies while the stored answer is being written (the soak's killed worker): the
    work must not have committed without it, or every retry would answer 409 for a day."""
    from app.extensions import db

    owner = create_engine(service_urls["owner"])
    agent, customer = make_user(committed_db, role_name="agent"), make_customer(committed_db)
    committed_db.commit()
    with app.test_request_context():
        token = tokens.issue_access(agent, uuid.uuid4(), token_settings())
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "lost-answer"}
    body = {"customer_id": str(customer.id), "title": "Answer lost once"}
    with owner.begin() as conn:  # the answer's UPDATE stalls, so it can be cut off mid-way
        conn.execute(text("""
            CREATE FUNCTION stall_answer() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN IF NEW.status_code IS NOT NULL THEN PERFORM pg_sleep(30); END IF; RETURN NEW; END $$;
            CREATE TRIGGER stall_answer BEFORE UPDATE ON idempotency_keys
            FOR EACH ROW EXECUTE FUNCTION stall_answer();"""))
    try:
        outcome: dict[str, int] = {}

        def first() -> None:
            try:
                outcome["status"] = http("POST", f"{live_api}/api/v1/support/tickets", body, headers)[0]
            except ValueError:  # an HTML error page, not JSON
                outcome["status"] = -1

        client = threading.Thread(target=first)
        client.start()
        with db.engine.connect() as conn:
            sleeper = None
            for _ in range(200):
                sleeper = conn.scalar(text(
                    "SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND pid <> pg_backend_pid()"))
                if sleeper:
                    break
                time.sleep(0.05)
            assert sleeper, "the answer was never written"
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": sleeper})
        client.join(30)
        assert outcome.get("status") != 201, outcome
    finally:
        with owner.begin() as conn:
            conn.execute(text("DROP TRIGGER stall_answer ON idempotency_keys; DROP FUNCTION stall_answer();"))
    committed_db.expire_all()
    tickets = select(func.count()).select_from(Ticket).where(Ticket.title == "Answer lost once")
    assert committed_db.scalar(tickets) == 0  # nothing committed without its answer
    status, retried = http("POST", f"{live_api}/api/v1/support/tickets", body, headers)
    assert status == 201, retried
    replay = http("POST", f"{live_api}/api/v1/support/tickets", body, headers)
    assert replay[0] == 201 and replay[1]["data"]["id"] == retried["data"]["id"]
    assert committed_db.scalar(tickets) == 1
    owner.dispose()
