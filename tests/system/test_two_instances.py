"""Two web instances (real gunicorn) and two RQ workers on one PostgreSQL and one Redis: a
client alternating between the instances keeps its sign-in, CSRF token, rate limit and export."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy.orm import Session

from tests import processes
from tests.factories import PASSWORD, make_customer, make_ticket, make_user

pytestmark = pytest.mark.slow
_FORM_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_HX_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')


def test_one_client_alternating_between_two_instances(
    app: Flask, committed_db: Session, service_urls: dict[str, str], tmp_path: Any
) -> None:
    app.extensions["redis"].flushdb()
    agent = make_user(committed_db, role_name="agent", email="two.instances@example.com")
    customer = make_customer(committed_db)
    for i in range(30):
        make_ticket(committed_db, customer_id=customer.id, title=f"Shared ticket {i}")
    committed_db.commit()

    ports = [processes.free_port(), processes.free_port()]
    env = processes.environment(service_urls, LOGIN_RATE_LIMIT="20 per minute")
    a, b = (f"http://127.0.0.1:{p}" for p in ports)
    with processes.gunicorn({**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "ma")}, [f"127.0.0.1:{ports[0]}"],
                            workers=1), \
         processes.gunicorn({**env, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "mb")}, [f"127.0.0.1:{ports[1]}"],
                            workers=1), \
         processes.worker(env), processes.worker(env):
        browser = requests.Session()
        # Sign-in: the form comes from A, the post goes to B, the pages answer on both.
        form = browser.get(f"{a}/login", timeout=10).text
        token = _FORM_TOKEN.search(form).group(1)  # type: ignore[union-attr]
        signed_in = browser.post(f"{b}/login", data={"csrf_token": token, "email": agent.email,
                                                     "password": PASSWORD}, timeout=10, allow_redirects=False)
        assert signed_in.status_code == 303
        for base in (a, b, a):
            page = browser.get(f"{base}/tickets", timeout=10)
            assert page.status_code == 200 and "Shared ticket" in page.text
        assert browser.get(f"{b}/notifications", timeout=10).status_code == 200
        assert browser.get(f"{a}/", timeout=10).status_code == 200

        # CSRF: the token of a page from B is good for a POST to A; a forged one is refused there too.
        hx = _HX_TOKEN.search(browser.get(f"{b}/tickets", timeout=10).text).group(1)  # type: ignore[union-attr]
        forged = browser.post(f"{a}/tickets/export", data={"query": ""}, headers={"X-CSRFToken": "forged"},
                              timeout=10, allow_redirects=False)
        assert forged.status_code in (400, 403)
        started = browser.post(f"{a}/tickets/export", data={"query": ""}, headers={"X-CSRFToken": hx},
                               timeout=10, allow_redirects=False)
        assert started.status_code == 303
        status_url = started.headers["Location"]
        export_path = status_url if status_url.startswith("/") else "/" + status_url.split("/", 3)[3]

        # The export, written by one of the workers, downloads from the other instance.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            download = browser.get(f"{b}{export_path}/download", timeout=10)
            if download.status_code == 200:
                break
            time.sleep(0.5)
        assert download.status_code == 200, download.text[:300]
        rows = download.text.strip().splitlines()
        assert rows[0].startswith("number,title") and len(rows) == 31

        # Rate limits are counted in Redis, for both instances together.
        other = requests.Session()
        codes = []
        for i in range(22):
            base = (a, b)[i % 2]
            page = other.get(f"{base}/login", timeout=10).text
            t = _FORM_TOKEN.search(page).group(1)  # type: ignore[union-attr]
            codes.append(other.post(f"{base}/login", data={"csrf_token": t, "email": "nobody@example.com",
                                                          "password": "wrong-password-123"}, timeout=10).status_code)
        assert 429 in codes and codes.index(429) >= 19, codes
