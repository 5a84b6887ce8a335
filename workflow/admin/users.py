"""Accounts as administrators keep them: creation, changes and deactivation."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select

from workflow.admin import sessions
from workflow.admin.models import Agency, User, UserRole
from workflow.admin.signin import hash_password
from workflow.core.errors import Invalid, NotFound
from workflow.core.extensions import db
from workflow.core.roles import AID_LEVELS, ROLES

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


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


def create_user(*, username: str, password: str, full_name: str, sex: str, roles: list[str],
                agency: Agency, aid_level: str | None = None, email: str | None = None) -> User:
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise Invalid(_("Unknown role(s): %(roles)s", roles=", ".join(unknown)), {"roles": unknown})
    if not roles:
        raise Invalid(_("A user needs at least one role."), {"roles": [_("required")]})
    aid_level = _check_aid_level(roles, aid_level)
    email = _check_email(email)
    if len(password) < 10:
        raise Invalid(_("Passwords need at least 10 characters."), {"password": [_("too short")]})
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Invalid(_("This username is taken."), {"username": [_("taken")]})
    user = User(username=username, full_name=full_name, sex=sex, agency=agency, aid_level=aid_level, email=email,
                password_hash=hash_password(password),
                role_rows=[UserRole(role=r) for r in dict.fromkeys(roles)])
    db.session.add(user)
    db.session.commit()
    return user


def update_user(user: User, *, full_name: str, sex: str, roles: list[str], agency: Agency, active: bool,
                password: str | None = None, aid_level: str | None = None, email: str | None = None) -> User:
    if not roles:
        raise Invalid(_("A user needs at least one role."), {"roles": [_("required")]})
    user.aid_level = _check_aid_level(roles, aid_level)
    user.email = _check_email(email)
    user.full_name, user.sex, user.agency = full_name, sex, agency
    current = {r.role: r for r in user.role_rows}
    for role in set(current) - set(roles):
        user.role_rows.remove(current[role])
    for role in dict.fromkeys(roles):
        if role not in current:
            user.role_rows.append(UserRole(role=role))
    if password:
        if len(password) < 10:
            raise Invalid(_("Passwords need at least 10 characters."), {"password": [_("too short")]})
        user.password_hash = hash_password(password)
    if password:
        sessions.end_all(user, "password")
    elif user.active and not active:
        sessions.end_all(user, "deactivated")
    user.active = active
    db.session.commit()
    return user


def agency_by_name(name: str) -> Agency:
    agency = db.session.scalar(select(Agency).where(Agency.name == name))
    if agency is None:
        raise NotFound(_("No agency named %(name)s.", name=name))
    return agency
