from flask import Blueprint

bp = Blueprint("customers", __name__)

from app.web.customers import health, views  # noqa: E402,F401
