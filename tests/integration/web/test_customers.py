"""/customers pages: list, profile, create, edit, suspend, metadata, invoices."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditRecord, Customer
from tests.factories import make_customer, make_invoice, make_ticket

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _csrf_sending_clients(client: FlaskClient) -> None:
    """The `client` fixture installs the test client class that sends the CSRF header; make_client needs it."""


def _version(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, "no version field"
    return found.group(1)


# ------------------------------------------------------------------ list


def test_it_lists_searches_and_filters(viewer_client: FlaskClient, db_session: Session) -> None:
    make_customer(
        db_session, company_name="Acme Rockets", contact_email="wile@acme.example", subscription_tier="enterprise"
    )
    make_customer(db_session, company_name="Globex", contact_email="hank@globex.example", subscription_tier="free")
    html = viewer_client.get("/customers").get_data(as_text=True)
    assert "<html" in html and 'data-testid="customers-table"' in html and "Acme Rockets" in html
    assert "Globex" not in viewer_client.get("/customers?q=acme").get_data(as_text=True)
    assert "Acme Rockets" in viewer_client.get("/customers?q=WILE@ACME").get_data(as_text=True)
    by_tier = viewer_client.get("/customers?tier=free").get_data(as_text=True)
    assert "Globex" in by_tier and "Acme Rockets" not in by_tier


def test_htmx_gets_only_the_table(viewer_client: FlaskClient) -> None:
    resp = viewer_client.get("/customers?sort=company", headers=HX)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in body and body.lstrip().startswith('<div id="customers-table"')
    assert "HX-Request" in resp.headers["Vary"]


@pytest.mark.parametrize(
    "query",
    [
        "tier=platinum",
        "status=%00",
        "sort=password",
        "page=abc",
        "per_page=-5",
        "colour=red",
        "q=%25_%5C",
        "page=99999",
    ],
)
def test_hostile_list_parameters_are_ignored_with_a_note(viewer_client: FlaskClient, query: str) -> None:
    resp = viewer_client.get(f"/customers?{query}")
    assert resp.status_code == (400 if "%00" in query else 200)  # control characters: refused at the boundary


def test_unknown_filters_are_named_in_a_note(viewer_client: FlaskClient) -> None:
    html = viewer_client.get("/customers?tier=platinum&colour=red").get_data(as_text=True)
    assert "Ignored unknown tier" in html and "Ignored unknown parameter" in html and "colour" in html


def test_the_pager_knows_when_there_is_a_next_page(viewer_client: FlaskClient, db_session: Session) -> None:
    for i in range(3):
        make_customer(db_session, company_name=f"Pager Co {i}")
    html = viewer_client.get("/customers?q=pager+co&per_page=2&sort=company").get_data(as_text=True)
    assert "Pager Co 0" in html and "Pager Co 2" not in html and "3 customers" in html
    assert 'aria-disabled="true" tabindex="-1">Next' not in html
    page2 = viewer_client.get("/customers?q=pager+co&per_page=2&sort=company&page=2").get_data(as_text=True)
    assert "Pager Co 2" in page2 and "Pager Co 0" not in page2


# ------------------------------------------------------------------ profile


def test_the_profile_shows_everything(agent_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session, company_name="Initech", metadata_={"crm_id": "42"})
    make_ticket(db_session, customer_id=customer.id, title="TPS report cover sheet")
    make_invoice(db_session, customer, amount=Decimal("300.00"), issued_at=_days_ago(40))
    make_invoice(db_session, customer, amount=Decimal("250.00"))
    make_invoice(db_session, customer, amount=Decimal("99.00"), status="open", paid_at=None)
    html = agent_client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "<html" in html and "Initech" in html and "crm_id" in html and "TPS report cover sheet" in html
    assert 'data-testid="revenue-mrr">$250.00<' in html and 'data-testid="revenue-lifetime">$550.00<' in html
    assert 'data-testid="pay-invoice"' not in html  # agents read invoices only
    assert 'data-testid="edit-customer"' not in html and 'data-testid="suspend-customer"' not in html


def _days_ago(days: int) -> object:
    from datetime import timedelta

    from app.models.base import utcnow

    return utcnow() - timedelta(days=days)


def test_htmx_profile_gets_only_the_profile_block(viewer_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session)
    resp = viewer_client.get(f"/customers/{customer.id}", headers=HX)
    body = resp.get_data(as_text=True)
    assert "<html" not in body and 'id="profile"' in body and "HX-Request" in resp.headers["Vary"]


@pytest.mark.parametrize(
    "path", ["/customers/not-a-uuid", "/customers/00000000-0000-0000-0000-000000000000", "/customers/1%27"]
)
def test_unknown_or_malformed_ids_are_404(viewer_client: FlaskClient, path: str) -> None:
    assert viewer_client.get(path).status_code == 404


# ------------------------------------------------------------------ create / edit


def test_a_manager_creates_a_customer(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    manager = make_client("manager")
    assert manager.get("/customers/new").status_code == 200
    form = {
        "company_name": "Hooli",
        "contact_name": "Gavin",
        "contact_email": "gavin@hooli.example",
        "subscription_tier": "enterprise",
    }
    resp = manager.post("/customers/new", data=form)
    assert resp.status_code == 303, resp.get_data(as_text=True)[-3000:]
    customer = db_session.scalar(select(Customer).where(Customer.company_name == "Hooli"))
    assert customer is not None and resp.headers["Location"].endswith(f"/customers/{customer.id}")
    assert (
        db_session.scalar(select(AuditRecord).where(AuditRecord.target_id == str(customer.id))).action
        == "customer.created"
    )


def test_bad_create_input_is_422_with_field_errors(admin_client: FlaskClient, db_session: Session) -> None:
    form = {"company_name": "", "contact_email": "not-an-email", "subscription_tier": "gold"}
    resp = admin_client.post("/customers/new", data=form)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "is-invalid" in html and 'value="not-an-email"' in html
    assert db_session.scalar(select(Customer).where(Customer.contact_email == "not-an-email")) is None


def test_edit_saves_and_records_the_tier_change(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    manager = make_client("manager")
    customer = make_customer(db_session, subscription_tier="starter")
    html = manager.get(f"/customers/{customer.id}/edit").get_data(as_text=True)
    form = {
        "company_name": "Renamed Co",
        "contact_name": "X",
        "contact_email": customer.contact_email,
        "subscription_tier": "enterprise",
        "version": _version(html),
    }
    assert manager.post(f"/customers/{customer.id}/edit", data=form).status_code == 303
    db_session.refresh(customer)
    assert customer.company_name == "Renamed Co" and customer.subscription_tier == "enterprise"
    actions = set(db_session.scalars(select(AuditRecord.action).where(AuditRecord.target_id == str(customer.id))))
    assert {"customer.updated", "customer.tier_changed"} <= actions


def test_a_stale_edit_is_refused_with_409(admin_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session, company_name="Original")
    stale = _version(admin_client.get(f"/customers/{customer.id}/edit").get_data(as_text=True))
    fresh = {
        "company_name": "First",
        "contact_email": customer.contact_email,
        "subscription_tier": "free",
        "version": stale,
    }
    assert admin_client.post(f"/customers/{customer.id}/edit", data=fresh).status_code == 303
    second = {**fresh, "company_name": "Second"}
    resp = admin_client.post(f"/customers/{customer.id}/edit", data=second)
    assert resp.status_code == 409 and 'data-testid="conflict-message"' in resp.get_data(as_text=True)
    db_session.refresh(customer)
    assert customer.company_name == "First"


def test_a_malformed_version_is_a_conflict_not_a_500(admin_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session)
    form = {"company_name": "Y", "contact_email": customer.contact_email, "subscription_tier": "free", "version": "x"}
    assert admin_client.post(f"/customers/{customer.id}/edit", data=form).status_code == 409


# ------------------------------------------------------------------ suspend / reactivate


def test_suspend_and_reactivate(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    manager = make_client("manager")
    customer = make_customer(db_session)
    resp = manager.post(f"/customers/{customer.id}/suspend", headers=HX)
    assert (
        resp.status_code == 200 and "suspended" in resp.get_data(as_text=True) and "toast" in resp.headers["HX-Trigger"]
    )
    assert manager.post(f"/customers/{customer.id}/suspend").status_code == 409
    assert manager.post(f"/customers/{customer.id}/reactivate").status_code == 303
    db_session.refresh(customer)
    assert customer.status == "active"


# ------------------------------------------------------------------ metadata


def test_metadata_is_saved_as_key_value_pairs(admin_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session)
    form = {"version": str(customer.version), "meta_key": ["plan.code", "region", ""], "meta_value": ["P-1", "eu", ""]}
    resp = admin_client.post(f"/customers/{customer.id}/metadata", data=form, headers=HX)
    assert resp.status_code == 200 and "<html" not in resp.get_data(as_text=True)
    db_session.refresh(customer)
    assert customer.metadata_ == {"plan.code": "P-1", "region": "eu"}


@pytest.mark.parametrize(
    ("keys", "values", "message"),
    [
        (["bad key!"], ["v"], "Keys are 1–64"),
        (["k" * 65], ["v"], "Keys are 1–64"),
        (["a", "a"], ["1", "2"], "appears twice"),
        (["long"], ["v" * 501], "at most 500"),
        ([f"k{i}" for i in range(51)], ["v"] * 51, "At most 50 pairs"),
    ],
)
def test_bad_metadata_is_422_with_field_errors(
    admin_client: FlaskClient, db_session: Session, keys: list[str], values: list[str], message: str
) -> None:
    customer = make_customer(db_session, metadata_={"keep": "me"})
    form = {"version": str(customer.version), "meta_key": keys, "meta_value": values}
    resp = admin_client.post(f"/customers/{customer.id}/metadata", data=form, headers=HX)
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    db_session.refresh(customer)
    assert customer.metadata_ == {"keep": "me"}


def test_stale_metadata_is_409(admin_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session)
    db_session.commit()  # the refused change rolls back only its own transaction
    form = {"version": str(customer.version + 7), "meta_key": ["a"], "meta_value": ["b"]}
    resp = admin_client.post(f"/customers/{customer.id}/metadata", data=form, headers=HX)
    assert resp.status_code == 409 and "Someone else changed" in resp.get_data(as_text=True)


def test_add_row_returns_one_blank_row(admin_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session)
    body = admin_client.get(f"/customers/{customer.id}/metadata/row", headers=HX).get_data(as_text=True)
    assert body.count('name="meta_key"') == 1 and "<html" not in body
    assert admin_client.get(f"/customers/{customer.id}/metadata/row").status_code == 303


# ------------------------------------------------------------------ invoices


def test_a_manager_marks_an_invoice_paid(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    manager = make_client("manager")
    customer = make_customer(db_session)
    invoice = make_invoice(db_session, customer, amount=Decimal("75.00"), status="open", paid_at=None)
    resp = manager.post(f"/invoices/{invoice.id}/pay", headers=HX)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'data-testid="revenue-lifetime">$75.00<' in body
    db_session.refresh(invoice)
    assert invoice.status == "paid" and invoice.paid_at is not None
    assert manager.post(f"/invoices/{invoice.id}/pay").status_code == 409
    assert manager.post("/invoices/00000000-0000-0000-0000-000000000000/pay").status_code == 404


# ------------------------------------------------------------------ permission matrix

CHANGES = [
    ("get", "/customers/new"),
    ("post", "/customers/new"),
    ("get", "/customers/{id}/edit"),
    ("post", "/customers/{id}/edit"),
    ("post", "/customers/{id}/suspend"),
    ("post", "/customers/{id}/reactivate"),
    ("post", "/customers/{id}/metadata"),
    ("get", "/customers/{id}/metadata/row"),
    ("post", "/invoices/{inv}/pay"),
]


@pytest.mark.parametrize("role", ["viewer", "agent"])
@pytest.mark.parametrize(("method", "path"), CHANGES)
def test_viewers_and_agents_cannot_change_anything(
    make_client: Callable[..., FlaskClient], db_session: Session, role: str, method: str, path: str
) -> None:
    customer = make_customer(db_session)
    invoice = make_invoice(db_session, customer, status="open", paid_at=None)
    client = make_client(role)
    resp = getattr(client, method)(path.format(id=customer.id, inv=invoice.id))
    assert resp.status_code == 403
    db_session.refresh(invoice)
    assert invoice.status == "open"


@pytest.mark.parametrize("role", ["viewer", "agent", "manager", "admin"])
def test_every_role_reads_customers(make_client: Callable[..., FlaskClient], db_session: Session, role: str) -> None:
    customer = make_customer(db_session)
    client = make_client(role)
    assert client.get("/customers").status_code == 200
    assert client.get(f"/customers/{customer.id}").status_code == 200


def test_anonymous_users_are_sent_to_login(client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session)
    for path in ("/customers", f"/customers/{customer.id}", "/customers/new"):
        resp = client.get(path)
        assert resp.status_code in (302, 303) and "/login" in resp.headers["Location"]


def test_a_post_without_csrf_is_refused(admin_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session)
    assert admin_client.post(f"/customers/{customer.id}/suspend", csrf=False).status_code == 400
    db_session.refresh(customer)
    assert customer.status == "active"


def test_beyond_the_count_cap_it_shows_the_planner_estimate(
    viewer_client: FlaskClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.services import listing

    monkeypatch.setattr(listing, "COUNT_CAP", 2)
    for i in range(4):
        make_customer(db_session, company_name=f"O'Brien & Sons {i}")
    resp = viewer_client.get("/customers?q=o%27brien&tier=professional")
    assert resp.status_code == 200 and "O&#39;Brien &amp; Sons 0" in resp.get_data(as_text=True)
    assert 'data-testid="list-count"' in resp.get_data(as_text=True)


def test_a_scoped_grant_sees_only_its_customer(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    from app.models import Role

    mine, other = (
        make_customer(db_session, company_name="Mine Ltd"),
        make_customer(db_session, company_name="Other Ltd"),
    )
    db_session.add(Role(name="scoped", description="one customer", permissions=[f"customers:read:{mine.id}"]))
    db_session.flush()
    client = make_client("scoped")
    html = client.get("/customers").get_data(as_text=True)
    assert "Mine Ltd" in html and "Other Ltd" not in html
    assert client.get(f"/customers/{mine.id}").status_code == 200
    assert client.get(f"/customers/{other.id}").status_code == 404
