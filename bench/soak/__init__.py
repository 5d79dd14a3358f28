"""`make soak`: the production-like stack on 127.0.0.1 under a weighted traffic mix while faults
are injected (designs D8-D13 of SECURITY-RELIABILITY.md); the findings land in bench/SOAK.md.

stack    private PostgreSQL and Redis servers, the SMTP sink, gunicorn, two workers, the scheduler
traffic  signed-in browsers and API clients, every request recorded
faults   the timeline of injected faults and how long each took to heal
ledger   events emitted against the effects observed, idempotency, the audit drill
report   bench/SOAK.md
"""
