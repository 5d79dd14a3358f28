"""An event that failed every attempt is parked, shown on /system with its error, and can be
sent again (once the cause is fixed) or discarded there."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from rq import Queue, SimpleWorker
from sqlalchemy import select

from app.extensions import db
from app.models import OutboxEvent
from app.services import events, jobs
from app.services.actor import Actor

pytestmark = pytest.mark.e2e
BROKEN = {"on": True}


PROBE = "user.updated"  # published for integrations: here an integration that keeps failing


def _probe_handler(session: Any, evt: OutboxEvent) -> None:
    if BROKEN["on"] and evt.aggregate_type == "probe":
        raise ConnectionError(f"partner system unreachable for {evt.aggregate_id}")


# A consumer the catalogue does not declare: added beside the registry's own, for this test only.
events._handlers.setdefault(PROBE, []).append(("tests.probe", _probe_handler))  # noqa: SLF001


def _park(app: Flask, name: str) -> str:
    with app.app_context():
        evt = events.emit(db.session, Actor.system("pytest"), PROBE, "probe", name, {})
        db.session.commit()
        for _ in range(events.MAX_ATTEMPTS):
            with pytest.raises(ConnectionError):
                events.process(db.session, evt.id)
        parked = db.session.get(OutboxEvent, evt.id)
        assert parked is not None and parked.parked_at is not None and parked.processed_at is None
        assert events.relay(db.session) == 0  # the relay leaves it alone
        return str(evt.id)


def _drain(app: Flask) -> None:
    with app.app_context():
        queues = [Queue(name, connection=jobs.connection()) for name in app.config["RQ_QUEUES"]]
        SimpleWorker(queues, connection=jobs.connection()).work(burst=True, with_scheduler=False)


def test_a_parked_event_is_retried_or_discarded_from_the_system_page(
    page: Any, live_server: str, make_staff: Callable[..., Any], app: Flask
) -> None:
    app.extensions["redis"].flushdb()
    BROKEN["on"] = True
    retried, discarded = _park(app, "probe-retry"), _park(app, "probe-discard")
    admin = make_staff("admin", email="e2e-parked@example.com")
    from tests.e2e.conftest import login

    login(page, live_server, admin.email)
    page.goto(f"{live_server}/system")
    row = page.locator(f'[data-testid="parked-event"][data-event-id="{retried}"]')
    expect(row.get_by_test_id("parked-error")).to_contain_text("partner system unreachable for probe-retry")
    expect(row).to_contain_text(str(events.MAX_ATTEMPTS))

    BROKEN["on"] = False  # the cause, fixed
    page.on("dialog", lambda dialog: dialog.accept())
    row.get_by_test_id("retry-event").click()
    expect(page.get_by_test_id("success-message").first).to_contain_text("Event sent again")
    expect(page.locator(f'[data-event-id="{retried}"]')).to_have_count(0)
    _drain(app)

    other = page.locator(f'[data-testid="parked-event"][data-event-id="{discarded}"]')
    other.get_by_test_id("discard-event").click()
    expect(page.get_by_test_id("success-message").filter(has_text="Event discarded")).to_be_visible()
    expect(page.get_by_test_id("no-parked-events")).to_be_visible()
    with app.app_context():
        probes = select(OutboxEvent).where(OutboxEvent.aggregate_type == "probe")
        rows = {str(e.id): e for e in db.session.scalars(probes)}
        assert rows[retried].processed_at is not None and rows[retried].parked_at is None
        assert rows[discarded].processed_at is not None
    assert page.errors == []
    app.extensions["redis"].flushdb()
