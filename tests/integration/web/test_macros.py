"""/macros screens and the ticket's macro picker: pages, blocks, the permission cast, applying."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Macro, TicketComment
from app.services import tickets
from app.services.actor import Actor
from tests.factories import make_outsider_role, make_ticket

HX = {"HX-Request": "true"}


def _post_macro(client: FlaskClient, **fields: str) -> object:
    data = {"name": "Refund done", "body": "Refunded, {{ customer.company }}.", "status": "solved", **fields}
    return client.post("/macros/new", data=data)


def test_an_agent_creates_a_personal_macro_and_lists_it(agent_client: FlaskClient, db_session: Session) -> None:
    resp = _post_macro(agent_client)
    assert resp.status_code == 303  # type: ignore[attr-defined]
    macro = db_session.scalars(select(Macro)).one()
    assert macro.owner_id is not None and macro.actions == {"status": "solved"}
    page = agent_client.get("/macros")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True) and "Refund done" in page.get_data(
        as_text=True)
    block = agent_client.get("/macros?q=refund", headers=HX)
    assert 'id="macro-table"' in block.get_data(as_text=True) and "<html" not in block.get_data(as_text=True)
    assert "HX-Request" in block.headers["Vary"]


def test_an_agent_may_not_share_but_a_manager_may(agent_client: FlaskClient, make_client: Callable[..., FlaskClient],
                                                  db_session: Session) -> None:
    assert _post_macro(agent_client, shared="y").status_code == 403  # type: ignore[attr-defined]
    assert _post_macro(make_client("manager"), shared="y").status_code == 303  # type: ignore[attr-defined]
    assert db_session.scalars(select(Macro)).one().owner_id is None


def test_injection_is_refused_with_the_form(agent_client: FlaskClient, db_session: Session) -> None:
    resp = _post_macro(agent_client, body="{{ ''.__class__ }}")
    assert resp.status_code == 422  # type: ignore[attr-defined]
    assert "Only these placeholders" in resp.get_data(as_text=True)  # type: ignore[attr-defined]
    assert db_session.scalars(select(Macro)).first() is None


def test_the_picker_lists_and_applies_in_one_request(agent_client: FlaskClient, db_session: Session) -> None:
    _post_macro(agent_client, body="<script>alert(1)</script> Done for {{ customer.company }}")
    macro = db_session.scalars(select(Macro)).one()
    ticket = make_ticket(db_session)
    page = agent_client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="macro-picker"' in page and "js/macros.js" in page
    options = agent_client.get(f"/tickets/{ticket.id}/macros?version=1", headers=HX)
    assert f"/macros/{macro.id}/apply" in options.get_data(as_text=True) and "<html" not in options.get_data(
        as_text=True)
    resp = agent_client.post(f"/tickets/{ticket.id}/macros/{macro.id}/apply", data={"version": "1"}, headers=HX)
    assert resp.status_code == 204 and resp.headers["HX-Redirect"] == f"/tickets/{ticket.id}"
    db_session.refresh(ticket)
    assert ticket.status == "solved"
    html = agent_client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    changed = make_ticket(db_session)
    tickets.update_ticket(db_session, Actor.system(), changed.id, 1, {"priority": "high"})  # since the page opened
    stale = agent_client.post(f"/tickets/{changed.id}/macros/{macro.id}/apply", data={"version": "1"}, headers=HX)
    assert stale.status_code == 409 and "toast" in stale.headers["HX-Trigger"]
    assert len(db_session.scalars(select(TicketComment)).all()) == 1


def test_the_permission_cast(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    make_outsider_role(db_session)
    ticket = make_ticket(db_session)
    viewer, nobody = make_client("viewer"), make_client("nobody")
    for client in (viewer, nobody):
        assert client.get("/macros").status_code == 403
        assert client.get("/macros/new").status_code == 403
        assert client.get(f"/tickets/{ticket.id}/macros", headers=HX).status_code == 403
    assert 'data-testid="macro-picker"' not in viewer.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert make_client("admin").get("/macros/new").status_code == 200
