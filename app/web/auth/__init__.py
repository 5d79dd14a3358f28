from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.web.auth import accounts, profile, two_factor, views  # noqa: E402,F401
