"""`flask health …`: recompute customer health scores (backfill) and show the weights."""

from __future__ import annotations

import sys
import time
import uuid

import click
from flask.cli import AppGroup

from app.extensions import db_session
from app.services import health
from app.services.actor import Actor

health_cli = AppGroup("health", help="Customer health scores.")


@health_cli.command("recompute")
@click.option("--customer", "customer_id", default=None, help="Only this customer (its id).")
def recompute(customer_id: str | None) -> None:
    """Recompute every customer's score (or one customer's)."""
    started = time.perf_counter()
    if customer_id:
        try:
            result = health.recompute_customer(db_session(), uuid.UUID(customer_id))
        except ValueError:
            result = None
        if result is None:
            click.echo(f"error: no customer {customer_id}", err=True)
            sys.exit(2)
        db_session().commit()
        click.echo(f"{customer_id}: {result.score} ({result.band})")
        return
    count = health.recompute_all(db_session(), Actor.system("cli"))
    click.echo(f"recomputed {count} customers in {time.perf_counter() - started:.1f}s")


@health_cli.command("weights")
def show_weights() -> None:
    """Print the weights and band thresholds in use."""
    w = health.weights(db_session())
    click.echo(f"revenue {w.revenue}, support {w.support}, sla {w.sla}, satisfaction {w.satisfaction}; "
               f"healthy from {w.healthy_min}, at risk below {w.at_risk_below}")
