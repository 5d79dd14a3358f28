"""A wall of auto-refreshing dashboards against gunicorn: requests/s, bytes and server CPU.

Simulates CLIENTS (50) browsers, each showing the full dashboard and refreshing every widget every
INTERVAL (30) s, started at random offsets within the first interval, for CYCLES refresh cycles.
In `--conditional` mode each client keeps the ETag of every widget and sends it as If-None-Match,
as static/js/conditional.js does; without it every refresh is a plain GET (what browsers did before).
Then a closed loop (8 connections, back to back, 15 s) gives the most widget refreshes per second
the server answers in that mode.

    .venv/bin/python -m bench.bench_dashboard_wall --app-dir DIR [--conditional] [--label NAME]

`--app-dir` is the code to serve (this checkout, or `git archive <commit>` of the code before the
change, unpacked elsewhere); both use this checkout's venv and the bench database (a manager with a
known password is created by bench/bench_customers_health.py). Server CPU is the user+system time of
the gunicorn master and workers (PostgreSQL and Redis not included).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EMAIL = "bench-health@example.com"
PASSWORD = "bench health list 2026"  # noqa: S105 - the bench database's throwaway user


@dataclass
class Tally:
    statuses: dict[int, int] = field(default_factory=dict)
    body_bytes: int = 0
    header_bytes: int = 0
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, body: int, headers: int, latency: float) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.body_bytes += body
            self.header_bytes += headers
            self.latencies.append(latency)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


def _cpu_seconds(pid: int) -> float:
    """user+system seconds of a process and its children still alive (gunicorn's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                   text=True).stdout.split()]
    total = 0.0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _login(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    resp = conn.getresponse()
    html = resp.read().decode()
    cookie = _session_cookie(resp) or ""
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    body = urllib.parse.urlencode({"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    conn.request("POST", "/login", body=body, headers={"Cookie": cookie,
                                                       "Content-Type": "application/x-www-form-urlencoded"})
    resp = conn.getresponse()
    resp.read()
    if resp.status not in (302, 303):
        raise SystemExit(f"login failed: {resp.status}")
    return _session_cookie(resp) or cookie


def _session_cookie(resp: http.client.HTTPResponse) -> str | None:
    for raw in resp.headers.get_all("Set-Cookie") or []:
        pair = raw.split(";", 1)[0]
        if "backoffice_session=" in pair:
            return pair
    return None


def _widgets(port: int, cookie: str, interval: int) -> list[str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/?range=30d&refresh={interval}", headers={"Cookie": cookie})
    resp = conn.getresponse()
    html = resp.read().decode()
    if resp.status != 200:
        raise SystemExit(f"dashboard: HTTP {resp.status} {resp.getheader('Location')}")
    return [u.replace("&amp;", "&") for u in re.findall(r'hx-get="(/dashboard/widgets/[^"]+)"', html)]


def _fetch(conn: http.client.HTTPConnection, url: str, cookie: str, tags: dict[str, str] | None,
           tally: Tally) -> None:
    headers = {"Cookie": cookie, "HX-Request": "true", "Accept-Encoding": "identity"}
    if tags is not None and url in tags:
        headers["If-None-Match"] = tags[url]
    start = time.perf_counter()
    conn.request("GET", url, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    latency = time.perf_counter() - start
    head = sum(len(k) + len(v) + 4 for k, v in resp.getheaders()) + len("HTTP/1.1 200 OK\r\n") + 2
    if tags is not None and resp.status == 200 and resp.getheader("ETag"):
        tags[url] = resp.getheader("ETag", "")
    tally.add(resp.status, len(body), head, latency)


def _client(port: int, cookie: str, urls: list[str], conditional: bool, offset: float, interval: float,
            cycles: int, t0: float, tally: Tally) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    tags: dict[str, str] | None = {} if conditional else None
    for cycle in range(cycles + 1):  # the first page load, then `cycles` refreshes
        due = t0 + offset + cycle * interval
        time.sleep(max(0.0, due - time.time()))
        for url in urls:
            _fetch(conn, url, cookie, tags, tally)


def _closed_loop(port: int, cookie: str, urls: list[str], conditional: bool, seconds: float) -> Tally:
    tally, stop = Tally(), time.time() + seconds

    def run() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        tags: dict[str, str] | None = {} if conditional else None
        for url in urls:  # the page load that gives the tags
            _fetch(conn, url, cookie, tags, Tally())
        while time.time() < stop:
            for url in urls:
                _fetch(conn, url, cookie, tags, tally)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return tally


def _report(label: str, tally: Tally, wall: float, cpu: float) -> str:
    lat = sorted(tally.latencies)
    p95 = lat[int(len(lat) * 0.95) - 1] if lat else 0
    total = tally.body_bytes + tally.header_bytes
    return (f"| {label} | {tally.requests} | {tally.requests / wall:.1f} | "
            f"{', '.join(f'{k}: {v}' for k, v in sorted(tally.statuses.items()))} | {total / 1024:.0f} | "
            f"{total / max(tally.requests, 1):.0f} | {tally.body_bytes / 1024:.0f} | {total / wall / 1024:.1f} | "
            f"{statistics.median(lat) * 1000:.1f} / {p95 * 1000:.1f} | {cpu:.2f} | {100 * cpu / wall:.1f} % | "
            f"{1000 * cpu / max(tally.requests, 1):.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--app-dir", default=str(ROOT))
    parser.add_argument("--conditional", action="store_true")
    parser.add_argument("--label", default="")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--interval", type=int, default=30)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--port", type=int, default=8131)
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/backoffice_bench_health"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"))
    args = parser.parse_args()
    env = {**os.environ, "DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url,
           "BACKOFFICE_ENV": "production", "LOG_LEVEL": "WARNING", "GUNICORN_BIND": f"127.0.0.1:{args.port}",
           "SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789abcdef",
           "TRUSTED_PROXIES": "0", "PYTHONPATH": args.app_dir}
    subprocess.run([sys.executable, "-c", "import redis, sys; redis.Redis.from_url(sys.argv[1]).flushdb()",
                    args.redis_url], check=True)
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                              cwd=args.app_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(60):
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=2).request("GET", "/health")
                break
            except OSError:
                time.sleep(0.5)
        time.sleep(2)
        cookie = _login(args.port)
        urls = _widgets(args.port, cookie, args.interval)
        label = args.label or ("with If-None-Match" if args.conditional else "plain GET")
        print(f"{label}: {args.clients} dashboards × {len(urls)} widgets every {args.interval} s, "
              f"{args.cycles} refresh cycles after the first load")
        tally, rnd = Tally(), random.Random(7)
        t0, cpu0 = time.time() + 1, _cpu_seconds(server.pid)
        threads = [threading.Thread(target=_client, args=(args.port, cookie, urls, args.conditional,
                                                          rnd.uniform(0, args.interval), args.interval,
                                                          args.cycles, t0, tally))
                   for _ in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall, cpu = time.time() - t0, _cpu_seconds(server.pid) - cpu0
        header = ("| run | requests | req/s | statuses | KiB total | bytes/req | body KiB | KiB/s | "
                  "latency p50 / p95 ms | server CPU s | of one core | CPU ms/req |\n"
                  "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        print(header)
        print(_report(f"{label}, wall of {args.clients}", tally, wall, cpu))
        cpu0, start = _cpu_seconds(server.pid), time.time()
        loop = _closed_loop(args.port, cookie, urls, args.conditional, 15)
        wall, cpu = time.time() - start, _cpu_seconds(server.pid) - cpu0
        print(_report(f"{label}, closed loop ×8", loop, wall, cpu))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=40)


if __name__ == "__main__":
    main()
