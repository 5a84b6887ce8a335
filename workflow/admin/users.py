"""Accounts: password hashing (Argon2), log-in, API tokens, creation and deactivation."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from workflow.admin.models import Agency, ApiToken, User, UserRole
from workflow.core.errors import Invalid, NotFound
from workflow.core.extensions import db
from workflow.core.models import utcnow
from workflow.core.roles import AID_LEVELS, ROLES

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

log = logging.getLogger(__name__)
# Verifying against this hash when the user does not exist keeps log-in timing uniform.
_DUMMY_HASH: str | None = None


def _hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=current_app.config["ARGON2_TIME_COST"],
                          memory_cost=current_app.config["ARGON2_MEMORY_COST"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def authenticate(username: str, password: str) -> User | None:
    global _DUMMY_HASH
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password(secrets.token_hex(8))
        try:
            _hasher().verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        return None
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        log.info("failed login for %s", user.username)
        return None
    if not user.active:
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


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
    if password or (user.active and not active):
        user.session_epoch += 1  # logs the user out everywhere
        db.session.execute(ApiToken.__table__.delete().where(ApiToken.user_id == user.id))
    user.active = active
    db.session.commit()
    return user


def load_session_user(session_id: str) -> User | None:
    try:
        user_id, epoch = (int(p) for p in session_id.split(":"))
    except ValueError:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_epoch != epoch or not user.active:
        return None
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, dt.datetime]:
    token = secrets.token_urlsafe(32)
    expires = utcnow() + dt.timedelta(hours=current_app.config["API_TOKEN_HOURS"])
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token), expires_at=expires))
    db.session.commit()
    return token, expires


def user_for_token(token: str) -> User | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.expires_at < utcnow() or not row.user.active:
        return None
    return row.user


def agency_by_name(name: str) -> Agency:
    agency = db.session.scalar(select(Agency).where(Agency.name == name))
    if agency is None:
        raise NotFound(_("No agency named %(name)s.", name=name))
    return agency
