"""Event handlers, one module per area; importing this package registers them all."""

from app.services.handlers import (
    analytics,  # noqa: F401
    notifications,  # noqa: F401
    tickets,  # noqa: F401
    users,  # noqa: F401
)
