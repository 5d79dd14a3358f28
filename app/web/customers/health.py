"""The customer health weights and bands (health:manage)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for

from app.auth.permissions import require
from app.extensions import db_session
from app.services import health
from app.services.errors import Invalid
from app.web.context import current_actor
from app.web.customers import bp
from app.web.customers.forms import HealthSettingsForm
from app.web.htmx import render


@bp.route("/customers/health-settings", methods=["GET", "POST"])
@require("health:manage")
def health_settings() -> Any:
    settings = health.get_settings(db_session(), current_actor())
    form = HealthSettingsForm(obj=settings)
    if form.validate_on_submit():
        try:
            health.update_settings(db_session(), current_actor(), form.values())
        except Invalid as exc:
            form.add_errors(exc.details)
        else:
            flash("Health weights saved; every score is being recomputed.", "success")
            return redirect(url_for("customers.health_settings"), code=303)
    status = 422 if form.errors else 200
    return render("customers/health_settings.html", block="health_form", status=status, form=form,
                  settings=settings)
