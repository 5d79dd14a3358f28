"""Slow-client drill against the production server setup: nginx with deploy/compose/nginx.conf
in front of gunicorn with gunicorn.conf.py. Connections that send one header line every 2 s must
not stop /health for everyone else. (gunicorn alone is not safe: a dribbling client holds a
worker thread, and a worker whose threads are all held still accepts connections it cannot serve.)"""

from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import threading
import time
from typing import Any

import pytest

from tests import processes

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is missing (make test installs it)")]
SLOW_CLIENTS = 20  # more than gunicorn's 2 workers x 4 threads


def _dribble(port: int, stop: threading.Event) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")
        n = 0
        while not stop.wait(2):
            n += 1
            try:
                s.sendall(f"X-Slow-{n}: 1\r\n".encode())
            except OSError:
                return


def test_health_keeps_answering_while_slow_clients_dribble(service_urls: dict[str, str], app: Any,
                                                           tmp_path: Any) -> None:
    port = processes.free_port()
    env = processes.environment(service_urls, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
                                WEB_CONCURRENCY="2")
    proxy_port = processes.free_port()
    conf = (processes.ROOT / "deploy" / "compose" / "nginx.conf").read_text()
    conf = conf.replace("server web:8000;", f"server 127.0.0.1:{port};")
    conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{proxy_port};")
    conf = conf.replace("/tmp/", f"{tmp_path}/")  # noqa: S108 - the config's own paths, moved.replace("worker_processes auto;", "worker_processes 1;")
    (tmp_path / "nginx.conf").write_text(conf)
    with processes.gunicorn(env, [f"127.0.0.1:{port}"], workers=2):
        nginx = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr",
                                  "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            processes.wait_http(f"http://127.0.0.1:{proxy_port}/health", proc=nginx)
            worst, answered = _drill(proxy_port)
        finally:
            processes.stop(nginx)
    assert answered >= 20 and worst < 1.0, f"/health worst {worst:.2f}s over {answered} requests"


def _drill(port: int) -> tuple[float, int]:
    """(slowest /health answer, answers) over 8 s while SLOW_CLIENTS dribble their headers."""
    stop = threading.Event()
    for _ in range(SLOW_CLIENTS):
        threading.Thread(target=_dribble, args=(port, stop), daemon=True).start()
    time.sleep(1)
    worst, answered = 0.0, 0
    try:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            started = time.monotonic()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
            conn.request("GET", "/health", headers={"Connection": "close"})
            assert conn.getresponse().status == 200
            conn.close()
            worst = max(worst, time.monotonic() - started)
            answered += 1
            time.sleep(0.2)
    finally:
        stop.set()
    return worst, answered
