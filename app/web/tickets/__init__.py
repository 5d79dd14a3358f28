from flask import Blueprint

bp = Blueprint("tickets", __name__)

from app.web.tickets import (  # noqa: E402,F401
    views,
    views_bulk,
    views_detail,
    views_edit,
    views_export,
    views_links,
    views_macros,
    views_saved,
)
