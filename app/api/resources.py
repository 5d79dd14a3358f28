"""The resource operations: users, customers, support tickets (modules import their routes)."""
