from flask import Blueprint

bp = Blueprint("macros", __name__)

from app.web.macros import views  # noqa: E402,F401
