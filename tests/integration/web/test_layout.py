"""The signed-in layout: the sidebar follows the viewer's grants and the active section, though it is
rendered once per grant set; cached addresses equal Flask's; the current user is plain data."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.auth.principal import Principal
from app.web.layout import NAV

_NAV = re.compile(r'data-testid="(nav-[a-z-]+)"')


def _nav(html: str) -> list[str]:
    sidebar = html[html.index('id="sidebar"'):html.index("</nav>")]
    return _NAV.findall(sidebar)


def _active(html: str) -> list[str]:
    sidebar = html[html.index('id="sidebar"'):html.index("</nav>")]
    return re.findall(r'nav-link active"\s+href="[^"]*" data-testid="(nav-[a-z-]+)"[^>]*aria-current="page"', sidebar)


def test_the_sidebar_lists_what_the_viewer_may_open(make_client: Callable[..., FlaskClient]) -> None:
    viewer = _nav(make_client("viewer").get("/").get_data(as_text=True))
    assert viewer == ["nav-dashboard", "nav-tickets", "nav-customers"]
    admin = _nav(make_client("admin").get("/").get_data(as_text=True))
    assert admin == [link.testid for link in NAV]


def test_the_active_section_is_marked(admin_client: FlaskClient) -> None:
    assert _active(admin_client.get("/").get_data(as_text=True)) == ["nav-dashboard"]
    assert _active(admin_client.get("/tickets").get_data(as_text=True)) == ["nav-tickets"]
    assert _active(admin_client.get("/customers").get_data(as_text=True)) == ["nav-customers"]
    assert _active(admin_client.get("/profile").get_data(as_text=True)) == []


def test_a_grant_change_shows_in_the_sidebar_at_the_next_request(
    db_session: Session, make_client: Callable[..., FlaskClient]
) -> None:
    client = make_client("viewer")
    assert "nav-audit" not in _nav(client.get("/").get_data(as_text=True))
    user = client.user  # type: ignore[attr-defined]
    user.permissions = ["audit:read"]
    db_session.commit()
    assert "nav-audit" in _nav(client.get("/").get_data(as_text=True))
    user.permissions = []
    db_session.commit()
    assert "nav-audit" not in _nav(client.get("/").get_data(as_text=True))


def test_cached_addresses_are_flasks(app: Flask) -> None:
    layout = app.extensions["layout"]
    with app.test_request_context("/", base_url="http://localhost/mounted"):
        assert layout.url_for("tickets.index") == url_for("tickets.index") == "/mounted/tickets"
        assert layout.url_for("tickets.index", status="open") == url_for("tickets.index", status="open")
        assert layout.static_url("css/app.css") == url_for("static", filename="css/app.css")
    with app.test_request_context("/"):
        assert layout.url_for("tickets.index") == "/tickets"  # keyed by the mount point


def test_the_session_loads_a_principal_with_its_grants_and_two_factor_state(db_session: Session) -> None:
    from datetime import timedelta

    from app.models import TwoFactor
    from app.models.base import utcnow
    from app.services import auth
    from tests.factories import make_user

    user = make_user(db_session, role_name="agent", permissions=["audit:read"])
    token = auth.start_session(db_session, user, "127.0.0.1", "pytest")
    principal = auth.load_session(db_session, token, timedelta(hours=1), timedelta(hours=12))
    assert isinstance(principal, Principal)
    assert (principal.id, principal.email, principal.role_name) == (user.id, user.email, "agent")
    assert "audit:read" in principal.grants and "tickets:read" in principal.grants
    assert principal.sources["extra grant"] == frozenset({"audit:read"})
    assert principal.get_id() == token and principal.two_factor_enabled is False
    db_session.add(TwoFactor(user_id=user.id, secret="S" * 32, enabled_at=utcnow()))
    db_session.flush()
    again = auth.load_session(db_session, token, timedelta(hours=1), timedelta(hours=12))
    assert again is not None and again.two_factor_enabled is True


def test_a_kept_list_row_is_rendered_anew_when_its_values_change(
    admin_client: FlaskClient, db_session: Session
) -> None:
    from tests.factories import make_customer, make_ticket

    ticket = make_ticket(db_session, customer=make_customer(db_session), title="Kept row before")
    db_session.flush()
    first = admin_client.get("/tickets").get_data(as_text=True)
    again = admin_client.get("/tickets").get_data(as_text=True)
    assert "Kept row before" in first and "Kept row before" in again
    ticket.title = "Kept row after <b>"
    db_session.flush()
    changed = admin_client.get("/tickets").get_data(as_text=True)
    assert "Kept row before" not in changed
    assert "Kept row after &lt;b&gt;" in changed  # still escaped


def test_a_kept_row_equals_the_macro_rendered_directly(app: Flask) -> None:
    from app.web.layout import layout
    from app.web.tickets.rows import TicketRow

    row = TicketRow("0000", 7, "A & B", "A & B (x)", ("x",), "Ann · Acme", "open", "open", "high", None,
                    "due in 2 h", False, "2026-12-01T10:00:00", "2026-12-01 10:00", "1 day ago")
    with app.test_request_context("/tickets"):
        macro = app.jinja_env.get_template("components/ticket_row.html").module.ticket_row
        direct = str(macro(row))
        assert str(layout().row("components/ticket_row.html", "ticket_row", row)) == direct
        assert str(layout().row("components/ticket_row.html", "ticket_row", row)) == direct
        other = row._replace(age="2 days ago")
        assert "2 days ago" in layout().row("components/ticket_row.html", "ticket_row", other)
