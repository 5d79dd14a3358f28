"""The Backoffice application factory."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from flask import Flask, request
from flask_login import current_user
from redis import Redis
from werkzeug.middleware.proxy_fix import ProxyFix

from app import observability, security_headers, static_assets
from app.config import ROOT, Config
from app.extensions import (
    check_connections_at_checkout,
    csrf,
    db,
    db_session,
    limiter,
    login_manager,
    migrate,
    only_read,
    track_writes,
)
from app.services import jobs


def create_app(config: Config | dict[str, Any] | None = None) -> Flask:
    cfg = config if isinstance(config, Config) else Config.from_env()
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_mapping(cfg.as_mapping())
    if isinstance(config, dict):
        app.config.update(config)
    _ensure_services(app)
    observability.configure_logging(app.config["LOG_LEVEL"])

    if app.config["TRUSTED_PROXIES"]:
        # Flask's documented way to add WSGI middleware; mypy sees an assignment to a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=1, x_host=1
        )

    app.extensions["redis"] = Redis.from_url(app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2)
    jobs.init(app.extensions["redis"])
    app.config.setdefault("RATELIMIT_STORAGE_URI", _limiter_uri(app.config["REDIS_URL"]))

    db.init_app(app)
    with app.app_context():
        check_connections_at_checkout(db.engine, app.config["DB_PING_IDLE_SECONDS"])
        track_writes(db.engine)
    # Runs before Flask-SQLAlchemy's own teardown (teardowns run last-registered first).
    app.teardown_appcontext(_release_dead_connection)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    _init_login(app)
    _init_security_headers(app)
    observability.init_app(app)
    static_assets.init_app(app)

    from app import api, boundary, cli
    from app.services import handlers
    from app.web import error_response, register_web

    # The HTML area and the JSON API side by side; neither imports the other's registration.
    register_web(app)
    api.register(app)
    boundary.init_app(app, error_response)
    cli.register(app)
    handlers.register_all()
    return app


def _ensure_services(app: Flask) -> None:
    """Development only: start the embedded PostgreSQL/Redis when no URL is configured."""
    if app.config["SQLALCHEMY_DATABASE_URI"] and app.config["REDIS_URL"]:
        return
    if app.config["ENV"] == "production":
        raise RuntimeError("DATABASE_URL and REDIS_URL are required in production")
    from app import embedded

    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        url, handle = embedded.start_postgres()
        app.config["SQLALCHEMY_DATABASE_URI"] = url
        app.extensions["embedded_postgres"] = handle
        os.environ.setdefault("DATABASE_URL", url)
    if not app.config["REDIS_URL"]:
        url, handle = embedded.start_redis()
        app.config["REDIS_URL"] = url
        app.extensions["embedded_redis"] = handle
        os.environ.setdefault("REDIS_URL", url)


def _limiter_uri(redis_url: str) -> str:
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://") :]
    return redis_url


def _init_login(app: Flask) -> None:
    from app.services import auth

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are server-side; see auth.load_session
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    lifetime = timedelta(hours=app.config["SESSION_MAX_HOURS"])

    @login_manager.user_loader
    def _load(token: str) -> Any:
        return auth.load_session(db_session(), token, idle, lifetime)


def _init_security_headers(app: Flask) -> None:
    security_headers.init_app(app)

    @app.after_request
    def _no_store(resp: Any) -> Any:
        if request.endpoint != "static" and current_user and current_user.is_authenticated:
            resp.headers["Cache-Control"] = "no-store"
        return resp


def _release_dead_connection(exc: BaseException | None) -> None:
    """End the request's session even when its connection died under it (PostgreSQL restarted or
    the backend terminated): the ROLLBACK of a dead connection raises, and from a teardown that
    would be a 500 after the response was decided. The connection is invalidated instead.

    A request that only read commits its transaction rather than rolling it back, so the connection
    keeps its prepared statements (see extensions.track_writes); anything else is rolled back."""
    from sqlalchemy.exc import DBAPIError

    try:
        if exc is None and db.session.registry.has() and only_read(db_session()):
            db_session().commit()
        db.session.remove()
    except DBAPIError:
        db_session().invalidate()
        db.session.remove()
