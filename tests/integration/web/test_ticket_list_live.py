"""The open list's poll: changed rows out of band, "N new — show", and a plain GET goes to the list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models.base import utcnow
from tests.factories import make_ticket

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _csrf_sending_clients(client: FlaskClient) -> None:
    """Signed-in clients send the CSRF header like htmx does (the `client` fixture sets the class)."""


def test_it_sends_changed_rows_and_counts_new_tickets(agent_client: FlaskClient, db_session: Session) -> None:
    loaded = utcnow() - timedelta(minutes=5)
    old = make_ticket(db_session, title="Old and changed")
    old.created_at = loaded - timedelta(hours=1)
    quiet = make_ticket(db_session, title="Old and quiet")
    quiet.created_at = quiet.updated_at = loaded - timedelta(hours=1)
    for _ in range(3):
        make_ticket(db_session, title="Brand new")
    db_session.flush()
    resp = agent_client.get("/tickets/live", headers=HX,
                            query_string={"since": loaded.isoformat(), "after": loaded.isoformat()})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in html and resp.headers["X-Polled-At"]
    assert f'id="row-{old.id}"' in html and 'hx-swap-oob="true"' in html
    assert f'id="row-{quiet.id}"' not in html and "Brand new" not in html
    assert "3 new — show" in html


def test_nothing_new_sends_no_rows(agent_client: FlaskClient, db_session: Session) -> None:
    make_ticket(db_session)
    later = (utcnow() + timedelta(minutes=1)).isoformat()
    html = agent_client.get("/tickets/live", headers=HX, query_string={"since": later, "after": later}) \
        .get_data(as_text=True)
    assert "ticket-row" not in html and "new — show" not in html


def test_a_plain_get_goes_to_the_list(agent_client: FlaskClient) -> None:
    resp = agent_client.get("/tickets/live?status=open&since=nonsense")
    assert resp.status_code == 302 and "/tickets?status=open" in resp.headers["Location"]


@pytest.mark.parametrize("moment", [{"since": "nonsense"}, {"since": "2026-01-01T10:00:00"},
                                    {"after": "2026-13-40T00:00:00+00:00"}, {"after": ""}])
def test_a_malformed_moment_is_refused(agent_client: FlaskClient, db_session: Session, moment: dict[str, str]) -> None:
    make_ticket(db_session, title="Must not be listed")
    db_session.flush()
    earlier = (utcnow() - timedelta(hours=1)).isoformat()
    resp = agent_client.get("/tickets/live", headers=HX, query_string={"since": earlier, "after": earlier, **moment})
    assert resp.status_code == 422 and "Must not be listed" not in resp.get_data(as_text=True)
    assert "X-Polled-At" not in resp.headers


def test_a_first_poll_without_after_counts_from_now(agent_client: FlaskClient, db_session: Session) -> None:
    make_ticket(db_session, title="Changed before the poll")
    db_session.flush()
    earlier = (utcnow() - timedelta(hours=1)).isoformat()
    html = agent_client.get("/tickets/live", headers=HX, query_string={"since": earlier}).get_data(as_text=True)
    assert "1 new — show" in html and "Changed before the poll" not in html
