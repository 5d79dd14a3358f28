"""Elasticsearch index definitions, query bodies, versioned writes and the alias swap, without a cluster."""

from __future__ import annotations

import uuid

import pytest

from app.search.documents import _customer_doc, _ticket_doc, _user_doc, version_of
from app.search.elastic_mapping import (
    ANALYSIS,
    FIELDS,
    MAPPINGS,
    PREFIX_FIELDS,
    alias_actions,
    alias_name,
    build_query,
    delete_action,
    index_action,
    index_body,
    index_name,
    is_conflict,
    read_hits,
    simple_query,
)
from app.search.query import parse
from app.search.types import ENTITIES, MARK, UNMARK


def _fields(mapping: dict) -> set[str]:  # type: ignore[type-arg]
    found = set()
    for name, spec in mapping["properties"].items():
        found.add(name)
        found |= {f"{name}.{sub}" for sub in spec.get("fields", {})}
    return found


@pytest.mark.parametrize("entity", ENTITIES)
def test_every_entity_has_a_strict_mapping_whose_analyzers_exist(entity: str) -> None:
    body = index_body(entity)
    mapping = body["mappings"]
    assert mapping["dynamic"] == "strict" and body["settings"]["analysis"] is ANALYSIS
    analyzers = set(ANALYSIS["analyzer"])
    for spec in mapping["properties"].values():
        for part in (spec, *spec.get("fields", {}).values()):
            for key in ("analyzer", "search_analyzer"):
                assert part.get(key, "name") in analyzers
            assert part.get("normalizer", "lower") in ANALYSIS["normalizer"]
    filters = set(ANALYSIS["filter"]) | {"lowercase", "asciifolding"}
    assert all(set(a["filter"]) <= filters for a in ANALYSIS["analyzer"].values())


@pytest.mark.parametrize("entity", ENTITIES)
def test_queried_fields_are_mapped(entity: str) -> None:
    known = _fields(MAPPINGS[entity])
    assert {f.split("^")[0] for f in FIELDS[entity] + PREFIX_FIELDS[entity]} <= known


def _ticket_row() -> object:
    from datetime import UTC, datetime
    from types import SimpleNamespace

    return SimpleNamespace(id=uuid.uuid4(), number=1042, title="Refund", description="Card charged twice",
                           status="open", priority="high", tags=["billing"], customer_id=uuid.uuid4(),
                           company_name="Acme", assignee_id=None, version=7, role_name="agent", name="Ann",
                           email="ann@example.com", contact_name="Ann", contact_email="ann@acme.example",
                           subscription_tier="free", updated_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC))


@pytest.mark.parametrize(("entity", "doc"), [("tickets", _ticket_doc), ("customers", _customer_doc),
                                             ("users", _user_doc)])
def test_documents_hold_exactly_the_mapped_fields(entity: str, doc: object) -> None:
    assert set(doc(_ticket_row())) == set(MAPPINGS[entity]["properties"])  # type: ignore[operator]


def test_the_external_version_is_the_rows_version_or_its_update_time() -> None:
    row = _ticket_row()
    assert version_of("tickets", row) == 7 and version_of("customers", row) == 7
    assert version_of("users", row) == 1767323045000006


def test_writes_carry_the_version_as_an_external_version() -> None:
    action = index_action("bo-tickets", "abc", 7, {"id": "abc"})
    assert action == {"_op_type": "index", "_index": "bo-tickets", "_id": "abc", "version": 7,
                      "version_type": "external", "_source": {"id": "abc"}}
    assert delete_action("bo-tickets", "abc") == {"_op_type": "delete", "_index": "bo-tickets", "_id": "abc"}


def test_an_older_version_refused_is_harmless_and_other_errors_are_not() -> None:
    assert is_conflict({"index": {"_id": "a", "status": 409, "error": {"type": "version_conflict_engine_exception"}}})
    assert not is_conflict({"index": {"_id": "a", "status": 400, "error": {"type": "mapper_parsing_exception"}}})


def test_the_alias_moves_in_one_call_from_every_old_index_to_the_new() -> None:
    alias = alias_name("bo", "tickets")
    new = index_name("bo", "tickets", "20261202T0100")
    assert (alias, new) == ("bo-tickets", "bo-tickets-20261202t0100")
    assert alias_actions(alias, new, ["bo-tickets-a", "bo-tickets-b"]) == [
        {"remove": {"index": "bo-tickets-a", "alias": "bo-tickets"}},
        {"remove": {"index": "bo-tickets-b", "alias": "bo-tickets"}},
        {"add": {"index": new, "alias": "bo-tickets", "is_write_index": True}},
    ]
    assert alias_actions(alias, new, []) == [{"add": {"index": new, "alias": alias, "is_write_index": True}}]


def test_web_search_syntax_becomes_simple_query_string() -> None:
    assert simple_query('"password reset" -login OR refund') == '"password reset" -login | refund'
    assert simple_query("a+b (c) ~d") == "a b  c   d"


def test_words_are_matched_with_and_weighted_fields() -> None:
    body = build_query("tickets", parse("card refund"), None, 5)
    (must,) = body["query"]["bool"]["must"]
    sqs = must["simple_query_string"]
    assert sqs["query"] == "card refund" and sqs["default_operator"] == "and" and "title^3" in sqs["fields"]
    assert body["size"] == 5 and body["source"] is False and body["track_total_hits"] is False
    assert "filter" not in body["query"]["bool"]


def test_the_body_is_what_the_client_accepts() -> None:
    import inspect

    from elasticsearch import Elasticsearch

    accepted = set(inspect.signature(Elasticsearch.search).parameters)
    creates = set(inspect.signature(Elasticsearch(hosts=["http://127.0.0.1:9"]).indices.create).parameters)
    for entity in ENTITIES:
        assert set(build_query(entity, parse("refund now"), [uuid.uuid4()], 5)) <= accepted
        assert set(index_body(entity)) <= creates


def test_a_prefix_searches_the_edge_ngram_fields() -> None:
    body = build_query("customers", parse("acme co", as_you_type=True), None, 5)
    matches = body["query"]["bool"]["should"][0]["bool"]["must"]
    assert matches[1]["multi_match"]["query"] == "co"
    assert matches[1]["multi_match"]["fields"] == PREFIX_FIELDS["customers"]


def test_a_ticket_number_is_a_term_query() -> None:
    assert build_query("tickets", parse("#1042"), None, 5)["query"]["bool"]["must"] == [{"term": {"number": 1042}}]


def test_a_partial_email_is_a_wildcard_on_the_keyword() -> None:
    should = build_query("customers", parse("Ann@"), None, 5)["query"]["bool"]["should"]
    assert should[-1] == {"wildcard": {"contact_email.raw": {"value": "*ann@*", "case_insensitive": True}}}


def test_scoped_viewers_search_only_their_ids() -> None:
    mine = [uuid.uuid4(), uuid.uuid4()]
    body = build_query("tickets", parse("refund"), mine, 5)
    assert body["query"]["bool"]["filter"] == [{"ids": {"values": [str(i) for i in mine]}}]
    assert build_query("tickets", parse("refund"), [], 5)["query"]["bool"]["filter"] == [{"ids": {"values": []}}]


def test_nothing_typed_matches_nothing() -> None:
    assert build_query("users", parse(""), None, 5)["query"]["bool"]["must"] == [{"match_none": {}}]


def test_highlights_use_the_markers_the_page_escapes_around() -> None:
    body = build_query("tickets", parse("refund"), None, 5)
    assert body["highlight"]["pre_tags"] == [MARK] and body["highlight"]["post_tags"] == [UNMARK]


def test_hits_are_read_best_first_with_their_snippet() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    response = {"hits": {"hits": [{"_id": str(a), "highlight": {"description": [f"{MARK}refund{UNMARK} me"]}},
                                  {"_id": str(b)}]}}
    assert read_hits(response) == [(a, f"{MARK}refund{UNMARK} me"), (b, "")]
    with pytest.raises((KeyError, TypeError)):
        read_hits({"hits": "nope"})
