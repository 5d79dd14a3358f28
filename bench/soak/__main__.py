"""`python -m bench.soak` (`make soak`): build the stack, drive it while the faults run, drain,
count, write bench/SOAK.md. Settings (environment): SOAK_MINUTES (20), SOAK_USERS (4 browsers and
4 API clients), SOAK_RATE (actions per second per user, 1.0), SOAK_TICKETS (20000),
SOAK_CUSTOMERS (1000), SOAK_DRAIN_SECONDS (600), SOAK_DIR (a new temporary directory),
SOAK_REPORT (bench/SOAK.md)."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.soak import faults, ledger, report, stack, traffic


def setting(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def drain(st: stack.Stack, rec: traffic.Recorder, limit: float) -> float:
    """Wait until every event of the run is processed (or parked) and the queues are empty."""
    start = time.monotonic()
    since = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(rec.wall_started))
    while time.monotonic() - start < limit:
        try:
            with st.pg.connect() as conn:
                row = conn.execute("SELECT count(*) FROM outbox WHERE processed_at IS NULL AND parked_at IS NULL "
                                   "AND occurred_at >= %s", (since,)).fetchone()
            queued = sum(v for k, v in ledger.queues(st).items() if not k.endswith("failed"))
            if row is not None and row[0] == 0 and queued == 0:
                break
        except Exception:  # noqa: BLE001, S110 - a store still recovering
            pass
        time.sleep(2)
    time.sleep(3)  # the last emails in flight to the sink
    return time.monotonic() - start


def main() -> int:
    minutes = setting("SOAK_MINUTES", 20)
    users = int(setting("SOAK_USERS", 4))
    rate = setting("SOAK_RATE", 1.0)
    tickets, customers = int(setting("SOAK_TICKETS", 20000)), int(setting("SOAK_CUSTOMERS", 1000))
    root = Path(os.environ.get("SOAK_DIR") or tempfile.mkdtemp(prefix="backoffice-soak-"))
    root.chmod(0o755)  # the private PostgreSQL runs as the postgres user and must reach its directory
    out = stack.ROOT / "bench" / "out" / "soak"
    out.mkdir(parents=True, exist_ok=True)
    people = ([f"soak-web{i}@example.com:manager" for i in range(users)]
              + [f"soak-api{i}@example.com:manager" for i in range(users)] + ["soak-agent@example.com:agent"])
    print(f"soak: building the stack under {root}", flush=True)
    st = stack.build(root / "run", people, tickets, customers)
    try:
        with st.pg.connect() as conn:
            ticket_ids = [str(r[0]) for r in conn.execute("SELECT id FROM support_tickets ORDER BY random() LIMIT 500")]
            customer_ids = [str(r[0]) for r in conn.execute(
                "SELECT id FROM customers WHERE status = 'active' ORDER BY random() LIMIT 200")]
            agent = str(conn.execute("SELECT id FROM users WHERE email = 'soak-agent@example.com'").fetchone()[0])  # type: ignore[index]
        world = traffic.World(ticket_ids, customer_ids, agent)
        rec = traffic.Recorder()
        browsers = [traffic.Browser(st.base, rec, f"soak-web{i}@example.com", stack.PASSWORD) for i in range(users)]
        apis = [traffic.ApiClient(st.base, rec, f"soak-api{i}@example.com", stack.PASSWORD) for i in range(users)]
        if not all(b.login() for b in browsers) or not all(a.login() for a in apis):
            print("soak: sign-in failed; see the logs under " + str(root), file=sys.stderr)
            return 1
        # The fault thread's own API clients (D12 bursts): signed in like the others.
        burst = [traffic.ApiClient(st.base, rec, f"soak-api{i}@example.com", stack.PASSWORD) for i in range(users)]
        for client in burst:
            client.login()
        rec.started, rec.wall_started = time.monotonic(), time.time()
        injector = faults.Faults(st, rec, minutes, burst, customer_ids)
        stop_at = minutes * 60
        threads = [threading.Thread(target=traffic.run_user, daemon=True,
                                    args=(traffic.Actions(b, a, world, rec), rate, lambda: rec.now() >= stop_at))
                   for b, a in zip(browsers, apis, strict=True)]
        injector.start()
        for t in threads:
            t.start()
        print(f"soak: traffic for {minutes:g} min at {rate:g} actions/s × {users} users on {st.base}", flush=True)
        for t in threads:
            t.join()
        injector.stopping.set()
        injector.join(120)
        print("soak: traffic stopped; draining", flush=True)
        drained = drain(st, rec, setting("SOAK_DRAIN_SECONDS", 600))
        injector.supervised = False
        injector.verify("after every fault and the drain")
        book = ledger.collect(st, rec, injector.kills)
        rec.dump(out / "requests.jsonl")
        meta = {"minutes": minutes, "drain": drained, "requests_file": "bench/out/soak/requests.jsonl",
                "web_workers": int(os.environ.get("WEB_CONCURRENCY", "4")), "tickets": tickets,
                "customers": customers, "browsers": users, "rate": rate}
        target = Path(os.environ.get("SOAK_REPORT") or stack.ROOT / "bench" / "SOAK.md")
        result = report.write(target, meta, rec.requests, injector.faults, book, injector.audit, injector.kills,
                              st.restarts, injector.errors)
        (out / "summary.json").write_text(json.dumps(result, indent=2, default=str))
        print(json.dumps(result, indent=2, default=str))
        print(f"soak: wrote {target}")
        return 0
    finally:
        st.stop_all()
        if not os.environ.get("SOAK_KEEP"):
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
