from typing import Any

from flask import Blueprint

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def _bell() -> dict[str, Any]:
    def unread_notifications() -> int:
        from flask_login import current_user
        from sqlalchemy.exc import SQLAlchemyError

        from app.extensions import db
        from app.services import notifications

        if not current_user.is_authenticated:
            return 0
        try:
            return notifications.unread_count(db.session, current_user.id)
        except SQLAlchemyError:  # the error page must still render when the database is down
            db.session.rollback()
            return 0

    return {"unread_notifications": unread_notifications}


from app.web.notifications import views  # noqa: E402,F401
