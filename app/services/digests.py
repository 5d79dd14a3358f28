"""How a secret that is stored only as its hash is hashed: session tokens, refresh tokens, recovery codes."""

from __future__ import annotations

import hashlib


def digest(raw: str) -> str:
    """SHA-256 of the secret, in hex: what the database keeps in its place."""
    return hashlib.sha256(raw.encode()).hexdigest()
