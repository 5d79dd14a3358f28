"""The production-like stack on 127.0.0.1, every part a real process the faults can kill.

PostgreSQL and Redis are private servers started here (on free ports, data under one temporary
directory), so killing or restarting them disturbs nobody else on the machine.
"""

from __future__ import annotations

import email
import email.policy
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("SOAK_PG_BIN", "/usr/lib/postgresql/15/bin"))
PASSWORD = "soak traffic drives every page 2026"  # noqa: S105 - the private soak stack's staff
DB = "backoffice"
OWNER, APP_ROLE = "backoffice_owner", "backoffice_app"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001, S110 - not up yet
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{what} not ready after {timeout}s")


class Postgres:
    """A private PostgreSQL 15 cluster run as the postgres OS user (initdb refuses root)."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "pg"
        self.data = self.dir / "data"
        self.port = free_port()
        self.log = root / "logs" / "postgres.log"

    def _as_postgres(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)

    def init(self) -> None:
        self.dir.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            shutil.chown(self.log.parent, "postgres", "postgres")
        subprocess.run(self._as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                                         "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"),
                       check=True, stdout=subprocess.DEVNULL)
        conf = (f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.dir}'\n"
                "max_connections = 200\nshared_buffers = 128MB\nlog_min_messages = warning\n")
        with (self.data / "postgresql.conf").open("a") as f:
            f.write(conf)

    def start(self) -> None:
        subprocess.run(self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                                         "-w", "-t", "60", "start"), check=True, stdout=subprocess.DEVNULL)

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(self._as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"),
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def url(self, user: str = "postgres", db: str = DB) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{db}"

    def connect(self, db: str = DB) -> psycopg.Connection[Any]:
        """A superuser connection (the faults' and the ledger's)."""
        return psycopg.connect(self.url("postgres", db), autocommit=True, connect_timeout=5)

    def create_roles(self) -> None:
        with self.connect("postgres") as conn:
            conn.execute(f"CREATE ROLE {OWNER} LOGIN")
            conn.execute(f"CREATE ROLE {APP_ROLE} LOGIN")
            conn.execute(f"CREATE DATABASE {DB} OWNER {OWNER}")
        with self.connect() as conn:
            conn.execute(f"ALTER SCHEMA public OWNER TO {OWNER}")
            conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
            conn.execute(f"REVOKE ALL ON DATABASE {DB} FROM PUBLIC")
            conn.execute(f"GRANT CONNECT ON DATABASE {DB} TO {APP_ROLE}")


class RedisServer:
    """redis-server as production runs it: password, AOF every second, noeviction, loopback only."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "redis"
        self.port = free_port()
        self.password = secrets.token_hex(16)
        self.log = root / "logs" / "redis.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
             "--requirepass", self.password, "--appendonly", "yes", "--appendfsync", "everysec",
             "--maxmemory-policy", "noeviction", "--save", "", "--logfile", str(self.log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: self.client().ping(), 30, "redis")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=30)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, password=self.password, socket_timeout=5, socket_connect_timeout=2)

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"


@dataclass
class Mail:
    at: float
    to: str
    subject: str
    message_id: str
    text: str


class Sink:
    """A real SMTP server (aiosmtpd) that keeps every message it accepts."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[Mail] = []
        self._lock = threading.Lock()
        self._controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        body = msg.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        with self._lock:
            self.messages.append(Mail(time.time(), ",".join(envelope.rcpt_tos), str(msg["Subject"] or ""),
                                      str(msg["Message-ID"] or ""), text))
        return "250 OK"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def snapshot(self) -> list[Mail]:
        with self._lock:
            return list(self.messages)


@dataclass
class Stack:
    root: Path
    pg: Postgres
    redis: RedisServer
    sink: Sink
    web_port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    restarts: dict[str, int] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def env(self, db_user: str = APP_ROLE) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("PROMETHEUS_", "GUNICORN_", "SOAK_"))}
        return {
            **keep,
            "BACKOFFICE_ENV": "production",
            "SECRET_KEY": "soak-only-secret-key-" + "s" * 40,
            "DATABASE_URL": self.pg.url(db_user),
            "REDIS_URL": self.redis.url,
            "SMTP_URL": f"smtp://127.0.0.1:{self.sink.port}",
            "PUBLIC_URL": self.base,
            "AUDIT_ANCHOR_FILE": str(self.root / "audit-anchors.log"),
            "LOG_LEVEL": "WARNING",
            "GUNICORN_BIND": f"127.0.0.1:{self.web_port}",
            "PROMETHEUS_MULTIPROC_DIR": str(self.root / "metrics"),
            "PYTHONUNBUFFERED": "1",
        }

    def flask(self, *args: str, owner: bool = True, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                              env=self.env(OWNER if owner else APP_ROLE), capture_output=True, text=True,
                              check=check)

    def _spawn(self, name: str, args: list[str], **extra: str) -> None:
        log = (self.root / "logs" / f"{name}.log").open("ab")
        # Its own process group: SIGKILL to the group takes a worker together with its work horse.
        self.procs[name] = subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**self.env(), **extra},
                                            stdout=log, stderr=log, start_new_session=True)

    def start_web(self) -> None:
        self._spawn("web", ["-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "wsgi:app"])
        import requests

        wait_until(lambda: requests.get(self.base + "/health", timeout=2).ok, 60, "gunicorn")

    def start_worker(self, name: str) -> None:
        self.restarts[name] = self.restarts.get(name, -1) + 1
        self._spawn(name, ["-m", "workers"], LOG_LEVEL="INFO")  # "job started" lines name what a kill hit

    def start_scheduler(self) -> None:
        self._spawn("scheduler", ["-m", "workers.schedule"])

    def kill_group(self, name: str) -> None:
        proc = self.procs[name]
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)

    def web_workers(self) -> list[int]:
        """The gunicorn master's worker processes."""
        master = self.procs["web"].pid
        out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for proc in self.procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.sink.stop()
        self.redis.stop()
        self.pg.stop()


def build(root: Path, people: list[str], tickets: int, customers: int) -> Stack:
    """Start everything, migrate, grant, seed, create the staff; returns the running stack."""
    (root / "logs").mkdir(parents=True)
    (root / "metrics").mkdir()
    pg, rds, sink = Postgres(root), RedisServer(root), Sink()
    stack = Stack(root, pg, rds, sink)
    try:
        _bring_up(stack, people, tickets, customers)
    except BaseException:
        stack.stop_all()  # the servers already started must not outlive a failed build
        raise
    return stack


def _bring_up(stack: Stack, people: list[str], tickets: int, customers: int) -> None:
    pg, sink = stack.pg, stack.sink
    pg.init()
    pg.start()
    pg.create_roles()
    stack.redis.start()
    sink.start()
    stack.flask("db", "upgrade")
    stack.flask("db-grant", APP_ROLE)
    stack.flask("ensure-roles")
    stack.flask("seed", "--users", "40", "--customers", str(customers), "--tickets", str(tickets))
    with pg.connect() as conn:
        # The seeded history's overdue tickets breached in that history, not at the first sweep of
        # the run: otherwise thousands of breach notifications and emails would be the load.
        conn.execute("UPDATE support_tickets SET sla_breached_at = resolution_due_at WHERE sla_breached_at IS NULL "
                     "AND resolution_due_at <= now() AND status IN ('open', 'pending', 'on_hold')")
    subprocess.run([sys.executable, "-m", "bench.soak.people", PASSWORD, *people], cwd=ROOT,
                   env=stack.env(OWNER), check=True, capture_output=True)
    stack.start_web()
    stack.start_worker("worker-1")
    stack.start_worker("worker-2")
    stack.start_scheduler()
