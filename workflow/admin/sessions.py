"""Sessions and API tokens that end: a signed-in browser is a `UserSession` row and an API client an
`ApiToken` row, each found by the SHA-256 of a random secret the client holds. Ending the row ends
the access at once, whatever copies of the cookie or token exist.

Sessions end on logout, after `session_idle_minutes` without a request, `session_max_hours` after
sign-in, and all of a user's at once (with their tokens) on a password change, a second-factor
reset, deactivation or an administrator's "end all sessions".
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from flask import has_request_context, request, session
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from workflow.admin.models import ApiToken, User, UserSession
from workflow.audit.trail import set_session_ref
from workflow.core import settings
from workflow.core.errors import NotFound
from workflow.core.extensions import db
from workflow.core.models import utcnow

settings.declare(session_idle_minutes=30, session_max_hours=12, api_token_hours=4)

# A session's last-seen time is written at most this often (not on every request).
SEEN_EVERY = dt.timedelta(seconds=60)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def client_address() -> str:
    return (request.remote_addr or "")[:64] if has_request_context() else ""


# --- browser sessions ---------------------------------------------------------------------------

def start(user: User) -> UserSession:
    """A new session for `user` (whose password and second factor were checked), in the cookie."""
    token = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, token_hash=secret_hash(token), address=client_address(),
                      user_agent=(request.user_agent.string or "")[:200])
    db.session.add(row)
    session["sid"] = token
    return row


def _lifetimes() -> tuple[dt.timedelta, dt.timedelta]:
    """How long a session lasts without a request, and at most (the settings, read together)."""
    idle_minutes, max_hours = settings.get_many("session_idle_minutes", "session_max_hours")
    return dt.timedelta(minutes=idle_minutes), dt.timedelta(hours=max_hours)


def _is_live(row: UserSession, now: dt.datetime, lifetimes: tuple[dt.timedelta, dt.timedelta]) -> str | None:
    """Why the session is over, or None while it lasts."""
    idle, longest = lifetimes
    if row.ended_at is not None:
        return row.end_reason
    if row.last_seen_at < now - idle:
        return "idle"
    if row.created_at < now - longest:
        return "expired"
    return None


def current() -> UserSession | None:
    token = session.get("sid")
    if not isinstance(token, str):
        return None
    # With its user in the same statement: this runs at the start of every signed-in request.
    return db.session.scalar(select(UserSession).options(joinedload(UserSession.user))
                             .where(UserSession.token_hash == secret_hash(token)))


def load_user(user_id: str) -> User | None:
    """Flask-Login's user loader: the user of the cookie's session while that session lasts."""
    row = current()
    if row is None or str(row.user_id) != user_id or not row.user.active:
        return None
    now = utcnow()
    over = _is_live(row, now, _lifetimes())
    if over is not None:
        if row.ended_at is None:
            row.ended_at, row.end_reason = now, over
            db.session.commit()
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
        db.session.commit()
    set_session_ref(f"s:{row.id}")
    return row.user


def end(row: UserSession, reason: str) -> None:
    if row.ended_at is None:
        row.ended_at, row.end_reason = utcnow(), reason


def end_all(user: User, reason: str) -> None:
    """End every session and API token of `user` (in the caller's transaction)."""
    db.session.execute(update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
                       .values(ended_at=utcnow(), end_reason=reason))
    db.session.execute(ApiToken.__table__.delete().where(ApiToken.user_id == user.id))


def open_sessions(user: User) -> list[UserSession]:
    """The user's sessions that still last, newest first."""
    now, lifetimes = utcnow(), _lifetimes()
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id,
                                                        UserSession.ended_at.is_(None))
                              .order_by(UserSession.created_at.desc()))
    return [row for row in rows if _is_live(row, now, lifetimes) is None]


def access_counts(user: User) -> dict[str, int]:
    """How many sessions and API tokens of `user` still last (for the admin log, before they end)."""
    return {"open_sessions": len(open_sessions(user)), "api_tokens": len(tokens_of(user))}


def end_own_session(user: User, session_id: int) -> None:
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id:
        raise NotFound(_("No such session."))
    end(row, "ended")
    db.session.commit()


# --- API tokens ---------------------------------------------------------------------------------

def issue_token(user: User) -> tuple[str, ApiToken]:
    token = secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=secret_hash(token),
                   expires_at=utcnow() + dt.timedelta(hours=settings.get("api_token_hours")))
    db.session.add(row)
    db.session.commit()
    return token, row


def token_row(token: str) -> ApiToken | None:
    """The live token row of a bearer token (None when unknown, expired or its user deactivated)."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == secret_hash(token)))
    if row is None or row.expires_at < utcnow() or not row.user.active:
        return None
    return row


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.expires_at > utcnow())
                                   .order_by(ApiToken.created_at.desc())))


def revoke_token(user: User, token_id: int) -> None:
    """Revoke one of `user`'s tokens (another user's is as unknown as a missing one)."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(_("No such token."))
    db.session.delete(row)
    db.session.commit()
