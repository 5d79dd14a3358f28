"""PostgreSQL full-text search over the generated, GIN-indexed search_vector column."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func

from app.models import Ticket


class PostgresSearch:
    name = "postgres"

    def ticket_condition(self, q: str) -> ColumnElement[bool]:
        # websearch_to_tsquery never raises on user input ("a OR -b", quotes, stray symbols).
        return Ticket.search_vector.op("@@")(func.websearch_to_tsquery("english", q))
