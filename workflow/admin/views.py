"""Administration pages: agencies, users and settings, four-eyes requests, and the admin log.
Administrators only (the admin log: auditors too); no case content."""
from __future__ import annotations

import datetime as dt
import math

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forms.admin import AgencyForm, CalendarDayForm, LimitsForm, UserForm, WageForm, settings_form
from workflow.admin import calendar as calendar_service
from workflow.admin import changes as change_log
from workflow.admin import operations as admin_service
from workflow.admin import requests as request_service
from workflow.admin import users as user_service
from workflow.admin.labels import ADMIN_OBJECT_TYPES
from workflow.core import settings
from workflow.core.access import can
from workflow.core.api import int_arg
from workflow.core.clocks import local_today
from workflow.core.errors import WorkflowError
from workflow.core.forms import attach_errors
from workflow.core.models import utcnow
from workflow.core.money import yuan

bp = Blueprint("admin", __name__, url_prefix="/admin")
LOG_PER_PAGE = 50
# Pages of this blueprint that check access themselves (auditors read the admin log).
OWN_CHECK = {"admin.log"}


@bp.before_request
@login_required
def _admins_only():
    if request.endpoint in OWN_CHECK:
        return
    allowed, _reason = can(current_user, "manage_users")
    if not allowed:
        abort(403)


def _field_errors(form, exc: WorkflowError) -> list[str]:
    """The service's message, with its field errors put beside their fields."""
    return [exc.message, *attach_errors(form, exc.fields)]


def _request_facts() -> dict:
    """What the request tables show an approver about the account's second factor."""
    return {"enrolment_facts": request_service.enrolment_facts,
            "owner_enrolled_first": request_service.OWNER_ENROLLED_FIRST}


@bp.route("/")
def index():
    return render_template("admin/index.html", agencies=admin_service.list_agencies(),
                           users=admin_service.list_users(), pending=request_service.pending(),
                           describe=request_service.describe, **_request_facts())


# --- agencies -----------------------------------------------------------------------------------

@bp.route("/agencies/new", methods=["GET", "POST"])
@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
def agency(agency_id: int | None = None):
    try:
        existing = admin_service.get_agency(agency_id) if agency_id else None
    except WorkflowError:
        abort(404)
    form = AgencyForm(obj=existing)
    messages: list[str] = []
    if form.validate_on_submit():
        try:
            admin_service.save_agency(existing, actor=current_user, name=form.name.data, kind=form.kind.data,
                                      region=form.region.data or "", doc_prefix=form.doc_prefix.data or "")
        except WorkflowError as exc:
            messages = _field_errors(form, exc)
        else:
            flash(_("Agency %(name)s saved.", name=form.name.data), "success")
            return redirect(url_for("admin.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/agency.html", form=form, agency=existing, messages=messages), status


# --- users --------------------------------------------------------------------------------------

@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int | None = None):
    try:
        existing = admin_service.get_user(user_id) if user_id else None
    except WorkflowError:
        abort(404)
    form = UserForm(obj=existing)
    form.agency_id.choices = [(a.id, a.name) for a in admin_service.list_agencies()]
    if existing is not None and request.method == "GET":
        form.roles.data = sorted(existing.roles)
    if existing is not None:
        form.username.data = existing.username  # usernames do not change
    messages: list[str] = []
    if form.validate_on_submit():
        try:
            agency = admin_service.get_agency(form.agency_id.data)
            if existing is None:
                saved = user_service.create_user(
                    username=form.username.data.strip(), password=form.password.data or "",
                    full_name=form.full_name.data.strip(), sex=form.sex.data, roles=form.roles.data or [],
                    agency=agency, aid_level=form.aid_level.data or None, email=form.email.data,
                    actor=current_user)
            else:
                opened = user_service.update_user(
                    existing, actor=current_user, full_name=form.full_name.data.strip(), sex=form.sex.data,
                    roles=form.roles.data or [], agency=agency, active=form.active.data,
                    password=form.password.data or None, aid_level=form.aid_level.data or None,
                    email=form.email.data)
        except WorkflowError as exc:
            messages = _field_errors(form, exc)
        else:
            if existing is None:
                flash(_("User %(username)s created, without access for now: the roles wait for a second "
                        "administrator's approval.", username=saved.username), "warning")
                return redirect(url_for("admin.user", user_id=saved.id))
            if opened:
                flash(_("User %(username)s saved. Waiting for a second administrator's approval: %(changes)s",
                        username=existing.username,
                        changes="; ".join(request_service.describe(r) for r in opened)), "warning")
                return redirect(url_for("admin.user", user_id=existing.id))
            flash(_("User %(username)s saved.", username=existing.username), "success")
            return redirect(url_for("admin.index"))
    status = 422 if request.method == "POST" else 200
    return _user_page(form, existing, messages, status)


def _user_page(form, existing, messages, status: int):
    pending = request_service.pending(existing) if existing is not None else []
    locked = existing is not None and existing.locked_until is not None and existing.locked_until > utcnow()
    return render_template("admin/user.html", form=form, user=existing, messages=messages, pending=pending,
                           describe=request_service.describe, locked=locked, **_request_facts()), status


def _user_or_404(user_id: int):
    try:
        return admin_service.get_user(user_id)
    except WorkflowError:
        abort(404)


def _done_or_refused(action, done: str, target: str):
    """Run a service call of a button; flash `done`, or the refusal's reason (404 stays a 404)."""
    try:
        action()
    except WorkflowError as exc:
        if exc.status == 404:
            abort(404)
        flash(exc.message, "warning" if exc.status == 409 else "danger")
    else:
        flash(done, "success")
    return redirect(target)


@bp.post("/users/<int:user_id>/unlock")
def unlock(user_id: int):
    target = _user_or_404(user_id)
    return _done_or_refused(lambda: user_service.unlock_user(current_user, target),
                            _("The account of %(username)s is unlocked.", username=target.username),
                            url_for("admin.user", user_id=target.id))


@bp.post("/users/<int:user_id>/end-sessions")
def end_sessions(user_id: int):
    target = _user_or_404(user_id)
    return _done_or_refused(lambda: user_service.end_sessions(current_user, target),
                            _("Every session and API token of %(username)s has ended.", username=target.username),
                            url_for("admin.user", user_id=target.id))


@bp.post("/users/<int:user_id>/reset-second-factor")
def reset_second_factor(user_id: int):
    target = _user_or_404(user_id)
    return _done_or_refused(lambda: request_service.request_second_factor_reset(current_user, target),
                            _("The reset of the second factor of %(username)s waits for a second administrator's "
                              "approval.", username=target.username),
                            url_for("admin.user", user_id=target.id))


# --- four-eyes requests -------------------------------------------------------------------------

def _back_to(row) -> str:
    """Where a decision's button was: the user's page or the administration page."""
    if request.form.get("back") == "user":
        return url_for("admin.user", user_id=row.user_id)
    return url_for("admin.index")


def _request_or_404(request_id: int):
    try:
        return request_service.get_request(request_id)
    except WorkflowError:
        abort(404)


@bp.post("/requests/<int:request_id>/approve")
def approve_request(request_id: int):
    row = _request_or_404(request_id)
    return _done_or_refused(lambda: request_service.decide(current_user, row, approve=True),
                            _("Approved: %(change)s (%(username)s).", change=request_service.describe(row),
                              username=row.user.username), _back_to(row))


@bp.post("/requests/<int:request_id>/reject")
def reject_request(request_id: int):
    row = _request_or_404(request_id)
    return _done_or_refused(lambda: request_service.decide(current_user, row, approve=False),
                            _("Rejected: %(change)s (%(username)s).", change=request_service.describe(row),
                              username=row.user.username), _back_to(row))


@bp.post("/requests/<int:request_id>/withdraw")
def withdraw_request(request_id: int):
    row = _request_or_404(request_id)
    return _done_or_refused(lambda: request_service.withdraw(current_user, row),
                            _("Withdrawn: %(change)s (%(username)s).", change=request_service.describe(row),
                              username=row.user.username), _back_to(row))


# --- the admin log ------------------------------------------------------------------------------

@bp.get("/log")
def log():
    """Every change administrators (and the command line) made, newest first; auditors read it too."""
    allowed, reason = can(current_user, "read_admin_log")
    if not allowed:
        abort(reason.status if reason.status in (401, 403, 404) else 403)
    object_type = request.args.get("type") or None
    try:
        page = int_arg("page", 1)
        rows, total = change_log.log_page(object_type=object_type, page=page, per_page=LOG_PER_PAGE)
    except WorkflowError as exc:
        abort(exc.status)
    pages = max(math.ceil(total / LOG_PER_PAGE), 1)
    paging = {"page": page, "pages": pages, "total": total, "has_prev": page > 1, "has_next": page < pages}
    return render_template("admin/log.html", rows=rows, paging=paging, object_type=object_type,
                           object_types=ADMIN_OBJECT_TYPES)


# --- settings -----------------------------------------------------------------------------------

def _numbers(form) -> list[str]:
    return ["escalation_due_soon_hours", "escalation_supervisor_after_hours", *form.clock_keys]


def _shown(form):
    """The deadlines form showing the current settings."""
    form.visit_schedule_months.data = ", ".join(str(m) for m in settings.get("visit_schedule_months"))
    for key in _numbers(form):
        form[key].data = settings.get(key)
    return form


def _limit_names() -> list[str]:
    return [name for name in LimitsForm(formdata=None)._fields if name != "csrf_token"]


def _settings_page(form, limits, *, messages=(), limit_messages=(), status: int = 200):
    return render_template("admin/settings.html", form=form, limits=limits, messages=list(messages),
                           limit_messages=list(limit_messages)), status


@bp.route("/settings", methods=["GET", "POST"])
def settings_page():
    """Deadlines, return visits and escalation (one form), with the aid and register limits beside."""
    form = settings_form()
    limits = LimitsForm(formdata=None, data={name: settings.get(name) for name in _limit_names()})
    if request.method == "GET":
        return _settings_page(_shown(form), limits)
    messages: list[str] = []
    if form.validate_on_submit():
        parts = [p.strip() for p in form.visit_schedule_months.data.replace("，", ",").split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            form.visit_schedule_months.errors = [_("Use whole numbers separated by commas, e.g. 1, 3, 6.")]
        else:
            try:
                admin_service.save_settings([int(p) for p in parts], {key: form[key].data for key in _numbers(form)},
                                            actor=current_user)
            except WorkflowError as exc:
                messages = _field_errors(form, exc)
            else:
                flash(_("Settings saved. New deadlines apply to tasks opened from now on."), "success")
                return redirect(url_for("admin.settings_page"))
    return _settings_page(form, limits, messages=messages, status=422)


@bp.post("/settings/limits")
def limits_page():
    """The aid approval matrix and cap, and the register's limits per employer."""
    limits = LimitsForm()
    limit_messages: list[str] = []
    if limits.validate_on_submit():
        try:
            admin_service.save_limits({name: limits[name].data for name in _limit_names()}, actor=current_user)
        except WorkflowError as exc:
            limit_messages = _field_errors(limits, exc)
        else:
            flash(_("Settings saved."), "success")
            return redirect(url_for("admin.settings_page"))
    return _settings_page(_shown(settings_form()), limits, limit_messages=limit_messages, status=422)


# --- holiday calendar -----------------------------------------------------------------------------

@bp.route("/calendar", methods=["GET", "POST"])
def calendar():
    """Public holidays and make-up working days of one year; add or correct a day."""
    form = CalendarDayForm()
    year = request.args.get("year", type=int) or local_today().year
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        abort(404)  # no such year (dates of it cannot even be built)
    messages: list[str] = []
    if form.validate_on_submit():
        try:
            saved = calendar_service.save_day(form.day.data, form.kind.data, form.name.data, form.name_en.data or "",
                                              actor=current_user)
        except WorkflowError as exc:
            messages = _field_errors(form, exc)
        else:
            flash(_("%(day)s saved.", day=format_date(saved.day)), "success")
            return redirect(url_for("admin.calendar", year=saved.day.year))
    years = sorted({*calendar_service.years(), local_today().year, local_today().year + 1})
    status = 422 if request.method == "POST" else 200
    return render_template("admin/calendar.html", form=form, messages=messages, year=year, years=years,
                           days=calendar_service.days_of(year), summary=calendar_service.summary(year),
                           missing=calendar_service.missing_years()), status


@bp.post("/calendar/<day>/delete")
def calendar_delete(day: str):
    try:
        parsed = dt.date.fromisoformat(day)
    except ValueError:
        abort(404)
    calendar_service.remove_day(parsed, actor=current_user)
    flash(_("%(day)s removed: it counts as an ordinary day again.", day=format_date(parsed)), "success")
    return redirect(url_for("admin.calendar", year=parsed.year))


# --- average wages (the judicial aid cap) --------------------------------------------------------

@bp.route("/wages", methods=["GET", "POST"])
def wages():
    form = WageForm()
    if request.method == "GET":
        form.year.data = local_today().year
    elif form.validate_on_submit():
        wage = admin_service.save_wage(actor=current_user, year=form.year.data, region=form.region.data,
                                       monthly_fen=form.monthly_fen.data)
        flash(_("Average wage for %(year)d, %(region)s saved.", year=wage.year, region=wage.region), "success")
        return redirect(url_for("admin.wages"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/wages.html", form=form, wages=admin_service.list_wages(), yuan=yuan,
                           cap_months=settings.get("aid_cap_months")), status
