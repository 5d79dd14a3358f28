#!/usr/bin/env bash
# Start or stop the portal under gunicorn with the benchmark's settings (the peer's): 4 sync workers,
# 127.0.0.1 only, 120 s worker timeout, no access log (bench/gunicorn.conf.py, not the production
# gunicorn.conf.py); against the bench database.
# Usage: bench/serve.sh start|stop|status
set -euo pipefail
source "$(dirname "$0")/env.sh"
RUN_DIR="$BENCH_OUT/run"; mkdir -p "$RUN_DIR"
pidfile="$RUN_DIR/portal.pid"
case "${1:?start|stop|status}" in
  start)
    bench_env
    [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && { echo "already running (pid $(cat "$pidfile"))"; exit 0; }
    (cd "$BENCH_ROOT" && "$VENV/bin/gunicorn" --config bench/gunicorn.conf.py --workers "${WORKERS:-4}" --worker-class sync \
      --bind "127.0.0.1:$BENCH_PORT" --timeout 120 --pid "$pidfile" wsgi:app >"$RUN_DIR/portal.log" 2>&1 &)
    for _ in $(seq 150); do
      curl -s -o /dev/null "$BENCH_BASE/health" && break; sleep 0.2
    done
    curl -sf -o /dev/null "$BENCH_BASE/health" || { echo "portal did not start; see $RUN_DIR/portal.log" >&2; exit 1; }
    echo "portal started: master pid $(cat "$pidfile"), $BENCH_BASE"
    ;;
  stop)
    if [ -f "$pidfile" ]; then
      pid=$(cat "$pidfile"); kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      rm -f "$pidfile"; echo "portal stopped (pid $pid)"
    else
      echo "portal: not running"
    fi
    ;;
  status) [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && echo running || echo stopped ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
