"""The settings form: per kind an in-app checkbox and an email delivery choice; then time zone,
quiet hours and the daily digest hour."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from app.services.notifications import KINDS


def parse_preferences(form: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Checked boxes arrive as `in_app:<kind>` (unchecked ones are absent); `email:<kind>` is a mode."""
    return {kind: {"in_app": f"in_app:{kind}" in form, "email": form.get(f"email:{kind}", "off")} for kind in KINDS}


def parse_settings(form: MultiDict[str, str]) -> dict[str, Any] | None:
    """None when the form holds no delivery settings (they stay as they are)."""
    if "time_zone" not in form:
        return None
    return {"time_zone": form.get("time_zone", ""), "quiet_enabled": "quiet_enabled" in form,
            "quiet_start": form.get("quiet_start", ""), "quiet_end": form.get("quiet_end", ""),
            "urgent": form.getlist("urgent"), "digest_hour": form.get("digest_hour", "")}
