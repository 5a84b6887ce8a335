"""Bulk-read detection: per-account sliding windows over what the audit trail records.

Each request's record, once written (`trail.WATCHERS`), is classified here: a case or aid page or
API read (`CASE_VIEWS`), a document download, an export or a search counts; refusals, changes and
everything else do not. For a counted read, one statement counts the account's counted reads of
the last `bulk_read_window_minutes` (index `ix_audit_records_user_at`). From `bulk_read_warning` on,
the account's agency's supervisors and every auditor are told, at most once per window (in the
app and by e-mail); from `bulk_read_limit` on, the account's sessions and API tokens are suspended:
every further request gets 429 until a reviewer (`reviewer_ids`) releases it with a note. Alerts
name the account and its counts, never a child or a case. See docs/security.md.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from flask import Flask, current_app, g, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, bindparam, case, func, or_, select, update
from sqlalchemy.orm import joinedload

from workflow.admin import api as accounts_api  # noqa: F401 - first: its hook authenticates what ours checks
from workflow.admin import changes
from workflow.admin.models import User
from workflow.admin.users import active_holders
from workflow.audit import trail
from workflow.audit.models import AuditRecord
from workflow.core import mail, settings
from workflow.core.access import ALLOWED, Answer, deny, require, rule
from workflow.core.api import bp as api_bp
from workflow.core.errors import Invalid, NotFound, WorkflowError
from workflow.core.extensions import db
from workflow.core.forms import form_errors
from workflow.core.models import utcnow
from workflow.inbox.escalation import MAX_EMAIL_ATTEMPTS, send_outbox
from workflow.inbox.labels import NOTIFICATION_LABELS
from workflow.inbox.models import ACCOUNT_NOTICE_KINDS, Notification
from workflow.inbox.notifications import notify_about_account

# A supervisor opens some 40 cases in a busy morning, a social worker a few an hour; nobody's work
# needs 60 case pages, downloads, exports and searches within ten minutes (docs/security.md).
settings.declare(bulk_read_window_minutes=10, bulk_read_warning=60, bulk_read_limit=150)
# Settings are read at most this often per process (not on every read): changes apply within it.
SETTINGS_TTL = 60.0

# What counts, in one place: "read" records of these endpoints are case views; records of these
# kinds (views `note` them) are the other counted reads. Only allowed requests count.
CASE_VIEWS = frozenset({"cases.show", "api.get_case", "aid.show", "api.get_aid"})
COUNTED_KINDS = {"download": "downloads", "export": "exports", "search": "searches"}
COUNTS = ("case_views", *COUNTED_KINDS.values())
ALERT_ACTIONS = {"bulk_read": "bulk_read.warning", "reads_suspended": "bulk_read.suspended"}
# Where the notices and e-mails lead (the review list of review_views).
REVIEW_PATH = "/audit/suspended-accounts"
# Warned accounts stay on the review list this long.
WARNED_SHOWN = dt.timedelta(days=1)


@dataclass(frozen=True)
class Thresholds:
    window: dt.timedelta
    warning: int
    limit: int


def thresholds() -> Thresholds:
    """The settings, cached per app for SETTINGS_TTL seconds."""
    cached = current_app.extensions.get("bulk_read_thresholds")
    if cached is None or cached[0] <= time.monotonic():
        minutes, warning, limit = settings.get_many("bulk_read_window_minutes", "bulk_read_warning",
                                                    "bulk_read_limit")
        cached = (time.monotonic() + SETTINGS_TTL, Thresholds(dt.timedelta(minutes=minutes), warning, limit))
        current_app.extensions["bulk_read_thresholds"] = cached
    return cached[1]


def counted_as(values: dict) -> str | None:
    """What a request's record counts as (one of COUNTS), or None."""
    if values.get("outcome") != "allowed" or values.get("user_id") is None:
        return None
    if values["kind"] == "read" and values["action"] in CASE_VIEWS:
        return "case_views"
    return COUNTED_KINDS.get(values["kind"])


def _conditions() -> dict:
    """`counted_as` in SQL."""
    return {"case_views": and_(AuditRecord.kind == "read", AuditRecord.action.in_(CASE_VIEWS)),
            **{name: AuditRecord.kind == kind for kind, name in COUNTED_KINDS.items()}}


def _window_statement():
    conditions = _conditions()
    return (select(*(func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(name)
                     for name, condition in conditions.items()))
            .where(AuditRecord.user_id == bindparam("user_id"), AuditRecord.at >= bindparam("since"),
                   AuditRecord.outcome == "allowed", or_(*conditions.values())))


# Built once: building it and its cache key on every counted read cost more than running it.
WINDOW = _window_statement()


def window_counts(user_id: int, since: dt.datetime) -> dict[str, int]:
    """The account's counted reads since `since`, by what they are: one statement."""
    row = db.session.connection().execute(WINDOW, {"user_id": user_id, "since": since}).one()
    return {name: int(row._mapping[name]) for name in COUNTS}


# --- suspension: every request of a suspended account is refused ---------------------------------

class ReadsSuspended(WorkflowError):
    status, code = 429, "reads_suspended"


@dataclass(frozen=True)
class Standing:
    """The account of the request as it stood at the start (read from its loaded row: no statement)."""

    user_id: int
    alerted_at: dt.datetime | None
    released_at: dt.datetime | None


def reviewer_ids(account: User) -> list[int]:
    """Who reviews and releases the account: the supervisors of its agency; where it has none but
    the account itself, the auditors. Never the account itself."""
    supervisors = [i for i in active_holders(account.agency_id, "supervisor") if i != account.id]
    return supervisors or [i for i in active_holders(None, "auditor") if i != account.id]


def reviewers(account: User) -> list[User]:
    return list(db.session.scalars(select(User).where(User.id.in_(reviewer_ids(account))).order_by(User.id)))


def suspended_message(account: User) -> str:
    names = "、".join(f"{u.full_name}" + (f" <{u.email}>" if u.email else "") for u in reviewers(account))
    return _("Your account opened an unusual number of case files, documents, exports or searches in a short "
             "time, so its access to OneStop is paused until a supervisor of your centre reviews it. Please call "
             "them: %(names)s.", names=names or _("an auditor"))


def check(user: User) -> None:
    """Refuse the request of a suspended account; else remember its standing for `watch`."""
    if user.reads_suspended_at is not None:
        raise ReadsSuspended(suspended_message(user))
    g.bulk_read = Standing(user.id, user.reads_alerted_at, user.reads_released_at)


def _check_page() -> None:
    endpoint = request.endpoint
    if endpoint is None or request.blueprint == api_bp.name or trail.is_public(current_app, endpoint):
        return
    if current_user.is_authenticated:
        check(current_user._get_current_object())


@api_bp.before_request
def _check_api() -> None:
    if g.get("api_user") is not None:  # authenticated by the accounts' hook before this one
        check(g.api_user)


def _suspended_page(exc: ReadsSuspended):
    return render_template("audit/suspended_notice.html", message=exc.message), exc.status


# --- counting, warning, suspending ---------------------------------------------------------------

def watch(values: dict) -> None:
    """After a request's record is written: count, and warn or suspend past the thresholds."""
    standing = g.pop("bulk_read", None)
    if counted_as(values) is None or standing is None or standing.user_id != values["user_id"]:
        return
    limits = thresholds()
    now = utcnow()
    since = now - limits.window
    counts = window_counts(standing.user_id, max(since, standing.released_at or since))
    total = sum(counts.values())
    if total >= limits.limit:
        _alert(standing.user_id, "reads_suspended", User.reads_suspended_at.is_(None), counts, limits.limit,
               limits, now)
    elif total >= limits.warning and (standing.alerted_at is None or standing.alerted_at < since):
        _alert(standing.user_id, "bulk_read", or_(User.reads_alerted_at.is_(None), User.reads_alerted_at < since),
               counts, limits.warning, limits, now)


def _alert(user_id: int, kind: str, unclaimed, counts: dict, threshold: int, limits: Thresholds,
           now: dt.datetime) -> None:
    """Claim the alert on the account's row (so concurrent reads send it once), then record it,
    tell the reviewers and the auditors, and e-mail them."""
    details = {**counts, "total": sum(counts.values()), "window_minutes": int(limits.window.total_seconds() // 60),
               "threshold": threshold}
    claim = {"reads_suspended_at" if kind == "reads_suspended" else "reads_alerted_at": now}
    claimed = db.session.execute(update(User).where(User.id == user_id, unclaimed).values(claim)
                                 .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        db.session.rollback()
        return
    account = db.session.get(User, user_id, populate_existing=True)
    recipients = sorted((set(reviewer_ids(account)) | set(active_holders(None, "auditor"))) - {account.id})
    trail.record(ALERT_ACTIONS[kind], "alert", user_id=account.id, object_type="user", object_ids=[account.id],
                 details={**details, "recipients": recipients})
    notify_about_account(recipients, kind, account, details, now)
    db.session.commit()
    deliver_alert_emails(now)


# --- e-mail ----------------------------------------------------------------------------------------

def counts_text(details: dict) -> str:
    return _("%(total)s in %(minutes)s minutes: %(case_views)s case pages, %(downloads)s downloads, "
             "%(exports)s exports, %(searches)s searches", total=details["total"], minutes=details["window_minutes"],
             case_views=details["case_views"], downloads=details["downloads"], exports=details["exports"],
             searches=details["searches"])


def _email(notification: Notification):
    """The account and its counts: the e-mail leaves our systems, so nothing about a child or a case."""
    account, details = notification.actor, notification.details
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        lines = [_("Account: %(name)s (%(username)s), %(agency)s", name=account.full_name,
                   username=account.username, agency=account.agency.name),
                 _("Counted reads: %(counts)s.", counts=counts_text(details))]
        if notification.kind == "reads_suspended":
            lines.append(_("Its sessions and API tokens are suspended until a reviewer releases them."))
        lines += ["", _("Review it in OneStop: %(link)s", link=current_app.config["BASE_URL"] + REVIEW_PATH)]
        subject = f"[OneStop] {NOTIFICATION_LABELS[notification.kind]}: {account.username}"
    return mail.message(notification.user.email, subject, "\n".join(lines))


@dataclass
class MailReport:
    emailed: int
    failures: int

    def __str__(self) -> str:
        return f"bulk-read alerts: {self.emailed} e-mailed, {self.failures} e-mail failures"


def deliver_alert_emails(now: dt.datetime | None = None) -> MailReport:
    """E-mail the alerts not yet e-mailed (right after an alert, and on each escalation run, which
    retries failures)."""
    if not mail.configured():
        return MailReport(0, 0)
    pending = db.session.scalars(
        select(Notification).join(Notification.user)
        .where(Notification.kind.in_(ACCOUNT_NOTICE_KINDS), Notification.emailed_at.is_(None),
               Notification.email_attempts < MAX_EMAIL_ATTEMPTS, Notification.read_at.is_(None),
               User.email.is_not(None), User.email != "", User.active.is_(True))
        .options(joinedload(Notification.user), joinedload(Notification.actor).joinedload(User.agency))
        .order_by(Notification.id)).unique().all()
    return MailReport(*send_outbox(pending, _email, now or utcnow()))


# --- review and release ----------------------------------------------------------------------------

@rule("review_reads")
def review_reads(user, action: str, obj) -> Answer:  # noqa: ARG001
    """The review list: supervisors (their agency's accounts) and auditors (every account)."""
    if user.has_role("supervisor", "auditor"):
        return ALLOWED
    return deny(_l("Only supervisors and auditors review suspended accounts."), 403, "forbidden")


@rule("release_reads")
def release_reads(user, action: str, account) -> Answer:  # noqa: ARG001
    if not user.has_role("supervisor", "auditor"):
        return deny(_l("Only supervisors and auditors review suspended accounts."), 403, "forbidden")
    if account is None:
        return ALLOWED
    if account.id == user.id:
        return deny(_l("Someone else reviews your own account."), 403, "forbidden")
    if user.id not in reviewer_ids(account):
        return deny(_l("Only a supervisor of the account's agency releases it (an auditor, where it has none)."),
                    403, "forbidden")
    return ALLOWED


def suspension_counts(user_ids) -> dict[int, dict]:
    """What each account read in the window that suspended it (its latest suspension's alert record)."""
    rows = db.session.execute(select(AuditRecord.user_id, AuditRecord.details)
                              .where(AuditRecord.user_id.in_(list(user_ids)),
                                     AuditRecord.action == ALERT_ACTIONS["reads_suspended"])
                              .order_by(AuditRecord.id)) if user_ids else []
    return {user_id: {key: details[key] for key in (*COUNTS, "total", "window_minutes", "threshold")}
            for user_id, details in rows}


@dataclass
class Listing:
    suspended: list[User]
    warned: list[User]
    counts: dict[int, dict]  # of the suspended, by user id


def review_list(user: User, now: dt.datetime | None = None) -> Listing:
    """Suspended accounts, and accounts warned about in the last day: of the supervisor's agency, or
    every agency's for an auditor."""
    require(user, "review_reads")
    base = select(User).options(joinedload(User.agency))
    if not user.has_role("auditor"):
        base = base.where(User.agency_id == user.agency_id)
    suspended = db.session.scalars(base.where(User.reads_suspended_at.is_not(None))
                                   .order_by(User.reads_suspended_at, User.id)).all()
    warned = db.session.scalars(base.where(User.reads_suspended_at.is_(None),
                                           User.reads_alerted_at >= (now or utcnow()) - WARNED_SHOWN)
                                .order_by(User.reads_alerted_at.desc(), User.id)).all()
    return Listing(list(suspended), list(warned), suspension_counts(a.id for a in suspended))


def release(actor: User, account_id: int, form, now: dt.datetime | None = None) -> User:
    """Lift the suspension (once): the account reads again, counted afresh from now. The note goes
    into the request's audit record and the admin log."""
    account = db.session.get(User, account_id)
    if account is None:
        raise NotFound(_("No such account."))
    require(actor, "release_reads", account)
    if not form.validate():
        raise Invalid(_("The submitted data is not valid."), form_errors(form))
    before = {"reads_suspended_at": account.reads_suspended_at,
              "counts": suspension_counts([account.id]).get(account.id)}
    released = db.session.execute(
        update(User).where(User.id == account.id, User.reads_suspended_at.is_not(None))
        .values(reads_suspended_at=None, reads_alerted_at=None, reads_released_at=now or utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if not released:
        db.session.rollback()
        raise WorkflowError(_("This account's reading is not suspended."), status=409, code="not_suspended")
    trail.note(object_type="user", object_ids=[account.id], note=form.note.data, counts=before["counts"])
    changes.record(actor, "user", account.id, "release_reads", before, {"note": form.note.data},
                   label=account.username)
    db.session.commit()
    db.session.refresh(account)
    return account


def init_app(app: Flask) -> None:
    """After the trail's hooks (the refusal is recorded, with its 429)."""
    app.before_request(_check_page)
    app.register_error_handler(ReadsSuspended, _suspended_page)
    if watch not in trail.WATCHERS:  # each app the process creates calls this again
        trail.WATCHERS.append(watch)
