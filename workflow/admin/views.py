"""Administration pages: agencies, users and settings. Administrators only; no case content."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forms.admin import AgencyForm, CalendarDayForm, LimitsForm, UserForm, WageForm, settings_form
from workflow.admin import calendar as calendar_service
from workflow.admin import operations as admin_service
from workflow.admin import users as user_service
from workflow.core import settings
from workflow.core.access import can
from workflow.core.clocks import local_today
from workflow.core.errors import WorkflowError
from workflow.core.forms import attach_errors
from workflow.core.money import yuan

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only():
    allowed, _reason = can(current_user, "manage_users")
    if not allowed:
        abort(403)


def _field_errors(form, exc: WorkflowError) -> list[str]:
    """The service's message, with its field errors put beside their fields."""
    return [exc.message, *attach_errors(form, exc.fields)]


@bp.route("/")
def index():
    return render_template("admin/index.html", agencies=admin_service.list_agencies(),
                           users=admin_service.list_users())


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
            admin_service.save_agency(existing, name=form.name.data, kind=form.kind.data,
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
                    full_name=form.full_name.data.strip(), sex=form.sex.data, roles=form.roles.data,
                    agency=agency, aid_level=form.aid_level.data or None, email=form.email.data)
            else:
                saved = user_service.update_user(
                    existing, full_name=form.full_name.data.strip(), sex=form.sex.data, roles=form.roles.data,
                    agency=agency, active=form.active.data, password=form.password.data or None,
                    aid_level=form.aid_level.data or None, email=form.email.data)
        except WorkflowError as exc:
            messages = _field_errors(form, exc)
        else:
            flash(_("User %(username)s saved.", username=saved.username), "success")
            return redirect(url_for("admin.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/user.html", form=form, user=existing, messages=messages), status


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
                admin_service.save_settings([int(p) for p in parts], {key: form[key].data for key in _numbers(form)})
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
            admin_service.save_limits({name: limits[name].data for name in _limit_names()})
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
            saved = calendar_service.save_day(form.day.data, form.kind.data, form.name.data, form.name_en.data or "")
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
    calendar_service.remove_day(parsed)
    flash(_("%(day)s removed: it counts as an ordinary day again.", day=format_date(parsed)), "success")
    return redirect(url_for("admin.calendar", year=parsed.year))


# --- average wages (the judicial aid cap) --------------------------------------------------------

@bp.route("/wages", methods=["GET", "POST"])
def wages():
    form = WageForm()
    if request.method == "GET":
        form.year.data = local_today().year
    elif form.validate_on_submit():
        wage = admin_service.save_wage(year=form.year.data, region=form.region.data,
                                       monthly_fen=form.monthly_fen.data)
        flash(_("Average wage for %(year)d, %(region)s saved.", year=wage.year, region=wage.region), "success")
        return redirect(url_for("admin.wages"))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/wages.html", form=form, wages=admin_service.list_wages(), yuan=yuan,
                           cap_months=settings.get("aid_cap_months")), status
