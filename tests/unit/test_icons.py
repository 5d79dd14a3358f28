"""Every icon a template names is in the subset font (scripts/subset_icons.py)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _subset() -> set[str]:
    return set(re.findall(r"\.bi-([a-z0-9-]+)::before", (ROOT / "static/icons/icons.css").read_text()))


def _used() -> set[str]:
    used: set[str] = set()
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        used.update(m for m in re.findall(r"\bbi-([a-z0-9][a-z0-9-]*[a-z0-9])\b(?!-?\{)", text))
        used.update(re.findall(r'card\("([a-z0-9-]+)"', text))  # dashboard cards name their icon
        used.update(re.findall(r'"nav-[a-z-]+", "([a-z0-9-]+)"', text))  # the sidebar's rows
        for pair in re.findall(r"bi-\{\{ '([a-z0-9-]+)[^']*' if [^}]*?else '([a-z0-9-]+)", text):
            used.update(pair)  # chosen at render time
    for caret in ("up", "down"):
        used.add(f"caret-{caret}-fill")  # listing.sort_header builds bi-caret-{up,down}-fill
    return used - {"caret"}


def test_every_icon_in_use_is_in_the_subset() -> None:
    assert _used() - _subset() == set()


def test_the_subset_font_is_small() -> None:
    assert (ROOT / "static/icons/icons.woff2").stat().st_size < 10_000
