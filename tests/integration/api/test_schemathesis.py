"""D2: schemathesis against the live OpenAPI document: every operation, fixed seed, zero failures."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import CHECKS
from sqlalchemy.orm import Session

from app.models import User
from tests.factories import make_customer, make_user

CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "ignored_auth",
)


@pytest.fixture()
def fuzz_target(app: Flask, committed_db: Session, live_api: str) -> Any:
    admin = make_user(committed_db, role_name="admin", email="fuzz-admin@example.com")
    make_customer(committed_db)
    committed_db.commit()
    limits = {k: app.config[k] for k in ("API_RATE_LIMIT", "API_IP_RATE_LIMIT", "API_LOGIN_RATE_LIMIT",
                                         "API_REFRESH_RATE_LIMIT")}
    app.config.update(dict.fromkeys(limits, "100000 per minute"))
    try:
        yield app, admin.id, live_api
    finally:
        app.config.update(limits)


def _token(app: Flask, user_id: uuid.UUID) -> str:
    """A fresh access token each call: an operation like logout-everywhere must not end the run."""
    from app.api.security import token_settings
    from app.extensions import db
    from app.services import tokens

    with app.test_request_context():
        user = db.session.get(User, user_id)
        db.session.refresh(user)
        token = tokens.issue_access(user, uuid.uuid4(), token_settings())
        db.session.remove()
        return token


@pytest.fixture()
def api_schema(fuzz_target: Any) -> Any:
    app, admin_id, base = fuzz_target
    config = schemathesis.Config.from_dict({"seed": 20261124})
    schema = schemathesis.openapi.from_url(
        f"{base}/api/v1/openapi.json", headers={"Authorization": f"Bearer {_token(app, admin_id)}"}, config=config
    )
    schema.config.update(base_url=f"{base}/api/v1")

    class FreshToken:
        """Through schemathesis's auth hook, so its ignored_auth and negative-auth cases know the header."""

        def get(self, case: Any, ctx: Any) -> str:
            return _token(app, admin_id)

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    schema.auth(refresh_interval=None)(FreshToken)
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


# Every operation runs inside this one test: its time grows with the API, and beside the make run
# test on the other worker it needs more than the default 300 s.
@pytest.mark.timeout(900)
@schema.parametrize()
@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_conforms_to_its_document(case: Any, fuzz_target: Any) -> None:
    app, admin_id, _ = fuzz_target
    if str((case.headers or {}).get("Authorization", "")).startswith("Bearer eyJ"):
        # Cases are generated ahead of their calls; a token minted then may have been ended since.
        case.headers["Authorization"] = f"Bearer {_token(app, admin_id)}"
    case.call_and_validate(checks=[CHECKS.get_one(name) for name in CHECK_NAMES])


def test_the_api_holds_up_across_linked_calls(api_schema: Any, fuzz_target: Any) -> None:
    """Stateful: create → read → update → assign → comment, following the document's links."""
    app, admin_id, _ = fuzz_target
    checks = [CHECKS.get_one(name) for name in (*CHECK_NAMES, "use_after_free", "ensure_resource_availability")]
    base = api_schema.as_state_machine()

    class Scenario(base):  # type: ignore[misc, valid-type]
        def before_call(self, case: Any) -> None:
            if str((case.headers or {}).get("Authorization", "")).startswith("Bearer eyJ"):
                case.headers["Authorization"] = f"Bearer {_token(app, admin_id)}"

        def validate_response(self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any) -> None:
            case.validate_response(response, checks=checks, transport_kwargs=kwargs)

    run_state_machine_as_test(Scenario, settings=settings(
        max_examples=30, stateful_step_count=8, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck)))
