"""bench/SOAK.md from the recorded requests, the faults and the ledger."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.soak.faults import Fault
from bench.soak.ledger import Ledger
from bench.soak.traffic import Request

P99_TARGET_MS = 250.0


def pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def during(r: Request, f: Fault) -> bool:
    """Whether the request was in flight at some moment of the fault's window: one sent just before
    a store stopped is answered while it is down."""
    return f.window is not None and r.t <= f.window[1] and f.window[0] <= r.t + r.ms / 1000


def inside(r: Request, faults: list[Fault]) -> Fault | None:
    return next((f for f in faults if during(r, f)), None)


def summary(requests: list[Request], faults: list[Fault]) -> dict[str, Any]:
    outside = [r for r in requests if r.status >= 0 and inside(r, faults) is None]
    fast = [r.ms for r in outside if r.kind in ("page", "partial") and r.status > 0]
    return {
        "requests": len(requests),
        "outside_5xx": sum(1 for r in outside if r.status >= 500),
        "outside_no_response": sum(1 for r in outside if r.status == 0),
        "pages_partials_p99": pct(fast, 99),
        "pages_partials": len(fast),
        "tracebacks": sum(1 for r in requests if r.traceback),
        "driver_errors": sum(1 for r in requests if r.status < 0),
    }


def _fmt_t(t: float | None) -> str:
    return "—" if t is None else f"{t:.0f} s"


def write(path: Path, meta: dict[str, Any], requests: list[Request], faults: list[Fault], ledger: Ledger,
          audit: list[dict[str, Any]], kills: list[dict[str, Any]], restarts: dict[str, int],
          errors: list[str]) -> dict[str, Any]:
    s = summary(requests, faults)
    lost = sum(len(e.lost) for e in ledger.effects) + len(ledger.exports["not_downloaded"])
    # A reply's second email is also a Message-ID's second copy: count each email once.
    dups = sum(len(e.duplicated) for e in ledger.effects if not e.name.startswith("reply emails"))
    idem = ledger.idempotency
    drill = [a for a in audit if "expected" in a]
    caught = sum(1 for a in drill if a["exit"] == 1 and str(a["expected"]) in a["numbers"])
    duration = max((r.t for r in requests), default=0.0) or 1.0
    lines: list[str] = []
    w = lines.append
    w("# Soak: the production-like stack under load and faults")
    w("")
    w(f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `make soak` with SOAK_MINUTES={meta['minutes']} "
      f"(traffic {duration / 60:.1f} min, then a drain of {meta['drain']:.0f} s). Raw requests: "
      f"`{meta['requests_file']}`.")
    w("")
    w("**Stack** (all on 127.0.0.1): gunicorn with `gunicorn.conf.py` (BACKOFFICE_ENV=production, "
      f"{meta['web_workers']} gthread workers × 4 threads), two `python -m workers` RQ workers, one "
      "`python -m workers.schedule`, a private PostgreSQL 15 (app role without superuser or audit UPDATE/DELETE), a "
      "private redis-server (password, AOF everysec, noeviction), an aiosmtpd sink. "
      f"Data: {meta['tickets']:,} seeded tickets, {meta['customers']:,} customers.")
    w("")
    w(f"**Load**: {meta['browsers']} signed-in browsers and {meta['browsers']} API clients, Poisson arrivals at "
      f"{meta['rate']:g} actions/s each (target {meta['rate'] * meta['browsers']:g} actions/s); achieved "
      f"{len(requests) / duration:.1f} requests/s ({len(requests):,} requests).")
    w("")
    w("## Done when")
    w("")
    w("| target | measured | |")
    w("|---|---|---|")
    w(f"| 0 5xx outside declared outage windows | {s['outside_5xx']} | {'pass' if s['outside_5xx'] == 0 else 'FAIL'} |")
    p99 = s["pages_partials_p99"]
    w(f"| p99 < {P99_TARGET_MS:.0f} ms, pages and partials, outside windows | {p99:.0f} ms over "
      f"{s['pages_partials']:,} requests | {'pass' if p99 < P99_TARGET_MS else 'FAIL'} |")
    w(f"| 0 lost effects | {lost} | {'pass' if lost == 0 else 'FAIL'} |")
    w(f"| duplicates ≤ kills ({len(kills)}: workers, web workers, Redis, PostgreSQL), each explained | {dups} | "
      f"{'pass' if dups <= len(kills) and all(d['kill'] for d in ledger.duplicates) else 'FAIL'} |")
    w(f"| 0 duplicate tickets from idempotent retries | {len(idem['keys_with_two_tickets'])} "
      f"({idem['retries']} retries of {idem['retried_keys']} keys) | "
      f"{'pass' if not idem['keys_with_two_tickets'] else 'FAIL'} |")
    w(f"| every tamper and deletion named by `audit verify` | {caught} of {len(drill)} | "
      f"{'pass' if drill and caught == len(drill) else 'FAIL'} |")
    w(f"| no traceback in any response body | {s['tracebacks']} | {'pass' if s['tracebacks'] == 0 else 'FAIL'} |")
    w("")
    w("## Requests per page")
    w("")
    w("| page | kind | requests | p50 ms | p95 ms | p99 ms | 4xx | 5xx | no response |")
    w("|---|---|---|---|---|---|---|---|---|")
    groups: dict[tuple[str, str], list[Request]] = defaultdict(list)
    for r in requests:
        groups[(r.page, r.kind)].append(r)
    for (page, kind), rs in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        ms = [r.ms for r in rs if r.status > 0]
        w(f"| `{page}` | {kind} | {len(rs)} | {pct(ms, 50):.0f} | {pct(ms, 95):.0f} | {pct(ms, 99):.0f} | "
          f"{sum(1 for r in rs if 400 <= r.status < 500)} | {sum(1 for r in rs if r.status >= 500)} | "
          f"{sum(1 for r in rs if r.status == 0)} |")
    w("")
    w("No response = connection refused, reset or timed out (a killed web worker or server); 4xx include "
      "expected refusals (409 stale version, 409 key in progress, 429).")
    w("")
    w("## Faults, outage windows and healing")
    w("")
    w("Healed = `/ready` answers 200 and every domain event emitted until the fault ended is processed.")
    w("")
    w("| design | fault | at | ended | declared window | 5xx inside (of them not 503) | no response inside | "
      "healed after | detail |")
    w("|---|---|---|---|---|---|---|---|---|")
    for f in sorted(faults, key=lambda f: f.start):
        rs = [r for r in requests if during(r, f)]
        window = f"{f.window[0]:.0f}–{f.window[1]:.0f} s" if f.window else "none"
        heal = f"{f.healed - f.restored:.0f} s" if f.healed is not None and f.restored is not None else "not healed"
        w(f"| {f.design} | {f.name} | {_fmt_t(f.start)} | {_fmt_t(f.restored)} | {window} | "
          f"{sum(1 for r in rs if r.status >= 500)} ({sum(1 for r in rs if r.status >= 500 and r.status != 503)}) | "
          f"{sum(1 for r in rs if r.status == 0)} | {heal} | "
          f"{json.dumps(f.detail)} |")
    w("")
    w(f"5xx outside every window: {s['outside_5xx']}; requests without a response outside every window: "
      f"{s['outside_no_response']}. Processes restarted by the supervisor or the fault: "
      f"{json.dumps(restarts)}.")
    for err in errors:
        w(f"- a fault step failed: `{err}`")
    outside5 = [r for r in requests if r.status >= 500 and inside(r, faults) is None]
    if outside5:
        w("")
        w("5xx outside the windows:")
        w("")
        for r in outside5[:30]:
            w(f"- {r.t:.1f} s {r.method} `{r.page}` {r.status}")
    w("")
    w("## Events emitted and effects observed")
    w("")
    w("| event type | emitted | processed | waiting | parked |")
    w("|---|---|---|---|---|")
    for type_, c in ledger.events.items():
        w(f"| {type_} | {c['emitted']} | {c['processed']} | {c['waiting']} | {c['parked']} |")
    w("")
    w("| effect | expected | observed | lost | duplicated |")
    w("|---|---|---|---|---|")
    for e in ledger.effects:
        w(f"| {e.name} | {e.expected} | {e.observed} | {len(e.lost)} | {len(e.duplicated)} |")
    ex = ledger.exports
    w(f"| ticket exports started (202) → CSV downloaded (or, after the client gave up, stored) | {ex['started']} | "
      f"{ex['downloaded']} (+{len(ex['finished_late'])}) | {len(ex['not_downloaded'])} | — |")
    roll = ledger.rollups
    w(f"| rollups: ticket_daily_stats opened = tickets | {roll['tickets']} | {roll['sum_opened']} | "
      f"{roll['daily_rows_off']} rows off | — |")
    w(f"| rollups: ticket_open_counts = open tickets per priority and assignee | — | — | "
      f"{roll['open_count_rows_off']} rows off | — |")
    w("")
    for e in ledger.effects:
        for item in e.lost[:10]:
            w(f"- lost, {e.name}: `{item}`")
    for item in ex["not_downloaded"][:10]:
        w(f"- export lost (no file after the drain): `{json.dumps(item)}`")
    for item in ex["finished_late"][:10]:
        w(f"- export finished after its client stopped polling (300 s): `{json.dumps(item)}`")
    w("")
    w("Duplicates, each with the kill between its copies:")
    w("")
    if not ledger.duplicates:
        w("- none")
    for d in ledger.duplicates:
        w(f"- email `{d['token']}`: {d['copies']} copies at {d['first']} s and {d['last']} s; "
          f"cause: {json.dumps(d['kill']) if d['kill'] else 'UNEXPLAINED'} (the message was accepted by the "
          "SMTP server and the interruption came before its delivery row committed; the copy carries the same "
          "Message-ID)")
    w("")
    w(f"Queues after the drain: {json.dumps(ledger.queues)}.")
    w("")
    w("## Tickets and idempotent retries")
    w("")
    t = ledger.tickets
    w(f"- creates answered 2xx: {t['acknowledged']}; soak tickets in the database: {t['in_db']}; a marker "
      f"(web form or Idempotency-Key) on two tickets: {len(t['duplicated_markers'])}.")
    w(f"- 2xx creates without exactly one ticket row, one `ticket.created` audit row and one outbox row: "
      f"{len(t['without_business_audit_outbox'])}.")
    w(f"- API creates: {idem['keys']} Idempotency-Keys, {idem['requests']} requests, {idem['retries']} retries "
      f"on {idem['retried_keys']} keys ({idem['retried_then_created']} of them then created), "
      f"{idem['replayed']} answered from the stored response; tickets for those keys: "
      f"{idem['tickets_for_keys']}; keys with two tickets: {len(idem['keys_with_two_tickets'])}.")
    w(f"- statuses seen by the key's requests: {json.dumps(idem['statuses'])}.")
    if idem["unanswered"]:
        w(f"- keys never answered 201 ({len(idem['unanswered'])}):")
        for k in idem["unanswered"][:10]:
            w(f"  - `{k['key']}` statuses {k['statuses']}, tickets in the database: {k['in_db']}")
    w("")
    w("## Audit drill (D13)")
    w("")
    w("| at | step | `audit verify` exit | said |")
    w("|---|---|---|---|")
    for a in audit:
        w(f"| {a['t']:.0f} s | {a['step']} | {a['exit']} | {' '.join(a['output'])} |")
    w("")
    w("## Kills")
    w("")
    for k in kills:
        w(f"- {k['t']:.1f} s {k['design']}: {k['what']}" + (f", mid-job `{k['job']}`" if k["job"] else ""))
    path.write_text("\n".join(lines) + "\n")
    return {**s, "lost": lost, "duplicates": dups, "kills": len(kills), "caught": caught, "drill": len(drill),
            "idempotent_duplicates": len(idem["keys_with_two_tickets"])}
