"""Security tests use the API fixtures too (bearer tokens per role)."""

from tests.integration.api.conftest import api, make_token  # noqa: F401 - shared fixtures
