from flask import Blueprint

bp = Blueprint("sla", __name__)

from app.web.sla import views  # noqa: E402,F401
