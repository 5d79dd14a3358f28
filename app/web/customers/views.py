from __future__ import annotations

import uuid
from typing import Any

from flask import flash, redirect, request, url_for

from app.auth.permissions import require
from app.extensions import db_session
from app.models.customer import CUSTOMER_STATUSES, TIERS
from app.models.health import BANDS
from app.services import customer_profile, customers, health_score
from app.services.errors import Conflict, Invalid
from app.web import list_view, listing
from app.web.context import current_actor
from app.web.customers import bp
from app.web.customers.forms import CustomerForm
from app.web.customers.rows import customer_row
from app.web.htmx import is_partial, render, toast

FILTERS = {"tier": TIERS, "status": CUSTOMER_STATUSES, "health": BANDS}
COLUMNS = (("company", "Company"), ("email", "Contact"), ("tier", "Tier"), ("status", "Status"),
           ("health", "Health"), ("updated", "Updated"))


def _list_context() -> dict[str, Any]:
    params = listing.parse(request.args, customers.SORTS, customers.DEFAULT_SORT, choices=FILTERS)
    known = {"q", "tier", "status", "health", "sort", "page", "per_page"}
    unknown = sorted(k for k in request.args if k not in known)
    if unknown:
        params.notes.append(f"Ignored unknown parameter “{', '.join(unknown)[:60]}”.")
    actor, base = current_actor(), url_for("customers.index")
    page = listing.page_of(customers.list_customer_rows(db_session(), actor, params.list_query()), params)
    page.rows = [customer_row(r, base) for r in page.rows]
    return {
        "page": page,
        "params": params,
        "tiers": TIERS,
        "statuses": CUSTOMER_STATUSES,
        "base": base,
        "headers": list_view.headers(params, base, COLUMNS),
        "pager": list_view.pager(page, base, "customers"),
        "allowed": list_view.allowed(actor, ["customers:create"]),
    }


@bp.get("/customers")
@require("customers:read")
def index() -> Any:
    return render("customers/index.html", block="customers_table", **_list_context())


@bp.route("/customers/new", methods=["GET", "POST"])
@require("customers:create")
def new() -> Any:
    form = CustomerForm()
    if form.validate_on_submit():
        try:
            customer = customers.create_customer(db_session(), current_actor(), form.values())
        except Invalid as exc:
            form.add_errors(exc.details)
        else:
            flash(f"Customer {customer.company_name} created.", "success")
            return redirect(url_for("customers.show", customer_id=customer.id), code=303)
    status = 422 if form.errors else 200
    return render("customers/form.html", block="customer_form", status=status, form=form, customer=None)


PROFILE_PERMISSIONS = ("customers:update", "customers:suspend", "invoices:update")


def _profile(customer_id: uuid.UUID, **extra: Any) -> dict[str, Any]:
    actor = current_actor()
    p = customer_profile.profile_for(db_session(), actor, customer_id)
    allowed = {**list_view.allowed(actor, PROFILE_PERMISSIONS, p.customer.id),
               **list_view.allowed(actor, ["health:manage"])}
    return {
        "customer": p.customer,
        "invoices": p.invoices,
        "revenue": p.revenue,
        "tickets": p.tickets,
        "activity": p.activity,
        "health": p.health,
        "health_labels": health_score.LABELS,
        "trend": p.trend,
        "weights": p.weights,
        "meta_rows": list(p.customer.metadata_.items()),
        "meta_errors": {},
        "satisfaction": p.satisfaction,
        "allowed": allowed,
        **extra,
    }


@bp.get("/customers/<uuid:customer_id>")
@require("customers:read")
def show(customer_id: uuid.UUID) -> Any:
    return render("customers/show.html", block="profile", **_profile(customer_id))


@bp.route("/customers/<uuid:customer_id>/edit", methods=["GET", "POST"])
@require("customers:update")
def edit(customer_id: uuid.UUID) -> Any:
    customer = customers.get_customer_for(db_session(), current_actor(), customer_id)
    form = CustomerForm(obj=customer)
    status, conflict = 200, None
    if form.validate_on_submit():
        try:
            customers.update_customer(db_session(), current_actor(), customer_id, form.version_value(), form.values())
        except Invalid as exc:
            form.add_errors(exc.details)
        except Conflict as exc:
            status, conflict = 409, exc.message
        else:
            flash("Customer saved.", "success")
            return redirect(url_for("customers.show", customer_id=customer_id), code=303)
    status = 422 if form.errors else status
    ctx = {"form": form, "customer": customer, "conflict": conflict}
    return render("customers/form.html", block="customer_form", status=status, **ctx)


def _change_status(customer_id: uuid.UUID, status: str, message: str) -> Any:
    customers.set_status(db_session(), current_actor(), customer_id, status)
    if is_partial():
        return toast(render("customers/show.html", block="profile", **_profile(customer_id)), message)
    flash(message, "success")
    return redirect(url_for("customers.show", customer_id=customer_id), code=303)


@bp.post("/customers/<uuid:customer_id>/suspend")
@require("customers:suspend")
def suspend(customer_id: uuid.UUID) -> Any:
    return _change_status(customer_id, "suspended", "Customer suspended.")


@bp.post("/customers/<uuid:customer_id>/reactivate")
@require("customers:suspend")
def reactivate(customer_id: uuid.UUID) -> Any:
    return _change_status(customer_id, "active", "Customer reactivated.")


@bp.post("/customers/<uuid:customer_id>/metadata")
@require("customers:update")
def metadata(customer_id: uuid.UUID) -> Any:
    pairs = list(zip(request.form.getlist("meta_key"), request.form.getlist("meta_value"), strict=False))
    version = CustomerForm.parse_version(request.form.get("version"))
    try:
        customers.set_metadata(db_session(), current_actor(), customer_id, version, pairs)
    except (Invalid, Conflict) as exc:
        extra = {"meta_rows": pairs, "meta_errors": exc.details, "meta_message": exc.message}
        return render("customers/show.html", block="metadata", status=exc.status, **_profile(customer_id, **extra))
    if is_partial():
        return toast(render("customers/show.html", block="metadata", **_profile(customer_id)), "Metadata saved.")
    flash("Metadata saved.", "success")
    return redirect(url_for("customers.show", customer_id=customer_id), code=303)


@bp.get("/customers/<uuid:customer_id>/metadata/row")
@require("customers:update")
def metadata_row(customer_id: uuid.UUID) -> Any:
    if not is_partial():
        return redirect(url_for("customers.show", customer_id=customer_id), code=303)
    return render(
        "customers/show.html",
        block="metadata_row",
        customer_id=customer_id,
        row_id=uuid.uuid4().hex[:8],
        key="",
        value="",
    )


@bp.post("/invoices/<uuid:invoice_id>/pay")
@require("invoices:update")
def pay_invoice(invoice_id: uuid.UUID) -> Any:
    invoice = customers.mark_invoice_paid(db_session(), current_actor(), invoice_id)
    message = f"Invoice #{invoice.number} marked as paid."
    if is_partial():
        return toast(render("customers/show.html", block="invoices", **_profile(invoice.customer_id)), message)
    flash(message, "success")
    return redirect(url_for("customers.show", customer_id=invoice.customer_id), code=303)
