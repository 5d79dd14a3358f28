"""Full-text search behind a small protocol: PostgreSQL by default, Elasticsearch when configured."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import ColumnElement

from app.search.postgres import PostgresSearch


class SearchBackend(Protocol):
    name: str

    def ticket_condition(self, q: str) -> ColumnElement[bool]:
        """A WHERE condition matching tickets whose title or description match `q`."""
        ...


_backend = PostgresSearch()


def backend() -> SearchBackend:
    """The search backend. Only PostgreSQL full-text exists so far; an Elasticsearch backend would
    implement the same protocol and be chosen here when ELASTICSEARCH_URL is set."""
    return _backend


__all__ = ["PostgresSearch", "SearchBackend", "backend"]
