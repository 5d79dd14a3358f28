"""The preferences form: one in-app and one email checkbox per notification kind."""

from __future__ import annotations

from collections.abc import Mapping

from app.services.notifications import KINDS


def parse_preferences(form: Mapping[str, str]) -> dict[str, dict[str, bool]]:
    """Checked boxes arrive as `in_app:<kind>` / `email:<kind>`; unchecked ones are absent."""
    return {kind: {"in_app": f"in_app:{kind}" in form, "email": f"email:{kind}" in form} for kind in KINDS}
