"""/sla: the page, its block, saving, and the permission cast."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditRecord, SlaCalendar, SlaPolicy
from app.models.customer import TIERS
from app.models.ticket import PRIORITIES
from tests.factories import make_outsider_role

HX = {"HX-Request": "true"}


def _form(first: str = "30", resolution: str = "600") -> dict[str, str]:
    data = {}
    for p in PRIORITIES:
        for t in TIERS:
            data[f"first-{p}-{t}"], data[f"resolution-{p}-{t}"] = first, resolution
    return data


def test_a_manager_edits_the_targets(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    manager = make_client("manager")
    page = manager.get("/sla")
    assert page.status_code == 200 and 'data-testid="sla-table"' in page.get_data(as_text=True)
    block = manager.get("/sla", headers=HX)
    assert "<html" not in block.get_data(as_text=True) and 'id="sla-form"' in block.get_data(as_text=True)
    assert "HX-Request" in block.headers["Vary"]
    assert manager.post("/sla", data={**_form(), "apply_open": "y"}).status_code == 303
    assert db_session.get(SlaPolicy, ("urgent", "free")).first_response_minutes == 30  # type: ignore[union-attr]
    bad = manager.post("/sla", data=_form("50", "10"))
    assert bad.status_code == 422 and 'data-testid="sla-errors"' in bad.get_data(as_text=True)


def _calendar_form(tz: str = "Europe/Berlin", friday: tuple[str, str] = ("09:00", "17:00")) -> dict[str, str]:
    data = {"enabled": "y", "tz": tz, "holidays": "2026-12-25, 2026-12-26"}
    for d in range(5):
        data[f"opens-{d}"], data[f"closes-{d}"] = ("09:00", "17:00") if d != 4 else friday
    return data


def test_a_manager_edits_the_business_hours(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    manager = make_client("manager")
    page = manager.get("/sla").get_data(as_text=True)
    assert 'data-testid="sla-calendar-form"' in page and 'id="opens-6"' in page
    assert manager.post("/sla/calendar", data=_calendar_form()).status_code == 303
    row = db_session.get(SlaCalendar, 1)
    assert row is not None and row.enabled and row.tz == "Europe/Berlin"
    assert row.hours["4"] == ["09:00", "17:00"] and "5" not in row.hours and row.holidays == ["2026-12-25",
                                                                                              "2026-12-26"]
    assert db_session.scalars(select(AuditRecord).where(AuditRecord.action == "sla.calendar_updated")).first()
    bad = manager.post("/sla/calendar", data=_calendar_form("Nowhere/Else", ("18:00", "08:00")))
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'data-testid="sla-calendar-errors"' in body
    assert 'value="Nowhere/Else"' in body and "Friday: opening and closing times" in body
    assert db_session.get(SlaCalendar, 1).tz == "Europe/Berlin"  # type: ignore[union-attr]
    block = manager.post("/sla/calendar", data=_calendar_form("Nowhere/Else"), headers=HX)
    assert block.status_code == 422 and "<html" not in block.get_data(as_text=True)
    assert 'id="sla-calendar-form"' in block.get_data(as_text=True)
    for friday in (("09:00+01:00", "17:00"), ("09:00Z", "17:00Z"), ("9", "25:00")):
        offset = manager.post("/sla/calendar", data=_calendar_form(friday=friday))
        assert offset.status_code == 422 and "Friday: opening and closing times" in offset.get_data(as_text=True)
    assert db_session.get(SlaCalendar, 1).hours["4"] == ["09:00", "17:00"]  # type: ignore[union-attr]


def test_the_permission_cast(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    make_outsider_role(db_session)
    for role in ("agent", "viewer", "nobody"):
        client = make_client(role)
        assert client.get("/sla").status_code == 403
        assert client.post("/sla", data=_form()).status_code == 403
        assert client.post("/sla/calendar", data=_calendar_form()).status_code == 403
