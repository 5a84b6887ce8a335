"""The front door: the password (Argon2), the second factor (TOTP, RFC 6238, with single-use
recovery codes) and the lock-out, for the log-in pages and `POST /api/v1/tokens` alike.

Every password or code tried is recorded (`LoginAttempt`). After `login_failures_before_lock`
wrong passwords or codes in a row an account is locked for `login_lock_minutes`, and each further
failure doubles the lock (up to `login_lock_max_minutes`); a locked account is refused even with
the right password until the lock lifts by itself or an administrator unlocks it.
"""
from __future__ import annotations

import datetime as dt
import hmac
import logging
import re
import secrets
import unicodedata

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidTag
from flask import current_app
from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from workflow.admin import sessions
from workflow.admin.models import LoginAttempt, RecoveryCode, User
from workflow.audit import trail
from workflow.core import settings
from workflow.core.errors import Invalid, WorkflowError
from workflow.core.extensions import db
from workflow.core.models import utcnow
from workflow.core.sealing import key_probe, keyed_hash, seal, unseal

settings.declare(login_failures_before_lock=5, login_lock_minutes=5, login_lock_max_minutes=24 * 60)

log = logging.getLogger(__name__)

ISSUER = "OneStop"
RECOVERY_CODES = 10
# Recovery codes: 10 characters of an alphabet without look-alikes (0/o, 1/l/i): ~49 bits each.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TOTP_CODE = re.compile(r"[0-9]{6}")
RECOVERY_CODE = re.compile(rf"[{RECOVERY_ALPHABET}]{{10}}")
# Verifying against this hash when the user does not exist keeps log-in timing uniform.
_DUMMY_HASH: str | None = None


class LoginRefused(WorkflowError):
    """Wrong username, password or code (which one is not said for the password step)."""

    status, code = 401, "unauthorized"


class AccountLocked(WorkflowError):
    status, code = 423, "account_locked"

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(_("Too many failed attempts: this account is locked until %(time)s. Try again then, "
                           "or ask an administrator to unlock it.", time=format_datetime(until, "short")))
        self.until = until

    @property
    def retry_after(self) -> int:
        """Seconds until the lock lifts (for `Retry-After`)."""
        return max(1, int((self.until - utcnow()).total_seconds()) + 1)


# --- passwords ----------------------------------------------------------------------------------

def _hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=current_app.config["ARGON2_TIME_COST"],
                          memory_cost=current_app.config["ARGON2_MEMORY_COST"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_matches(user: User, password: str) -> bool:
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    return True


# Steps of a login that went through (the others are refusals).
SIGNED_IN_STEPS = frozenset({"password_ok", "ok", "recovery_code", "enrolled"})


def _record(username: str, user: User | None, channel: str, outcome: str) -> None:
    # A name that is no account's is kept as a keyed hash: people type their password into the
    # username field; repeated tries of one name still show as one name.
    shown = user.username if user is not None else "?" + keyed_hash(username, "login_name")[:40]
    db.session.add(LoginAttempt(username=shown, user_id=user.id if user else None,
                                address=sessions.client_address(), channel=channel, outcome=outcome))
    failed = outcome not in SIGNED_IN_STEPS
    trail.record(f"login.{outcome}", "login_failed" if failed else "login", user_id=user.id if user else None,
                 outcome=("423" if outcome == "locked" else "401") if failed else "allowed",
                 details={"channel": channel})


def _refuse_if_locked(user: User, username: str, channel: str) -> None:
    if user.locked_until is not None and user.locked_until > utcnow():
        _record(username, user, channel, "locked")
        db.session.commit()
        raise AccountLocked(user.locked_until)


def _failed(user: User, username: str, channel: str, outcome: str, error: WorkflowError) -> None:
    """Count a failure toward the lock-out, record it, commit, and raise (the lock if it now applies).
    The count is incremented by the database, so attempts made at the same moment all count."""
    user.failed_logins = db.session.scalar(
        update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
        .returning(User.failed_logins))
    threshold, first, longest = settings.get_many("login_failures_before_lock", "login_lock_minutes",
                                                  "login_lock_max_minutes")
    if user.failed_logins >= threshold:
        minutes = min(first * 2 ** (user.failed_logins - threshold), longest)
        user.locked_until = utcnow() + dt.timedelta(minutes=minutes)
        log.warning("account %s locked for %d minutes after %d failures", user.username, minutes,
                    user.failed_logins)
    _record(username, user, channel, outcome)
    db.session.commit()
    if user.locked_until is not None and user.locked_until > utcnow():
        raise AccountLocked(user.locked_until)
    raise error


def check_password(username: str, password: str, channel: str) -> User:
    """The active user with this username and password, the password step of a login; raises
    LoginRefused or AccountLocked (the attempt is recorded either way)."""
    global _DUMMY_HASH
    username = username.strip()
    refused = LoginRefused(_("Wrong username or password."))
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password(secrets.token_hex(8))
        try:
            _hasher().verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        _record(username, None, channel, "unknown_user")
        db.session.commit()
        raise refused
    _refuse_if_locked(user, username, channel)
    if not password_matches(user, password):
        _failed(user, username, channel, "wrong_password", refused)
    if not user.active:
        _record(username, user, channel, "inactive")
        db.session.commit()
        raise refused
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    _record(username, user, channel, "password_ok")
    db.session.commit()
    return user


# --- the second factor --------------------------------------------------------------------------

def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(user: User, secret: str) -> str:
    """The enrolment QR code (an authenticator app scans it), as inline SVG."""
    return segno.make(provisioning_uri(user, secret), error="m").svg_inline(scale=5, border=2)


def otp_secret(user: User) -> str:
    return unseal(user.otp_secret, "otp_secret")


@key_probe
def _keys_open_the_second_factors() -> str | None:
    """Whether the encryption key opens the stored TOTP secrets (see `sealing.check_keys`)."""
    sealed = db.session.scalar(select(User.otp_secret).where(User.otp_secret.is_not(None)).limit(1))
    if sealed is not None:
        try:
            unseal(sealed, "otp_secret")
        except InvalidTag:
            return "REGISTRY_ENCRYPTION_KEY"
    return None


def current_code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def _matching_step(secret: str, code: str) -> int | None:
    """The time step (this one or a neighbour, for clock drift) whose code `code` is."""
    totp = pyotp.TOTP(secret)
    now = totp.timecode(dt.datetime.now(dt.UTC))
    for step in (now - 1, now, now + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _normalised(code: str) -> str:
    # NFKC: a Chinese input method in full-width mode types １２３４５６ for 123456.
    return re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", code or "")).lower()


def _code_hash(code: str) -> str:
    return keyed_hash(_normalised(code), "recovery_code")


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(c)) for c in codes)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def check_code(user: User, code: str, channel: str) -> str:
    """The second step of a login: a current TOTP code (once only) or an unused recovery code.
    Returns the outcome recorded ("ok" or "recovery_code"); raises LoginRefused or AccountLocked."""
    username = user.username
    _refuse_if_locked(user, username, channel)
    code = _normalised(code)
    if TOTP_CODE.fullmatch(code):
        step = _matching_step(otp_secret(user), code)
        if step is None:
            _failed(user, username, channel, "wrong_code", LoginRefused(_("Wrong code.")))
        # Taken only if no later or equal step was taken before, by the database, so that the same
        # code sent twice at the same moment is still accepted once.
        taken = db.session.execute(
            update(User).where(User.id == user.id, or_(User.otp_last_counter.is_(None), User.otp_last_counter < step))
            .values(otp_last_counter=step)).rowcount
        if taken != 1:
            _failed(user, username, channel, "replayed_code", LoginRefused(
                _("This code was already used; wait for the next one in your authenticator app.")))
        user.otp_last_counter = step
        outcome = "ok"
    elif RECOVERY_CODE.fullmatch(code):
        used = db.session.execute(
            update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(code),
                                       RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow())).rowcount
        if used != 1:
            _failed(user, username, channel, "wrong_code",
                    LoginRefused(_("Wrong code (a recovery code works only once).")))
        outcome = "recovery_code"
    else:
        _failed(user, username, channel, "wrong_code", LoginRefused(
            _("Enter the 6 digits your authenticator app shows, or one of your recovery codes.")))
    user.failed_logins, user.locked_until = 0, None
    _record(username, user, channel, outcome)
    return outcome


def confirm_enrolment(user: User, secret: str, code: str, channel: str = "page") -> list[str]:
    """Set up the second factor with `secret` once the user proved it with a first code; returns the
    ten recovery codes (shown once). A wrong code saves nothing but counts toward the lock-out."""
    _refuse_if_locked(user, user.username, channel)
    code = _normalised(code)
    step = _matching_step(secret, code) if TOTP_CODE.fullmatch(code) else None
    if step is None:
        _failed(user, user.username, channel, "wrong_code", LoginRefused(
            _("That is not the code your authenticator app shows now; check the app and try again.")))
    user.otp_secret = seal(secret, "otp_secret")
    user.otp_confirmed_at = utcnow()
    user.otp_last_counter = step
    user.failed_logins, user.locked_until = 0, None
    codes = _new_recovery_codes(user)
    _record(user.username, user, channel, "enrolled")
    return codes


def enrol_with(user: User, secret: str) -> list[str]:
    """Enrol `user` with a known secret, without a first code (demo data and the command line)."""
    user.otp_secret = seal(secret, "otp_secret")
    user.otp_confirmed_at = utcnow()
    user.otp_last_counter = None
    return _new_recovery_codes(user)


def reset_second_factor(user: User) -> None:
    """Forget the second factor: the user enrols again at the next login; every session and token
    ends (in the caller's transaction)."""
    user.otp_secret = user.otp_confirmed_at = user.otp_last_counter = None
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    sessions.end_all(user, "second_factor")


def check_current_password(user: User, password: str) -> None:
    """A signed-in user confirming their password (to change it): a wrong one counts toward the
    lock-out like a wrong login, so the form is no way around it."""
    _refuse_if_locked(user, user.username, "page")
    if not password_matches(user, password):
        message = _("Wrong password.")
        _failed(user, user.username, "page", "wrong_password", Invalid(message, {"current_password": [message]}))


def unlock(user: User) -> None:
    user.failed_logins, user.locked_until = 0, None


def unused_recovery_codes(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))
