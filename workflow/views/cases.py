"""Case pages: list and search, new referral, the case page with its actions, and action POSTs."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms.fields import DateField, DateTimeField, FieldList, FormField
from wtforms.fields.core import UnboundField

from forms.base import MoneyField, yuan

from .. import definition, engine
from ..clocks import local_today
from ..diagram import workflow_svg
from ..errors import NotFound, StaleVersion, WorkflowError
from ..extensions import db
from ..models import Case, Judgment, User, utcnow
from ..permissions import can
from ..services import cases as case_service
from ..labels import CATALOG_FIELDS, CHOICES
from ..settings import CATALOGS

bp = Blueprint("cases", __name__)

# The diagram only depends on the highlighted state and the language: draw each once per process.
_DIAGRAMS: dict[tuple[str, str | None, str], str] = {}
# Labels of stored codes, for display.
def _error_page(exc: WorkflowError):
    return render_template("error.html", status=exc.status, message=exc.message), exc.status


def _load(case_id: int) -> Case:
    try:
        return case_service.get_case(current_user, case_id)
    except WorkflowError as exc:
        abort(404 if exc.status == 404 else exc.status)


# --- form error helpers -------------------------------------------------------------------------

def _field_at(form, path: str):
    """The (sub)field named by an error key such as `attendees` or `attendees-0-name`, or None."""
    parts = path.split("-")
    field = form._fields.get(parts[0])
    for part in parts[1:]:
        if isinstance(field, FieldList) and part.isdigit() and int(part) < len(field.entries):
            field = field.entries[int(part)]
        elif isinstance(field, FormField):
            field = field.form._fields.get(part)
        else:
            return None
    return field


def attach_errors(form, fields: dict[str, Any]) -> list[str]:
    """Put errors a service reported (`Invalid.fields`) beside their fields; return the rest.

    When the form failed its own validation its fields already carry the errors."""
    if form.errors:
        return []
    leftover: list[str] = []
    for name, messages in fields.items():
        messages = [str(m) for m in (messages if isinstance(messages, (list, tuple)) else [messages])]
        field = None if name in ("version", "csrf_token") else _field_at(form, name)
        if field is None or isinstance(field, FormField):
            leftover += messages
            continue
        current = [e for e in (field.errors or []) if isinstance(e, str)]
        field.errors = [*(field.errors or []), *(m for m in messages if m not in current)]
    return leftover


# --- list, search, create -----------------------------------------------------------------------

@bp.route("/cases")
@login_required
def index():
    query = request.args.get("q", "")[:100]
    state = request.args.get("state", "")
    page = request.args.get("page", 1, type=int) or 1
    try:
        result = case_service.search_cases(current_user, query, state, max(page, 1),
                                           current_app.config.get("CASES_PER_PAGE", 50))
    except WorkflowError as exc:
        return _error_page(exc)
    return render_template("cases/index.html", pagination=result, q=query, state=state, today=local_today())


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new():
    allowed, reason = can(current_user, "create_case")
    if not allowed:
        return render_template("error.html", status=reason.status, message=str(reason)), reason.status
    if request.method == "GET":
        return render_template("cases/new.html", form=engine.build_form(definition.CREATE, None, None))
    g.canonical_url = url_for("cases.new")
    form = engine.build_form(definition.CREATE, None, request.form)
    try:
        case = case_service.create_case(current_user, form)
    except WorkflowError as exc:
        messages = [exc.message, *attach_errors(form, exc.fields)]
        return render_template("cases/new.html", form=form, messages=messages), exc.status
    flash(_("Case %(number)s was created.", number=case.number), "success")
    return redirect(url_for("cases.show", case_id=case.id))


# --- the case page ------------------------------------------------------------------------------

LIST_LABELS = {"contacts": _l("Guardians and appropriate adults"), "suspects": _l("Suspects"),
               "injuries": _l("Injuries"), "attendees": _l("Attendees"), "scales": _l("Assessment scales"),
               "incident": _l("Incident"), "reason": _l("Reason"), "previous_due": _l("Previous due time"),
               "document": _l("Document"), "recipient": _l("Recipient"), "number": _l("Issue number"),
               "status": _l("Status"), "version": _l("Version")}
# History rows that are not triggers of the process.
EVENT_LABELS = {"issue_document": _l("Document generated")}


def _unbound(transition, key: str):
    unbound = getattr(transition.form, key, None) if transition else None
    return unbound if isinstance(unbound, UnboundField) else None


def _label_of(transition, key: str) -> str:
    unbound = _unbound(transition, key)
    if unbound is not None:
        label = unbound.kwargs.get("label") or (unbound.args[0] if unbound.args else None)
        if label is not None and not isinstance(label, UnboundField):
            return str(label)
    return str(LIST_LABELS.get(key, key))


def _referenced(case: Case, key: str, value: Any) -> str | None:
    """Names instead of the ids some forms submit (people, contacts, samples, visits)."""
    if key == "user_id":
        member = next((m.user for m in case.team if m.user_id == value), None) or db.session.get(User, value)
        return member.full_name if member else None
    if key == "given_by":
        contact = next((c for c in case.contacts if c.id == value and not c.is_suspect), None)
        return contact.name if contact else None
    if key == "sample_id" and case.exam:
        sample = next((x for x in case.exam.samples if x.id == value), None)
        return sample.label if sample else None
    if key == "visit_id":
        visit = next((v for v in case.visits if v.id == value), None)
        return format_date(visit.due_on) if visit else None
    if key == "task_id":
        task = next((t for t in case.tasks if t.id == value), None)
        return definition.task_title(task) if task else None
    return None


def _value_of(case: Case, transition, key: str, value: Any) -> Any:
    if value == engine.PRIVATE_MARK:
        return _("(not kept in the history)")
    if key == "previous_due" and isinstance(value, str):  # stored UTC, shown in the centre's zone
        return format_datetime(dt.datetime.fromisoformat(value), "short")
    unbound = _unbound(transition, key)
    if unbound is None:
        return value
    field_class = unbound.field_class
    choices = unbound.kwargs.get("choices")
    if callable(choices):  # choices built when the form is (e.g. ID document types)
        choices = choices()
    try:
        if isinstance(value, str) and issubclass(field_class, DateField):  # (a DateTimeField subclass)
            return format_date(dt.date.fromisoformat(value))
        if isinstance(value, str) and issubclass(field_class, DateTimeField):
            return format_datetime(dt.datetime.fromisoformat(value), "short", rebase=False)
    except ValueError:
        return value
    if key in ("user_id", "given_by", "sample_id", "visit_id", "task_id"):
        return _referenced(case, key, value) or "—"
    if choices and isinstance(value, str):
        return str(dict(choices).get(value, value))
    if choices and isinstance(value, list):
        return [str(dict(choices).get(v, v)) for v in value]
    if key in CATALOG_FIELDS and isinstance(value, list):
        return [str(CATALOGS[CATALOG_FIELDS[key]].get(v, v)) for v in value]
    if issubclass(field_class, MoneyField) and isinstance(value, int):
        return _("%(amount)s yuan", amount=yuan(value))
    return value


def timeline(case: Case, events, see: dict[str, bool]) -> list[dict]:
    """History rows of a case or aid application; values of compartments `see` denies are hidden."""
    rows = []
    for event in events:
        process = definition.AID if event.aid_application_id is not None else definition.CASE
        transition = process.create if event.action == process.create.trigger else \
            process.by_trigger.get(event.action)
        visible = event.action in EVENT_LABELS or (
            transition is not None and (transition.compartment is None or see.get(transition.compartment)))
        changes = dict(event.changes or {}) if visible else {}
        if event.action == "add_contact" and changes.get("is_suspect"):
            # A guardian who is a suspect is never shown as a contact, not even in the history.
            changes = {k: v for k, v in changes.items() if k not in ("name", "phone", "relation")}
        rows.append({
            "event": event,
            "label": transition.label if transition else EVENT_LABELS.get(event.action, event.action),
            "from": process.by_state[event.from_state].label if event.from_state else None,
            "to": process.by_state[event.to_state].label if event.to_state else None,
            "changes": [(_label_of(transition, k), _value_of(case, transition, k, v)) for k, v in changes.items()],
            "hidden": bool(event.changes) and not visible,
        })
    return rows


def action_forms(subject, failed: dict | None):
    """The user's actions on a case or aid application, and a form for each allowed one (the refused
    one keeps what the user typed)."""
    actions = engine.actions_for(current_user, subject)
    forms = {}
    for action in actions:
        if failed and action.trigger == failed["trigger"]:
            if action.allowed or failed.get("keep_form"):
                forms[action.trigger] = failed["form"]
        elif action.allowed:
            forms[action.trigger] = engine.build_form(action.transition, subject)
    for form in forms.values():
        form.version.data = subject.version  # what the user reads now is what they act on
    return actions, forms


def fire_from_page(subject, transition, fire_function, render, show_url: str):
    """POST of an action form: fire it, then redirect, or re-render with the errors beside the fields."""
    form = engine.build_form(transition, subject, request.form)
    try:
        fire_function(current_user, subject, transition.trigger, form.version.data, form)
    except NotFound:
        abort(404)
    except StaleVersion as exc:
        flash(exc.message, "warning")
        return render(subject, failed={"trigger": transition.trigger, "form": form, "messages": [],
                                       "keep_form": True}, status=409)
    except WorkflowError as exc:
        messages = [exc.message, *attach_errors(form, exc.fields)]
        return render(subject, failed={"trigger": transition.trigger, "form": form, "messages": messages},
                      status=exc.status)
    flash(_("%(action)s: done.", action=transition.label), "success")
    return redirect(show_url + f"#action-{transition.trigger}" if transition.internal else show_url)


def judgments_of(case: Case) -> list[Judgment]:
    """The judgments recorded on the case (the page shows court, number, date, ban and the proposed
    entry's status; never the defendant's ID number, which only the sealed entry keeps)."""
    return list(db.session.scalars(select(Judgment).where(Judgment.case_id == case.id).order_by(Judgment.id)))


def _render_case(case: Case, *, failed: dict | None = None, status: int = 200):
    """The case page. `failed`: the action that was just refused (trigger, form, message, fields)."""
    actions, forms = action_forms(case, failed)
    see = {name: can(current_user, f"see:{name}", case)[0] for name in definition.COMPARTMENTS}
    others = [(other, can(current_user, "view_case", other)[0]) for other in case.incident.cases
              if other.id != case.id]
    return render_template(
        "cases/show.html", case=case, actions=actions, forms=forms, failed=failed or {}, see=see,
        others=others, timeline=timeline(case, case.events, see), state=definition.STATE_BY_NAME[case.state],
        today=local_today(), now=utcnow(), choices=CHOICES, yuan=yuan, judgments=judgments_of(case),
    ), status


@bp.route("/cases/<int:case_id>")
@login_required
def show(case_id: int):
    return _render_case(_load(case_id))


@bp.route("/cases/<int:case_id>/actions/<trigger>", methods=["POST"])
@login_required
def action(case_id: int, trigger: str):
    transition = definition.TRANSITION_BY_TRIGGER.get(trigger)
    case = _load(case_id)
    if transition is None or transition.automatic:
        abort(404)
    g.canonical_url = url_for("cases.show", case_id=case.id)
    return fire_from_page(case, transition, case_service.fire, _render_case, g.canonical_url)


# --- the workflow diagram -----------------------------------------------------------------------

def svg(state: str | None, process=definition.CASE) -> Response:
    key = (process.name, state, str(get_locale()))
    if key not in _DIAGRAMS:
        _DIAGRAMS[key] = workflow_svg(state, process)
    return Response(_DIAGRAMS[key], mimetype="image/svg+xml")


@bp.route("/cases/<int:case_id>/diagram.svg")
@login_required
def diagram(case_id: int):
    return svg(_load(case_id).state)


@bp.route("/workflow/diagram.svg")
@login_required
def workflow_diagram():
    return svg(None)
