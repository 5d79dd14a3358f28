"""Fault tests with real processes: Redis unreachable at commit, a worker SIGKILLed mid-job,
a notification through a real worker, and the scheduler enqueueing the periodic jobs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import StartedJobRegistry
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.config import ROOT
from app.models import EventDelivery, Notification, OutboxEvent, User
from app.services import events, jobs
from app.services.actor import Actor
from app.services.auth import LoginFailed, LoginPolicy, authenticate
from tests import processes
from tests.factories import make_user

pytestmark = pytest.mark.slow


@pytest.fixture()
def worker_env(app: Flask, service_urls: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": service_urls["database"],
        "REDIS_URL": service_urls["redis"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "BACKOFFICE_ENV": "test",
        "LOG_LEVEL": "WARNING",
        "SMTP_URL": app.config.get("SMTP_URL") or "",
        "AUDIT_ANCHOR_FILE": str(tmp_path / "anchors.log"),
    }


def _start(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    # Its own process group: a SIGKILL to the group takes the worker and its work horse.
    return subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, env=env, start_new_session=True)


def _burst(env: dict[str, str]) -> None:
    proc = _start(env, "workers", "--burst")
    assert proc.wait(timeout=45) == 0


def _lock_out(session: Session, user: User) -> OutboxEvent:
    for i in range(LoginPolicy().max_failures):  # from many addresses: the per-source delay stays out of it
        with pytest.raises(LoginFailed):
            authenticate(session, replace(Actor.system("login"), ip=f"10.8.0.{i}"), user.email, "wrong password",
                         LoginPolicy())
    evt = session.scalar(select(OutboxEvent).where(OutboxEvent.type == "user.locked",
                                                   OutboxEvent.aggregate_id == str(user.id)))
    assert evt is not None
    return evt


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def people(committed_db: Session) -> Iterator[tuple[User, User]]:
    admin = make_user(committed_db, role_name="admin", email="watcher@example.com")
    target = make_user(committed_db, email="victim@example.com")
    committed_db.commit()
    yield admin, target


def test_an_event_from_a_commit_while_redis_is_down_is_delivered_later(
    committed_db: Session, people: tuple[User, User], mail_sink: list[Any], app: Flask,
    service_urls: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin, target = people
    monkeypatch.setitem(jobs._state, "redis", Redis(port=_closed_port(), socket_connect_timeout=0.5))  # noqa: SLF001
    evt = _lock_out(committed_db, target)  # the service commits although Redis is unreachable
    committed_db.expire_all()
    assert committed_db.get(User, target.id).locked_until is not None  # type: ignore[union-attr]
    assert evt.dispatched_at is None and evt.processed_at is None

    monkeypatch.undo()  # Redis is back
    assert events.relay(committed_db) == 1
    env = {**os.environ, "DATABASE_URL": service_urls["database"], "REDIS_URL": service_urls["redis"],
           "SECRET_KEY": app.config["SECRET_KEY"], "LOG_LEVEL": "WARNING", "SMTP_URL": app.config["SMTP_URL"],
           "AUDIT_ANCHOR_FILE": str(tmp_path / "anchors.log")}
    _burst(env)
    processes.wait_until(lambda: len(mail_sink) == 2, 10)  # the admin's notification and the owner's alert
    assert sorted(m["To"] for m in mail_sink) == sorted([admin.email, target.email])
    msg = next(m for m in mail_sink if m["To"] == admin.email)
    assert "victim@example.com was locked" in msg["Subject"]
    assert {p.get_content_type() for p in msg.walk()} >= {"text/plain", "text/html"}
    assert committed_db.scalar(select(func.count()).select_from(Notification)
                               .where(Notification.user_id == admin.id, Notification.event_id == evt.id)) == 1


def _backends_waiting_on_lock(session: Session) -> set[int]:
    pids = set(session.scalars(text(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )))
    session.rollback()  # statistics views are a snapshot per transaction
    return pids


def _backend_gone(session: Session, pid: int) -> bool:
    alive = session.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})
    session.rollback()
    return not alive


def test_a_worker_killed_mid_job_has_the_job_finished_by_another_with_one_effect(
    app: Flask, committed_db: Session, people: tuple[User, User], worker_env: dict[str, str]
) -> None:
    from app.extensions import db

    admin, target = people
    env = {**worker_env, "WORKER_HEARTBEAT_SECONDS": "1", "WORKER_MAINTENANCE_SECONDS": "2"}
    blocker = db.engine.connect()
    tx = blocker.begin()
    # The handler's insert waits on this lock, so the job is surely mid-flight when the worker dies.
    blocker.execute(text("LOCK TABLE notifications IN ACCESS EXCLUSIVE MODE"))
    first = second = None
    try:
        evt = _lock_out(committed_db, target)
        job_id = f"event-{evt.id}"
        assert job_id in Queue("default", connection=jobs.connection()).job_ids
        first = subprocess.Popen([sys.executable, "-m", "workers"], cwd=ROOT, env=env)
        processes.wait_until(lambda: bool(_backends_waiting_on_lock(committed_db)))
        (horse_backend,) = _backends_waiting_on_lock(committed_db)
        # The worker, its work horse (a process group of its own) and its scheduler, all at once.
        processes.kill_hard(first)
        second = subprocess.Popen([sys.executable, "-m", "workers"], cwd=ROOT, env=env)
        tx.rollback()  # the dead horse's connection ends now; its insert never commits
        processes.wait_until(lambda: _backend_gone(committed_db, horse_backend), 10)
        assert committed_db.scalar(select(func.count()).select_from(Notification)) == 0
        assert events.relay(committed_db) == 0  # dispatched moments ago: the relay does not double it

        # Three missed heartbeats plus one maintenance pass of the live worker, then the job runs.
        killed_at = time.monotonic()
        processes.wait_until(lambda: committed_db.scalar(select(OutboxEvent.processed_at)
                                                .where(OutboxEvent.id == evt.id)) is not None, 30)
        took = time.monotonic() - killed_at
    finally:
        if tx.is_active:
            tx.rollback()
        blocker.close()
        for proc in (first, second):
            if proc is not None:
                processes.stop(proc)
    assert took < 3 * 1 + 2 + 10, took
    committed_db.expire_all()
    assert committed_db.scalar(select(func.count()).select_from(EventDelivery)
                               .where(EventDelivery.event_id == evt.id)) == len(events.handlers_for("user.locked"))
    assert committed_db.scalar(select(func.count()).select_from(Notification)
                               .where(Notification.event_id == evt.id)) == 1
    job = Job.fetch(job_id, connection=jobs.connection())
    assert job.is_finished and job.retries_left == 2  # one retry spent on the dead worker's attempt
    assert not StartedJobRegistry("default", connection=jobs.connection()).get_job_ids(cleanup=False)


def test_a_lockout_reaches_the_admins_bell_through_a_real_worker(
    committed_db: Session, make_client: Callable[..., FlaskClient], worker_env: dict[str, str]
) -> None:
    admin_client = make_client("admin")
    target = make_user(committed_db, email="locked-out@example.com")
    committed_db.commit()
    _lock_out(committed_db, target)
    _burst(worker_env)
    bell = admin_client.get("/notifications/bell", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-testid="notification-count">1</span>' in bell.replace("\n", "").replace("  ", "")
    page = admin_client.get("/notifications").get_data(as_text=True)
    assert "locked-out@example.com was locked" in page and f'href="/users/{target.id}"' in page


def test_the_scheduler_enqueues_the_relay_the_anchor_and_the_notification_emails(worker_env: dict[str, str]) -> None:
    scheduler = _start(worker_env, "workers.schedule")
    wanted = {"workers.jobs.events.relay_outbox", "workers.jobs.audit.anchor_audit_chain",
              "workers.jobs.notifications.send_notification_emails"}

    def enqueued() -> set[str]:
        return {j.func_name for name in ("default", "low")
                for j in Queue(name, connection=jobs.connection()).jobs}

    try:
        processes.wait_until(lambda: wanted <= enqueued(), 30)
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=10)


def test_system_shows_a_running_worker_as_alive(admin_client: FlaskClient, worker_env: dict[str, str]) -> None:
    from rq import Worker

    worker = _start(worker_env, "workers")
    try:
        processes.wait_until(lambda: len(Worker.all(connection=jobs.connection())) == 1)
        body = admin_client.get("/system").get_data(as_text=True)
        assert f"backoffice-{worker.pid}" in body and ">alive<" in body
    finally:
        worker.terminate()
        worker.wait(timeout=15)
