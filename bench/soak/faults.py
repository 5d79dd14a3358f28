"""The injected faults (D9-D13) on a timeline scaled to the run, each with its declared outage
window and the time it took to heal; and the supervisor that restarts a dead process, as
Compose or Kubernetes would."""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import psycopg
import requests
from rq import Worker

from bench.soak.stack import APP_ROLE, Stack
from bench.soak.traffic import ApiClient, Recorder

HEAL_LIMIT = 900.0
WEB_GRACE = 15.0  # D10/D11: full recovery within 15 s of the store's return


@dataclass
class Fault:
    name: str
    design: str
    start: float  # seconds since the run started
    restored: float | None = None  # the store or process is back
    window: tuple[float, float] | None = None  # declared outage: 5xx allowed inside
    healed: float | None = None  # /ready answers and every event emitted until `restored` is processed
    detail: dict[str, Any] = field(default_factory=dict)


class Faults:
    def __init__(self, stack: Stack, rec: Recorder, minutes: float, api_clients: list[ApiClient],
                 customers: list[str]) -> None:
        self.stack, self.rec, self.minutes = stack, rec, minutes
        self.api_clients, self.customers = api_clients, customers
        self.faults: list[Fault] = []
        self.audit: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self.kills: list[dict[str, Any]] = []  # every SIGKILL of a worker or web worker: when and what it held
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.supervised = True

    # -- timeline ---------------------------------------------------------------------------------
    def plan(self) -> list[tuple[float, Any]]:
        total = self.minutes * 60
        d9_len = min(300.0, 0.25 * total)
        return [
            (0.05 * total, lambda: self.worker_kills(d9_len)),
            (0.15 * total, self.audit_drill),
            (0.35 * total, self.redis_kill),
            (0.45 * total, self.postgres_restart),
            (0.52 * total, self.redis_flushall),
            (0.58 * total, self.terminate_backends),
            (0.62 * total, lambda: self.web_kills(min(90.0, 0.08 * total))),
        ]

    def start(self) -> None:
        for at, fn in self.plan():
            self._spawn(self._at, at, fn)
        self._spawn(self._supervise)

    def _spawn(self, fn: Any, *args: Any) -> None:
        t = threading.Thread(target=fn, args=args, daemon=True)
        t.start()
        self._threads.append(t)

    def _at(self, at: float, fn: Any) -> None:
        while self.rec.now() < at:
            if self.stopping.wait(0.2):
                return
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - recorded in the report, the run goes on
            self.errors.append(f"{getattr(fn, '__name__', 'fault')}: {exc!r}"[:300])

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))

    # -- healing ----------------------------------------------------------------------------------
    def _watch(self, fault: Fault) -> None:
        """Healed: /ready is 200 and nothing emitted up to the fault's end is still unprocessed."""
        self.faults.append(fault)
        self._spawn(self._heal, fault)

    def _heal(self, fault: Fault) -> None:
        while fault.restored is None:
            time.sleep(0.2)
        cutoff = datetime.fromtimestamp(self.rec.wall_started + fault.restored, UTC)
        deadline = time.monotonic() + HEAL_LIMIT
        while time.monotonic() < deadline:
            try:
                ready = requests.get(self.stack.base + "/ready", timeout=3).status_code == 200
                with self.stack.pg.connect() as conn:
                    waiting = conn.execute(
                        "SELECT count(*) FROM outbox WHERE processed_at IS NULL AND parked_at IS NULL "
                        "AND occurred_at <= %s", (cutoff,)).fetchone()
                if ready and waiting is not None and waiting[0] == 0:
                    fault.healed = self.rec.now()
                    return
            except Exception:  # noqa: BLE001, S110 - the store is still down
                pass
            time.sleep(1)

    # -- D9 ---------------------------------------------------------------------------------------
    def _busy_worker(self, wait: float = 8.0) -> tuple[str, str | None]:
        """A worker in the middle of a job if one is within `wait` seconds, else any worker."""
        names = [n for n in self.stack.procs if n.startswith("worker-")]
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                for w in Worker.all(connection=self.stack.redis.client()):
                    job = w.get_current_job_id()
                    if job:
                        for name in names:
                            if w.name == f"backoffice-{self.stack.procs[name].pid}":
                                return name, job
            except Exception:  # noqa: BLE001, S110 - Redis busy or down: pick blindly
                pass
            time.sleep(0.05)
        return random.choice(names), None

    def worker_kills(self, duration: float) -> None:
        end = self.rec.now() + duration
        fault = Fault("worker SIGKILL every 30 s", "D9", self.rec.now())
        self._watch(fault)
        n = 0
        while self.rec.now() < end and not self.stopping.is_set():
            name, job = self._busy_worker()
            self.kills.append({"t": self.rec.now(), "what": name, "job": job, "design": "D9"})
            self.stack.kill_group(name)
            n += 1
            time.sleep(1)
            self.stack.start_worker(name)
            self.stopping.wait(max(0.0, 30 - 1 - 8 * (job is None)))
        fault.detail = {"kills": n, "mid_job": sum(1 for k in self.kills if k["design"] == "D9" and k["job"])}
        fault.restored = self.rec.now()

    # -- D10 --------------------------------------------------------------------------------------
    def _down_for_20_s(self, title: str, design: str, what: str, stop: Callable[[], None],
                       start: Callable[[], None]) -> None:
        """A store stopped, then started again 20 s later: an outage window while it is down."""
        fault = Fault(title, design, self.rec.now())
        self._watch(fault)
        self.kills.append({"t": self.rec.now(), "what": what, "job": None, "design": design})
        stop()
        time.sleep(20)
        start()
        fault.restored = self.rec.now()
        fault.window = (fault.start, fault.restored + WEB_GRACE)

    def redis_kill(self) -> None:
        self._down_for_20_s("Redis SIGKILL, restarted after 20 s (AOF)", "D10a", "redis-server",
                            self.stack.redis.kill, self.stack.redis.start)

    def redis_flushall(self) -> None:
        fault = Fault("Redis FLUSHALL (every queued job and registry lost)", "D10b", self.rec.now())
        self._watch(fault)
        client = self.stack.redis.client()
        fault.detail = {"keys_lost": cast(int, client.dbsize())}
        client.flushall()
        fault.restored = self.rec.now()

    # -- D11 --------------------------------------------------------------------------------------
    def postgres_restart(self) -> None:
        self._down_for_20_s("PostgreSQL stop -m immediate, restarted after 20 s", "D11a",
                            "postgres (stop -m immediate)", lambda: self.stack.pg.stop("immediate"),
                            self.stack.pg.start)

    def terminate_backends(self) -> None:
        fault = Fault("pg_terminate_backend of every app connection", "D11b", self.rec.now())
        self._watch(fault)
        self.kills.append({"t": self.rec.now(), "what": "every app connection to PostgreSQL", "job": None,
                           "design": "D11b"})
        killed = self._superuser("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                                 "WHERE usename = %s", APP_ROLE)
        fault.detail = {"connections": killed[0][0]}
        fault.restored = self.rec.now()
        fault.window = (fault.start, fault.restored + 5)

    # -- D12 --------------------------------------------------------------------------------------
    def web_kills(self, duration: float) -> None:
        """SIGKILL a gunicorn worker while API clients create tickets; they retry with the same key."""
        fault = Fault("gunicorn worker SIGKILL mid-request, API retries with the same Idempotency-Key",
                      "D12", self.rec.now())
        self._watch(fault)
        end = self.rec.now() + duration
        n = 0
        while self.rec.now() < end and not self.stopping.is_set():
            burst = [threading.Thread(target=c.create_ticket, args=(random.choice(self.customers), None))
                     for c in self.api_clients]
            for t in burst:
                t.start()
            time.sleep(random.uniform(0.03, 0.12))
            pids = self.stack.web_workers()
            if pids:
                victim = random.choice(pids)
                try:
                    import os
                    import signal

                    os.kill(victim, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.kills.append({"t": self.rec.now(), "what": f"gunicorn worker {victim}", "job": None,
                                   "design": "D12"})
                n += 1
            for t in burst:
                t.join(60)
            self.stopping.wait(8)
        fault.detail = {"kills": n}
        fault.restored = self.rec.now()
        fault.window = (fault.start, fault.restored + 5)

    # -- D13 --------------------------------------------------------------------------------------
    def verify(self, label: str) -> dict[str, Any]:
        for _ in range(10):  # a verdict, not a connection error from a store another fault restarts
            out = self.stack.flask("audit", "verify", owner=False, check=False)
            text = (out.stdout + out.stderr).strip()
            if "audit chain" in text:
                break
            time.sleep(3)
        found = re.findall(r"\d+", text)
        row = {"t": self.rec.now(), "step": label, "exit": out.returncode, "output": text.splitlines()[-1:],
               "numbers": found[:3]}
        self.audit.append(row)
        return row

    def _superuser(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """One statement as the superuser with triggers off for the session, retried while the
        server restarts (another fault may be running)."""
        for _ in range(60):
            try:
                with self.stack.pg.connect() as conn:
                    conn.execute("SET session_replication_role = replica")
                    cur = conn.execute(sql, args)
                    return cur.fetchall() if cur.description else []
            except psycopg.OperationalError:
                time.sleep(1)
        raise RuntimeError(f"PostgreSQL did not come back for: {sql}")

    def audit_drill(self) -> None:
        """As a superuser (triggers off for the session): change one row, then delete another, during
        traffic; `audit verify` must name each; the row is put back before the next step."""
        fault = Fault("audit row tampered, then a row deleted, by a superuser", "D13", self.rec.now())
        self._watch(fault)
        self.verify("before: clean chain")
        head = self._superuser("SELECT max(chain_index) FROM audit.audit_log")[0][0]
        tampered = max(1, head - 20)
        original = self._superuser("SELECT action FROM audit.audit_log WHERE chain_index = %s", tampered)[0][0]
        self._superuser("UPDATE audit.audit_log SET action = 'ticket.nothing_to_see' WHERE chain_index = %s",
                        tampered)
        row = self.verify(f"after UPDATE of chain_index {tampered}")
        row["expected"] = tampered
        self._superuser("UPDATE audit.audit_log SET action = %s WHERE chain_index = %s", original, tampered)
        self.verify(f"chain_index {tampered} restored")
        head = self._superuser("SELECT max(chain_index) FROM audit.audit_log")[0][0]
        deleted = max(2, head - 10)
        saved = self._superuser("SELECT to_jsonb(a)::text FROM audit.audit_log a WHERE chain_index = %s", deleted)[0][0]
        self._superuser("DELETE FROM audit.audit_log WHERE chain_index = %s", deleted)
        row = self.verify(f"after DELETE of chain_index {deleted}")
        row["expected"] = deleted
        self._superuser("INSERT INTO audit.audit_log SELECT * FROM jsonb_populate_record(NULL::audit.audit_log, "
                        "%s::jsonb)", saved)
        self.verify(f"chain_index {deleted} put back")
        fault.detail = {"tampered": tampered, "deleted": deleted}
        fault.restored = self.rec.now()

    # -- supervisor -------------------------------------------------------------------------------
    def _supervise(self) -> None:
        """Restart a process that died (Redis or PostgreSQL loss can end a worker or the scheduler)."""
        while not self.stopping.wait(1):
            if not self.supervised:
                continue
            for name, proc in list(self.stack.procs.items()):
                if proc.poll() is None:
                    continue
                if any(k["what"] == name and self.rec.now() - k["t"] < 3 for k in self.kills):
                    continue  # the D9 loop restarts its own victims
                if name.startswith("worker-"):
                    self.stack.start_worker(name)
                    continue
                self.stack.restarts[name] = self.stack.restarts.get(name, 0) + 1
                self.stack.start_scheduler() if name == "scheduler" else self.stack.start_web()
