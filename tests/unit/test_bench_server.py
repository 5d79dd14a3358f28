"""The benchmark's server settings are the peer's, whatever the production gunicorn.conf.py says."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

from bench import cpu_split

ROOT = Path(__file__).resolve().parents[2]


PROBE = """
import sys
from gunicorn.app.base import Application

class Probe(Application):
    def load_config(self):
        self.load_config_from_file(sys.argv[1])

    def load(self):
        return None

c = Probe().cfg
print(c.workers, c.worker_class_str, c.timeout, c.max_requests, c.accesslog)
"""


def _settings(path: Path) -> tuple[int, str, int, int, str]:
    """What gunicorn would run with, read by gunicorn's own loader of config files, in a process of its
    own (the production file sets environment variables when it is read)."""
    out = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    workers, worker_class, timeout, max_requests, accesslog = out.stdout.split()
    return int(workers), worker_class, int(timeout), int(max_requests), accesslog


def test_bench_config_is_the_peers_and_never_restarts_workers() -> None:
    assert _settings(ROOT / "bench" / "gunicorn.conf.py") == (4, "sync", 120, 0, "None")
    # The production file does restart workers: the reason serve.sh must not let gunicorn find it.
    assert _settings(ROOT / "gunicorn.conf.py")[3] > 0


def test_serve_script_names_the_bench_config() -> None:
    script = (ROOT / "bench" / "serve.sh").read_text()
    assert "--config bench/gunicorn.conf.py" in script


def test_cpu_split_groups_processes_by_program() -> None:
    assert cpu_split._group("python /venv/bin/gunicorn --workers 4 wsgi:app") == "app workers"
    assert cpu_split._group("postgres postgres: 15/main: postgres bench 127.0.0.1(5) idle") == "PostgreSQL"
    assert cpu_split._group("redis-server 127.0.0.1:6379") == "Redis"
    assert cpu_split._group("wrk -t2 -c8 http://127.0.0.1:8100/") == "wrk"
    assert cpu_split._group("beam.smp -- -root /usr/lib/erlang") == "other"


def _interpreter(venv: str) -> str:
    """bench/env.sh's `interpreter` for a venv, as bench/compare.sh calls it."""
    script = f'source "{ROOT}/bench/env.sh"; interpreter "$1"'
    out = subprocess.run(["bash", "-c", script, "bash", venv], capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "BENCH_OUT": str(ROOT / "bench" / "out")})
    return out.stdout.strip()


def test_compare_names_the_cpython_build_each_side_runs_on() -> None:
    assert _interpreter(sys.prefix) == f"{sys._base_executable} {platform.python_version()}"
    assert _interpreter(str(ROOT / "no-such-venv")) == "unknown"
