"""/customers: accounts, through app.services.customers (the same rules as the Customers screens)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from app.api import bp
from app.api.concurrency import etag, expected_version, guarded
from app.api.endpoint import operation, respond
from app.api.paging import list_query, meta
from app.api.schemas import Input, Output, PageQuery
from app.api.security import api_actor
from app.extensions import db_session
from app.models.customer import CUSTOMER_STATUSES, TIERS
from app.models.health import BANDS
from app.services import customers
from app.services.listing import SEARCH_MAX

# Literals of the model's tuples, one source: pydantic reads them at run time, mypy only accepts literals.
Tier = Literal[TIERS]  # type: ignore[valid-type]
CustomerStatus = Literal[CUSTOMER_STATUSES]  # type: ignore[valid-type]
# The service's limits and address rule.
Company = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=customers.COMPANY_NAME_MAX)]
Contact = Annotated[str, StringConstraints(strip_whitespace=True, max_length=customers.CONTACT_NAME_MAX)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=customers.CONTACT_EMAIL_MAX,
                                         pattern=customers.EMAIL.pattern)]


class HealthOut(Output):
    score: int = Field(description="0–100, higher is healthier (see the README, Customer health).")
    band: Literal[BANDS] = Field(description="healthy, watch or at_risk.")  # type: ignore[valid-type]
    computed_at: datetime | None = Field(description="When it was last computed; null until the first time.")
    components: dict[str, Any] = Field(
        description="Per component (revenue, support, sla, satisfaction): value (null when skipped for lack of "
                    "data), weight, share of the score in percent, and why.")


class CustomerOut(Output):
    id: uuid.UUID
    company_name: str
    contact_name: str
    contact_email: str
    subscription_tier: str
    status: str
    metadata: dict[str, Any] = Field(validation_alias="metadata_")
    version: int
    created_at: datetime
    updated_at: datetime
    health: HealthOut


class CustomerListQuery(PageQuery):
    q: Annotated[str, StringConstraints(max_length=SEARCH_MAX)] = ""
    tier: Tier | None = None
    status: CustomerStatus | None = None
    health: Literal[BANDS] | None = Field(None, description="Only customers in this health band.")  # type: ignore[valid-type]
    sort: Literal["company", "-company", "email", "-email", "tier", "-tier", "status", "-status", "updated",
                  "-updated", "health", "-health"] = "-updated"


class CustomerCreate(Input):
    company_name: Company
    contact_name: Contact = ""
    contact_email: Email
    subscription_tier: Tier = "free"


class CustomerPatch(Input):
    version: int | None = Field(None, description="The version you read; or send If-Match with the ETag.")
    company_name: Company | None = None
    contact_name: Contact | None = None
    contact_email: Email | None = None
    subscription_tier: Tier | None = None
    status: Literal["active", "suspended"] | None = Field(None, description="Needs customers:suspend.")


def _customer(customer: Any, status: int = 200) -> Any:
    return respond(CustomerOut.model_validate(customer), status, headers={"ETag": etag(customer.version)})


@operation(bp, "GET", "/customers", permission="customers:read", tag="customers", query=CustomerListQuery,
           response=CustomerOut, many=True,
           summary="List customers (search, tier, status, health band, sorting, cursor pages)")
def list_customers(query: CustomerListQuery) -> Any:
    filters = query.model_dump(include={"tier", "status", "health"}, exclude_none=True)
    lq = list_query(query, "customers", query.sort, customers.SORTS[query.sort.lstrip("-")], filters, query.q)
    page = customers.list_customers(db_session(), api_actor(), lq)
    return respond([CustomerOut.model_validate(c) for c in page.rows], meta=meta(page, "customers", lq))


@operation(bp, "GET", "/customers/<uuid:customer_id>", permission="customers:read", tag="customers",
           response=CustomerOut, etag=True, errors=(404,), summary="One customer (with its ETag)")
def get_customer(customer_id: uuid.UUID) -> Any:
    return _customer(customers.get_customer_for(db_session(), api_actor(), customer_id))


@operation(bp, "POST", "/customers", permission="customers:create", tag="customers", body=CustomerCreate,
           response=CustomerOut, status=201, etag=True, errors=(409, 413, 415, 422), summary="Add a customer")
def create_customer(body: CustomerCreate) -> Any:
    return _customer(customers.create_customer(db_session(), api_actor(), body.model_dump()), 201)


@operation(bp, "PATCH", "/customers/<uuid:customer_id>", permission="customers:update", tag="customers",
           body=CustomerPatch, response=CustomerOut, etag=True, errors=(404, 409, 412, 413, 415, 422),
           summary="Change a customer's profile or status (optimistic locking)")
def update_customer(customer_id: uuid.UUID, body: CustomerPatch) -> Any:
    actor, session = api_actor(), db_session()
    current = customers.get_customer_for(session, actor, customer_id)
    if body.status is not None:
        actor.require("customers:suspend")  # before the profile change, so a 403 leaves nothing half-done
    seen, by_etag = expected_version(current.version, body.version, "customer")
    values = {k: getattr(current, k) for k in customers.EDITABLE}
    values.update(body.model_dump(exclude_unset=True, exclude={"version", "status"}, exclude_none=True))
    customer = guarded(by_etag, lambda: customers.update_customer(session, actor, customer_id, seen, values))
    if body.status is not None and body.status != customer.status:
        customer = customers.set_status(session, actor, customer_id, body.status)
    return _customer(customer)
