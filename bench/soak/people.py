"""The soak's staff, created through the services (run as the schema owner):
`python -m bench.soak.people PASSWORD EMAIL:ROLE ...`."""

from __future__ import annotations

import sys
from typing import cast

from sqlalchemy.orm import Session

from app import create_app
from app.extensions import db
from app.services import users
from app.services.actor import Actor
from app.services.roles_setup import create_admin


def main(password: str, people: list[str]) -> None:
    app = create_app()
    with app.app_context():
        actor = Actor.system("soak")
        session = cast(Session, db.session)
        create_admin(session, actor, "soak-admin@example.com", "Soak Admin", password)
        for spec in people:
            email, _, role = spec.partition(":")
            user, _ = create_admin(session, actor, email, email.split("@")[0], password)
            if role != "admin":
                users.set_role(session, actor, user.id, role)
        session.commit()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
