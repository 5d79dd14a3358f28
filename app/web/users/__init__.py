from flask import Blueprint

bp = Blueprint("users", __name__)

from app.web.users import views  # noqa: E402,F401
