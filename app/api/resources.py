"""The resource operations; each module registers its routes on the API blueprint when imported."""

from app.api import csat, customers, macros, ticket_links, tickets, users, views  # noqa: F401
