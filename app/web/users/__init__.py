from flask import Blueprint

bp = Blueprint("users", __name__)

from app.web.users import detail, views  # noqa: E402,F401
