"""/notifications and the bell: listing, mark read, preferences, permissions."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import Notification
from app.services import notifications
from tests.factories import make_user


def _notes(session: Session, user_id: object, n: int) -> list[Notification]:
    made = [notifications.notify(session, user_id, "ticket.assigned", f"Ticket {i} is yours", f"/tickets/t{i}")
            for i in range(n)]
    session.commit()  # a savepoint here: a request's rollback must not undo it
    return [m for m in made if m is not None]


def test_it_lists_my_notifications_with_links(agent_client: FlaskClient, db_session: Session) -> None:
    _notes(db_session, agent_client.user.id, 2)  # type: ignore[attr-defined]
    _notes(db_session, make_user(db_session).id, 1)  # someone else's
    resp = agent_client.get("/notifications")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" in body
    assert body.count('data-testid="notification"') == 2 and 'href="/tickets/t1"' in body


def test_it_returns_only_the_block_for_htmx(agent_client: FlaskClient) -> None:
    resp = agent_client.get("/notifications?show=unread", headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert "<html" not in body and 'id="notification-list"' in body and "HX-Request" in resp.headers["Vary"]


def test_the_bell_shows_the_unread_count(agent_client: FlaskClient, db_session: Session) -> None:
    assert 'data-testid="notification-count"' not in agent_client.get("/notifications/bell").get_data(as_text=True)
    _notes(db_session, agent_client.user.id, 3)  # type: ignore[attr-defined]
    bell = agent_client.get("/notifications/bell", headers={"HX-Request": "true"})
    body = bell.get_data(as_text=True)
    assert bell.status_code == 200 and "<html" not in body and 'hx-trigger="every 30s"' in body
    assert '<span class="position-absolute' in body and ">3</span>" in body
    page = agent_client.get("/").get_data(as_text=True)
    # Pages carry the bell empty; it fetches its count as soon as it loads.
    assert 'data-testid="notification-bell"' in page and 'hx-trigger="load, every 30s"' in page


def test_it_marks_one_and_all_read(agent_client: FlaskClient, db_session: Session) -> None:
    first, *_ = _notes(db_session, agent_client.user.id, 3)  # type: ignore[attr-defined]
    resp = agent_client.post(f"/notifications/{first.id}/read", headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'hx-swap-oob="true"' in body and ">2</span>" in body
    assert "toast" in resp.headers["HX-Trigger"]
    resp = agent_client.post("/notifications/read-all")
    assert resp.status_code == 303
    assert notifications.unread_count(db_session, agent_client.user.id) == 0  # type: ignore[attr-defined]


def test_someone_elses_notification_is_not_found(agent_client: FlaskClient, db_session: Session) -> None:
    (theirs,) = _notes(db_session, make_user(db_session).id, 1)
    assert agent_client.post(f"/notifications/{theirs.id}/read").status_code == 404
    db_session.refresh(theirs)
    assert theirs.read_at is None


def test_it_saves_preferences(agent_client: FlaskClient, db_session: Session) -> None:
    resp = agent_client.post("/notifications/preferences", data={"email:ticket.assigned": "daily"},
                             headers={"HX-Request": "true"})
    assert resp.status_code == 200 and 'id="preferences-form"' in resp.get_data(as_text=True)
    user = agent_client.user  # type: ignore[attr-defined]
    db_session.refresh(user)
    assert notifications.preference(user, "ticket.assigned") == (False, "daily")
    assert notifications.preference(user, "ticket.commented") == (False, "off")
    assert notifications.preference(user, "user.locked") == (True, "now")  # not offered to agents: untouched
    assert "An account was locked" not in agent_client.get("/notifications").get_data(as_text=True)


def test_it_needs_a_signed_in_user(client: FlaskClient, make_client: Callable[..., FlaskClient]) -> None:
    for path in ("/notifications", "/notifications/bell"):
        assert client.get(path).status_code == 302
        assert make_client("viewer").get(path).status_code == 200


_SETTINGS = {"time_zone": "Europe/Berlin", "quiet_enabled": "on", "quiet_start": "21:30", "quiet_end": "06:45",
             "urgent": "sla_breach", "digest_hour": "9", "email:ticket.updated": "daily", "in_app:ticket.updated": "on"}


def test_it_saves_time_zone_quiet_hours_and_digest_settings(agent_client: FlaskClient, db_session: Session) -> None:
    from app.services import notification_settings as ns

    resp = agent_client.post("/notifications/preferences", data=_SETTINGS, headers={"HX-Request": "true"})
    assert resp.status_code == 200
    user = agent_client.user  # type: ignore[attr-defined]
    db_session.refresh(user)
    settings = ns.settings_of(user)
    assert (settings.time_zone, settings.digest_hour) == ("Europe/Berlin", 9)
    assert (settings.quiet.enabled, settings.quiet.start.isoformat(), settings.quiet.end.isoformat()) == (
        True, "21:30:00", "06:45:00")
    assert settings.quiet.urgent == {"sla_breach"}
    assert notifications.preference(user, "ticket.updated") == (True, "daily")
    page = agent_client.get("/notifications").get_data(as_text=True)
    assert '<option selected>Europe/Berlin</option>' in page and 'value="21:30"' in page
    assert '<label class="form-check-label" for="quiet-enabled">' in page  # every control has a label


def test_a_bad_setting_answers_422_with_the_form_and_changes_nothing(
    agent_client: FlaskClient, db_session: Session
) -> None:
    resp = agent_client.post("/notifications/preferences", data={**_SETTINGS, "time_zone": "Mars/Olympus"},
                             headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="preferences-form"' in body and "<html" not in body
    assert "Choose a time zone from the list." in body
    user = agent_client.user  # type: ignore[attr-defined]
    db_session.refresh(user)
    assert "time_zone" not in (user.preferences or {})
    assert notifications.preference(user, "ticket.updated") == (True, "hourly")  # the default, untouched


def test_quiet_hours_of_no_length_answer_422_naming_the_end(agent_client: FlaskClient, db_session: Session) -> None:
    resp = agent_client.post("/notifications/preferences", data={**_SETTINGS, "quiet_end": "21:30"},
                             headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Quiet hours must end at another time than they start." in body
    assert 'id="quiet-end" name="quiet_end"' in body and "is-invalid\" type=\"time\" id=\"quiet-end\"" in body
    user = agent_client.user  # type: ignore[attr-defined]
    db_session.refresh(user)
    assert "quiet_hours" not in (user.preferences or {})
