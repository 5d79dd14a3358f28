"""SIGTERM, as Kubernetes and Compose send it on every rollout: gunicorn drains the request in
flight, an RQ worker finishes its job before it exits, the cron scheduler stops and unregisters."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
import requests
from flask import Flask
from rq.cron import CronScheduler
from rq.job import Job
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.models import Notification, OutboxEvent
from app.services import jobs
from app.services.actor import Actor
from app.services.auth import LoginFailed, LoginPolicy, authenticate
from tests import processes
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.slow
_FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def _table_locked(session: Session, table: str, mode: str) -> Iterator[Callable[[], None]]:
    """Holds a lock on `table`; yields a function that releases it early."""
    session.rollback()  # the test's own session must not hold the table
    conn = session.get_bind().connect()  # type: ignore[union-attr]
    tx = conn.begin()
    conn.execute(text(f"LOCK TABLE {table} IN {mode} MODE"))

    def release() -> None:
        if tx.is_active:
            tx.rollback()

    try:
        yield release
    finally:
        release()
        conn.close()


def _refused(url: str) -> bool:
    try:
        requests.get(url, timeout=2, headers={"Connection": "close"})
    except requests.ConnectionError:
        return True
    return False


def test_sigterm_to_gunicorn_drains_the_request_in_flight(
    app: Flask, committed_db: Session, service_urls: dict[str, str], tmp_path: Any
) -> None:
    user = make_user(committed_db, role_name="agent", email="draining@example.com")
    committed_db.commit()
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    env = processes.environment(service_urls, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    with processes.gunicorn(env, [f"127.0.0.1:{port}"], workers=1) as server:
        client = requests.Session()
        token = _FORM_TOKEN.search(client.get(f"{base}/login", timeout=10).text).group(1)  # type: ignore[union-attr]
        signed_in = client.post(f"{base}/login", data={"csrf_token": token, "email": user.email,
                                                       "password": PASSWORD}, timeout=10, allow_redirects=False)
        assert signed_in.status_code == 303
        answers: list[requests.Response] = []
        with _table_locked(committed_db, "users", "ACCESS EXCLUSIVE") as release:
            # Loading the signed-in user waits on the lock: a request that is surely in flight.
            slow = threading.Thread(target=lambda: answers.append(
                client.get(f"{base}/notifications", timeout=30, headers={"Connection": "close"})))
            slow.start()
            processes.wait_until(lambda: processes.someone_waits_on_a_lock(committed_db), 15)
            server.send_signal(signal.SIGTERM)
            processes.wait_until(lambda: _refused(f"{base}/health"), 10)  # no new connections...
            assert server.poll() is None and not answers  # ...while the one in flight goes on
            release()
            slow.join(timeout=30)
        assert answers and answers[0].status_code == 200, answers
        assert "Notifications" in answers[0].text
        assert server.wait(timeout=30) == 0


def test_sigterm_to_a_worker_lets_its_job_finish(
    app: Flask, committed_db: Session, service_urls: dict[str, str]
) -> None:
    make_user(committed_db, role_name="admin", email="hears-it@example.com")
    target = make_user(committed_db, email="locked-while-stopping@example.com")
    committed_db.commit()
    env = processes.environment(service_urls)
    with _table_locked(committed_db, "notifications", "SHARE") as release:
        for i in range(LoginPolicy().max_failures):
            with pytest.raises(LoginFailed):
                authenticate(committed_db, replace(Actor.system("login"), ip=f"10.9.0.{i}"), target.email,
                             "wrong password", LoginPolicy())
        evt = committed_db.scalar(select(OutboxEvent).where(OutboxEvent.type == "user.locked"))
        assert evt is not None
        worker = subprocess.Popen([sys.executable, "-m", "workers"], cwd=processes.ROOT, env=env)
        try:
            # The admins' notification waits on the lock: the job is mid-flight.
            processes.wait_until(lambda: processes.someone_waits_on_a_lock(committed_db), 30)
            worker.send_signal(signal.SIGTERM)
            time.sleep(1)
            assert worker.poll() is None  # a warm shutdown: it waits for its job
            release()
            assert worker.wait(timeout=30) == 0
        finally:
            processes.stop(worker)
    committed_db.expire_all()
    assert committed_db.scalar(select(OutboxEvent.processed_at).where(OutboxEvent.id == evt.id)) is not None
    assert committed_db.scalar(select(func.count()).select_from(Notification)
                               .where(Notification.event_id == evt.id)) == 1
    assert Job.fetch(f"event-{evt.id}", connection=jobs.connection()).is_finished


def test_sigterm_to_the_scheduler_stops_it_cleanly(app: Flask, service_urls: dict[str, str]) -> None:
    conn = jobs.connection()
    scheduler = subprocess.Popen([sys.executable, "-m", "workers.schedule"], cwd=processes.ROOT,
                                 env=processes.environment(service_urls), stderr=subprocess.PIPE, text=True)
    try:
        processes.wait_until(lambda: "backoffice-cron" in {s.name for s in CronScheduler.all(conn)}, 30)
        scheduler.send_signal(signal.SIGTERM)
        _, err = scheduler.communicate(timeout=15)
    finally:
        processes.stop(scheduler)
    assert scheduler.returncode == 0, err[-2000:]
    assert "shutdown complete" in err and "Traceback" not in err
    assert "backoffice-cron" not in {s.name for s in CronScheduler.all(conn)}
