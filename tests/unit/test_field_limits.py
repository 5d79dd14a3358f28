"""Field limits are constants of the service (or model); forms and API schemas are built from them."""

from __future__ import annotations

import ast

from tests.unit.source import ROOT, modules

# Bounds of the edge itself, with no rule in a service behind them: a sign-in's fields, a cursor, a
# refresh token, a grant's length and how many one request may list; the API's shortest contact address
# (a documented bound beside the service's address pattern).
EDGE_ONLY = {
    ("app/api/customers.py", 3),
    ("app/api/schemas.py", 254), ("app/api/schemas.py", 1024), ("app/api/schemas.py", 32),
    ("app/api/schemas.py", 200), ("app/api/schemas.py", 2000),
    ("app/api/users.py", 100), ("app/api/users.py", 50),
    ("app/web/auth/forms.py", 254), ("app/web/auth/forms.py", 1024),
}


def _literal_limits() -> set[tuple[str, int]]:
    found = set()
    for path, tree in modules("app/api", "app/web"):
        rel = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg in ("max_length", "min_length", "max", "min") \
                    and isinstance(node.value, ast.Constant) and isinstance(node.value.value, int) \
                    and node.value.value > 1:
                found.add((rel, node.value.value))
    return found


def test_forms_and_schemas_restate_no_service_limit() -> None:
    assert _literal_limits() - EDGE_ONLY == set()


def test_the_schemas_carry_the_service_limits() -> None:
    from app.api.customers import CustomerCreate
    from app.api.tickets import TicketCreate
    from app.services import customers, tickets

    company = CustomerCreate.model_json_schema()["properties"]["company_name"]
    assert company["maxLength"] == customers.COMPANY_NAME_MAX
    props = TicketCreate.model_json_schema()["properties"]
    assert props["title"]["maxLength"] == tickets.TITLE_MAX
    assert props["description"]["maxLength"] == tickets.BODY_MAX
    assert props["tags"]["maxItems"] == tickets.MAX_TAGS
