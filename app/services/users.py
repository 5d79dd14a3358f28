"""Staff users: invite, edit, change role, suspend and reactivate, one at a time or in bulk."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.permissions import grants_within, is_valid_grant
from app.models import Role, User
from app.services import audit, events
from app.services.actor import Actor
from app.services.auth import end_all_sessions, find_by_email
from app.services.errors import Invalid, NotFound, PermissionDenied
from app.services.ids import get_or_404
from app.services.uow import transaction

NAME_MAX = 120
EMAIL_MAX = 254
BULK_MAX = 1000
BULK_ACTIONS = ("set_role", "suspend", "reactivate")


@dataclass
class BulkResult:
    updated: list[uuid.UUID] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (label, reason)

    @property
    def summary(self) -> str:
        return f"{len(self.updated)} updated, {len(self.failed)} failed"


def _clean_email(email: str, errors: dict[str, list[str]]) -> str:
    email = (email or "").strip()
    if not email:
        errors["email"] = ["Enter an email address."]
    elif len(email) > EMAIL_MAX:
        errors["email"] = [f"Use at most {EMAIL_MAX} characters."]
    else:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = ["Enter a valid email address."]
    return email


def _clean_name(name: str, errors: dict[str, list[str]]) -> str:
    name = (name or "").strip()
    if not name:
        errors["name"] = ["Enter a name."]
    elif len(name) > NAME_MAX:
        errors["name"] = [f"Use at most {NAME_MAX} characters."]
    return name


def _email_taken(session: Session, email: str, exclude: uuid.UUID | None = None) -> bool:
    other = find_by_email(session, email)
    return other is not None and other.id != exclude


def _role(session: Session, name: str) -> Role | None:
    return session.scalar(select(Role).where(Role.name == (name or "")))


def is_admin_role(role: Role) -> bool:
    return "*" in (role.permissions or [])


def active_admin_count(session: Session) -> int:
    return session.scalar(
        select(func.count(User.id)).join(Role, Role.name == User.role_name)
        .where(User.status == "active", Role.permissions.contains(["*"]))
    ) or 0


def _check_grantable(actor: Actor, role: Role) -> None:
    """Nobody hands out permissions they do not hold themselves."""
    missing = grants_within(actor.grants, role.permissions or [])
    if missing:
        raise PermissionDenied(f"You cannot grant the role “{role.name}”: you do not hold {', '.join(missing)}.")


def target_grants(user: User) -> list[str]:
    """Everything the user may do: the role's grants and the extra permissions together."""
    return sorted({*(user.role.permissions or []), *(user.permissions or [])})


def outrank_problem(actor: Actor, user: User) -> str | None:
    """Why the actor may not act on this user: the user holds grants the actor does not."""
    if actor.id is not None and actor.id == user.id:
        return None
    missing = grants_within(actor.grants, target_grants(user))
    if not missing:
        return None
    shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
    return f"You cannot change {user.email}: they hold permissions you do not ({shown})."


def check_may_act_on(actor: Actor, user: User) -> None:
    """Acting on another user needs every grant they hold (role and extra permissions together)."""
    problem = outrank_problem(actor, user)
    if problem:
        raise PermissionDenied(problem)


def _load(session: Session, user_id: uuid.UUID | str) -> User:
    return get_or_404(session, User, user_id, "There is no such user.")


def get_user_for(session: Session, actor: Actor, user_id: uuid.UUID | str) -> User:
    actor.require("users:read")
    return _load(session, user_id)


def create_user(session: Session, actor: Actor, email: str, name: str, role_name: str) -> User:
    """Invite a new staff member: created as invited, with no password until they accept."""
    actor.require("users:create")
    errors: dict[str, list[str]] = {}
    email, name = _clean_email(email, errors), _clean_name(name, errors)
    role = _role(session, role_name)
    if role is None:
        errors["role"] = ["Choose one of the listed roles."]
    if "email" not in errors and _email_taken(session, email):
        errors["email"] = ["A user with this email already exists."]
    if errors:
        raise Invalid("Check the highlighted fields.", errors)
    assert role is not None
    _check_grantable(actor, role)
    try:
        with transaction(session):
            user = User(email=email, name=name, role_name=role.name, status="invited", password_hash=None)
            session.add(user)
            session.flush()
            audit.record(session, actor, "user.created", "user", user.id,
                         {"email": email, "name": name, "role": role.name})
            events.emit(session, actor, "user.created", "user", user.id,
                        {"email": email, "role": role.name, "invite": True, "actor_id": _sid(actor)})
    except IntegrityError as exc:  # a concurrent invite of the same address won the race
        raise Invalid("Check the highlighted fields.", {"email": ["A user with this email already exists."]}) from exc
    return user


def _sid(actor: Actor) -> str | None:
    return str(actor.id) if actor.id else None


def _clean_grants(actor: Actor, grants: list[str], errors: dict[str, list[str]]) -> list[str]:
    cleaned = sorted({g.strip() for g in grants if g.strip()})
    bad = [g for g in cleaned if not is_valid_grant(g)]
    if bad:
        errors["permissions"] = [f"Unknown permission: {', '.join(bad)[:200]}"]
    return cleaned


def update_user(
    session: Session, actor: Actor, user_id: uuid.UUID | str, email: str, name: str,
    permissions: list[str] | None = None,
) -> User:
    """Edit name and email; extra permissions need set_role and stay within the editor's own."""
    actor.require("users:update")
    user = _load(session, user_id)
    check_may_act_on(actor, user)
    errors: dict[str, list[str]] = {}
    email, name = _clean_email(email, errors), _clean_name(name, errors)
    if "email" not in errors and _email_taken(session, email, exclude=user.id):
        errors["email"] = ["A user with this email already exists."]
    grants = user.permissions if permissions is None else _clean_grants(actor, permissions, errors)
    if errors:
        raise Invalid("Check the highlighted fields.", errors)
    if grants != sorted(set(user.permissions)):
        actor.require("users:set_role")
        if actor.id == user.id:
            raise PermissionDenied("You cannot change your own permissions.")
        missing = grants_within(actor.grants, grants)
        if missing:
            raise PermissionDenied(f"You cannot grant permissions you do not hold: {', '.join(missing)}.")
    old_email = user.email
    before = {"email": old_email, "name": user.name, "permissions": list(user.permissions)}
    with transaction(session):
        user.email, user.name, user.permissions = email, name, grants
        changes = audit.diff(before, {"email": email, "name": name, "permissions": grants})
        if changes:
            audit.record(session, actor, "user.updated", "user", user.id, changes)
            events.emit(session, actor, "user.updated", "user", user.id, {"fields": sorted(changes)})
        if old_email.lower() != email.lower():
            # An account event: reset and invitation links carry the address, so the old ones die here.
            audit.record(session, actor, "user.email_changed", "user", user.id, {"email": [old_email, email]})
            events.emit(session, actor, "user.email_changed", "user", user.id,
                        {"old": old_email, "new": email, "name": user.name, "actor": actor.label})
    return user


def _role_change_problem(actor: Actor, user: User, role: Role, admins: int) -> str | None:
    """Why this user's role may not become `role` (None when it may)."""
    if actor.id == user.id:
        return "You cannot change your own role."
    if user.role_name == role.name:
        return f"Already has the role {role.name}."
    if user.status == "active" and is_admin_role(user.role) and not is_admin_role(role) and admins <= 1:
        return "This is the last active admin."
    return None


def set_role(session: Session, actor: Actor, user_id: uuid.UUID | str, role_name: str) -> User:
    """Change one user's role, with the self, grant, outrank and last-admin guards."""
    actor.require("users:set_role")
    check_may_act_on(actor, _load(session, user_id))
    result = bulk_update(session, actor, [str(user_id)], "set_role", role_name)
    if result.failed:
        reason = result.failed[0][1]
        if reason == "There is no such user.":
            raise NotFound(reason)
        raise Invalid(reason, {"role": [reason]})
    return _load(session, user_id)


def _status_problem(actor: Actor, user: User, action: str, admins: int) -> str | None:
    if action == "suspend":
        if actor.id == user.id:
            return "You cannot suspend yourself."
        if user.status == "suspended":
            return "Already suspended."
        if user.status == "active" and is_admin_role(user.role) and admins <= 1:
            return "This is the last active admin."
        return None
    return None if user.status == "suspended" else "Not suspended."


def suspend_user(session: Session, actor: Actor, user_id: uuid.UUID | str) -> User:
    """Suspend one user and end their sessions; never the last active admin."""
    return _one_status(session, actor, user_id, "suspend")


def reactivate_user(session: Session, actor: Actor, user_id: uuid.UUID | str) -> User:
    return _one_status(session, actor, user_id, "reactivate")


def _one_status(session: Session, actor: Actor, user_id: uuid.UUID | str, action: str) -> User:
    actor.require("users:suspend")
    check_may_act_on(actor, _load(session, user_id))
    result = bulk_update(session, actor, [str(user_id)], action)
    if result.failed:
        reason = result.failed[0][1]
        raise NotFound(reason) if reason == "There is no such user." else Invalid(reason, {"status": [reason]})
    return _load(session, user_id)


def _parse_ids(raw_ids: list[str]) -> tuple[list[uuid.UUID], list[tuple[str, str]]]:
    ids, bad = [], []
    for raw in dict.fromkeys(raw_ids):
        try:
            ids.append(uuid.UUID(str(raw)))
        except ValueError:
            bad.append((str(raw)[:40], "Not a user id."))
    return ids, bad


def bulk_update(
    session: Session, actor: Actor, raw_ids: list[str], action: str, role_name: str | None = None
) -> BulkResult:
    """One transaction for all selected users, one audit record each; failures reported per user."""
    if action not in BULK_ACTIONS:
        raise Invalid("Choose an action.", {"action": ["Choose an action."]})
    actor.require("users:set_role" if action == "set_role" else "users:suspend")
    role = _role(session, role_name or "") if action == "set_role" else None
    if action == "set_role":
        if role is None:
            raise Invalid("Choose one of the listed roles.", {"role": ["Choose one of the listed roles."]})
        _check_grantable(actor, role)
    ids, bad = _parse_ids(raw_ids)
    if not ids and not bad:
        raise Invalid("Select at least one user.", {"ids": ["Select at least one user."]})
    if len(ids) > BULK_MAX:
        raise Invalid(f"Select at most {BULK_MAX} users at a time.", {"ids": ["Too many users selected."]})
    result = BulkResult(failed=bad)
    with transaction(session):
        users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)).with_for_update(of=User))}
        admins = active_admin_count(session)
        items: list[tuple[object, dict[str, Any]]] = []
        for user_id in ids:
            user = users.get(user_id)
            if user is None:
                result.failed.append((str(user_id), "There is no such user."))
                continue
            problem, changes, lost_admin = _apply(session, actor, user, action, role, admins)
            if problem:
                result.failed.append((user.email, problem))
                continue
            admins -= int(lost_admin)
            result.updated.append(user.id)
            items.append((user.id, changes))
        if role is not None and result.updated:
            session.execute(update(User).where(User.id.in_(result.updated)).values(role_name=role.name))
        _record(session, actor, action, role, items)
    return result


def _apply(
    session: Session, actor: Actor, user: User, action: str, role: Role | None, admins: int
) -> tuple[str | None, dict[str, Any], bool]:
    """Change one user in place: (reason it may not, audit diff, whether an active admin was lost)."""
    was_admin = user.status == "active" and is_admin_role(user.role)
    outranked = outrank_problem(actor, user)
    if outranked:
        return outranked, {}, False
    if role is not None:
        problem = _role_change_problem(actor, user, role, admins)
        if problem:
            return problem, {}, False
        # The rows change in one UPDATE after the loop (bulk_update); here only the diff.
        changes = audit.diff({"role": user.role_name}, {"role": role.name})
        lost = was_admin and not is_admin_role(role)
    else:
        problem = _status_problem(actor, user, action, admins)
        if problem:
            return problem, {}, False
        new = "suspended" if action == "suspend" else ("active" if user.password_hash else "invited")
        changes = audit.diff({"status": user.status}, {"status": new})
        user.status = new
        if action == "suspend":
            end_all_sessions(session, user)
        lost = was_admin
    return None, changes, lost


def _record(session: Session, actor: Actor, action: str, role: Role | None, items: list[tuple[object, Any]]) -> None:
    if not items:
        return
    verb = {"set_role": "user.role_changed", "suspend": "user.suspended", "reactivate": "user.reactivated"}[action]
    audit.record_many(session, actor, verb, "user", items)
    user_ids = [str(target) for target, _ in items]
    data: dict[str, Any] = {"user_ids": user_ids, "actor_id": _sid(actor)}
    if role is not None:
        data["role"] = role.name
    # One event for the whole batch: its handler fans out (500 users = one job, not 500).
    events.emit(session, actor, verb, "user", user_ids[0] if len(user_ids) == 1 else "bulk", data)


def resend_invitation(session: Session, actor: Actor, user_id: uuid.UUID | str) -> User:
    """A fresh invitation link; older links stop working (the session version moves on)."""
    actor.require("users:create")
    user = _load(session, user_id)
    check_may_act_on(actor, user)
    if user.status != "invited":
        raise Invalid("Only invited users can be sent an invitation.", {"status": ["Not invited."]})
    with transaction(session):
        user.session_version += 1
        audit.record(session, actor, "user.invitation_resent", "user", user.id, {})
        events.emit(session, actor, "user.invitation_resent", "user", user.id, {"email": user.email})
    return user


def end_sessions(session: Session, actor: Actor, user_id: uuid.UUID | str) -> int:
    """End every browser session and API token of another user (users:suspend); returns how many ended."""
    actor.require("users:suspend")
    user = _load(session, user_id)
    check_may_act_on(actor, user)
    with transaction(session):
        ended = end_all_sessions(session, user)
        audit.record(session, actor, "user.sessions_ended", "user", user.id, {"sessions_ended": ended})
    return ended
