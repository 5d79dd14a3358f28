"""axe-core on every page of the url map, light and dark: no serious or critical findings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.e2e.conftest import login
from tests.e2e.workspace import LAPTOP, seed_tickets

AXE = Path(__import__("axe_playwright_python").__file__).with_name("axe.min.js").read_text()
SKIP_PREFIXES = ("/api/", "/static/", "/health", "/ready", "/metrics", "/dashboard/widgets", "/logout",
                 "/invitations", "/password/reset", "/two-factor", "/login/two-factor")


def pages(app: Flask, ids: dict[str, str]) -> list[str]:
    """Every GET page of the url map, with the seeded objects' ids for its parameters."""
    found = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.rule.startswith(SKIP_PREFIXES) or rule.rule.endswith(".csv"):
            continue
        if any(arg not in ids for arg in rule.arguments):
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = path.replace(f"<{arg}>", ids[arg])
        found.add(path)
    return sorted(found)


def serious(page: Any) -> list[str]:
    page.evaluate(AXE)
    result = page.evaluate("""() => axe.run(document, {resultTypes: ['violations'],
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})""")
    return [f"{v['id']} ({v['impact']}): " + "; ".join(n["target"][0] for n in v["nodes"][:4])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.slow
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_page_has_no_serious_axe_findings(
    app: Flask, browser: Any, live_server: str, make_staff: Callable[..., Any], theme: str
) -> None:
    from app.extensions import db
    from app.models import Customer, Role, Ticket

    admin = make_staff("admin", email=f"e2e-axe-{theme}@example.com")
    ticket_id = seed_tickets(app, 3, tags=["printer"])[0]
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        ids = {"ticket_id": ticket_id, "customer_id": str(ticket.customer_id), "user_id": str(admin.id),  # type: ignore[union-attr]
               "role_id": str(db.session.query(Role.id).filter(Role.name == "agent").scalar())}
        assert db.session.get(Customer, ticket.customer_id)  # type: ignore[union-attr]
    context = browser.new_context(viewport=LAPTOP, color_scheme=theme, bypass_csp=True)
    try:
        page = context.new_page()
        login(page, live_server, admin.email)
        findings, visited = {}, []
        for path in pages(app, ids):
            page.goto(f"{live_server}{path}")
            page.wait_for_load_state("networkidle")
            if not page.evaluate("!!document.querySelector('main')"):
                continue  # a fragment endpoint (the bell), not a page
            assert page.evaluate("document.documentElement.dataset.bsTheme") == theme
            visited.append(path)
            found = serious(page)
            if found:
                findings[path] = found
        assert len(visited) >= 20, visited
        assert findings == {}, "\n".join(f"{p}: {f}" for p, f in findings.items())
    finally:
        context.close()
