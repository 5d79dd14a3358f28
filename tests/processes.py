"""Real gunicorn and RQ worker processes for the multi-process tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
SECRET = "multi-process-test-key-" + "k" * 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(service_urls: dict[str, str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROMETHEUS_", "GUNICORN_"))}
    env.update(
        BACKOFFICE_ENV="test",
        SECRET_KEY=SECRET,
        DATABASE_URL=service_urls["database"],
        REDIS_URL=service_urls["redis"],
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def wait_http(url: str, timeout: float = 30, proc: subprocess.Popen[Any] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - local test server
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer in {timeout}s")


@contextmanager
def gunicorn(
    env: dict[str, str],
    binds: list[str],
    workers: int = 2,
    log: IO[Any] | None = None,
) -> Iterator[subprocess.Popen[Any]]:
    """gunicorn with the production gunicorn.conf.py, on `binds`; stopped with SIGTERM."""
    args = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "--workers", str(workers)]
    for bind in binds:
        args += ["--bind", bind]
    proc = subprocess.Popen(
        [*args, "wsgi:app"], cwd=ROOT, env=env, stdout=log or subprocess.DEVNULL, stderr=log or subprocess.DEVNULL
    )
    try:
        wait_http(f"http://{binds[0]}/health", proc=proc)
        yield proc
    finally:
        stop(proc)


@contextmanager
def worker(env: dict[str, str], log: IO[Any] | None = None) -> Iterator[subprocess.Popen[Any]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "workers"],
        cwd=ROOT,
        env=env,
        stdout=log or subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
    )
    try:
        yield proc
    finally:
        stop(proc)


def descendants(pid: int) -> list[int]:
    """Every live process below `pid` (RQ's work horse runs in a process group of its own)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_hard(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL a process and everything it started, as a lost node or the OOM killer would."""
    for pid in [proc.pid, *descendants(proc.pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait(timeout=10)


def stop(proc: subprocess.Popen[Any], timeout: float = 30) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_until(check: Callable[[], bool], timeout: float = 30) -> None:
    """Poll `check` until it holds; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def someone_waits_on_a_lock(session: Session) -> bool:
    """Whether a connection to the test database is blocked on a lock (a request parked mid-write)."""
    waiting = session.scalar(text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"))
    session.rollback()
    return bool(waiting)
