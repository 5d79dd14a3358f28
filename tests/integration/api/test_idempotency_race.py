"""Ten clients retrying one create at the same moment with one Idempotency-Key: one ticket."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from sqlalchemy import func, select
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
