"""Elasticsearch index definitions and query bodies, as pure functions (unit-tested without a cluster).

One index per entity behind an alias (`<prefix>-<entity>`): a reindex builds a new index and moves
the alias in one update_aliases call, so searches see the old index or the new one, never half of one.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from app.search.query import Parsed
from app.search.types import MARK, UNMARK

ANALYSIS: dict[str, Any] = {
    "filter": {
        "english_stop": {"type": "stop", "stopwords": "_english_"},
        "english_stemmer": {"type": "stemmer", "language": "english"},
        "english_possessive": {"type": "stemmer", "language": "possessive_english"},
        "edge_1_20": {"type": "edge_ngram", "min_gram": 1, "max_gram": 20},
    },
    "analyzer": {
        # Ticket text: as PostgreSQL's english configuration does it (stop words, stemming).
        "text_en": {"type": "custom", "tokenizer": "standard",
                    "filter": ["english_possessive", "lowercase", "english_stop", "english_stemmer"]},
        # Names and emails: no stemming ("Rivers" is not "River"), accents folded.
        "name": {"type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding"]},
        "email": {"type": "custom", "tokenizer": "uax_url_email", "filter": ["lowercase"]},
        # As-you-type: every prefix of every word is indexed; the query side is not n-grammed.
        "name_prefix": {"type": "custom", "tokenizer": "standard",
                        "filter": ["lowercase", "asciifolding", "edge_1_20"]},
    },
    "normalizer": {"lower": {"type": "custom", "filter": ["lowercase", "asciifolding"]}},
}


def _name(prefix_field: bool = True) -> dict[str, Any]:
    fields: dict[str, Any] = {"raw": {"type": "keyword", "normalizer": "lower"}}
    if prefix_field:
        fields["prefix"] = {"type": "text", "analyzer": "name_prefix", "search_analyzer": "name"}
    return {"type": "text", "analyzer": "name", "fields": fields}


_KEYWORD = {"type": "keyword"}
_EMAIL = {"type": "text", "analyzer": "email", "fields": {
    "raw": {"type": "keyword", "normalizer": "lower"},
    "prefix": {"type": "text", "analyzer": "name_prefix", "search_analyzer": "name"}}}
MAPPINGS: dict[str, dict[str, Any]] = {
    "tickets": {"dynamic": "strict", "properties": {
        "id": _KEYWORD, "number": {"type": "long"},
        "title": {"type": "text", "analyzer": "text_en",
                  "fields": {"prefix": {"type": "text", "analyzer": "name_prefix", "search_analyzer": "name"}}},
        "description": {"type": "text", "analyzer": "text_en"},
        "status": _KEYWORD, "priority": _KEYWORD, "tags": _KEYWORD,
        "customer_id": _KEYWORD, "customer_name": _name(), "assignee_id": _KEYWORD,
        "updated_at": {"type": "date"}}},
    "customers": {"dynamic": "strict", "properties": {
        "id": _KEYWORD, "company_name": _name(), "contact_name": _name(), "contact_email": _EMAIL,
        "tier": _KEYWORD, "status": _KEYWORD, "updated_at": {"type": "date"}}},
    "users": {"dynamic": "strict", "properties": {
        "id": _KEYWORD, "name": _name(), "email": _EMAIL, "role": _KEYWORD, "status": _KEYWORD,
        "updated_at": {"type": "date"}}},
}
# Where the words are looked for, weighted as the PostgreSQL vectors are (title/company/name first).
FIELDS: dict[str, list[str]] = {
    "tickets": ["title^3", "description", "customer_name^2"],
    "customers": ["company_name^3", "contact_name^2", "contact_email"],
    "users": ["name^3", "email^2"],
}
PREFIX_FIELDS: dict[str, list[str]] = {
    "tickets": ["title.prefix^2", "customer_name.prefix"],
    "customers": ["company_name.prefix^3", "contact_name.prefix^2", "contact_email.prefix"],
    "users": ["name.prefix^3", "email.prefix^2"],
}
HIGHLIGHT: dict[str, list[str]] = {"tickets": ["description"], "customers": [], "users": []}


def alias_name(prefix: str, entity: str) -> str:
    return f"{prefix}-{entity}"


def index_name(prefix: str, entity: str, stamp: str) -> str:
    """A concrete index behind the alias, e.g. backoffice-tickets-20261202t010203."""
    return f"{alias_name(prefix, entity)}-{stamp.lower()}"


def index_body(entity: str, shards: int = 1, replicas: int = 1) -> dict[str, Any]:
    """settings and mappings for indices.create(index=..., **index_body(entity))."""
    return {"settings": {"number_of_shards": shards, "number_of_replicas": replicas, "analysis": ANALYSIS},
            "mappings": MAPPINGS[entity]}


_OR = re.compile(r"(?<!\S)OR(?!\S)")
_RESERVED = re.compile(r"[+|()~\\*]")


def simple_query(words: str) -> str:
    """websearch syntax ("phrase", OR, -word) in simple_query_string syntax; its own operators that
    websearch does not have are taken as plain characters (spaces)."""
    return _OR.sub("|", _RESERVED.sub(" ", words)).strip()


def build_query(entity: str, parsed: Parsed, allowed: list[uuid.UUID] | None, size: int) -> dict[str, Any]:
    """The keyword arguments of one client.search(): matches, the viewer's scope as a filter, ids and
    highlights only (`source` is the client's name for the body's `_source`)."""
    should: list[dict[str, Any]] = []
    must: list[dict[str, Any]] = []
    if parsed.number is not None and entity == "tickets":
        must.append({"term": {"number": parsed.number}})
    else:
        if parsed.words:
            must.append({"simple_query_string": {
                "query": simple_query(parsed.words), "fields": FIELDS[entity], "default_operator": "and",
                "flags": "AND|OR|NOT|PHRASE|WHITESPACE", "lenient": True}})
        if parsed.prefix:
            must.append({"multi_match": {"query": parsed.prefix, "fields": PREFIX_FIELDS[entity],
                                         "type": "best_fields", "operator": "and"}})
        if entity == "customers" and parsed.raw:  # a partial email: "ann@", "@example"
            should.append({"wildcard": {"contact_email.raw": {"value": f"*{_wild(parsed.raw)}*",
                                                              "case_insensitive": True}}})
    boolean: dict[str, Any] = {}
    if should:
        boolean["should"] = [{"bool": {"must": must}}, *should] if must else should
        boolean["minimum_should_match"] = 1
    else:
        boolean["must"] = must or [{"match_none": {}}]
    if allowed is not None:
        boolean["filter"] = [{"ids": {"values": [str(i) for i in allowed]}}]
    body: dict[str, Any] = {"query": {"bool": boolean}, "size": size, "source": False,
                            "track_total_hits": False,
                            "sort": ["_score", {"updated_at": "desc"}]}
    if HIGHLIGHT[entity]:
        body["highlight"] = {"pre_tags": [MARK], "post_tags": [UNMARK], "number_of_fragments": 1,
                             "fragment_size": 120, "no_match_size": 120,
                             "fields": {f: {} for f in HIGHLIGHT[entity]}}
    return body


def _wild(raw: str) -> str:
    return re.sub(r"[*?\\]", "", raw.lower())


def read_hits(response: Any) -> list[tuple[uuid.UUID, str]]:
    """(id, highlighted snippet) per hit, best first; raises KeyError/ValueError on a body we cannot read."""
    found = []
    for hit in response["hits"]["hits"]:
        fragments = [f for fs in (hit.get("highlight") or {}).values() for f in fs]
        found.append((uuid.UUID(hit["_id"]), fragments[0] if fragments else ""))
    return found


def index_action(alias: str, doc_id: str, version: int, document: dict[str, Any]) -> dict[str, Any]:
    """One bulk action: the entity's version as an external version, so a replayed or late event
    carrying an older copy is refused (409) instead of overwriting a newer one."""
    return {"_op_type": "index", "_index": alias, "_id": doc_id, "version": version,
            "version_type": "external", "_source": document}


def delete_action(alias: str, doc_id: str) -> dict[str, Any]:
    return {"_op_type": "delete", "_index": alias, "_id": doc_id}


def alias_actions(alias: str, new_index: str, old_indexes: list[str]) -> list[dict[str, Any]]:
    """One atomic update_aliases: the alias leaves every old index and points at the new one."""
    return [*({"remove": {"index": old, "alias": alias}} for old in old_indexes),
            {"add": {"index": new_index, "alias": alias, "is_write_index": True}}]


def is_conflict(item: dict[str, Any]) -> bool:
    """A bulk item refused because the index already holds this version or a newer one: harmless."""
    result: dict[str, Any] = next(iter(item.values()), {})
    return int(result.get("status", 0)) == 409
