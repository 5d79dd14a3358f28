"""Done-when 2: every route in the url map, for a cast of users, against the permission matrix.

The expected answer is computed, not listed: from the permission each route declares (`@require`,
`@operation(permission=…)`) and the grants of the cast member — scoped grants decide for the object
in the URL, and an action on another user also needs every grant that user holds. Allowed → 2xx/3xx
(GET pages on real objects; actions may also refuse their empty input with 400/409/422/428, never
401/403); not allowed → 403/404. No answer is ever a 5xx.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from app.auth.permissions import grants_within, has_any_scope, has_permission, user_grants
from app.models import Role, User
from app.services import auth
from tests.conftest import Client, sign_in
from tests.factories import make_customer, make_invoice, make_ticket, make_user

# The URL argument that names the object a permission of that area is about.
AREA_ARG = {"tickets": "ticket_id", "customers": "customer_id", "users": "user_id", "invoices": "invoice_id"}
# Arguments no fixture object stands for: an allowed GET may answer 404 for them.
UNFILLED = {"token", "export_id", "job_id", "notification_id", "run_id", "macro_id"}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Member:
    name: str
    user: User
    web: FlaskClient
    api: FlaskClient
    grants: frozenset[str] = field(default_factory=frozenset)


@dataclass
class World:
    objects: dict[str, list[str]]  # URL argument -> ids to try
    user_grants: dict[str, frozenset[str]]  # target user id -> their grants


def _world(session: Session) -> World:
    customer, other_customer = make_customer(session), make_customer(session)
    ticket = make_ticket(session, customer_id=customer.id)
    other_ticket = make_ticket(session, customer_id=customer.id)
    invoice = make_invoice(session, customer, status="open", paid_at=None)
    session.add(Role(name="matrix-empty", description="", permissions=[]))
    session.flush()
    strong = make_user(session, role_name="admin", email="matrix-strong@example.com")
    weak = make_user(session, role_name="matrix-empty", email="matrix-weak@example.com")
    spare_role = session.query(Role).filter_by(name="matrix-empty").one()
    return World(
        objects={
            "ticket_id": [str(ticket.id), str(other_ticket.id)],
            "customer_id": [str(customer.id), str(other_customer.id)],
            "user_id": [str(strong.id), str(weak.id)],
            "invoice_id": [str(invoice.id)],
            "role_id": [str(spare_role.id)],
            "name": ["recent"],
        },
        user_grants={str(strong.id): user_grants(strong), str(weak.id): user_grants(weak)},
    )


def _cast(app: Flask, session: Session, world: World) -> list[Member]:
    session.add(
        Role(
            name="user-desk",
            description="a custom role",
            permissions=["users:*", "dashboard:read", "notifications:read"],
        )
    )
    session.add(Role(name="matrix-scoped", description="", permissions=["notifications:read"]))
    session.flush()
    ticket, customer = world.objects["ticket_id"][0], world.objects["customer_id"][0]
    specs: list[tuple[str, str, list[str]]] = [
        ("admin", "admin", []),
        ("manager", "manager", []),
        ("agent", "agent", []),
        ("viewer", "viewer", []),
        ("custom role", "user-desk", []),
        (
            "scoped grants only",
            "matrix-scoped",
            [f"tickets:read:{ticket}", f"tickets:comment:{ticket}", f"customers:read:{customer}"],
        ),
    ]
    members = []
    for name, role, extra in specs:
        user = make_user(session, role_name=role, permissions=extra)
        app.test_client_class = Client
        web = sign_in(app.test_client(), user)
        api = FlaskClient(app, app.response_class, use_cookies=False)
        members.append(Member(name, user, web, api, user_grants(user)))
    return members


def _rules(app: Flask) -> list[tuple[Rule, str]]:
    """(rule, method) pairs; every GET before any change, so the objects exist while pages are read."""
    pairs = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            pairs.append((rule, method))
    return sorted(pairs, key=lambda p: p[1] in UNSAFE)


def _urls(rule: Rule, world: World) -> list[dict[str, str]]:
    values: list[dict[str, str]] = [{}]
    for arg in rule.arguments:
        options = world.objects.get(arg, [uuid.uuid4().hex])
        values = [{**v, arg: o} for v in values for o in options]
    return values


def expected_allowed(grants: frozenset[str], permission: str, values: dict[str, str], world: World) -> bool:
    if permission == "authenticated":
        return True
    area = permission.split(":", 1)[0]
    arg = AREA_ARG.get(area)
    if arg and arg in values:
        allowed = has_permission(grants, permission, values[arg])
    else:
        allowed = has_any_scope(grants, permission)
    target = values.get("user_id")
    if allowed and area == "users" and target and permission != "users:read":
        allowed = not grants_within(grants, world.user_grants[target])
    return allowed


def _send(app: Flask, member: Member, method: str, url: str) -> Any:
    from app.api.security import token_settings
    from app.extensions import db
    from app.services import tokens

    if url.startswith("/api/"):
        with app.test_request_context():
            token = tokens.issue_access(member.user, uuid.uuid4(), token_settings())
        body = {} if method in UNSAFE else None
        return member.api.open(url, method=method, json=body, headers={"Authorization": f"Bearer {token}"})
    # A fresh server-side session each time: a route that ends sessions must not spoil the next answer.
    with member.web.session_transaction() as sess:
        sess["_user_id"] = auth.start_session(db.session, member.user, "127.0.0.1", "matrix")
    resp = member.web.open(url, method=method)
    if url == "/logout":
        sign_in(member.web, member.user)  # logout clears the cookie session, CSRF secret included
    return resp


def test_every_route_answers_each_cast_member_as_their_grants_say(app: Flask, db_session: Session) -> None:
    world = _world(db_session)
    cast = _cast(app, db_session, world)
    mismatches: list[str] = []
    checked = {"allowed": 0, "denied": 0, "outranked": 0}
    for rule, method in _rules(app):
        permission = app.view_functions[rule.endpoint].required_permission
        if permission == "public":
            continue
        for values in _urls(rule, world):
            url = rule.build(values, append_unknown=False)[1]
            for member in cast:
                resp = _send(app, member, method, url)
                allowed = expected_allowed(member.grants, permission, values, world)
                status = resp.status_code
                if allowed:
                    if method in UNSAFE:
                        ok = status < 500 and status not in (401, 403)
                    elif set(rule.arguments) & UNFILLED:
                        ok = status < 400 or status == 404
                    else:  # 422: through the gate, then a required query parameter was missing
                        ok = status < 400 or status == 422
                    checked["allowed"] += 1
                else:
                    ok = status in (403, 404)
                    checked["denied"] += 1
                    if has_any_scope(member.grants, permission) and "user_id" in values:
                        checked["outranked"] += 1
                if not ok:
                    mismatches.append(
                        f"{member.name}: {method} {rule.rule} {values} -> {status} "
                        f"(expected {'allowed' if allowed else 'denied'}, needs {permission}) "
                        f"{resp.headers.get('Location', '')}"
                    )
    assert mismatches == [], "\n".join(mismatches)
    # The walk really covered both sides of the matrix, and actions on a stronger user.
    assert checked["allowed"] > 150 and checked["denied"] > 150 and checked["outranked"] >= 8, checked
