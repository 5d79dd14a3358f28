"""/tickets/<id>/edit: the page, its htmx block, the permission cast and the conflict that keeps your text."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_outsider_role, make_ticket

HX = {"HX-Request": "true"}


def test_it_shows_the_form_with_the_saved_text(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session, title="Broken <b>widget</b>", description="Details")
    resp = agent_client.get(f"/tickets/{ticket.id}/edit")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" in html
    assert 'value="Broken &lt;b&gt;widget&lt;/b&gt;"' in html and "Details</textarea>" in html
    assert f'href="/tickets/{ticket.id}/edit"' in agent_client.get(f"/tickets/{ticket.id}").get_data(as_text=True)


def test_it_returns_only_the_block_for_htmx(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session)
    resp = agent_client.get(f"/tickets/{ticket.id}/edit", headers=HX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in html and 'id="ticket-edit-form"' in html
    assert "HX-Request" in resp.headers["Vary"]


def test_it_saves_and_redirects_to_the_ticket(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session, title="Old")
    resp = agent_client.post(f"/tickets/{ticket.id}/edit", data={"title": "New", "description": "Body", "version": "1"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/tickets/{ticket.id}")
    db_session.refresh(ticket)
    assert (ticket.title, ticket.description, ticket.version) == ("New", "Body", 2)


def test_a_stale_edit_is_409_with_the_typed_text_kept(make_client: Callable[..., FlaskClient],
                                                      db_session: Session) -> None:
    ticket = make_ticket(db_session, title="Original")
    first = make_client("agent", name="First Agent")
    second = make_client("agent", name="Second Agent")
    first.post(f"/tickets/{ticket.id}/edit", data={"title": "Theirs", "description": "", "version": "1"})
    resp = second.post(f"/tickets/{ticket.id}/edit", data={"title": "Mine", "description": "my words", "version": "1"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and 'data-testid="conflict-message"' in html
    assert "changed title from “Original” to “Theirs”" in html
    assert 'value="Mine"' in html and "my words</textarea>" in html and 'value="2"' in html
    db_session.refresh(ticket)
    assert ticket.title == "Theirs"


def test_an_empty_title_is_422(agent_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session, title="Keep")
    resp = agent_client.post(f"/tickets/{ticket.id}/edit", data={"title": " ", "description": "", "version": "1"})
    assert resp.status_code == 422 and "A title is required." in resp.get_data(as_text=True)


def test_the_permission_cast(make_client: Callable[..., FlaskClient], admin_client: FlaskClient,
                             db_session: Session) -> None:
    ticket = make_ticket(db_session, title="Keep")
    assert admin_client.get(f"/tickets/{ticket.id}/edit").status_code == 200
    viewer = make_client("viewer")
    assert viewer.get(f"/tickets/{ticket.id}/edit").status_code == 403
    assert viewer.post(f"/tickets/{ticket.id}/edit", data={"title": "x", "version": "1"}).status_code == 403
    assert 'data-testid="edit-ticket"' not in viewer.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    make_outsider_role(db_session)
    assert make_client("nobody").get(f"/tickets/{ticket.id}/edit").status_code == 403
    db_session.refresh(ticket)
    assert ticket.title == "Keep"
