"""Signing in (password, then the second factor, or its enrolment on the first login), signing out,
and one's own account: sessions, API tokens, password.

Between the password and the code the browser holds only a pending login in its (signed) cookie:
the user id, when the password was right and, while enrolling, the new secret. Nothing is stored
before the first code confirms the secret.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from forms.account import CodeForm, EnrolForm, LoginForm, PasswordChangeForm
from workflow.admin import account, sessions, signin
from workflow.admin.models import User
from workflow.audit.trail import public
from workflow.core.errors import WorkflowError
from workflow.core.extensions import db, rate_limit
from workflow.core.models import utcnow

bp = Blueprint("auth", __name__)

# How long the code step waits after the password was right.
PENDING_FOR = dt.timedelta(minutes=5)


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("inbox.index")


def _pending_user() -> User | None:
    """The user whose password was right a moment ago in this browser, if the login is still pending."""
    pending = session.get("pending_login")
    if not isinstance(pending, dict):
        return None
    try:
        since = dt.datetime.fromisoformat(pending["at"])
        user = db.session.get(User, int(pending["user_id"]))
    except (KeyError, TypeError, ValueError):
        return None
    if user is None or not user.active or utcnow() - since > PENDING_FOR \
            or pending.get("password") != _password_mark(user):  # the password changed meanwhile
        return None
    return user


def _password_mark(user: User) -> str:
    return sessions.secret_hash(user.password_hash)[:16]


def _restart(message: str):
    session.pop("pending_login", None)
    flash(message, "warning")
    return redirect(url_for("auth.login"))


def _signed_in(user: User, next_url: str | None):
    """Start the session of a user who passed both steps."""
    lang = session.get("lang")
    session.clear()  # no session fixation
    if lang:
        session["lang"] = lang
    session.permanent = True
    sessions.start(user)
    db.session.commit()
    login_user(user)
    return _safe_next(next_url)


@bp.route("/login", methods=["GET", "POST"])
@public
@rate_limit("login", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = signin.check_password(form.username.data, form.password.data, "page")
        except signin.AccountLocked as exc:
            form.password.errors.append(exc.message)
            status = exc.status
        except WorkflowError as exc:
            form.password.errors.append(exc.message)
        else:
            pending = {"user_id": user.id, "at": utcnow().isoformat(), "next": request.args.get("next"),
                       "password": _password_mark(user)}
            if not user.enrolled:
                pending["secret"] = signin.new_secret()
            session["pending_login"] = pending
            return redirect(url_for("auth.code" if user.enrolled else "auth.enrol"))
    elif request.method == "POST":
        status = 422
    return render_template("admin/login.html", form=form), status


@bp.route("/login/code", methods=["GET", "POST"])
@public
@rate_limit("login", methods=["POST"])
def code():
    user = _pending_user()
    if user is None or not user.enrolled:
        return _restart(_("Please log in again."))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            outcome = signin.check_code(user, form.code.data, "page")
        except signin.AccountLocked as exc:
            return _restart(exc.message)
        except WorkflowError as exc:
            form.code.errors.append(exc.message)
            status = 422
        else:
            target = _signed_in(user, session.get("pending_login", {}).get("next"))
            if outcome == "recovery_code":
                flash(_("You signed in with a recovery code; %(count)d remain. If your phone is lost, ask an "
                        "administrator to reset your second factor.", count=signin.unused_recovery_codes(user)),
                      "warning")
            return redirect(target)
    elif request.method == "POST":
        status = 422
    return render_template("admin/login_code.html", form=form, user=user), status


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
@rate_limit("login", methods=["POST"])
def enrol():
    """First login: set up the authenticator app, confirm it with a first code, get recovery codes."""
    user = _pending_user()
    secret = session.get("pending_login", {}).get("secret")
    if user is None or user.enrolled or not isinstance(secret, str):
        return _restart(_("Please log in again."))
    form = EnrolForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = signin.confirm_enrolment(user, secret, form.code.data)
        except signin.AccountLocked as exc:
            return _restart(exc.message)
        except WorkflowError as exc:
            form.code.errors.append(exc.message)
            status = 422
        else:
            target = _signed_in(user, session.get("pending_login", {}).get("next"))
            return render_template("admin/recovery_codes.html", codes=codes, next_url=target)
    elif request.method == "POST":
        status = 422
    return render_template("admin/login_enrol.html", form=form, user=user, secret=secret,
                           qr=signin.qr_svg(user, secret)), status


@bp.route("/logout", methods=["POST"])
@public  # recorded by the sign-out itself (`account.log_out`)
@login_required
def logout():
    account.log_out()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


# --- my account ---------------------------------------------------------------------------------

def _account_page(form: PasswordChangeForm, status: int = 200):
    return render_template("admin/account.html", form=form, sessions=sessions.open_sessions(current_user),
                           current=sessions.current(), tokens=sessions.tokens_of(current_user),
                           recovery_left=signin.unused_recovery_codes(current_user)), status


@bp.get("/account")
@login_required
def account_page():
    return _account_page(PasswordChangeForm(formdata=None))


@bp.post("/account/password")
@login_required
@rate_limit("login")
def change_password():
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _account_page(form, 422)
    try:
        account.change_password(current_user, form.current_password.data, form.new_password.data)
    except WorkflowError as exc:
        form.current_password.errors.append(exc.message)
        return _account_page(form, exc.status)
    flash(_("Password changed. Your other sessions and your API tokens have ended."), "success")
    return redirect(url_for("auth.account_page"))


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_session(session_id: int):
    try:
        sessions.end_own_session(current_user, session_id)
    except WorkflowError:
        abort(404)
    flash(_("The session has ended."), "success")
    return redirect(url_for("auth.account_page"))


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    try:
        sessions.revoke_token(current_user, token_id)
    except WorkflowError:
        abort(404)
    flash(_("The API token is revoked."), "success")
    return redirect(url_for("auth.account_page"))
