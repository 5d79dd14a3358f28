"""Two of everything on one PostgreSQL and one Redis: two gunicorn instances and two RQ workers,
and a real browser whose requests are spread over both instances (a balancer in the browser,
with rules that send a given request to a given instance). Sign-in with a form from A posted to
B, CSRF, the dashboard, presence, notifications, an export started on A and downloaded from B,
the sign-in rate limit counted over both, and a worker killed mid-job whose job the other one
finishes."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from rq import Worker
from rq.job import Job
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.models import EventDelivery, Notification, OutboxEvent, Ticket
from app.services import events, jobs
from tests import processes
from tests.factories import PASSWORD, make_customer, make_ticket, make_user

pytestmark = pytest.mark.slow
SHARED_TICKETS = 30
HEARTBEAT, MAINTENANCE = 1, 2  # seconds, for the workers of this test


class Balancer:
    """Sends each request a browser context makes to its page's instance (A) to A or B, in turn,
    unless a one-shot rule names the instance for the next matching request."""

    def __init__(self, context: Any, a: str, b: str) -> None:
        self.bases = {"a": a, "b": b}
        self.turn = 0
        self.rules: list[tuple[str, re.Pattern[str], str]] = []
        self.served: list[tuple[str, str, str]] = []  # (instance, method, path)
        self.context = context
        context.route(f"{a}/**", self._route)

    def stop(self) -> None:
        """Routes no more, before the context closes: a refresh the dashboard started in the background
        may still be fetching from B, and closing would fail on its reset connection."""
        self.context.unroute_all(behavior="ignoreErrors")

    def once(self, method: str, path: str, instance: str) -> None:
        self.rules.append((method, re.compile(path), instance))

    def _route(self, route: Any) -> None:
        request = route.request
        path = urlsplit(request.url).path
        rule = next((r for r in self.rules if r[0] == request.method and r[1].fullmatch(path)), None)
        if rule is not None:
            self.rules.remove(rule)
            instance = rule[2]
        else:
            instance = "ab"[self.turn % 2]
            self.turn += 1
        self.served.append((instance, request.method, path))
        if instance == "a":
            route.continue_()
        else:
            # Fetched with the context's cookies and handed to the page as the answer for A's URL
            # (a changed URL would count as a redirect to another origin, which the CSP refuses).
            answer = route.fetch(url=self.bases["b"] + request.url[len(self.bases["a"]):], max_redirects=0)
            route.fulfill(response=answer)

    def instances(self, method: str, path: str) -> set[str]:
        return {i for i, m, p in self.served if m == method and re.fullmatch(path, p)}


def _sign_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def _served_by(base: str) -> dict[tuple[str, str, str], float]:
    """(method, endpoint, status) -> requests counted by that instance's /metrics (loopback: no token)."""
    body = requests.get(f"{base}/metrics", timeout=10).text
    counts: dict[tuple[str, str, str], float] = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            if s.name == "backoffice_http_requests_total":
                key = (s.labels["method"], s.labels["endpoint"], s.labels["status"])
                counts[key] = counts.get(key, 0) + s.value
    return counts


@contextmanager
def _notifications_held(session: Session) -> Iterator[Any]:
    """Inserts into notifications wait (reads do not) until the block ends."""
    conn = session.get_bind().connect()  # type: ignore[union-attr]
    tx = conn.begin()
    conn.execute(text("LOCK TABLE notifications IN SHARE MODE"))
    try:
        yield conn
    finally:
        tx.rollback()
        conn.close()


def _backends_waiting(session: Session) -> list[int]:
    pids = list(session.scalars(text(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")))
    session.rollback()
    return pids


def _busy_worker(job_id: str) -> int | None:
    for w in Worker.all(connection=jobs.connection()):
        if w.get_current_job_id() == job_id:
            return int(w.name.rsplit("-", 1)[1])
    return None


def test_two_instances_and_two_workers_serve_one_browser(
    app: Flask, committed_db: Session, service_urls: dict[str, str], tmp_path: Path, browser: Any
) -> None:
    from playwright.sync_api import expect

    app.extensions["redis"].flushdb()
    agent = make_user(committed_db, role_name="agent", name="Ada Agent", email="ada@example.com")
    manager = make_user(committed_db, role_name="manager", name="Max Manager", email="max@example.com")
    customer = make_customer(committed_db)
    for i in range(SHARED_TICKETS):
        make_ticket(committed_db, customer_id=customer.id, title=f"Shared ticket {i}")
    ticket = make_ticket(committed_db, customer_id=customer.id, title="Watched by two")
    committed_db.commit()
    open_tickets = SHARED_TICKETS + 1

    ports = {"a": processes.free_port(), "b": processes.free_port()}
    # Behind one proxy, as in production: the rate limit keys on the X-Forwarded-For address.
    env = processes.environment(service_urls, LOGIN_RATE_LIMIT="6 per minute", TRUSTED_PROXIES="1",
                                WORKER_HEARTBEAT_SECONDS=str(HEARTBEAT), WORKER_MAINTENANCE_SECONDS=str(MAINTENANCE))
    a, b = (f"http://127.0.0.1:{ports[k]}" for k in "ab")
    with ExitStack() as stack:
        for k in "ab":
            stack.enter_context(processes.gunicorn(
                {**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / f"metrics-{k}")}, [f"127.0.0.1:{ports[k]}"],
                workers=1))
        workers = {w.pid: w for w in (stack.enter_context(processes.worker(env)) for _ in range(2))}
        ada_context, max_context = browser.new_context(), browser.new_context()
        stack.callback(ada_context.close)
        stack.callback(max_context.close)
        ada_lb, max_lb = Balancer(ada_context, a, b), Balancer(max_context, a, b)
        stack.callback(ada_lb.stop)  # callbacks run last first: unrouted, then closed
        stack.callback(max_lb.stop)
        ada, max_ = ada_context.new_page(), max_context.new_page()

        # Sign-in: the form (and its CSRF token) comes from A, the post goes to B.
        ada_lb.once("GET", "/login", "a")
        ada_lb.once("POST", "/login", "b")
        _sign_in(ada, a, agent.email)
        assert ada_lb.instances("GET", "/login") == {"a"} and ada_lb.instances("POST", "/login") == {"b"}
        expect(ada.get_by_test_id("stat-open-tickets")).to_be_visible()
        # A forged token is refused by either instance, with the same session cookie.
        for base in (a, b):
            forged = ada_context.request.post(f"{base}/tickets/export", form={"query": ""},
                                              headers={"X-CSRFToken": "forged"}, max_redirects=0)
            assert forged.status == 400, forged.status

        # The dashboard, page and widgets, from each instance.
        _sign_in(max_, a, manager.email)
        for instance in "ab":
            max_lb.once("GET", "/", instance)
            max_.goto(f"{a}/")
            expect(max_.get_by_test_id("stat-open-tickets")).to_contain_text(str(open_tickets))
        assert max_lb.instances("GET", "/") == {"a", "b"}

        # Presence lives in Redis: each viewer, served by a different instance, sees the other.
        max_lb.once("GET", f"/tickets/{ticket.id}", "b")
        max_.goto(f"{a}/tickets/{ticket.id}")
        ada_lb.once("GET", f"/tickets/{ticket.id}", "a")
        ada.goto(f"{a}/tickets/{ticket.id}")
        expect(ada.get_by_test_id("presence")).to_contain_text("Also viewing: Max Manager")
        max_lb.once("GET", f"/tickets/{ticket.id}", "b")
        max_.reload()
        expect(max_.get_by_test_id("presence")).to_contain_text("Also viewing: Ada Agent")

        # A notification through a worker that is SIGKILLed mid-job: the other worker finishes it.
        with _notifications_held(committed_db):
            max_.get_by_test_id("assignee-search").fill("Ada")
            max_.get_by_role("button", name="Assign to Ada Agent").click()
            expect(max_.get_by_test_id("current-assignee")).to_have_text("Ada Agent")
            evt = committed_db.scalar(select(OutboxEvent).where(OutboxEvent.type == "ticket.assigned"))
            assert evt is not None
            job_id = f"event-{evt.id}"
            processes.wait_until(lambda: bool(_backends_waiting(committed_db)) and _busy_worker(job_id) is not None, 20)
            victim = _busy_worker(job_id)
            assert victim in workers
            processes.kill_hard(workers[victim])
            killed_at = time.monotonic()
        committed_db.rollback()

        def bell_shows_it() -> bool:
            ada.goto(f"{a}/notifications")
            return "Ticket #" in ada.content() and "was assigned to you" in ada.content()

        processes.wait_until(bell_shows_it, 3 * HEARTBEAT + MAINTENANCE + 15)
        rerun_after = time.monotonic() - killed_at
        expect(ada.get_by_test_id("notification-count")).to_have_text("1")
        assert committed_db.scalar(select(func.count()).select_from(Notification)
                                   .where(Notification.event_id == evt.id)) == 1
        assert committed_db.scalar(select(func.count()).select_from(EventDelivery)
                                   .where(EventDelivery.event_id == evt.id)) == len(events.handlers_for(evt.type))
        assert Job.fetch(job_id, connection=jobs.connection()).retries_left == 2

        # An export started on A, written by the surviving worker, downloaded from B.
        ada_lb.once("POST", "/tickets/export", "a")
        ada.goto(f"{a}/tickets")
        ada.get_by_test_id("export-btn").click()
        link = ada.get_by_test_id("export-download")
        expect(link).to_be_visible(timeout=30_000)
        assert ada_lb.instances("POST", "/tickets/export") == {"a"}
        # A download bypasses the page's routing, so it goes to B by address, with the same cookies.
        from_b = ada_context.request.get(f"{b}{link.get_attribute('href')}")
        assert from_b.status == 200 and from_b.headers["content-type"].startswith("text/csv")
        rows = from_b.text().strip().splitlines()
        assert rows[0].startswith("number,title") and len(rows) == 1 + open_tickets
        assert open_tickets == committed_db.scalar(select(func.count()).select_from(Ticket))
        with ada.expect_download() as download:
            link.click()
        assert Path(download.value.path()).read_bytes() == from_b.body()

        # The sign-in limit (6 a minute per address) is counted over both instances together:
        # a client from another address, switching instance on every navigation.
        anon = browser.new_context(extra_http_headers={"X-Forwarded-For": "198.51.100.7"}).new_page()
        codes = []
        for i in range(7):
            base = (a, b)[i % 2]
            anon.goto(f"{base}/login")
            anon.get_by_label("Email").fill("nobody@example.com")
            anon.get_by_label("Password").fill("wrong-password-123")
            with anon.expect_response(lambda r: r.request.method == "POST") as answer:
                anon.get_by_role("button", name="Sign in").click()
            codes.append(answer.value.status)
        assert codes == [401] * 6 + [429], codes

        # Each instance's own counters agree with where the balancer sent the requests.
        served_a, served_b = _served_by(a), _served_by(b)
        assert served_a.get(("POST", "tickets.export", "202")) == 1
        assert not served_b.get(("POST", "tickets.export", "202"))
        assert served_a.get(("GET", "tickets.export_download", "200")) == 1  # the browser's click
        assert served_b.get(("GET", "tickets.export_download", "200")) == 1
        assert served_b.get(("POST", "auth.login", "303"), 0) >= 1
        assert served_a.get(("GET", "auth.login", "200"), 0) >= 1
        assert served_a.get(("POST", "tickets.export", "400")) == served_b.get(("POST", "tickets.export", "400")) == 1
    assert rerun_after < 3 * HEARTBEAT + MAINTENANCE + 15, rerun_after
