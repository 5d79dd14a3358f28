"""Every cell of the ticket export goes through the one CSV writer (not just the title)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.services import tickets_export
from app.services.tickets_query import TicketFilter
from tests.factories import make_customer, make_ticket, make_user


@pytest.fixture()
def export_dir(app: Flask, tmp_path: Any) -> Any:
    old = app.config.get("EXPORT_FOLDER")
    app.config["EXPORT_FOLDER"] = str(tmp_path)
    yield tmp_path
    app.config["EXPORT_FOLDER"] = old


def test_customer_and_assignee_formulas_are_neutralised_in_the_ticket_export(
    db_session: Session, export_dir: Any
) -> None:
    customer = make_customer(db_session, company_name='=HYPERLINK("http://evil.example","Click")')
    assignee = make_user(db_session, name="@SUM(1+1)*cmd|' /C calc'!A0")
    make_ticket(db_session, customer_id=customer.id, assignee_id=assignee.id, title="+plus title", tags=["-minus"])
    total = tickets_export.write_csv(db_session, "b" * 32, TicketFilter(), lambda _n: None)
    assert total == 1
    data = b"".join(bytes(d) for (d,) in db_session.execute(
        text("SELECT data FROM export_parts WHERE export_id = :e ORDER BY seq"), {"e": "b" * 32}))
    rows = list(csv.reader(io.StringIO(data.decode())))
    header, row = rows[0], rows[1]
    cells = dict(zip(header, row, strict=True))
    assert cells["customer"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert cells["assignee"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert cells["title"] == "'+plus title"
    assert cells["tags"] == "'-minus"
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in row)
