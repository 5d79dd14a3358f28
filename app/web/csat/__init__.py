from flask import Blueprint

bp = Blueprint("csat", __name__)

from app.web.csat import views  # noqa: E402,F401
