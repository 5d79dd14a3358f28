"""Phrases at a million tickets: the neighbouring lexeme pairs a query needs.

A phrase ("password reset") is rare even where both its words are common, and the full-text index
can only find the tickets holding both words (one in ten here). Every ticket also keeps
search_pairs: hashtext('<lexeme> <next lexeme>') for every two lexemes at neighbouring positions of
its search_vector (migration 0018; a GIN index). The pairs every match of a query must contain find
its few candidates at once, and `search_vector @@ query` still decides, so a hash collision only
adds a candidate.

Which pairs a query needs is read from PostgreSQL's own tsquery (after stemming and stop words):
`needed_pairs` parses its text form (pure, unit-tested) and returns only pairs that every match
holds — those joined by `<->` inside an AND, none under OR or NOT, none next to a prefix.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, func, text
from sqlalchemy.dialects.postgresql import array
from sqlalchemy.orm import Session

from app.models import Ticket

TOKEN = re.compile(r"\s*(?:'((?:[^'\\]|''|\\.)*)'(:[*A-D]+)?|<(-|[0-9]+)>|([&|!()]))")
# A query needs PostgreSQL's tsquery only when it may hold a phrase: quotes, or a word with a
# hyphen, apostrophe or dot inside (PostgreSQL's parser splits "e-mail" into a phrase too).
MAY_HOLD_PHRASE = re.compile(r"\"|\w[-'.@/]+\w")
MAX_PAIRS = 8  # a long phrase's first pairs find its candidates as well as all of them
_CACHE_SIZE = 512
_texts: OrderedDict[tuple[str, str], str] = OrderedDict()
_lock = threading.Lock()  # gunicorn threads share the memo


@dataclass(frozen=True)
class Term:
    lexeme: str
    prefix: bool = False


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Op:
    kind: str  # "&", "|", or "<>" (followed by, at `distance`)
    left: Node
    right: Node
    distance: int = 0


Node = Term | Not | Op


class _Parser:
    """tsquery's text form, by its precedence: ! above <N> above & above |."""

    def __init__(self, source: str) -> None:
        self.tokens: list[tuple[str, Any]] = []
        pos, source = 0, source.rstrip()
        while pos < len(source):
            m = TOKEN.match(source, pos)
            if m is None:
                raise ValueError(f"unreadable tsquery at {pos}: {source[pos:pos + 20]!r}")
            lexeme, flags, distance, op = m.groups()
            if lexeme is not None:
                word = lexeme.replace("''", "'").replace("\\\\", "\\")
                self.tokens.append(("term", Term(word, "*" in (flags or ""))))
            elif distance is not None:
                self.tokens.append(("<>", 1 if distance == "-" else int(distance)))
            else:
                self.tokens.append((op, None))
            pos = m.end()
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at][0] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def parse(self) -> Node | None:
        if not self.tokens:
            return None
        node = self.either()
        if self.peek() is not None:
            raise ValueError("trailing tokens in tsquery")
        return node

    def either(self) -> Node:
        node = self.both()
        while self.peek() == "|":
            self.take()
            node = Op("|", node, self.both())
        return node

    def both(self) -> Node:
        node = self.follows()
        while self.peek() == "&":
            self.take()
            node = Op("&", node, self.follows())
        return node

    def follows(self) -> Node:
        node = self.unary()
        while self.peek() == "<>":
            _, distance = self.take()
            node = Op("<>", node, self.unary(), distance)
        return node

    def unary(self) -> Node:
        kind, value = self.take()
        if kind == "!":
            return Not(self.unary())
        if kind == "(":
            node = self.either()
            if self.take()[0] != ")":
                raise ValueError("unbalanced parenthesis in tsquery")
            return node
        if kind == "term":
            return value
        raise ValueError(f"unexpected {kind!r} in tsquery")


def _first(node: Node) -> str | None:
    """The lexeme a match of `node` starts with, when it is one known lexeme."""
    if isinstance(node, Term):
        return None if node.prefix else node.lexeme
    return _first(node.left) if isinstance(node, Op) and node.kind == "<>" else None


def _last(node: Node) -> str | None:
    if isinstance(node, Term):
        return None if node.prefix else node.lexeme
    return _last(node.right) if isinstance(node, Op) and node.kind == "<>" else None


def _needed(node: Node) -> set[tuple[str, str]]:
    if isinstance(node, Term | Not):
        return set()
    left, right = _needed(node.left), _needed(node.right)
    if node.kind == "|":
        return left & right
    found = left | right
    if node.kind == "<>" and node.distance == 1:
        # PostgreSQL matches `L <1> R` where R starts right after L ends.
        a, b = _last(node.left), _first(node.right)
        if a is not None and b is not None:
            found.add((a, b))
    return found


def needed_pairs(tsquery_text: str) -> list[str]:
    """The "<lexeme> <lexeme>" pairs every match of this tsquery holds at neighbouring positions."""
    node = _Parser(tsquery_text).parse()
    return sorted(f"{a} {b}" for a, b in _needed(node)) if node is not None else []


def may_hold_phrase(words: str) -> bool:
    return MAY_HOLD_PHRASE.search(words) is not None


def tsquery_text(session: Session, config: str, words: str) -> str:
    """websearch_to_tsquery's text, remembered per process (it depends on the words and the text
    search configuration only)."""
    key = (config, words)
    with _lock:
        found = _texts.get(key)
        if found is not None:
            _texts.move_to_end(key)
            return found
    found = str(session.execute(
        text("SELECT websearch_to_tsquery(CAST(:config AS regconfig), :words)::text"),
        {"config": config, "words": words}).scalar_one())
    with _lock:
        _texts[key] = found
        if len(_texts) > _CACHE_SIZE:
            _texts.popitem(last=False)
    return found


def phrase_pairs(session: Session, words: str, config: str = "english") -> list[str]:
    """The pairs a ticket search's words need (none, without a round trip, when they hold no phrase)."""
    if not may_hold_phrase(words):
        return []
    return needed_pairs(tsquery_text(session, config, words))[:MAX_PAIRS]


def pairs_condition(pairs: list[str]) -> ColumnElement[bool]:
    """search_pairs holds every pair (hashtext folds to constants when the statement is planned)."""
    codes: list[ColumnElement[int]] = [func.hashtext(p, type_=Integer) for p in pairs]
    return Ticket.search_pairs.op("@>")(array(codes, type_=Integer))
