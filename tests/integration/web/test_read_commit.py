"""A request that only read ends its transaction with COMMIT, so its connection keeps the statements
psycopg prepared (a ROLLBACK makes psycopg forget and deallocate them); one that wrote and did not
commit is still rolled back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select, text

from app.extensions import db, db_session, only_read
from app.models import Role


@pytest.fixture()
def fresh_pool(app: Flask) -> Iterator[None]:
    with app.app_context():
        db.engine.dispose()  # one connection from here on, handed back and out again
    yield
    with app.app_context():
        db.session.remove()
        db_session().execute(text("DELETE FROM roles WHERE name = 'read-commit-probe'"))
        db_session().commit()
        db.session.remove()


def _backend(app: Flask) -> int:
    return int(db_session().execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_read_only_transaction_is_committed_and_keeps_prepared_statements(app: Flask, fresh_pool: None) -> None:
    stmt = select(Role.name).where(Role.name == "admin")
    with app.app_context():
        pid = _backend(app)
        for _ in range(6):  # psycopg prepares a statement at its fifth run
            db_session().execute(stmt).all()
        assert only_read(db_session())
    with app.app_context():
        assert _backend(app) == pid
        prepared = db_session().execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar_one()
        assert prepared >= 1


def test_a_transaction_that_wrote_is_rolled_back_at_the_end(app: Flask, fresh_pool: None) -> None:
    with app.app_context():
        db_session().execute(select(Role.id).limit(1)).all()
        assert only_read(db_session())
        db_session().execute(text("INSERT INTO roles (id, name, description, permissions) "
                                  "SELECT gen_random_uuid(), 'read-commit-probe', '', '{}'"))
        assert not only_read(db_session())
    with app.app_context():
        left = db_session().execute(text("SELECT count(*) FROM roles WHERE name = 'read-commit-probe'")).scalar_one()
        assert left == 0


def test_pending_changes_are_not_a_read(app: Flask, fresh_pool: None) -> None:
    with app.app_context():
        db_session().execute(select(Role.id).limit(1)).all()
        db_session().add(Role(name="read-commit-probe", description="", permissions=[]))
        assert not only_read(db_session())
    with app.app_context():
        left = db_session().execute(text("SELECT count(*) FROM roles WHERE name = 'read-commit-probe'")).scalar_one()
        assert left == 0
