"""python -m workers: run an RQ worker on the high, default and low queues."""

from workers.runner import run_worker

if __name__ == "__main__":
    run_worker()
