"""The signed-in layout, computed once where its inputs allow.

Every page renders the sidebar, the top bar and the static asset links. Their inputs change rarely:
- the sidebar depends only on the viewer's grants, the active section and the mount point, so its
  HTML is rendered once per such key and reused;
- an address of an endpoint without arguments depends only on the mount point (script root);
- a static file's fingerprinted address depends on the file, which a production process never sees
  change (a deploy starts new processes).
Templates call `url_for` as usual: the layout's global answers those cases from a cache and passes
everything else (arguments, `_external`, relative `.endpoint`s) to Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, url_for
from flask.globals import _cv_request
from flask_login import current_user
from markupsafe import Markup

from app.auth.permissions import has_permission, user_grants


@dataclass(frozen=True, slots=True)
class NavLink:
    endpoint: str
    testid: str
    icon: str
    label: str
    permission: str

    @property
    def section(self) -> str:
        return self.endpoint.split(".", 1)[0]


NAV = (
    NavLink("dashboard.index", "nav-dashboard", "speedometer2", "Dashboard", "dashboard:read"),
    NavLink("tickets.index", "nav-tickets", "life-preserver", "Tickets", "tickets:read"),
    NavLink("customers.index", "nav-customers", "building", "Customers", "customers:read"),
    NavLink("users.index", "nav-users", "people", "Users", "users:read"),
    NavLink("roles.index", "nav-roles", "shield-lock", "Roles", "roles:read"),
    NavLink("reports.index", "nav-reports", "graph-up", "Reports", "analytics:read"),
    NavLink("macros.index", "nav-macros", "lightning", "Macros", "macros:use"),
    NavLink("csat.report", "nav-csat", "emoji-smile", "Satisfaction", "analytics:read"),
    NavLink("sla.index", "nav-sla", "stopwatch", "SLA policy", "sla:manage"),
    NavLink("audit.index", "nav-audit", "journal-text", "Audit log", "audit:read"),
    NavLink("system.index", "nav-system", "hdd-stack", "System", "system:manage"),
    NavLink("api_docs.page", "nav-api-docs", "braces", "API docs", "api:docs"),
)
CACHE_LIMIT = 1024  # distinct keys kept; far more than grant sets × sections in practice
ROWS_KEPT = 4096  # rendered table rows kept (a few dozen pages of 50)


class Layout:
    """The caches of one app (each app has its own: tests build several)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.production = app.config["ENV"] == "production"
        self._urls: dict[tuple[str, str], str] = {}
        self._statics: dict[tuple[str, str], str] = {}
        self._sidebars: dict[tuple[frozenset[str], str, str], Markup] = {}
        self._fragments: dict[tuple[Any, ...], Any] = {}
        self._rows: dict[tuple[Any, ...], Markup] = {}

    def url_for(self, endpoint: str, **values: Any) -> str:
        """`url_for`, answered from a cache for an endpoint without arguments (and, in production, a
        static file); everything else goes to Flask's."""
        ctx = _cv_request.get(None)
        if ctx is None or endpoint.startswith("."):
            return url_for(endpoint, **values)
        if values:
            if endpoint == "static" and self.production and len(values) == 1 and "filename" in values:
                return self.static_url(values["filename"])
            return url_for(endpoint, **values)
        if endpoint == "static":
            return url_for(endpoint)
        key = (endpoint, ctx.request.root_path)
        found = self._urls.get(key)
        if found is None:
            found = self._remember(self._urls, key, url_for(endpoint))
        return found

    def static_url(self, filename: str) -> str:
        """The fingerprinted address of a static file (computed once per file in production)."""
        ctx = _cv_request.get(None)
        if not self.production or ctx is None:
            return url_for("static", filename=filename)
        key = (filename, ctx.request.root_path)
        found = self._statics.get(key)
        if found is None:
            found = self._remember(self._statics, key, url_for("static", filename=filename))
        return found

    def sidebar(self) -> Markup:
        """The sidebar for the viewer's grants and the active section, rendered once per such key."""
        req = _cv_request.get().request
        grants = user_grants(current_user._get_current_object())
        section = (req.endpoint or "").split(".", 1)[0]
        key = (grants, section, req.root_path)
        found = self._sidebars.get(key)
        if found is None:
            links = [{"href": self.url_for(link.endpoint), "testid": link.testid, "icon": link.icon,
                      "label": link.label, "active": bool(section) and section == link.section}
                     for link in NAV if has_permission(grants, link.permission)]
            html = self.app.jinja_env.get_template("components/sidebar.html").render(
                links=links, home=self.url_for("dashboard.index"))
            # The output of an autoescaped template: every value in it was escaped while rendering.
            found = self._remember(self._sidebars, key, Markup(html))  # noqa: S704
        return found

    def fixed(self, template: str) -> Markup:
        """A template whose output depends on nothing but addresses (the asset links, the shortcuts
        panel, the palette), rendered once per mount point in production (elsewhere a changed
        static file must show its new fingerprint at once)."""
        key = (template, _cv_request.get().request.root_path)
        found = self._fragments.get(key) if self.production else None
        if found is None:
            html = self.app.jinja_env.get_template(template).render()
            found = self._remember(self._fragments, key, Markup(html))  # noqa: S704 - autoescaped output
        return found

    def macro(self, template: str, name: str, *args: Any) -> Markup:
        """A macro's output for these arguments, rendered once: for macros whose output depends on
        nothing but their arguments and addresses (a dashboard widget's frame, its spinner)."""
        key = (template, name, _frozen(args), _cv_request.get().request.root_path)
        found = self._fragments.get(key)
        if found is None:
            html = getattr(self.app.jinja_env.get_template(template).module, name)(*args)
            found = self._remember(self._fragments, key, Markup(html))  # noqa: S704 - autoescaped output
        return found

    def row(self, template: str, name: str, values: tuple[Any, ...]) -> Markup:
        """A table row's macro output for these values (a NamedTuple or frozen dataclass of plain,
        hashable values), rendered once while it is kept: the rows of the page everyone opens (the
        newest tickets, the newest audit records) are the same from one request to the next, and the
        macro depends on nothing but them. A changed value is a new key, so a changed row renders anew."""
        key = (template, name, type(values), values)
        found = self._rows.get(key)
        if found is None:
            html = getattr(self.app.jinja_env.get_template(template).module, name)(values)
            found = self._remember(self._rows, key, Markup(html), ROWS_KEPT)  # noqa: S704 - autoescaped output
        return found

    def cached(self, key: tuple[Any, ...], build: Callable[[], Any]) -> Any:
        """`build()`, once per key and mount point: for values that depend on nothing else."""
        full = (*key, _cv_request.get().request.root_path)
        found = self._fragments.get(full)
        if found is None:
            found = self._remember(self._fragments, full, build())
        return found

    @staticmethod
    def _remember(cache: dict[Any, Any], key: Any, value: Any, limit: int = CACHE_LIMIT) -> Any:
        if len(cache) >= limit:
            cache.clear()
        cache[key] = value
        return value


def _frozen(value: Any) -> Any:
    """A hashable stand-in for macro arguments (dicts keep their order: it is the URL's order)."""
    if isinstance(value, dict):
        return (dict, tuple((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value), tuple(_frozen(v) for v in value))
    return value if type(value) in _PLAIN else (type(value), _hashable(value))


_PLAIN = frozenset({str, int})  # never equal to a value of another type that renders differently


def _hashable(value: Any) -> Any:
    hash(value)  # anything else must be hashable as it is (None, floats, dates)
    return value


def init_app(app: Flask) -> None:
    layout = Layout(app)
    app.extensions["layout"] = layout
    globals_: dict[str, Callable[..., Any]] = {"url_for": layout.url_for, "static_url": layout.static_url,
                                                "sidebar": layout.sidebar, "fixed": layout.fixed,
                                                "cached_macro": layout.macro, "cached_row": layout.row}
    app.jinja_env.globals.update(globals_)


def layout() -> Layout:
    found: Layout = current_app.extensions["layout"]
    return found
