"""python -m workers [--burst]: run an RQ worker on the high, default and low queues."""

import argparse

from workers.runner import run_worker

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m workers")
    parser.add_argument("--burst", action="store_true", help="exit when the queues are empty")
    parser.add_argument("--no-scheduler", action="store_true", help="do not run the RQ scheduler")
    args = parser.parse_args()
    run_worker(burst=args.burst, with_scheduler=not args.no_scheduler)
