"""The customer list's rows as the table prints them, computed once per row in Python."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.models.health import BAND_LABELS


@dataclass(frozen=True, slots=True)
class CustomerRow:
    href: str
    company_name: str
    contact_name: str
    contact_email: str
    tier: str
    status: str
    status_class: str
    band: str
    health_text: str  # "82 · Healthy", "(pending)" appended before the first computation
    health_title: str
    updated: str


def customer_row(row: Any, base: str) -> CustomerRow:
    pending = row.computed_at is None
    label = BAND_LABELS[row.band]
    return CustomerRow(
        href=f"{base}/{row.id}",
        company_name=row.company_name,
        contact_name=row.contact_name,
        contact_email=row.contact_email,
        tier=row.subscription_tier,
        status=row.status,
        status_class="text-bg-success" if row.status == "active" else "text-bg-secondary",
        band=row.band,
        health_text=f"{row.score} · {label}" + (" (pending)" if pending else ""),
        health_title=f"Health {row.score} of 100" + (", not computed yet" if pending else ""),
        updated=row.updated_at.strftime("%Y-%m-%d %H:%M"),
    )
