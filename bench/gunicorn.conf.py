"""gunicorn settings for the benchmark: the peer's (bench-peer/serve.sh) and nothing else.

bench/serve.sh passes this file with --config, so the production gunicorn.conf.py that gunicorn
would otherwise read from the working directory does not apply. Its max_requests restarted every
worker about every 5,000 requests, several times within one measured run, and each restart paid a
full application start and cold caches that the peer's server never pays.
"""

workers = 4
worker_class = "sync"
timeout = 120
accesslog = None
