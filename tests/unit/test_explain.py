"""The explainer and the permission check are one piece of code: they agree on every case."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.auth.permissions import CATALOG, can, explain, explain_user, has_any_scope, has_permission

AREAS = sorted(CATALOG)
PERMS = [f"{a}:{x}" for a in AREAS for x in CATALOG[a]]
RESOURCES = ["1", "2", "x"]

grant_st = st.one_of(
    st.just("*"),
    st.sampled_from(AREAS).map(lambda a: f"{a}:*"),
    st.sampled_from(PERMS),
    st.tuples(st.sampled_from(PERMS), st.sampled_from(RESOURCES)).map(lambda t: f"{t[0]}:{t[1]}"),
)


def oracle(grants: set[str], perm: str, resource: str | None) -> bool:
    """Written apart from the implementation, from the rules in the module docstring."""
    area = perm.split(":")[0]
    return bool({"*", f"{area}:*", perm} & grants) or (resource is not None and f"{perm}:{resource}" in grants)


def user(role: set[str], extra: set[str]) -> SimpleNamespace:
    return SimpleNamespace(is_authenticated=True, role=SimpleNamespace(name="r", permissions=sorted(role)),
                           permissions=sorted(extra))


# 10,000 cases take ~30 s alone; on a busy machine far longer, so the per-test timeout is raised.
@pytest.mark.timeout(1500)
@settings(max_examples=10_000, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sets(grant_st, max_size=5), st.sets(grant_st, max_size=3), st.sampled_from(PERMS),
       st.sampled_from([None, *RESOURCES]))
def test_the_explanation_is_the_permission_check(role: set[str], extra: set[str], perm: str,
                                                 resource: str | None) -> None:
    who = user(role, extra)
    answer = explain_user(who, perm, resource)
    grants = role | extra
    assert answer.allowed == can(who, perm, resource) == has_permission(grants, perm, resource)
    assert answer.allowed == oracle(grants, perm, resource)
    if answer.allowed:
        # The named grant is really held, by the named source, and alone is enough.
        held = role if answer.source == "role r" else extra
        assert answer.matched in held
        assert explain({answer.matched}, perm, resource).allowed
        assert answer.nearest == ()
    else:
        # Each suggested grant would allow it; the first is the narrowest.
        assert answer.nearest and all(explain(grants | {g}, perm, resource).allowed for g in answer.nearest)
        assert answer.missing == (f"{perm}:{resource}" if resource else perm)
    guard = explain_user(who, perm, any_object=True)
    assert guard.allowed == has_any_scope(grants, perm)
    assert guard.allowed == (oracle(grants, perm, None) or any(g.startswith(perm + ":") for g in grants))


def test_it_names_the_kind_and_source_of_the_match() -> None:
    who = user({"tickets:*"}, {"customers:read:42"})
    area = explain_user(who, "tickets:assign")
    assert (area.matched, area.kind, area.source) == ("tickets:*", "area", "role r")
    scoped = explain_user(who, "customers:read", "42")
    assert (scoped.matched, scoped.kind, scoped.source) == ("customers:read:42", "resource", "extra grant")
    refused = explain_user(who, "customers:read", "43")
    assert not refused.allowed and refused.nearest == ("customers:read:43", "customers:read", "customers:*")


def test_the_broadest_grant_wins_the_explanation() -> None:
    answer = explain({"*", "tickets:read"}, "tickets:read")
    assert (answer.matched, answer.kind) == ("*", "everything")


def test_an_anonymous_user_is_refused() -> None:
    assert not explain_user(SimpleNamespace(is_authenticated=False), "dashboard:read").allowed
