"""@mentions in internal notes: who is resolved, who is notified, how the note shows them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Notification, Role, User
from app.services import mentions, tickets
from app.services.actor import Actor
from tests.factories import make_ticket, make_user


def _author(session: Session) -> tuple[User, Actor]:
    user = make_user(session, name="Ada Writer", email="ada@example.com")
    return user, Actor(user.id, user.email, frozenset({"tickets:*"}))


def _kinds(session: Session, user: User) -> list[tuple[str, str]]:
    return [(n.kind, n.message) for n in session.scalars(select(Notification).where(Notification.user_id == user.id))]


def test_it_resolves_a_full_name_and_an_email_local_part(db_session: Session) -> None:
    ticket = make_ticket(db_session)
    ann = make_user(db_session, name="Ann Smith", email="ann.smith@example.com")
    bob = make_user(db_session, name="Bob", email="rbrown@example.com")
    body = "Thanks @Ann Smith, and @rbrown: please look. Mail a@b.example is no mention."
    found = mentions.find(db_session, body, ticket)
    assert [(m["id"], body[m["start"]:m["end"]]) for m in found] == [(str(ann.id), "@Ann Smith"),
                                                                   (str(bob.id), "@rbrown")]
    assert [m["id"] for m in mentions.find(db_session, "cc @ann.smith.", ticket)] == [str(ann.id)]


def test_nobody_is_mentioned_who_cannot_open_the_ticket_or_is_ambiguous_or_inactive(db_session: Session) -> None:
    ticket, elsewhere = make_ticket(db_session), make_ticket(db_session)
    db_session.add(Role(name="one-ticket", description="reads one other ticket",
                        permissions=[f"tickets:read:{elsewhere.id}"]))
    db_session.flush()
    make_user(db_session, name="Outsider", email="outsider@example.com", role_name="one-ticket")
    make_user(db_session, name="Sam", email="sam1@example.com")
    make_user(db_session, name="Sam", email="sam2@example.com")
    make_user(db_session, name="Gone", email="gone@example.com", status="suspended")
    assert mentions.find(db_session, "@Outsider @outsider @Sam @Gone @nobody", ticket) == []
    assert len(mentions.find(db_session, "@Outsider", elsewhere)) == 1  # the ticket they may read


def test_a_note_notifies_the_mentioned_agent_once_and_a_reply_mentions_nobody(
    db_session: Session, run_jobs: Callable[[], int], mail_sink: list[Any]
) -> None:
    author, actor = _author(db_session)
    bea = make_user(db_session, name="Bea Agent", email="bea@example.com")
    ticket = make_ticket(db_session, title="Printer jam", assignee_id=bea.id)
    tickets.add_comment(db_session, actor, ticket.id, "@Bea Agent can you call them? @ada", internal=True)
    tickets.add_comment(db_session, actor, ticket.id, "Hello @Bea Agent will call you", internal=False)
    run_jobs()
    run_jobs()
    kinds = _kinds(db_session, bea)
    assert (("ticket.mentioned", f"Ada Writer mentioned you in a note on #{ticket.number} Printer jam") in kinds)
    assert [k for k, _ in kinds].count("ticket.mentioned") == 1
    assert ("ticket.updated", f"New internal note on #{ticket.number} (Printer jam)") not in kinds  # no double
    assert _kinds(db_session, author) == []  # mentioning yourself is not news
    assert [m["To"] for m in mail_sink if "mentioned you" in m["Subject"]] == ["bea@example.com"]


def test_the_note_shows_the_mention_highlighted_and_escaped(
    db_session: Session, make_client: Callable[..., FlaskClient]
) -> None:
    client = make_client("agent")
    make_user(db_session, name="Eve <script>", email="eve@example.com")
    ticket = make_ticket(db_session)
    resp = client.post(f"/tickets/{ticket.id}/comments", data={"body": "<b>hi</b> @eve look", "kind": "note"},
                       headers={"HX-Request": "true"})
    assert resp.status_code == 200
    html = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert ('&lt;b&gt;hi&lt;/b&gt; <mark class="mention" data-testid="mention">@Eve &lt;script&gt;</mark> look'
            in html)


def test_render_ignores_offsets_that_do_not_fit() -> None:
    out = mentions.render("a @x b", [{"id": "1", "name": "X", "start": 2, "end": 4},
                                     {"id": "2", "name": "Y", "start": 3, "end": 99}])
    assert str(out) == 'a <mark class="mention" data-testid="mention">@X</mark> b'
