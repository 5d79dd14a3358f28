"""Every page, every form and every query parameter, with hostile values: never a 5xx.

Nothing here lists pages or fields by hand: the pages come from the url map, the parameters
and forms from what those pages render (forms, active-search inputs, links with query strings).
A new page or field is walked without editing this test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import Role
from tests.conftest import sign_in
from tests.factories import make_comment, make_customer, make_invoice, make_ticket, make_user

pytestmark = pytest.mark.slow

# str values travel UTF-8 encoded; bytes values are sent as they are (a lone surrogate has no
# UTF-8 form, so it goes as its CESU-8 bytes, which the server must decode without failing).
HOSTILE: tuple[str | bytes, ...] = (
    "\x00",
    "a\r\nb",
    "\u202eevil",
    "x" * 10_000,
    "'; DROP TABLE users; --",
    "{{7*7}}",
    "<script>alert(1)</script>",
    "😀🔥",
    b"\xed\xa0\x80",
    "1e308",
    "-1",
    "²",
    "",
)
SKIP_ACTIONS = ("/logout",)  # ends the walk's own session: walked by its own tests


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)


class _Harvest(HTMLParser):
    """Forms, htmx inputs and links with query strings of one rendered page."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.params: dict[str, set[str]] = {}
        self._open: list[Form] = []
        self._select: tuple[Form, str] | None = None

    def _add_param(self, url: str, name: str) -> None:
        self.params.setdefault(urlsplit(url).path or urlsplit(self.page).path, set()).add(name)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            method = "post" if a.get("hx-post") or a.get("method", "get").lower() == "post" else "get"
            action = a.get("hx-post") or a.get("hx-get") or a.get("action") or self.page
            form = Form(action, method)
            self._open.append(form)
            self.forms.append(form)
        elif tag in ("input", "select", "textarea", "button") and a.get("name"):
            name = a["name"]
            if self._open and tag != "button":
                value = a.get("value", "") if a.get("type") not in ("checkbox", "radio") or "checked" in a else None
                if value is not None or tag == "select":
                    self._open[-1].fields.append((name, value or ""))
                if tag == "select":
                    self._select = (self._open[-1], name)
            target = a.get("hx-get")
            if target:
                self._add_param(target, name)
            elif self._open and self._open[-1].method == "get":
                self._add_param(self._open[-1].action, name)
        elif tag == "option" and self._select and "selected" in a:
            form, name = self._select
            form.fields = [(n, a.get("value", "") if n == name else v) for n, v in form.fields]
        for attr in ("href", "hx-get"):
            url = a.get(attr, "")
            if "?" in url and url.startswith(("/", "?")):
                for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True):
                    self._add_param(url if url.startswith("/") else self.page, name)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._open:
            self._open.pop()
        elif tag == "select":
            self._select = None


@pytest.fixture()
def world(db_session: Session) -> dict[str, str]:
    """One of everything a path can name."""
    customer = make_customer(db_session)
    ticket = make_ticket(db_session, customer=customer)
    make_comment(db_session, ticket)
    invoice = make_invoice(db_session, customer)
    other = make_user(db_session, role_name="agent")
    role = db_session.query(Role).filter_by(name="agent").one()
    return {"customer_id": str(customer.id), "ticket_id": str(ticket.id), "invoice_id": str(invoice.id),
            "user_id": str(other.id), "role_id": str(role.id), "name": "cards", "job_id": "missing",
            "export_id": "missing", "notification_id": "00000000-0000-0000-0000-000000000000", "token": "x",
            "run_id": "missing", "macro_id": "missing", "view_id": "missing"}


def _pages(app: Flask, world: dict[str, str]) -> list[str]:
    pages = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/api/") or "GET" not in (rule.methods or ()):
            continue
        pages.append(rule.build({arg: world[arg] for arg in rule.arguments}, append_unknown=False)[1])
    return sorted(set(pages))


def _body(pairs: list[tuple[str, str | bytes]]) -> bytes:
    return urlencode(pairs).encode()


class Walk:
    def __init__(self, client: FlaskClient, user: Any) -> None:
        self.client, self.user = client, user
        self.failures: list[str] = []
        self.requests = 0

    def send(self, method: str, url: str, pairs: list[tuple[str, str | bytes]], what: str) -> None:
        self.requests += 1
        if method == "get":
            resp = self.client.get(url, query_string=urlencode(pairs))
        else:
            resp = self.client.post(url, data=_body(pairs), content_type="application/x-www-form-urlencoded",
                                    headers={"HX-Request": "true"})
        if resp.status_code >= 500:
            self.failures.append(f"{resp.status_code} {method.upper()} {url} {what}")
        if resp.status_code in (302, 303) and "/login" in resp.headers.get("Location", ""):
            sign_in(self.client, self.user)  # a walked form ended the session: carry on signed in


def test_no_page_form_or_parameter_answers_5xx(
    app: Flask, world: dict[str, str], make_client: Callable[..., FlaskClient], capsys: pytest.CaptureFixture[str]
) -> None:
    client = make_client("admin")
    walk = Walk(client, client.user)  # type: ignore[attr-defined]
    pages = _pages(app, world)
    params: dict[str, set[str]] = {}
    forms: dict[tuple[str, str, tuple[str, ...]], Form] = {}
    for page in pages:
        resp = client.get(page)
        assert resp.status_code < 500, (page, resp.status_code)
        if not resp.mimetype == "text/html":
            continue
        harvest = _Harvest(page)
        harvest.feed(resp.get_data(as_text=True))
        for path, names in harvest.params.items():
            params.setdefault(path, set()).update(names)
        for form in harvest.forms:
            key = (form.method, urlsplit(form.action).path, tuple(sorted({n for n, _ in form.fields})))
            forms.setdefault(key, form)

    for path, names in sorted(params.items()):
        for name in sorted(names):
            for value in HOSTILE:
                walk.send("get", path, [(name, value)], f"?{name}={value[:20]!r}")
    post_forms = [f for f in forms.values() if f.method == "post" and not f.action.startswith(SKIP_ACTIONS)]
    for form in post_forms:
        for name in sorted({n for n, _ in form.fields if n != "csrf_token"}):
            for value in HOSTILE:
                pairs = [(n, value if n == name else v) for n, v in form.fields if n != "csrf_token"]
                walk.send("post", form.action, pairs, f"{name}={value[:20]!r}")

    n_params = sum(len(v) for v in params.values())
    n_fields = sum(len({n for n, _ in f.fields}) for f in post_forms)
    with capsys.disabled():
        print(f"\nhostile walk: {len(pages)} pages, {len(post_forms)} forms ({n_fields} fields), "
              f"{n_params} query parameters on {len(params)} paths, {walk.requests} requests")
    assert not walk.failures, "\n".join(walk.failures)
    assert len(pages) >= 35 and len(post_forms) >= 15 and n_params >= 30, "the walk found the pages' inputs"
    assignees = f"/tickets/{world['ticket_id']}/assignees"
    for must in ("/customers", "/users", "/audit", assignees, "/tickets/new/customers"):
        assert must in params, f"{must} parameters were walked"
    assert {"actor", "action", "target_type", "target_id"} <= params["/audit"]


@pytest.mark.parametrize("case", [
    ("/customers", "q"), ("/users", "q"), ("/audit", "actor"), ("/audit", "action"),
    ("/audit", "target_type"), ("/audit", "target_id"), ("/tickets/new/customers", "customer_q"),
], ids=lambda c: f"{c[0]}?{c[1]}")
def test_nul_in_a_query_parameter_is_a_400_naming_it(admin_client: FlaskClient, case: tuple[str, str]) -> None:
    path, name = case
    resp = admin_client.get(path, query_string={name: "a\x00b"}, headers={"Accept": "application/json"})
    assert resp.status_code == 400
    assert name in resp.get_json()["error"]["details"]


def test_nul_in_the_assignee_search_is_a_400(admin_client: FlaskClient, world: dict[str, str]) -> None:
    resp = admin_client.get(f"/tickets/{world['ticket_id']}/assignees", query_string={"q": "\x00"})
    assert resp.status_code == 400


def test_nul_in_a_new_customer_field_is_refused_in_place(admin_client: FlaskClient, db_session: Session) -> None:
    from app.models import Customer

    for name in ("company_name", "contact_name", "email"):
        data = {"company_name": "Acme", "contact_name": "Ann", "email": "ann@example.com", "subscription_tier": "free"}
        data[name] = data[name] + "\x00"
        resp = admin_client.post("/customers/new", data=data, headers={"HX-Request": "true"})
        assert resp.status_code == 422, name
        assert f"{name}\\u201d contains a control character" in resp.headers["HX-Trigger"], name
    assert db_session.query(Customer).filter_by(company_name="Acme").count() == 0


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout"])
def test_deeply_nested_json_is_a_400_not_a_recursion_error(client: FlaskClient, path: str) -> None:
    resp = client.post(path, data="[" * 50_000, content_type="application/json")
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "invalid_input"


def test_json_within_the_nesting_limit_reaches_the_endpoint(client: FlaskClient) -> None:
    resp = client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": "x" * 12})
    assert resp.status_code == 401


def test_an_export_id_with_a_line_break_is_not_found(admin_client: FlaskClient) -> None:
    for url in ("/audit/exports/audit-export-1%0d%0aX-Evil:%201/download", "/tickets/exports/a%0d%0ab/download"):
        resp = admin_client.get(url)
        assert resp.status_code == 404, url


def test_a_ticket_title_with_a_line_break_is_refused(admin_client: FlaskClient, db_session: Session) -> None:
    from app.models import Ticket

    customer = make_customer(db_session)
    resp = admin_client.post("/tickets/new", headers={"HX-Request": "true"}, data={
        "customer_id": str(customer.id), "title": "Refund\r\nBcc: everyone@example.com", "priority": "low"})
    assert resp.status_code == 422
    assert db_session.query(Ticket).filter(Ticket.title.like("Refund%")).count() == 0


def test_the_tickets_service_refuses_a_multiline_title(db_session: Session) -> None:
    from app.services import tickets
    from app.services.actor import Actor
    from app.services.errors import Invalid

    customer = make_customer(db_session)
    with pytest.raises(Invalid) as err:
        tickets.create_ticket(db_session, Actor.system(), customer.id, "one\ntwo")
    assert "single line" in str(err.value.details)


def test_a_subject_with_a_line_break_still_reaches_the_customer(app: Flask, mail_sink: list[Any]) -> None:
    from app.services import mail

    with app.app_context():
        mail.deliver("ann@example.com", "Re: Refund\r\nBcc: x@example.com", "Hello")
    assert len(mail_sink) == 1
    assert mail_sink[0]["Subject"] == "Re: Refund Bcc: x@example.com"
    assert mail_sink[0]["Bcc"] is None


def test_the_boundary_rules() -> None:
    from app import boundary

    assert boundary.problem("title", "one line") is None
    assert "single line" in (boundary.problem("title", "a\nb") or "")
    assert boundary.problem("body", "a\nb", multiline=True) is None
    assert "U+0000" in (boundary.problem("body", "a\x00b", multiline=True) or "")
    assert "U+001B" in (boundary.problem("name", "\x1b[31m") or "")
    assert boundary.problem("name", "\u202eabc") is None  # right-to-left text is text
    assert boundary.json_depth(b'{"a": [1, {"b": "[[[["}]}') == 3
    assert boundary.json_depth(b'"[[["') == 0
