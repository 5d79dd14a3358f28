from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import AnalyticsEvent

RANGE = "?range=custom&from=2025-03-01&to=2025-03-03"


def _event(session: Session, type_: str, day: int, hour: int = 12) -> None:
    session.add(AnalyticsEvent(type=type_, occurred_at=datetime(2025, 3, day, hour, tzinfo=UTC), data={}))
    session.flush()


def _seed(session: Session) -> None:
    for day, hour in ((1, 0), (1, 23), (3, 5)):
        _event(session, "ticket.created", day, hour)
    _event(session, "user.logged_in", 2)
    _event(session, "user.logged_in", 4)  # outside the range


def test_it_shows_events_per_day_by_type(admin_client: FlaskClient, db_session: Session) -> None:
    _seed(db_session)
    html = admin_client.get("/reports" + RANGE).get_data(as_text=True)
    assert "<html" in html and 'data-testid="report-table"' in html
    assert 'data-testid="total-ticket.created">3<' in html
    assert 'data-testid="total-user.logged_in">1<' in html
    assert "data-chart=" in html


def test_it_filters_by_type(admin_client: FlaskClient, db_session: Session) -> None:
    _seed(db_session)
    html = admin_client.get("/reports" + RANGE + "&type=user.logged_in").get_data(as_text=True)
    assert 'data-testid="total-user.logged_in">1<' in html and "total-ticket.created" not in html


def test_htmx_gets_only_the_report_block(admin_client: FlaskClient) -> None:
    resp = admin_client.get("/reports" + RANGE, headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert "<html" not in body and body.strip().startswith('<div id="report">')
    assert "HX-Request" in resp.headers["Vary"]


def test_it_downloads_csv(admin_client: FlaskClient, db_session: Session) -> None:
    _seed(db_session)
    resp = admin_client.get("/reports/export.csv" + RANGE + "&type=ticket.created")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert resp.get_data(as_text=True).splitlines() == [
        "day,type,count", "2025-03-01,ticket.created,2", "2025-03-02,ticket.created,0", "2025-03-03,ticket.created,1"]


def test_a_reversed_range_falls_back_with_a_note(admin_client: FlaskClient) -> None:
    resp = admin_client.get("/reports?range=custom&from=2025-03-09&to=2025-03-01")
    assert resp.status_code == 200 and 'data-testid="range-note"' in resp.get_data(as_text=True)


def test_the_permission_matrix(make_client: Callable[..., FlaskClient], client: FlaskClient) -> None:
    manager, agent = make_client("manager"), make_client("agent")
    assert manager.get("/reports").status_code == 200
    assert 'data-testid="nav-reports"' in manager.get("/reports").get_data(as_text=True)
    assert agent.get("/reports").status_code == 403
    assert agent.get("/reports/export.csv").status_code == 403
    assert 'data-testid="nav-reports"' not in agent.get("/").get_data(as_text=True)
    assert client.get("/reports").status_code == 302
