from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.auth.permissions import CATALOG, grants_within, has_any_scope, has_permission, is_valid_grant

AREAS = sorted(CATALOG)
PERMS = [f"{a}:{x}" for a in AREAS for x in CATALOG[a]]


def oracle(grants: set[str], perm: str, resource: str | None) -> bool:
    area = perm.split(":")[0]
    return (
        "*" in grants
        or perm in grants
        or f"{area}:*" in grants
        or (resource is not None and f"{perm}:{resource}" in grants)
    )


grant_st = st.one_of(
    st.just("*"),
    st.sampled_from(AREAS).map(lambda a: f"{a}:*"),
    st.sampled_from(PERMS),
    st.tuples(st.sampled_from(PERMS), st.sampled_from(["1", "2", "x"])).map(lambda t: f"{t[0]}:{t[1]}"),
)


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(st.sets(grant_st, max_size=6), st.sampled_from(PERMS), st.sampled_from([None, "1", "2"]))
def test_it_matches_the_reference_oracle(grants: set[str], perm: str, resource: str | None) -> None:
    assert has_permission(grants, perm, resource) == oracle(grants, perm, resource)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.sets(grant_st, max_size=6), grant_st, st.sampled_from(PERMS))
def test_adding_a_grant_never_removes_access(grants: set[str], extra: str, perm: str) -> None:
    if has_permission(grants, perm):
        assert has_permission(grants | {extra}, perm)


def test_the_empty_grant_set_grants_nothing() -> None:
    assert not any(has_permission(set(), p) for p in PERMS)


def test_area_wildcard_does_not_leak_into_a_longer_area_name() -> None:
    assert has_permission({"tickets:*"}, "tickets:assign")
    assert not has_permission({"ticket:*"}, "tickets:assign")
    assert not has_permission({"tickets:*"}, "ticketsx:read")


def test_matching_is_case_exact() -> None:
    assert not has_permission({"Tickets:read"}, "tickets:read")


def test_a_scoped_grant_allows_only_its_object() -> None:
    grants = {"customers:read:42"}
    assert has_permission(grants, "customers:read", "42")
    assert not has_permission(grants, "customers:read", "43")
    assert not has_permission(grants, "customers:read")
    assert has_any_scope(grants, "customers:read")
    assert not has_any_scope(grants, "customers:update")


@pytest.mark.parametrize(
    ("grant", "valid"),
    [("*", True), ("tickets:*", True), ("tickets:read", True), ("tickets:read:abc", True),
     ("tickets:fly", False), ("nope:read", False), ("tickets", False), ("tickets:read:", False)],
)
def test_it_validates_grants_against_the_catalog(grant: str, valid: bool) -> None:
    assert is_valid_grant(grant) is valid


def test_grants_within_names_what_the_granter_lacks() -> None:
    mine = {"tickets:*", "users:read"}
    assert grants_within(mine, ["tickets:assign", "users:read"]) == []
    assert grants_within(mine, ["users:set_role", "*", "customers:*"]) == ["users:set_role", "*", "customers:*"]
    assert grants_within({"*"}, ["*", "users:set_role"]) == []
