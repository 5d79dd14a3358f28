"""Who may read /metrics without a token: any loopback address (127.0.0.0/8, ::1), as seen on the
socket; nobody else, whatever X-Forwarded-For claims when no proxy is trusted."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "127.255.255.254", "::1"])
def test_loopback_addresses_are_served_without_a_token(client: FlaskClient, address: str) -> None:
    resp = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert resp.status_code == 200
    assert "backoffice_http_requests_total" in resp.get_data(as_text=True)


@pytest.mark.parametrize("address", ["10.1.2.3", "192.0.2.10", "128.0.0.1", "::ffff:10.0.0.1", "2001:db8::1"])
def test_other_addresses_are_refused_without_a_token(client: FlaskClient, address: str) -> None:
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": address}).status_code == 403


def test_a_forwarded_for_header_does_not_make_a_client_loopback(client: FlaskClient) -> None:
    resp = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}, headers={"X-Forwarded-For": "127.0.0.1"})
    assert resp.status_code == 403
