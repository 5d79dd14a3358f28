"""/metrics through real gunicorn with two workers: counters summed over the workers."""

from __future__ import annotations

import http.client
import socket
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests import processes

pytestmark = pytest.mark.slow


def _get(
    host: str,
    port: int,
    path: str,
    source: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    conn = http.client.HTTPConnection(host, port, timeout=10, source_address=(source, 0) if source else None)
    try:
        # A new connection per request: gunicorn spreads connections over its workers.
        conn.request("GET", path, headers={"Connection": "close", **(headers or {})})
        resp = conn.getresponse()
        return resp.status, resp.read().decode()
    finally:
        conn.close()


def _health_count(body: str) -> float:
    total = 0.0
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if (
                sample.name == "backoffice_http_requests_total"
                and sample.labels.get("endpoint") == "ops.health"
                and sample.labels.get("status") == "200"
            ):
                total += sample.value
    return total


def _external_address() -> str | None:
    """The address of the machine's network interface: connecting a UDP socket sends nothing, it only
    picks the source address the kernel would route from (a broadcast target is refused, so none is used)."""
    for target in ("10.255.255.255", "192.0.2.1"):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            try:
                s.connect((target, 9))
            except OSError:
                continue
            address: str = s.getsockname()[0]
        if not address.startswith("127."):
            return address
    return None


def test_counters_sum_over_workers_and_loopback_rule(service_urls: dict[str, str], app: Any, tmp_path: Any) -> None:
    port = processes.free_port()
    env = processes.environment(service_urls, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"))
    with processes.gunicorn(env, [f"0.0.0.0:{port}"], workers=2):
        status, before = _get("127.0.0.1", port, "/metrics")
        assert status == 200
        start = _health_count(before)
        sent = 40
        for _ in range(sent):
            assert _get("127.0.0.1", port, "/health")[0] == 200
        _, after = _get("127.0.0.1", port, "/metrics")
        assert _health_count(after) - start == sent
        families = {f.name for f in text_string_to_metric_families(after)}
        assert {
            "backoffice_http_request_duration_seconds",
            "backoffice_http_responses",
            "backoffice_rq_queue_depth",
            "backoffice_outbox_lag_seconds",
        } <= families

        # Any loopback address is served; an address of the machine's network interface is not.
        status, _ = _get("127.0.0.2", port, "/metrics", source="127.0.0.2")
        assert status == 200
        external = _external_address()
        if external:
            status, body = _get(external, port, "/metrics", source=external)
            assert status == 403, body


def test_token_is_read_from_the_environment(service_urls: dict[str, str], app: Any, tmp_path: Any) -> None:
    port = processes.free_port()
    env = processes.environment(
        service_urls, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"), METRICS_TOKEN="scrape-me-" + "t" * 20
    )
    with processes.gunicorn(env, [f"127.0.0.1:{port}"], workers=1):
        assert _get("127.0.0.1", port, "/metrics")[0] == 401
        assert _get("127.0.0.1", port, "/metrics", headers={"Authorization": "Bearer wrong"})[0] == 401
        status, body = _get("127.0.0.1", port, "/metrics", headers={"Authorization": "Bearer scrape-me-" + "t" * 20})
        assert status == 200 and "backoffice_http_requests_total" in body
