"""Twenty clients racing to refresh with one token: exactly one wins (real server, real commits)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from sqlalchemy.orm import Session

from tests.factories import PASSWORD, make_user
from tests.integration.api.conftest import http


def test_twenty_parallel_refreshes_with_one_token_let_exactly_one_through(
    app: Flask, committed_db: Session, live_api: str
) -> None:
    user = make_user(committed_db)
    committed_db.commit()
    status, body = http("POST", f"{live_api}/api/v1/auth/login", {"email": user.email, "password": PASSWORD})
    assert status == 200
    token = body["refresh_token"]
    start = threading.Barrier(20)

    def attempt(_: int) -> int:
        start.wait()
        return http("POST", f"{live_api}/api/v1/auth/refresh", {"refresh_token": token})[0]

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(attempt, range(20)))
    assert statuses.count(200) == 1, statuses
    assert statuses.count(401) == 19, statuses
