"""Median and p95 of every dashboard partial over HTTP against gunicorn, cold and cached.

The database must hold the 1,000,000-ticket data *and* our migrations (the rollups). bo_big is
read-only, so copy it once into a database of your own:

    createdb -h 127.0.0.1 -U postgres bo_dash_bench
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bo_dash_bench flask --app wsgi db upgrade
    pg_dump -h 127.0.0.1 -U postgres -a -t users -t customers -t support_tickets -t invoices bo_big \\
      | psql -h 127.0.0.1 -U postgres bo_dash_bench        # the triggers fill the rollups
    psql -h 127.0.0.1 -U postgres bo_dash_bench -c 'VACUUM ANALYZE'

Then: .venv/bin/python -m bench.bench_dashboard [--database-url URL] [-n 50]

"cold" deletes the widget's cache entry before every request (each request runs its queries);
"cached" is the normal path within the cache window (10 s by default).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.services import claim_redis_db, redis_base_url, release_redis_db  # noqa: E402

WIDGETS = ("cards", "opened_solved", "backlog", "sla", "revenue", "workload", "recent")
# The same bench admin as bench/env.sh, so the scripts never reset each other's password.
EMAIL = os.environ.get("BENCH_ADMIN_EMAIL", "bench-admin@example.com")
PASSWORD = os.environ.get("BENCH_ADMIN_PASSWORD", "wrk measures pages 2026")


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _login(opener: urllib.request.OpenerDirector, base: str) -> None:
    html = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    body = urllib.parse.urlencode({"email": EMAIL, "password": PASSWORD, "csrf_token": token}).encode()
    page = opener.open(f"{base}/login", data=body).read().decode()
    if "stat-" not in page and "widget-cards" not in page:
        raise SystemExit("login failed")


def _time(opener: urllib.request.OpenerDirector, url: str) -> float:
    req = urllib.request.Request(url, headers={"HX-Request": "true"})
    start = time.perf_counter()
    with opener.open(req) as resp:
        resp.read()
        if resp.status != 200:
            raise SystemExit(f"{url}: {resp.status}")
    return (time.perf_counter() - start) * 1000


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def _serve(env: dict[str, str], port: int) -> subprocess.Popen:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "create-admin", "--email", EMAIL, "--name", "Bench", "--password", PASSWORD],
                   env=env, cwd=ROOT, check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health")
            return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("gunicorn did not start")


def run(base: str, cache: redis.Redis, n: int, query: str) -> list[tuple[str, str, float, float]]:
    """Round-robin over the partials (and the /health floor), so a load spike hits all of them alike."""
    opener = _opener()
    _login(opener, base)
    urls = {w: f"{base}/dashboard/widgets/{w}?{query}" for w in WIDGETS}
    samples: dict[tuple[str, str], list[float]] = {}
    for path in ("cold", "cached"):
        for url in urls.values():
            _time(opener, url)  # warm: connections, caches
        for _ in range(n):
            samples.setdefault(("/health (floor)", "-"), []).append(_time(opener, f"{base}/health"))
            for widget, url in urls.items():
                if path == "cold":
                    for key in cache.scan_iter(f"dash:v1:{widget}:*"):
                        cache.delete(key)
                samples.setdefault((widget, path), []).append(_time(opener, url))
    return [(w, p, *_stats(xs)) for (w, p), xs in sorted(samples.items(), key=lambda kv: kv[0][0] != "/health (floor)")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/bo_dash_bench")
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--query", default="range=30d&refresh=30")
    args = parser.parse_args()
    base_url = redis_base_url()
    redis_url, index = claim_redis_db(base_url)
    env = {**os.environ, "DATABASE_URL": args.database_url, "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING"}
    proc = _serve(env, args.port)
    try:
        rows = run(f"http://127.0.0.1:{args.port}", redis.Redis.from_url(redis_url), args.n, args.query)
    finally:
        proc.terminate()
        proc.wait(10)
        redis.Redis.from_url(redis_url).flushdb()
        release_redis_db(base_url, index)
    load = os.getloadavg()[0]
    print(f"| widget | path | median ms | p95 ms |  ({args.n} sequential requests each, {args.query}, load {load:.1f})")
    print("|---|---|---|---|")
    for widget, path, median, p95 in rows:
        print(f"| {widget} | {path} | {median:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
