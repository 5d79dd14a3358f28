"""Who is acting, and from where: passed into every service function."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from app.auth.permissions import has_permission
from app.services.errors import PermissionDenied


@dataclass(frozen=True)
class Actor:
    id: uuid.UUID | None
    label: str
    grants: frozenset[str] = field(default_factory=frozenset)
    ip: str | None = None
    user_agent: str | None = None
    correlation_id: str | None = None

    @classmethod
    def system(cls, label: str = "system", correlation_id: str | None = None) -> Actor:
        """The CLI and workers act as the system, which may do anything."""
        return cls(id=None, label=label, grants=frozenset({"*"}), correlation_id=correlation_id)

    def can(self, permission: str, resource: object | None = None) -> bool:
        res = None if resource is None else str(getattr(resource, "id", resource))
        return has_permission(self.grants, permission, res)

    def require(self, permission: str, resource: object | None = None) -> None:
        if not self.can(permission, resource):
            raise PermissionDenied(f"You do not have permission to do this ({permission}).")
