"""The API lists' `q`: any text up to 200 characters is a search (never an error), longer is refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_customer, make_ticket
from tests.integration.api.conftest import Auth, assert_envelope

UNREADABLE = ['"', '- OR "', "OR OR", "!&|:*()", "a:*", "#", "#" + "9" * 20, "\\%_", "'", "²", "x" * 200]


@pytest.mark.parametrize("path", ["/api/v1/support/tickets", "/api/v1/customers", "/api/v1/users"])
def test_a_query_the_parser_cannot_read_is_a_search(api: FlaskClient, make_token: Callable[..., Auth],
                                                    db_session: Session, path: str) -> None:
    customer = make_customer(db_session, company_name="Kestrel Freight")
    make_ticket(db_session, customer_id=customer.id, title="Kestrel freight delayed")
    headers = make_token("admin").headers
    for q in UNREADABLE:
        resp = api.get(path, query_string={"q": q}, headers=headers)
        assert resp.status_code == 200 and isinstance(resp.get_json()["data"], list), (q, resp.get_data(as_text=True))
    assert_envelope(api.get(path, query_string={"q": "x" * 201}, headers=headers), 422)
