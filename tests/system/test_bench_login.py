"""The bench signs in as a browser does, through the two-factor step the admin role requires: an
admin enrolled by bench/bench_totp.py gets a session cookie from bench/login.py that opens a page
(not the enrolment redirect), twice within one 30-second step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests
from sqlalchemy.orm import Session

from tests import processes
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.slow


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=processes.ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_bench_login_passes_the_two_factor_step(
    committed_db: Session, service_urls: dict[str, str], tmp_path: Path
) -> None:
    admin = make_user(committed_db, role_name="admin", email="bench.login@example.com")
    committed_db.commit()
    secret = tmp_path / "totp.secret"
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    (tmp_path / "metrics").mkdir()
    env = processes.environment(service_urls, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
                                BACKOFFICE_ENV="production")
    enrolled = _run(env, "bench.bench_totp", admin.email, str(secret))
    assert enrolled.returncode == 0 and "enrolled" in enrolled.stdout, enrolled.stderr
    assert _run(env, "bench.bench_totp", admin.email, str(secret)).stdout.strip().endswith("already enrolled")
    with processes.gunicorn(env, [f"127.0.0.1:{port}"], workers=1):
        refused = _run(env, "bench.login", base, admin.email, PASSWORD)
        assert refused.returncode == 1 and "two-factor" in refused.stderr
        for _ in range(2):  # the second sign-in falls in the same step, or the next
            signed_in = _run(env, "bench.login", base, admin.email, PASSWORD, str(secret))
            assert signed_in.returncode == 0, signed_in.stderr
            cookie = signed_in.stdout.strip()
            page = requests.get(f"{base}/tickets", headers={"Cookie": cookie}, allow_redirects=False, timeout=30)
            assert page.status_code == 200, (page.status_code, page.headers.get("Location"))
            assert 'data-testid="ticket-table"' in page.text or "<table" in page.text
        wrong = _run(env, "bench.login", base, admin.email, "not the password", str(secret))
        assert wrong.returncode == 1 and "login failed" in wrong.stderr
