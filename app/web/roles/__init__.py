from flask import Blueprint

bp = Blueprint("roles", __name__)

from app.web.roles import views  # noqa: E402,F401
