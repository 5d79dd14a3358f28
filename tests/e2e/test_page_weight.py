"""Lean pages: what a cold ticket list costs to transfer with an empty cache, and again with a warm one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from tests.e2e.conftest import login
from tests.e2e.workspace import LAPTOP, seed_tickets

COLD_LIMIT = 150_000
WARM_LIMIT = 70_000


def _transferred(page: Any, url: str) -> tuple[int, list[str]]:
    """Bytes on the wire (headers and compressed bodies, as Chromium counts them) to load `url` until idle."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    cdp.detach()
    return sum(sizes.values()), [f"{urls.get(k, k)} {v}" for k, v in sizes.items() if v]


def test_a_cold_ticket_list_transfers_under_150_kb_and_a_warm_one_under_70_kb(
    app: Flask, browser: Any, live_server: str, make_staff: Callable[..., Any]
) -> None:
    agent = make_staff("agent", email="e2e-weight@example.com")
    seed_tickets(app, 60, tags=["printer"])
    signin = browser.new_context(viewport=LAPTOP)
    login(signin.new_page(), live_server, agent.email)
    state = signin.storage_state()
    signin.close()
    context = browser.new_context(viewport=LAPTOP, storage_state=state)  # signed in, nothing cached
    try:
        page = context.new_page()
        cold, cold_parts = _transferred(page, f"{live_server}/tickets")
        warm, warm_parts = _transferred(page, f"{live_server}/tickets?status=open")
        print(f"ticket list: cold {cold:,} bytes, warm {warm:,} bytes")
        assert cold <= COLD_LIMIT, cold_parts
        assert warm <= WARM_LIMIT, warm_parts
        assert all("/static/" not in p for p in warm_parts), warm_parts  # immutable: not even revalidated
    finally:
        context.close()
