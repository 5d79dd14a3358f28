"""Related tickets and merging on the ticket page: the lazy block, relate, merge, the old link, permissions."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.factories import make_customer, make_outsider_role, make_ticket

HX = {"HX-Request": "true"}


def test_the_block_loads_lazily_and_relates_tickets(agent_client: FlaskClient, db_session: Session) -> None:
    a, b = make_ticket(db_session), make_ticket(db_session, title="The other one")
    page = agent_client.get(f"/tickets/{a.id}").get_data(as_text=True)
    assert f'hx-get="/tickets/{a.id}/links"' in page
    block = agent_client.get(f"/tickets/{a.id}/links", headers=HX)
    assert block.status_code == 200 and "<html" not in block.get_data(as_text=True)
    assert agent_client.get(f"/tickets/{a.id}/links").status_code == 302  # a fragment opened as a page
    resp = agent_client.post(f"/tickets/{a.id}/links", data={"other": f"#{b.number}", "action": "link"}, headers=HX)
    assert resp.status_code == 200 and "The other one" in resp.get_data(as_text=True)
    back = agent_client.get(f"/tickets/{b.id}/links", headers=HX).get_data(as_text=True)
    assert f"#{a.number}" in back
    bad = agent_client.post(f"/tickets/{a.id}/links", data={"other": "nope", "action": "link"}, headers=HX)
    assert bad.status_code == 422 and 'data-testid="links-error"' in bad.get_data(as_text=True)


def test_merging_redirects_and_the_old_page_follows(agent_client: FlaskClient, db_session: Session) -> None:
    customer = make_customer(db_session)
    a, b = make_ticket(db_session, customer_id=customer.id), make_ticket(db_session, customer_id=customer.id)
    resp = agent_client.post(f"/tickets/{b.id}/merge", data={"into": str(a.number)}, headers=HX)
    assert resp.status_code == 204 and resp.headers["HX-Redirect"] == f"/tickets/{a.id}"
    old = agent_client.get(f"/tickets/{b.id}")
    assert old.status_code == 302 and old.headers["Location"].endswith(f"/tickets/{a.id}")
    refused = agent_client.post(f"/tickets/{b.id}/merge", data={"into": str(a.number)}, headers=HX)
    assert refused.status_code == 422


def test_the_permission_cast(make_client: Callable[..., FlaskClient], db_session: Session) -> None:
    make_outsider_role(db_session)
    customer = make_customer(db_session)
    a, b = make_ticket(db_session, customer_id=customer.id), make_ticket(db_session, customer_id=customer.id)
    viewer = make_client("viewer")
    assert viewer.get(f"/tickets/{a.id}/links", headers=HX).status_code == 200
    assert 'data-testid="merge-submit"' not in viewer.get(f"/tickets/{a.id}/links", headers=HX).get_data(as_text=True)
    assert viewer.post(f"/tickets/{b.id}/merge", data={"into": str(a.number)}).status_code == 403
    assert viewer.post(f"/tickets/{a.id}/links", data={"other": str(b.number)}).status_code == 403
    nobody = make_client("nobody")
    assert nobody.get(f"/tickets/{a.id}/links", headers=HX).status_code == 403
    db_session.refresh(b)
    assert b.merged_into_id is None
