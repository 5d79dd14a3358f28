"""Flask extensions, created once and bound in create_app()."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session

from app.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(
    key_func=get_remote_address,
    default_limits=[],
    # If Redis is unreachable the limiter keeps counting in process memory: never unlimited.
    in_memory_fallback_enabled=True,
    swallow_errors=True,
    strategy="moving-window",
)


def db_session() -> Session:
    """The session of the current application context.

    ``db.session`` is Flask-SQLAlchemy's ``scoped_session`` proxy, which is not a ``Session`` to the
    type checker; calling it returns the context's real session, the same object the proxy forwards
    to. Services take a ``Session``: pass them ``db_session()``.
    """
    return db.session()
