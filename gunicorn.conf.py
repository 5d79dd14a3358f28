"""Production defaults for `gunicorn -c gunicorn.conf.py wsgi:app` (every setting can be
overridden on the command line or with GUNICORN_CMD_ARGS).

Slow clients: gthread workers keep idle keep-alive connections off the worker threads, but a
client that dribbles its request headers still holds a thread until `timeout`. Run behind a
buffering proxy (nginx in docker-compose, the ingress controller in Kubernetes) that only hands
complete requests to gunicorn; see deploy/.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30  # a worker silent this long is killed and replaced
graceful_timeout = 25  # SIGTERM: in-flight requests get this long to finish
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
limit_request_line = 8190
limit_request_fields = 100
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None  # the app writes one JSON line per request
errorlog = "-"
worker_tmp_dir = os.environ.get("GUNICORN_TMP_DIR") or None  # /dev/shm in containers (read-only root)
preload_app = False

METRICS_DIR = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", str(Path(tempfile.gettempdir()) / f"backoffice-metrics-{os.getpid()}")
)


def on_starting(server: Any) -> None:
    """Metrics of a previous run would be summed with ours: start from an empty directory."""
    path = Path(METRICS_DIR)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
