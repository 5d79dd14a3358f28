"""/password/forgot does the same work on the request for known and unknown addresses: it queues one job."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from rq import Queue
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.models import OutboxEvent
from app.services import accounts, jobs
from tests.factories import make_user


def _queued() -> list[Any]:
    return [j for name in ("high", "default", "low") for j in Queue(name, connection=jobs.connection()).jobs]


def _forgot(app: Flask, client: FlaskClient, email: str) -> tuple[Any, list[str], list[Any]]:
    """POST the form; return the response, the SQL it ran and the jobs it queued."""
    from app.extensions import db

    for job in _queued():
        job.delete()
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        resp = client.post("/password/forgot", data={"email": email})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return resp, statements, _queued()


def _without_session_bookkeeping(statements: list[str]) -> list[str]:
    return [s for s in statements if "user_sessions" not in s and not s.lstrip().upper().startswith("SAVEPOINT")]


def test_known_and_unknown_emails_do_the_same_work_and_get_the_same_answer(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    make_user(db_session, email="known@example.com")
    known, known_sql, known_jobs = _forgot(app, client, "known@example.com")
    unknown, unknown_sql, unknown_jobs = _forgot(app, client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    assert known.get_data() == unknown.get_data()
    # The same path: exactly one job each, of the same function, and no lookup of the address on the request.
    assert [j.func_name for j in known_jobs] == [j.func_name for j in unknown_jobs] == [accounts.RESET_JOB]
    assert [j.args[0] for j in known_jobs + unknown_jobs] == ["known@example.com", "nobody@example.com"]
    assert _without_session_bookkeeping(known_sql) == _without_session_bookkeeping(unknown_sql)
    assert not any("FROM users" in s for s in known_sql + unknown_sql)
    # Nothing about the user was decided yet: no reset event exists until the job runs.
    assert (
        db_session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type == "user.password_reset_requested")
        )
        == 0
    )


def test_the_job_sends_the_link_to_a_known_address_only(
    app: Flask, committed_db: Session, mail_sink: list[Any], run_jobs: Callable[[], int]
) -> None:
    user = make_user(committed_db, email="forgot.me@example.com")
    committed_db.commit()
    client = app.test_client()
    for email in ("forgot.me@example.com", "stranger@example.com"):
        assert client.post("/password/forgot", data={"email": email}).status_code == 303
    run_jobs()
    assert [m["To"] for m in mail_sink] == ["forgot.me@example.com"]
    body = mail_sink[0].get_body(preferencelist=("plain",)).get_content()
    token = re.search(r"/password/reset/(\S+)", body).group(1)  # type: ignore[union-attr]
    assert accounts.user_for_token(committed_db, token, "reset").id == user.id
