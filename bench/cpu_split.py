"""Where a page's box CPU goes: run wrk against one URL and split the CPU every process used during
the run by program (gunicorn workers, PostgreSQL backends, Redis, wrk itself, the rest), in user and
kernel time, per completed request.

    .venv/bin/python -m bench.cpu_split URL [--cookie 'name=value'] [--seconds 10] [--conns 8]

Reads /proc/<pid>/stat before and after (utime and stime, in clock ticks), so it needs an otherwise
idle box to mean anything; wrk, which has ended by the second reading, is counted from its rusage.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

HZ = os.sysconf("SC_CLK_TCK")
GROUPS = (("gunicorn", "app workers"), ("postgres", "PostgreSQL"), ("redis", "Redis"), ("wrk", "wrk"))


def _snapshot() -> dict[int, tuple[str, int, int]]:
    out: dict[int, tuple[str, int, int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        out[int(entry.name)] = (f"{comm} {cmdline}", int(fields[11]), int(fields[12]))
    return out


def _group(name: str) -> str:
    low = name.lower()
    for needle, label in GROUPS:
        if needle in low:
            return label
    return "other"


def _busy_ticks() -> int:
    parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in parts[:7])
    return user + nice + system + irq + softirq


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("url")
    ap.add_argument("--cookie", default="")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--conns", type=int, default=8)
    args = ap.parse_args(argv)
    cmd = ["wrk", f"-t{min(2, args.conns)}", f"-c{args.conns}", f"-d{args.seconds}s", "--latency", args.url]
    if args.cookie:
        cmd[1:1] = ["-H", f"Cookie: {args.cookie}"]
    before, busy0 = _snapshot(), _busy_ticks()
    children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = subprocess.run(cmd, capture_output=True, text=True, check=True)
    children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    after, busy1 = _snapshot(), _busy_ticks()
    match = re.search(r"(\d+) requests in", run.stdout)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", run.stdout)
    requests = int(match.group(1)) if match else 0
    if not requests:
        print(run.stdout, file=sys.stderr)
        return 1
    split: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for pid, (name, utime, stime) in after.items():
        u0, s0 = before.get(pid, (name, 0, 0))[1:]
        split[_group(name)][0] += utime - u0
        split[_group(name)][1] += stime - s0
    split["wrk"] = [(children1.ru_utime - children0.ru_utime) * HZ, (children1.ru_stime - children0.ru_stime) * HZ]
    per = 1000.0 / HZ / requests
    rps = re.search(r"Requests/sec:\s+([\d.]+)", run.stdout)
    print(f"{args.url}: {requests} requests, {rps.group(1) if rps else '?'} req/s,"
          f" non-2xx {non2xx.group(1) if non2xx else 0}; box busy {(busy1 - busy0) * per:.2f} ms/request")
    print(f"{'program':<14}{'user ms':>9}{'kernel ms':>11}{'total':>8}  (per request)")
    for label in [g[1] for g in GROUPS] + ["other"]:
        user, kernel = split.get(label, [0.0, 0.0])
        print(f"{label:<14}{user * per:>9.3f}{kernel * per:>11.3f}{(user + kernel) * per:>8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
