"""Inputs that once reached date or integer overflow: each gets a note, never a 500."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize(
    "path",
    [
        "/audit?before=%C2%B2",  # "²": str.isdigit() says yes, int() says no
        "/audit?before=" + "9" * 5000,
        "/audit?date_to=9999-12-31",
        "/audit?date_from=0001-01-01",
        "/tickets?created_to=9999-12-31",
        "/?range=custom&from=0001-01-01&to=0001-01-10",
        "/dashboard/widgets/cards?range=custom&from=0001-01-01&to=0001-01-10",
        "/reports?range=custom&from=9999-12-01&to=9999-12-31",
    ],
)
def test_extreme_values_get_a_note_not_a_500(admin_client: FlaskClient, path: str) -> None:
    resp = admin_client.get(path)
    assert resp.status_code == 200, resp.status_code
    body = resp.get_data(as_text=True)
    assert "Ignored" in body or "showing the last 30 days" in body
