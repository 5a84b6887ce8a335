"""Accounts as administrators keep them: creation, changes, deactivation, lock-outs and sessions.

Each service takes the acting user (`actor`; None is the command line) and records what it changed
in the admin log (`changes.record`) in the same transaction. Changes that would widen someone's
access (roles added, a higher aid approval level, another agency) wait for a second administrator
as four-eyes requests (`workflow.admin.requests`) when an administrator makes them; from the
command line they apply at once. Nobody changes their own roles, level or agency.
"""
from __future__ import annotations

import re

from flask import has_request_context
from flask_babel import gettext as _
from sqlalchemy import select

from workflow.admin import changes, requests, sessions, signin
from workflow.admin.models import AdminRequest, Agency, User, UserRole
from workflow.admin.signin import hash_password
from workflow.core.access import require
from workflow.core.errors import Invalid, NotFound
from workflow.core.extensions import db
from workflow.core.models import utcnow
from workflow.core.roles import AID_LEVELS, ROLES

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _acting(actor: User | None) -> None:
    """An administrator's rights (or the command line: `actor` None, never inside a web request,
    where it would skip the four-eyes rule)."""
    if actor is not None:
        require(actor, "manage_users")
    elif has_request_context():
        raise RuntimeError("a request changes accounts as its user: pass actor=current_user")


def _check_roles(roles: list[str]) -> list[str]:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise Invalid(_("Unknown role(s): %(roles)s", roles=", ".join(unknown)), {"roles": unknown})
    return list(dict.fromkeys(roles))


def _check_aid_level(roles: list[str], aid_level: str | None) -> str | None:
    """Approvers need a level (the approval matrix); nobody else has one."""
    if "aid_approver" not in roles:
        return None
    if aid_level not in AID_LEVELS:
        message = _("Aid approvers need an approval level.")
        raise Invalid(message, {"aid_level": [message]})
    return aid_level


def _check_email(email: str | None) -> str | None:
    email = (email or "").strip()
    if email and not EMAIL.fullmatch(email):
        message = _("Not an e-mail address.")
        raise Invalid(message, {"email": [message]})
    return email or None


def _check_password(password: str) -> None:
    if len(password) < 10:
        raise Invalid(_("Passwords need at least 10 characters."), {"password": [_("too short")]})


def _account(user: User) -> dict:
    """What the admin log shows of an account (never the password hash or second-factor secret)."""
    return {"username": user.username, "full_name": user.full_name, "sex": user.sex, "email": user.email,
            "agency_id": user.agency_id, "agency": user.agency.name if user.agency else None,
            "active": user.active, "aid_level": user.aid_level}


def _roles_state(user: User) -> dict:
    return {"roles": sorted(r.role for r in user.role_rows), "aid_level": user.aid_level}


def create_user(*, username: str, password: str, full_name: str, sex: str, roles: list[str],
                agency: Agency, aid_level: str | None = None, email: str | None = None,
                actor: User | None = None) -> User:
    """A new account with `roles` in `agency`.

    From the command line (`actor` None: `flask create-user`, demo data, test fixtures) the roles
    apply at once. An administrator's new user starts with no role at all: the roles (and aid
    level) wait in a request for a second administrator; until then the user can log in and set up
    the second factor, and sees nothing."""
    _acting(actor)
    roles = _check_roles(roles)
    if not roles:
        raise Invalid(_("A user needs at least one role."), {"roles": [_("required")]})
    aid_level = _check_aid_level(roles, aid_level)
    email = _check_email(email)
    _check_password(password)
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Invalid(_("This username is taken."), {"username": [_("taken")]})
    at_once = actor is None
    user = User(username=username, full_name=full_name, sex=sex, agency=agency, email=email,
                aid_level=aid_level if at_once else None, password_hash=hash_password(password),
                role_rows=[UserRole(role=r) for r in roles] if at_once else [])
    db.session.add(user)
    db.session.flush()
    changes.record(actor, "user", user.id, "create", None, {**_account(user), "password": "set"},
                   label=user.username)
    if at_once:
        changes.record(actor, "role", user.id, "grant", {"roles": [], "aid_level": None}, _roles_state(user),
                       label=user.username)
    else:
        requests.open_request(actor, user, "roles", {"add": roles, "aid_level": aid_level})
    db.session.commit()
    return user


def _own_account_refusals(user: User, roles: list[str], agency: Agency, aid_level: str | None) -> dict:
    fields = {}
    if set(roles) != user.roles:
        fields["roles"] = [_("You cannot change your own roles: another administrator must.")]
    if agency.id != user.agency_id:
        fields["agency_id"] = [_("You cannot move yourself to another agency: another administrator must.")]
    if aid_level != user.aid_level:
        fields["aid_level"] = [_("You cannot change your own approval level: another administrator must.")]
    return fields


def _higher(level: str | None, than: str | None) -> bool:
    return level is not None and (than is None or AID_LEVELS.index(level) > AID_LEVELS.index(than))


def update_user(user: User, *, actor: User | None = None, full_name: str, sex: str, roles: list[str], agency: Agency,
                active: bool, password: str | None = None, aid_level: str | None = None,
                email: str | None = None) -> list[AdminRequest]:
    """Change an account to these values. Removing roles, lowering the aid approval level,
    deactivating and the other fields take effect at once. Added roles, a higher level and another
    agency take effect at once from the command line (`actor` None); an administrator's wait for a
    second administrator: returns the requests opened (or already waiting for the same change)."""
    _acting(actor)
    roles = _check_roles(roles)
    aid_level = _check_aid_level(roles, aid_level)
    email = _check_email(email)
    if password:
        _check_password(password)
        if actor is not None and actor.id != user.id and user.roles and not user.enrolled:
            # Otherwise an administrator could set the password, enrol his own phone as this user
            # and read what the roles give, with no second administrator involved.
            message = _("This user has not set up the second factor yet: an administrator may not set the "
                        "password of an account that holds roles until then. Remove the roles first, or let "
                        "the user log in with the password they have.")
            raise Invalid(message, {"password": [message]})
    if actor is not None and actor.id == user.id:
        refusals = _own_account_refusals(user, roles, agency, aid_level)
        if refusals:
            raise Invalid(_("Nobody changes their own roles, approval level or agency."), refusals)

    held = user.roles
    added, removed = [r for r in roles if r not in held], held - set(roles)
    keeps_approver = "aid_approver" in held and "aid_approver" in roles
    raises_level = keeps_approver and _higher(aid_level, user.aid_level)
    wanted = []  # (kind, change) waiting for a second administrator
    if actor is not None:
        if added:
            wanted.append(("roles", {"add": added, "aid_level": aid_level if "aid_approver" in added else None}))
        if raises_level:
            wanted.append(("aid_level", {"aid_level": aid_level, "from_aid_level": user.aid_level}))
        if agency.id != user.agency_id:
            wanted.append(("agency", {"agency_id": agency.id, "from_agency_id": user.agency_id}))
        refusals = {requests.FIELDS[kind]: [refused] for kind, change in wanted
                    if (refused := requests.conflict(user, kind, change))}
        if refusals:
            raise Invalid(next(iter(refusals.values()))[0], refusals)

    before, roles_before = _account(user), _roles_state(user)
    user.full_name, user.sex, user.email = full_name, sex, email
    for row in [r for r in user.role_rows if r.role in removed]:
        user.role_rows.remove(row)
    if "aid_approver" not in roles:
        user.aid_level = None
    elif keeps_approver and (actor is None or not raises_level):
        user.aid_level = aid_level
    if actor is None:
        for role in added:
            user.role_rows.append(UserRole(role=role))
        if "aid_approver" in added:
            user.aid_level = aid_level
        user.agency = agency
    if password:
        user.password_hash = hash_password(password)
        sessions.end_all(user, "password")
    elif user.active and not active:
        sessions.end_all(user, "deactivated")
    user.active = active
    db.session.flush()

    roles_after = _roles_state(user)
    if roles_after["roles"] != roles_before["roles"]:
        gained, lost = set(roles_after["roles"]) - held, held - set(roles_after["roles"])
        action = "update" if gained and lost else "grant" if gained else "remove"
        changes.record(actor, "role", user.id, action, roles_before, roles_after, label=user.username)
    old, new = changes.changed(before, _account(user))
    if password:
        new = {**new, "password": "changed"}  # a flag: never the hash
    if new:
        changes.record(actor, "user", user.id, "update", old, new, label=user.username)
    opened = [requests.open_request(actor, user, kind, change) for kind, change in wanted]
    db.session.commit()
    return opened


def unlock_user(actor: User | None, user: User) -> bool:
    """Lift a lock-out (and forget the failed attempts that led to it); returns whether the account
    was locked."""
    _acting(actor)
    locked = user.locked_until is not None and user.locked_until > utcnow()
    before = {"locked_until": user.locked_until, "failed_logins": user.failed_logins}
    signin.unlock(user)
    changes.record(actor, "lock", user.id, "unlock", before, {"locked_until": None, "failed_logins": 0},
                   label=user.username)
    db.session.commit()
    return locked


def end_sessions(actor: User | None, user: User) -> None:
    """End every session and API token of `user` at once (a lost laptop, a suspected theft)."""
    _acting(actor)
    before = sessions.access_counts(user)
    sessions.end_all(user, "admin")
    changes.record(actor, "session", user.id, "end_all", before, {"open_sessions": 0, "api_tokens": 0},
                   label=user.username)
    db.session.commit()


def active_holders(agency_id: int | None, role: str, aid_level: str | None = None) -> list[int]:
    """Ids of the active users of an agency (None: of every agency) who hold `role` (at `aid_level`,
    if given), in id order: who is told about a centre's or procuratorate's work."""
    stmt = select(User.id).join(UserRole).where(User.active.is_(True), UserRole.role == role).order_by(User.id)
    if agency_id is not None:
        stmt = stmt.where(User.agency_id == agency_id)
    if aid_level is not None:
        stmt = stmt.where(User.aid_level == aid_level)
    return list(db.session.scalars(stmt))


def agency_by_name(name: str) -> Agency:
    agency = db.session.scalar(select(Agency).where(Agency.name == name))
    if agency is None:
        raise NotFound(_("No agency named %(name)s.", name=name))
    return agency


def user_by_username(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise NotFound(_("No user named %(username)s.", username=username))
    return user
