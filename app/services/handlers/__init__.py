"""Event handlers, one module per area; importing this package registers them all."""

from app.services.handlers import (
    analytics,  # noqa: F401
    notifications,  # noqa: F401
)
