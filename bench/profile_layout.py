"""The signed-in layout's own CPU: `GET /` (the dashboard shell) and a template-less signed-in view.

Runs the app in process against the bench database with production settings (bench/env.sh):

    source bench/env.sh; bench_env
    .venv/bin/python -m bench.profile_layout [-n 1000] [--warmup 200] [--profile]

For each case it prints the process CPU per request (median and p90, from time.process_time), the
SQL statements, PostgreSQL round trips (statements, BEGIN, COMMIT, ROLLBACK) and Redis commands per
request, both through Flask's test client and through a raw
WSGI call with a prepared environ (closer to what gunicorn does). With --profile, a cProfile top-25
(cumulative and by own time) of the raw WSGI path for each case.

It signs a staff member in (--email) the way the login view ends (finish_login: a server-side session,
one row in user_sessions, revoked again at the end). No Accept-Encoding is sent, as wrk sends none.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# A manager: the full dashboard and nearly every sidebar entry, and no two-factor step (the bench
# admin's enrolment is changed by the HTTP bench's sign-in; pass --email to measure it when enrolled).
EMAIL = "adam.vaughan.198@staff.example"
PLAIN = "/_bench/plain"


class Counters:
    sql = 0
    pg = 0  # round trips to PostgreSQL: statements, and BEGIN / COMMIT / ROLLBACK
    redis = 0


def _count_sql(app: Any) -> None:
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _sql(*_: Any) -> None:
        Counters.sql += 1

    from psycopg import Connection, Cursor

    def counted(fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            Counters.pg += 1
            return fn(*args, **kwargs)
        return wrapper

    # Every statement goes through a cursor; BEGIN, COMMIT and ROLLBACK through _exec_command.
    Cursor.execute = counted(Cursor.execute)  # type: ignore[method-assign]
    Connection._exec_command = counted(Connection._exec_command)  # type: ignore[method-assign]  # noqa: SLF001


def _count_redis() -> None:
    from redis.client import Pipeline, Redis

    plain = Redis.execute_command
    piped = Pipeline.execute

    def execute_command(self: Any, *args: Any, **kwargs: Any) -> Any:
        Counters.redis += 1
        return plain(self, *args, **kwargs)

    def execute(self: Any, *args: Any, **kwargs: Any) -> Any:
        Counters.redis += 1
        return piped(self, *args, **kwargs)

    Pipeline.execute = execute  # type: ignore[method-assign]
    Redis.execute_command = execute_command  # type: ignore[method-assign]


def _app() -> Any:
    from flask import Flask

    from app import create_app
    from app.auth.permissions import login_only

    app: Flask = create_app()

    @login_only
    def plain() -> str:
        return "ok"

    app.add_url_rule(PLAIN, "bench_plain", plain)
    return app


def _sign_in(app: Any, email: str = EMAIL) -> tuple[str, str]:
    """Sign in as the login view does (auth.views.finish_login, after the password and any second
    factor): the server-side session's token and the session cookie that answer would set."""
    from flask import session
    from sqlalchemy import select

    from app.extensions import db_session
    from app.models import User
    from app.web.auth.views import finish_login

    with app.test_request_context("/login", method="POST", base_url="https://localhost"):
        user = db_session().scalar(select(User).where(User.email == email))
        if user is None:
            raise SystemExit(f"no user {email} in the bench database (bench/setup.sh makes it)")
        finish_login(user, None)
        token = user.current_session_id or ""
        value = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    return token, f"{app.config['SESSION_COOKIE_NAME']}={value}"


def _sign_out(app: Any, token: str) -> None:
    from app.extensions import db_session
    from app.services import auth

    with app.app_context():
        auth.end_session(db_session(), token)


def _environ(app: Any, path: str, cookie: str) -> dict[str, Any]:
    from werkzeug.test import EnvironBuilder

    headers: dict[str, str] = {
        "Cookie": cookie, "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) profile_layout",
        "Accept": "text/html,application/xhtml+xml"}  # no Accept-Encoding, like wrk
    builder = EnvironBuilder(path=path, base_url="https://localhost", headers=list(headers.items()))
    try:
        return builder.get_environ()
    finally:
        builder.close()


def _wsgi_call(app: Any, environ: dict[str, Any]) -> Callable[[], int]:
    def call() -> int:
        status: list[str] = []

        def start_response(s: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(s)
            return lambda _b: None

        env = dict(environ)
        env["wsgi.input"] = io.BytesIO(b"")
        body = app.wsgi_app(env, start_response)
        try:
            for _ in body:
                pass
        finally:
            close = getattr(body, "close", None)
            if close:
                close()
        return int(status[0].split()[0])

    return call


def _client_call(app: Any, path: str, cookie: str) -> Callable[[], int]:
    client = app.test_client()
    name, value = cookie.split("=", 1)
    client.set_cookie(name, value, domain="localhost", secure=True)

    def call() -> int:
        resp = client.get(path, base_url="https://localhost")
        resp.close()
        return resp.status_code

    return call


def _bare_flask_call() -> Callable[[], int]:
    """A bare Flask app answering "ok": the floor, to tell this box's load from the layout's cost."""
    from flask import Flask

    bare = Flask("bare")
    bare.add_url_rule("/", "index", lambda: "ok")
    return _wsgi_call(bare, _environ(bare, "/", ""))


def _measure(call: Callable[[], int], n: int, warmup: int) -> dict[str, float]:
    for _ in range(warmup):
        status = call()
        if status != 200:
            raise SystemExit(f"expected 200, got {status}")
    times = []
    sql0, pg0, redis0 = Counters.sql, Counters.pg, Counters.redis
    for _ in range(n):
        start = time.process_time()
        call()
        times.append(time.process_time() - start)
    times.sort()
    return {"median_ms": statistics.median(times) * 1000, "p90_ms": times[int(len(times) * 0.9)] * 1000,
            "sql": (Counters.sql - sql0) / n, "pg": (Counters.pg - pg0) / n, "redis": (Counters.redis - redis0) / n}


def _profile(call: Callable[[], int], n: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        call()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(25)
    stats.sort_stats("tottime").print_stats(25)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="measured requests per case")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--email", default=EMAIL, help="the staff member to sign in as")
    parser.add_argument("--profile", action="store_true", help="print a cProfile top-25 per case")
    args = parser.parse_args()
    if os.environ.get("BACKOFFICE_ENV") != "production":
        raise SystemExit("run with bench settings: source bench/env.sh; bench_env")

    app = _app()
    _count_sql(app)
    _count_redis()
    token, cookie = _sign_in(app, args.email)
    try:
        r = _measure(_bare_flask_call(), args.n, args.warmup)
        print(f"{'bare Flask view (the floor)':32} {'raw WSGI':12} median {r['median_ms']:6.3f} ms  "
              f"p90 {r['p90_ms']:6.3f} ms")
        for label, path in (("GET / (dashboard shell)", "/"), ("template-less signed-in view", PLAIN)):
            for how, call in (("raw WSGI", _wsgi_call(app, _environ(app, path, cookie))),
                              ("test client", _client_call(app, path, cookie))):
                r = _measure(call, args.n, args.warmup)
                print(f"{label:32} {how:12} median {r['median_ms']:6.3f} ms  p90 {r['p90_ms']:6.3f} ms  "
                      f"SQL via SQLAlchemy/req {r['sql']:.2f}  PG round trips/req {r['pg']:.2f}  "
                      f"Redis/req {r['redis']:.3f}")
            if args.profile:
                print(f"--- cProfile, {label}, raw WSGI, {args.n} requests ---")
                print(_profile(_wsgi_call(app, _environ(app, path, cookie)), args.n))
    finally:
        _sign_out(app, token)


if __name__ == "__main__":
    main()
