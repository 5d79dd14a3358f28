"""/search: global search and the command palette's results (full page, htmx block, permissions)."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy.orm import Session

from app.models import Role
from tests.factories import make_customer, make_ticket, make_user

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _csrf_sending_clients(client: FlaskClient) -> None:
    """The `client` fixture installs the test client class make_client needs."""


@pytest.fixture()
def no_role(db_session: Session) -> str:
    db_session.add(Role(name="scoped-search", description="", permissions=["notifications:read"]))
    db_session.flush()
    return "scoped-search"


def _hits(html: str) -> list[str]:
    return re.findall(r'data-testid="search-hit"[^>]*>\s*<i[^>]*></i>\s*<span class="search-title">(.*?)</span>',
                      html, re.S)


def test_it_finds_every_kind_grouped_with_highlights(admin_client: FlaskClient, db_session: Session) -> None:
    acme = make_customer(db_session, company_name="Orinoco Logistics", contact_name="Ann Rivers")
    make_ticket(db_session, customer_id=acme.id, title="Orinoco invoice is wrong")
    make_user(db_session, name="Orin Staffer", email="orin@staff.example")
    html = admin_client.get("/search?q=orin").get_data(as_text=True)
    assert "<html" in html and 'data-testid="search-results"' in html
    assert [g for g in ("Tickets", "Customers", "Users") if f">{g}</div>" in html] == ["Tickets", "Customers", "Users"]
    assert "<mark>Orinoco</mark> Logistics" in html and "<mark>Orin</mark> Staffer" in html


def test_htmx_gets_only_the_results_block(admin_client: FlaskClient, db_session: Session) -> None:
    make_customer(db_session, company_name="Blockwise Ltd")
    resp = admin_client.get("/search?q=blockwise", headers=HX)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in body and body.lstrip().startswith('<div id="search-results"')
    assert "<mark>Blockwise</mark> Ltd" in body and "HX-Request" in resp.headers["Vary"]


def test_it_finds_partial_emails_and_contact_names(admin_client: FlaskClient, db_session: Session) -> None:
    make_customer(db_session, company_name="Quietly Co", contact_name="Zebediah Quill",
                  contact_email="zq@quietly.example")
    assert "<mark>Quietly</mark> Co" in admin_client.get("/search?q=zq%40quiet").get_data(as_text=True)
    assert "<mark>Zebediah</mark> Quill" in admin_client.get("/search?q=Zebed").get_data(as_text=True)


def test_a_ticket_number_opens_the_ticket_on_enter(admin_client: FlaskClient, db_session: Session) -> None:
    ticket = make_ticket(db_session, title="Numbered one")
    resp = admin_client.get(f"/search?q=%23{ticket.number}&go=1")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/tickets/{ticket.id}")
    listed = admin_client.get(f"/search?q={ticket.number}").get_data(as_text=True)
    assert "Numbered one" in listed


def test_the_text_is_escaped_around_the_marks(admin_client: FlaskClient, db_session: Session) -> None:
    make_customer(db_session, company_name="<script>alert(1)</script> Xylo Works")
    html = admin_client.get("/search?q=xylo").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; <mark>Xylo</mark>" in html


def test_commands_offer_only_what_the_user_may_do(make_client: Callable[..., FlaskClient]) -> None:
    viewer, admin = make_client("viewer"), make_client("admin")
    assert "Audit log" in admin.get("/search?q=go+to+audit").get_data(as_text=True)
    assert "Audit log" not in viewer.get("/search?q=go+to+audit").get_data(as_text=True)
    assert "New ticket" in admin.get("/search?q=new").get_data(as_text=True)
    assert "New ticket" not in viewer.get("/search?q=new").get_data(as_text=True)


def test_a_scoped_grant_sees_only_hits_it_may_open(make_client: Callable[..., FlaskClient], db_session: Session,
                                                   no_role: str) -> None:
    customer = make_customer(db_session, company_name="Paragon Widgets")
    hidden_customer = make_customer(db_session, company_name="Paragon Hidden")
    mine = make_ticket(db_session, customer_id=customer.id, title="Paragon gearbox noise")
    make_ticket(db_session, customer_id=customer.id, title="Paragon gearbox smell")
    make_user(db_session, name="Paragon Person")
    client = make_client(no_role, permissions=[f"tickets:read:{mine.id}", f"customers:read:{customer.id}"])
    html = client.get("/search?q=paragon").get_data(as_text=True)
    assert sorted(_hits(html)) == sorted([f"#{mine.number} <mark>Paragon</mark> gearbox noise",
                                          "<mark>Paragon</mark> Widgets"])
    assert "Paragon Hidden" not in html and "Paragon Person" not in html and str(hidden_customer.id) not in html
    for hit in re.findall(r'href="(/(?:tickets|customers|users)/[^"]+)"', html):
        assert client.get(hit).status_code == 200  # every hit shown can be opened


def test_a_scoped_list_search_counts_only_what_it_may_read(make_client: Callable[..., FlaskClient],
                                                          db_session: Session, no_role: str) -> None:
    mine = make_ticket(db_session, title="Counting gearbox")
    for _ in range(3):
        make_ticket(db_session, title="Counting gearbox elsewhere")
    client = make_client(no_role, permissions=[f"tickets:read:{mine.id}"])
    html = client.get("/tickets?q=gearbox").get_data(as_text=True)
    count = re.search(r'data-testid="list-count">\s*([^<·]*)', html)
    assert count and count.group(1).strip() == "1 tickets" and "elsewhere" not in html


def test_nobody_signed_in_is_sent_to_login(client: FlaskClient) -> None:
    resp = client.get("/search?q=x")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_the_ticket_list_box_finds_numbers_and_customer_names(admin_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session, company_name="Halvorsen Shipping", contact_name="Ingrid Halvorsen")
    ticket = make_ticket(db_session, customer_id=customer.id, title="Crane manifest missing")
    make_ticket(db_session, title="Unrelated printer")
    for q in (str(ticket.number), f"%23{ticket.number}", "halvorsen", "Ingrid"):
        html = admin_client.get(f"/tickets?q={q}").get_data(as_text=True)
        assert "Crane manifest missing" in html and "Unrelated printer" not in html, q


def test_a_list_search_without_matches_says_so_without_an_estimate(admin_client: FlaskClient,
                                                                   db_session: Session) -> None:
    make_ticket(db_session, title="Something else entirely")
    html = admin_client.get("/tickets?q=zzyzxqv").get_data(as_text=True)
    count = re.search(r'data-testid="list-count">\s*([^<·]*)', html)
    assert 'data-testid="empty-state"' in html and count and count.group(1).strip() == "no tickets"


UNREADABLE = ['"', '- OR "', "OR OR", "!&|:*()", "a:*", "#", "#" + "9" * 20, "\\%_", "'", "²", "x" * 5000]


@pytest.mark.parametrize("path", ["/search", "/tickets", "/customers", "/users"])
def test_a_query_the_parser_cannot_read_is_a_search_not_an_error(admin_client: FlaskClient, db_session: Session,
                                                                path: str) -> None:
    customer = make_customer(db_session, company_name="Kestrel Freight")
    make_ticket(db_session, customer_id=customer.id, title="Kestrel freight delayed")
    make_user(db_session, name="Kestrel Staffer")
    for q in UNREADABLE:
        for extra in ("", "&count=1"):
            resp = admin_client.get(path, query_string=f"q={quote(q)}{extra}")
            body = resp.get_data(as_text=True)
            assert resp.status_code == 200, (q, body[:300])
            assert f'value="{escape(q[:200])}"' in body, q  # the page itself, its box holding the query
    # An unbalanced quote still searches its words.
    assert "Kestrel" in admin_client.get(path, query_string='q="kestrel').get_data(as_text=True)
