"""Real traffic: signed-in browsers (pages, htmx partials, forms with CSRF) and API clients (bearer
tokens, Idempotency-Key), paced to a target rate; every request is recorded."""

from __future__ import annotations

import json
import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import requests

TIMEOUT = 15.0
CSRF = re.compile(r'"X-CSRFToken": "([^"]+)"')
FORM_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"')
EXPORT = re.compile(r"/tickets/exports/([0-9a-f]{32})")
WIDGETS = ("cards", "opened_solved", "backlog", "sla", "revenue", "workload", "recent")


@dataclass
class Request:
    t: float  # seconds since the run started
    page: str
    kind: str  # page, partial, mutation, api, login, export
    method: str
    status: int  # 0: no response (connection refused or reset, timeout)
    ms: float
    error: str = ""
    traceback: bool = False


@dataclass
class Recorder:
    started: float = field(default_factory=time.monotonic)
    wall_started: float = field(default_factory=time.time)
    requests: list[Request] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)  # every 2xx create: id, via, marker
    replies: list[dict[str, Any]] = field(default_factory=list)  # public replies: token, ticket
    exports: list[dict[str, Any]] = field(default_factory=list)  # id, started, finished, rows, state
    keys: list[dict[str, Any]] = field(default_factory=list)  # idempotency keys: attempts, replays, ticket
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.started

    def add(self, item: Request) -> None:
        with self.lock:
            self.requests.append(item)

    def note(self, bucket: str, row: dict[str, Any]) -> None:
        with self.lock:
            getattr(self, bucket).append(row)

    def dump(self, path: Any) -> None:
        with open(path, "w") as f:
            for r in self.requests:
                f.write(json.dumps(asdict(r)) + "\n")


class Client:
    """One HTTP client with manual cookies (production cookies are Secure and __Host-; this is
    plain http on loopback, where a cookie jar would drop them)."""

    def __init__(self, base: str, rec: Recorder, email: str, password: str) -> None:
        self.base, self.rec = base, rec
        self.email, self.password = email, password
        self.http = requests.Session()
        self.http.trust_env = False
        self.cookies: dict[str, str] = {}

    def call(self, method: str, path: str, page: str, kind: str, headers: dict[str, str] | None = None,
             **kwargs: Any) -> requests.Response | None:
        hdrs = dict(headers or {})
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        t0, start = time.monotonic(), self.rec.now()
        try:
            resp = self.http.request(method, self.base + path, headers=hdrs, timeout=TIMEOUT,
                                     allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            self.rec.add(Request(start, page, kind, method, 0, (time.monotonic() - t0) * 1000,
                                 type(exc).__name__))
            return None
        ms = (time.monotonic() - t0) * 1000
        self.http.cookies.clear()
        for raw in resp.raw.headers.getlist("Set-Cookie"):
            pair = raw.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if "max-age=0" in raw.lower() or "expires=thu, 01 jan 1970" in raw.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()
        body = resp.text if resp.status_code >= 500 else ""
        self.rec.add(Request(start, page, kind, method, resp.status_code, ms,
                             traceback="Traceback (most recent call last)" in body))
        return resp


class Browser(Client):
    """A signed-in member of staff clicking through the portal."""

    csrf = ""  # the page's CSRF token, read after sign-in

    def login(self) -> bool:
        self.cookies.clear()
        page = self.call("GET", "/login", "/login", "login")
        if page is None or page.status_code != 200:
            return False
        token = FORM_CSRF.search(page.text)
        resp = self.call("POST", "/login", "/login", "login",
                         data={"email": self.email, "password": self.password,
                               "csrf_token": token.group(1) if token else ""})
        if resp is None or resp.status_code != 303:
            return False
        return self.refresh_csrf()

    def refresh_csrf(self) -> bool:
        resp = self.get("/notifications", "/notifications")
        found = CSRF.search(resp.text) if resp is not None and resp.status_code == 200 else None
        if found:
            self.csrf = found.group(1)
        return bool(found)

    def signed_in(self, resp: requests.Response | None) -> bool:
        """A redirect to /login or a 401 means the session was lost (sign in again)."""
        if resp is not None and (resp.status_code == 401 or "/login" in resp.headers.get("Location", "")):
            self.login()
            return False
        return resp is not None

    def get(self, path: str, page: str, htmx: bool = False) -> requests.Response | None:
        headers = {"HX-Request": "true"} if htmx else None
        resp = self.call("GET", path, page, "partial" if htmx else "page", headers)
        self.signed_in(resp)
        return resp

    def post(self, path: str, page: str, data: dict[str, Any] | list[tuple[str, str]], kind: str = "mutation",
             htmx: bool = False) -> requests.Response | None:
        headers = {"X-CSRFToken": self.csrf}
        if htmx:
            headers["HX-Request"] = "true"
        resp = self.call("POST", path, page, kind, headers, data=data)
        if resp is not None and resp.status_code == 400 and "CSRF" in resp.text:
            self.refresh_csrf()
        self.signed_in(resp)
        return resp


class ApiClient(Client):
    token = ""  # the bearer access token, set by login()

    def login(self) -> bool:
        resp = self.call("POST", "/api/v1/auth/login", "/api/v1/auth/login", "login",
                         json={"email": self.email, "password": self.password})
        if resp is not None and resp.status_code == 200:
            self.token = resp.json()["access_token"]
            return True
        return False

    def api(self, method: str, path: str, page: str, headers: dict[str, str] | None = None,
            **kwargs: Any) -> requests.Response | None:
        hdrs = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        resp = self.call(method, path, page, "api", hdrs, **kwargs)
        if resp is not None and resp.status_code == 401:
            self.login()
        return resp

    def create_ticket(self, customer_id: str, assignee_id: str | None, attempts: int = 8) -> dict[str, Any]:
        """POST with an Idempotency-Key, retried with the same key and body until it is answered."""
        key = uuid.uuid4().hex
        body = {"customer_id": customer_id, "title": f"soak api {key}", "priority": random.choice(PRIORITIES),
                "assignee_id": assignee_id}
        row: dict[str, Any] = {"key": key, "attempts": 0, "replays": 0, "statuses": [], "ticket": None,
                               "t": self.rec.now()}
        for n in range(attempts):
            row["attempts"] += 1
            resp = self.api("POST", "/api/v1/support/tickets", "/api/v1/support/tickets",
                            {"Idempotency-Key": key}, json=body)
            status = resp.status_code if resp is not None else 0
            row["statuses"].append(status)
            if resp is not None and resp.status_code == 201:
                row["ticket"] = resp.json()["data"]["id"]
                row["replays"] += resp.headers.get("Idempotent-Replayed") == "true"
                break
            if status == 401:
                continue
            if status not in (0, 409, 429, 500, 502, 503, 504):
                break
            time.sleep(min(5.0, 0.5 * 2 ** n))
        self.rec.note("keys", row)
        if row["ticket"]:
            self.rec.note("tickets", {"id": row["ticket"], "via": "api", "marker": key})
        return row


PRIORITIES = ("low", "medium", "high", "urgent")


@dataclass
class World:
    """What the traffic picks from: known tickets and customers, the assignee to notify."""

    tickets: list[str]
    customers: list[str]
    assignee: str
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ticket(self) -> str:
        with self.lock:
            return random.choice(self.tickets)

    def add(self, ticket_id: str) -> None:
        with self.lock:
            self.tickets.append(ticket_id)


class Actions:
    """The weighted mix; one action is one or more requests, as a person or a script would make them."""

    def __init__(self, browser: Browser, api: ApiClient, world: World, rec: Recorder) -> None:
        self.b, self.a, self.w, self.rec = browser, api, world, rec

    def mix(self) -> list[tuple[Callable[[], None], int]]:
        return [
            (self.list_page, 14), (self.ticket_page, 10), (self.other_page, 8),
            (self.table_partial, 12), (self.widget_partial, 10), (self.bell_partial, 8),
            (self.presence_partial, 4),
            (self.create_ticket, 5), (self.reply, 5), (self.change_fields, 6), (self.bulk_change, 1),
            (self.export, 1), (self.api_read, 8), (self.api_create, 5), (self.api_patch, 2),
            (self.login, 1),
        ]

    def list_page(self) -> None:
        query = random.choice(["", "?status=open", "?view=unassigned&sort=-created_at", "?priority=urgent",
                               "?q=refund", "?sort=priority"])
        self.b.get("/tickets" + query, "/tickets")

    def ticket_page(self) -> None:
        self.b.get(f"/tickets/{self.w.ticket()}", "/tickets/<id>")

    def other_page(self) -> None:
        path = random.choice(["/", "/customers", "/notifications", "/audit", "/reports"])
        self.b.get(path, path)

    def table_partial(self) -> None:
        query = random.choice(["?status=open", "?status=pending&sort=-updated_at", "?view=all&page=2",
                               "?priority=high"])
        self.b.get("/tickets" + query, "/tickets (table)", htmx=True)

    def widget_partial(self) -> None:
        name = random.choice(WIDGETS)
        self.b.get(f"/dashboard/widgets/{name}?range=7d", "/dashboard/widgets/<name>", htmx=True)

    def bell_partial(self) -> None:
        self.b.get("/notifications/bell", "/notifications/bell", htmx=True)

    def presence_partial(self) -> None:
        self.b.get(f"/tickets/{self.w.ticket()}/presence", "/tickets/<id>/presence", htmx=True)

    def create_ticket(self) -> None:
        marker = uuid.uuid4().hex
        resp = self.b.post("/tickets/new", "/tickets/new", {
            "customer_id": random.choice(self.w.customers), "title": f"soak web {marker}",
            "description": "Created by the soak.", "priority": random.choice(PRIORITIES), "tags": "soak",
            "csrf_token": self.b.csrf})
        if resp is not None and resp.status_code == 303:
            ticket_id = resp.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
            self.w.add(ticket_id)
            self.rec.note("tickets", {"id": ticket_id, "via": "web", "marker": marker})

    def reply(self) -> None:
        ticket_id, token = self.w.ticket(), uuid.uuid4().hex
        resp = self.b.post(f"/tickets/{ticket_id}/comments", "/tickets/<id>/comments",
                           {"body": f"Soak reply {token}", "kind": "reply", "csrf_token": self.b.csrf}, htmx=True)
        if resp is not None and resp.status_code == 200:
            self.rec.note("replies", {"token": token, "ticket": ticket_id, "t": self.rec.now()})

    def change_fields(self) -> None:
        ticket_id = self.w.ticket()
        page = self.b.get(f"/tickets/{ticket_id}", "/tickets/<id>")
        found = VERSION.search(page.text) if page is not None and page.status_code == 200 else None
        if not found:
            return
        change = random.choice([{"status": s} for s in ("pending", "open", "solved", "on_hold")]
                               + [{"priority": p} for p in PRIORITIES] + [{"assignee_id": self.w.assignee}] * 3)
        self.b.post(f"/tickets/{ticket_id}/fields", "/tickets/<id>/fields",
                    {**change, "version": found.group(1), "csrf_token": self.b.csrf}, htmx=True)

    def bulk_change(self) -> None:
        ids = [self.w.ticket() for _ in range(5)]
        action = random.choice(["status:pending", "status:open", "priority:high", "priority:low",
                                f"assignee:{self.w.assignee}"])
        data = [("ids", i) for i in ids] + [("action", action), ("query", "status=open"),
                                            ("csrf_token", self.b.csrf)]
        self.b.post("/tickets/bulk", "/tickets/bulk", data, htmx=True)

    def export(self) -> None:
        customer = random.choice(self.w.customers)
        resp = self.b.post("/tickets/export", "/tickets/export", {"query": f"customer={customer}",
                                                                  "csrf_token": self.b.csrf}, "export", htmx=True)
        found = EXPORT.search(resp.text) if resp is not None and resp.status_code == 202 else None
        if not found:
            return
        row: dict[str, Any] = {"id": found.group(1), "customer": customer, "t": self.rec.now(), "state": "started",
                               "rows": None}
        self.rec.note("exports", row)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            time.sleep(1)
            poll = self.b.call("GET", f"/tickets/exports/{row['id']}", "/tickets/exports/<id>", "partial",
                               {"HX-Request": "true"})
            if poll is None or poll.status_code in (200, 500, 502, 503):
                continue
            if poll.status_code == 286 and "/download" in poll.text:
                got = self.b.call("GET", f"/tickets/exports/{row['id']}/download", "/tickets/exports/<id>/download",
                                  "export")
                if got is not None and got.status_code == 200:
                    row.update(state="downloaded", rows=max(0, got.text.count("\n") - 1), done=self.rec.now())
                    return
            row["state"] = f"http {poll.status_code}"
            return
        row["state"] = "timed out"

    def api_read(self) -> None:
        if random.random() < 0.5:
            self.a.api("GET", "/api/v1/support/tickets?status=open&limit=25", "/api/v1/support/tickets")
        else:
            self.a.api("GET", f"/api/v1/support/tickets/{self.w.ticket()}", "/api/v1/support/tickets/<id>")

    def api_create(self) -> None:
        row = self.a.create_ticket(random.choice(self.w.customers),
                                   self.w.assignee if random.random() < 0.3 else None)
        if row["ticket"]:
            self.w.add(row["ticket"])

    def api_patch(self) -> None:
        ticket_id = self.w.ticket()
        got = self.a.api("GET", f"/api/v1/support/tickets/{ticket_id}", "/api/v1/support/tickets/<id>")
        if got is None or got.status_code != 200:
            return
        self.a.api("PATCH", f"/api/v1/support/tickets/{ticket_id}", "/api/v1/support/tickets/<id>",
                   {"If-Match": got.headers.get("ETag", ""), "Idempotency-Key": uuid.uuid4().hex},
                   json={"priority": random.choice(PRIORITIES)})

    def login(self) -> None:
        if random.random() < 0.5:
            self.b.login()
        else:
            self.a.login()


def run_user(actions: Actions, rate: float, until: Callable[[], bool]) -> None:
    """Poisson arrivals at `rate` actions per second for this user, until told to stop."""
    picks, weights = zip(*actions.mix(), strict=True)
    while not until():
        start = time.monotonic()
        action = random.choices(picks, weights)[0]
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - a driver bug must not end the run; it is recorded
            actions.rec.add(Request(actions.rec.now(), f"driver:{action.__name__}", "driver", "-", -1, 0,
                                    repr(exc)[:200]))
        wait = random.expovariate(rate) - (time.monotonic() - start)
        if wait > 0:
            time.sleep(wait)
