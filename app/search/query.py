"""What a person typed into a search box, read once for every backend (pure functions).

The words keep web-search syntax ("quoted phrases", OR, -word); a trailing `*` on the last word,
or the last word of an as-you-type search, becomes a prefix; `1234` and `#1234` name a ticket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LENGTH = 200
NUMBER = re.compile(r"#?([0-9]{1,18})")  # ASCII digits only: \d takes "１２３" too
WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Parsed:
    raw: str  # the whole query, cleaned
    words: str  # for websearch_to_tsquery / simple_query_string: everything but the prefix word
    prefix: str | None = None  # the last word, matched as a prefix
    number: int | None = None  # a ticket number

    @property
    def empty(self) -> bool:
        return not (self.words or self.prefix or self.number is not None)


def clean(q: str) -> str:
    """Printable, single-spaced, bounded: NUL and control characters cannot reach PostgreSQL."""
    text = "".join(ch if ch.isprintable() else " " for ch in q)
    return " ".join(text.split())[:MAX_LENGTH]


def parse(q: str, as_you_type: bool = False) -> Parsed:
    raw = clean(q)
    number = NUMBER.fullmatch(raw)
    if number:
        return Parsed(raw, raw.lstrip("#"), None, int(number.group(1)))
    head, _, last = raw.rpartition(" ")
    starred = last.endswith("*")
    plain = WORD.fullmatch(last.rstrip("*")) is not None and not _inside_quotes(head)
    after_or = head.rpartition(" ")[2] == "OR"  # "a OR b" is a choice, not a word and a prefix
    if last and plain and not after_or and (starred or (as_you_type and not q.endswith(" "))):
        return Parsed(raw, head, last.rstrip("*").lower())
    return Parsed(raw, raw.replace("*", " ").strip())


def _inside_quotes(head: str) -> bool:
    return head.count('"') % 2 == 1


def like_pattern(raw: str) -> str:
    """`%raw%` for LIKE with its wildcards escaped (backslash is the escape character)."""
    return "%" + raw.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
