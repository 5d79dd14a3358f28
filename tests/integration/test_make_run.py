"""`make run` as a new user meets it: a copy of the project, an empty instance/, nothing set.

Runs the real `python -m app.devserver` (what `make run` starts after the install) twice on the
same instance/: the first start loads demo data and prints the admin's password once; the second
reuses both. Ctrl-C (SIGINT) must leave no process behind — gunicorn, worker, scheduler, the
embedded PostgreSQL and Redis.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pyotp
import pytest
import requests

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
_SKIP = {".venv", "instance", ".git", "test-artifacts", "bench", ".pytest_cache", ".ruff_cache", ".mypy_cache"}
_UNSET = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ADMIN_EMAIL", "ADMIN_PASSWORD", "BACKOFFICE_ENV", "PORT")
_PASSWORD = re.compile(r"password \(shown once\): (\S+)")
_REDIS_DIR = re.compile(r"embedded Redis at unix://(\S+)/redis\.socket")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Run:
    proc: subprocess.Popen[bytes]
    log: Path
    port: int
    started: float = field(default_factory=time.monotonic)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _copy_project(dest: Path) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        top = Path(folder) == ROOT
        return {n for n in names if (top and n in _SKIP) or n == "__pycache__"}

    shutil.copytree(ROOT, dest, ignore=ignore)


def _clean_env(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _UNSET and not k.endswith("_FILE")}
    env["PORT"] = str(port)
    return env


def _start(project: Path, log: Path) -> Run:
    port = _free_port()
    out = log.open("wb")
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "app.devserver"],
        cwd=project,
        env=_clean_env(port),
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return Run(proc, log, port)


def _wait_for_login(run: Run, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert run.proc.poll() is None, f"make run exited early:\n{run.output()[-4000:]}"
        try:
            if requests.get(f"http://127.0.0.1:{run.port}/login", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    pytest.fail(f"/login did not answer within {timeout:.0f}s:\n{run.output()[-4000:]}")


def _sign_in(run: Run, email: str, password: str, otp: str | None = None) -> requests.Session:
    http = requests.Session()
    base = f"http://127.0.0.1:{run.port}"
    token = _CSRF.search(http.get(f"{base}/login", timeout=10).text)
    assert token, "the login form carries a CSRF token"
    answer = http.post(
        f"{base}/login",
        data={"email": email, "password": password, "csrf_token": token.group(1)},
        timeout=30,
        allow_redirects=False,
    )
    assert answer.status_code in (302, 303), answer.text[:2000]
    if otp is not None:
        assert answer.headers["Location"] == "/login/two-factor", answer.headers["Location"]
        step = _CSRF.search(http.get(f"{base}/login/two-factor", timeout=10).text)
        assert step, "the code step carries a CSRF token"
        done = http.post(f"{base}/login/two-factor", data={"code": otp, "csrf_token": step.group(1)}, timeout=30,
                         allow_redirects=False)
        assert done.status_code == 303, done.text[:2000]
    return http


def _enrol(http: requests.Session, run: Run) -> list[str]:
    """The printed admin is sent to set up two-factor first; set it up and keep the recovery codes."""
    base = f"http://127.0.0.1:{run.port}"
    first = http.get(f"{base}/", timeout=30, allow_redirects=False)
    assert first.status_code == 303 and first.headers["Location"] == "/two-factor/setup"
    page = http.get(f"{base}/two-factor/setup", timeout=30).text
    secret = re.search(r'data-testid="two-factor-secret">([A-Z2-7]+)<', page)
    token = _CSRF.search(page)
    assert secret and token, page[:2000]
    done = http.post(f"{base}/two-factor/setup", timeout=30,
                     data={"code": pyotp.TOTP(secret.group(1)).now(), "csrf_token": token.group(1)})
    codes = re.findall(r"<li>([0-9a-f]{8}-[0-9a-f]{8})</li>", done.text)
    assert len(codes) == 10, done.text[:2000]
    return codes


def _numbers(http: requests.Session, run: Run) -> tuple[str, str, list[str]]:
    base = f"http://127.0.0.1:{run.port}"
    assert http.get(f"{base}/", timeout=30).status_code == 200
    cards = http.get(f"{base}/dashboard/widgets/cards", headers={"HX-Request": "true"}, timeout=30).text
    users = re.search(r'data-testid="stat-total-users">([^<]+)<', cards)
    open_tickets = re.search(r'data-testid="stat-open-tickets">([^<]+)<', cards)
    assert users and open_tickets, cards[:2000]
    tickets = http.get(f"{base}/tickets", timeout=30).text
    ids = re.findall(r'href="/tickets/([0-9a-f-]{36})"', tickets)
    return users.group(1), open_tickets.group(1), ids


def _family(run: Run) -> list[psutil.Process]:
    """Every process `make run` started: its children and the embedded servers (which daemonize)."""
    procs = {p.pid: p for p in psutil.Process(run.proc.pid).children(recursive=True)}
    redis_dir = _REDIS_DIR.search(run.output())
    markers = [str(run.log.parent / "project")] + ([redis_dir.group(1)] if redis_dir else [])
    for p in psutil.process_iter(["cmdline"]):
        cmd = " ".join(p.info["cmdline"] or [])
        if any(m in cmd for m in markers):
            procs[p.pid] = p
    procs.pop(os.getpid(), None)
    return list(procs.values())


def _stop(run: Run) -> list[psutil.Process]:
    family = _family(run)
    run.proc.send_signal(signal.SIGINT)
    run.proc.wait(timeout=60)
    _, alive = psutil.wait_procs(family, timeout=30)
    return alive


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    dest = tmp_path / "project"
    _copy_project(dest)
    assert not (dest / "instance").exists()
    yield dest
    for p in psutil.process_iter(["cmdline"]):  # never leave a server behind, even on failure
        if str(dest) in " ".join(p.info["cmdline"] or []):
            p.kill()


def test_make_run_on_a_fresh_clone_comes_up_stops_cleanly_and_restarts(project: Path, tmp_path: Path) -> None:
    first = _start(project, tmp_path / "first.log")
    try:
        _wait_for_login(first)
        seconds = time.monotonic() - first.started
        out = first.output()
        assert "loading demo data" in out
        password = _PASSWORD.search(out)
        assert password, out[-4000:]
        http = _sign_in(first, "admin@example.com", password.group(1))
        recovery = _enrol(http, first)
        users, open_tickets, ticket_ids = _numbers(http, first)
        assert int(users.replace(",", "")) >= 25
        assert int(open_tickets.replace(",", "")) > 0
        assert ticket_ids, "the demo tickets are listed"
        assert http.get(f"http://127.0.0.1:{first.port}/tickets/{ticket_ids[0]}", timeout=30).status_code == 200
    finally:
        left = _stop(first)
    assert not left, f"processes left running after Ctrl-C: {[p.cmdline() for p in left]}"
    print(f"\nmake run: /login answered {seconds:.1f}s after start on an empty instance/")

    second = _start(project, tmp_path / "second.log")
    try:
        _wait_for_login(second)
        out = second.output()
        assert "loading demo data" not in out
        assert not _PASSWORD.search(out), "no second password is printed"
        http = _sign_in(second, "admin@example.com", password.group(1), otp=recovery[0])
        again = _numbers(http, second)
        assert again[0] == users
        assert again[2], "the demo tickets are listed"
        page = http.get(f"http://127.0.0.1:{second.port}/tickets/{ticket_ids[0]}", timeout=30)
        assert page.status_code == 200, "a ticket of the first start is still there"
    finally:
        left = _stop(second)
    assert not left, f"processes left running after Ctrl-C: {[p.cmdline() for p in left]}"
