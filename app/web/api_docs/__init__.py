from flask import Blueprint

bp = Blueprint("api_docs", __name__)

from app.web.api_docs import views  # noqa: E402,F401
