"""JSON shapes of the API: cases as the caller may see them, tasks, the workflow definition, and
JSON Schemas of the trigger forms. Pure functions of models and the definition; no HTTP here."""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    FieldList,
    FloatField,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from forms.base import MoneyField

from . import definition, engine
from .clocks import clock_of, local_today
from .labels import NOTIFICATION_LABELS, role_label
from .models import AidApplication, Case, Contact, Notification, Task, User, utcnow
from .permissions import can

# Form fields that are plumbing, not data.
HIDDEN_FIELDS = ("version", "csrf_token")
# FieldLists the API also accepts as an object {name: value}: field -> (key column, value column).
DICT_ROWS = {"scales": ("name", "score")}


# --- scalars ----------------------------------------------------------------------------------

def utc(value: dt.datetime | None) -> str | None:
    """A system timestamp (stored as naive UTC) in ISO 8601 with a Z."""
    return None if value is None else value.replace(microsecond=0).isoformat() + "Z"


def local(value: dt.date | dt.datetime | None) -> str | None:
    """A date or a user-entered local date-time, as entered (no zone)."""
    return None if value is None else value.isoformat()


def user_ref(user: User | None) -> dict | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "name": user.full_name}


# --- cases ------------------------------------------------------------------------------------

def case_summary(case: Case) -> dict:
    state = definition.STATE_BY_NAME[case.state]
    return {
        "id": case.id,
        "number": case.number,
        "state": case.state,
        "state_label": str(state.label),
        "version": case.version,
        "suspended": case.suspended,
        "child_name": case.child_name,
        "child_sex": case.child_sex,
        "incident_number": case.incident.number,
        "offence_type": case.incident.offence_type,
        "created_at": utc(case.created_at),
        "updated_at": utc(case.updated_at),
    }


def _contact(contact: Contact) -> dict:
    row = {"id": contact.id, "kind": contact.kind, "relation": contact.relation,
           "is_suspect": contact.is_suspect, "absent": contact.absent,
           "can_act_for_child": contact.can_act_for_child, "hidden": contact.is_suspect}
    if not contact.is_suspect:  # a guardian who is a suspect is never shown as a contact
        row.update(name=contact.name, phone=contact.phone)
    return row


def _task(task: Task, now: dt.datetime) -> dict:
    clock = clock_of(task, now)
    return {
        "id": task.id,
        "case_id": task.case_id,
        "case_number": task.case.number,
        "aid_application_id": task.aid_application_id,
        "state": task.state,
        "role": task.role,
        "title": definition.task_title(task),
        "assignee": user_ref(task.assignee),
        "opened_at": utc(task.opened_at),
        "started_at": utc(task.started_at),
        "due_at": utc(task.due_at),
        "closed_at": utc(task.closed_at),
        "overdue": clock.overdue,
        "clock": {"state": clock.state, "remaining_seconds": clock.remaining_seconds,
                  "paused_seconds": clock.paused_seconds, "paused_since": utc(clock.paused_since),
                  "extended_at": utc(clock.extended_at)},
    }


def notification_json(notification: Notification) -> dict:
    task = notification.task
    return {
        "id": notification.id,
        "kind": notification.kind,
        "label": str(NOTIFICATION_LABELS[notification.kind]),
        "task": {"id": task.id, "title": definition.task_title(task), "case_id": task.case_id,
                 "case_number": task.case.number, "aid_application_id": task.aid_application_id,
                 "closed": task.closed_at is not None},
        "task_due_at": utc(notification.task_due_at),
        "created_at": utc(notification.created_at),
        "read_at": utc(notification.read_at),
    }


def task_json(task: Task) -> dict:
    return _task(task, utcnow())


def _medical(case: Case) -> dict | None:
    exam = case.exam
    if exam is None:
        return None
    return {
        "examiner": user_ref(exam.examiner),
        "started_at": utc(exam.started_at),
        "completed_at": utc(exam.completed_at),
        "findings": exam.findings,
        "injuries": [{"body_site": i.body_site, "description": i.description} for i in exam.injuries],
        "samples": [{
            "id": s.id, "label": s.label, "kind": s.kind, "collected_at": local(s.collected_at),
            "transfers": [{"from_name": t.from_name, "to_name": t.to_name, "to_agency": t.to_agency,
                           "handed_at": local(t.handed_at)} for t in s.transfers],
        } for s in exam.samples],
        "exception_approved": exam.exception_approved_by_id is not None,
        "exception_reason": exam.exception_reason,
        "waived": exam.waived_by_id is not None,
        "waive_reason": exam.waive_reason,
    }


def _interviews(case: Case) -> list[dict]:
    return [{
        "id": i.id, "sequence": i.sequence, "kind": i.kind, "started_at": local(i.started_at),
        "ended_at": local(i.ended_at), "av_reference": i.av_reference, "prior_reference": i.prior_reference,
        "prior_agency": i.prior_agency, "notes": i.notes,
        "attendees": [{"name": a.name, "role": a.role} for a in i.attendees],
    } for i in case.interviews]


def _psych(case: Case, private: bool) -> list[dict]:
    rows = []
    for r in case.psych_records:
        row = {"id": r.id, "kind": r.kind, "occurred_on": local(r.occurred_on), "summary": r.summary,
               "risk_level": r.risk_level, "plan_kind": r.plan_kind, "sessions_planned": r.sessions_planned}
        if private:  # therapy notes and scale scores stay with the psychologist
            row.update(private_notes=r.private_notes, scales=r.scales or {})
        rows.append(row)
    return rows


def aid_summary(application: AidApplication) -> dict:
    return {"id": application.id, "number": application.number, "state": application.state,
            "state_label": str(definition.AID.by_state[application.state].label),
            "version": application.version, "emergency": application.emergency,
            "approved_fen": application.approved_fen, "paid_fen": application.paid_fen,
            "flagged_at": utc(application.flagged_at)}


def _referrals(case: Case) -> list[dict]:
    return [{"id": r.id, "kind": r.kind, "agency": {"id": r.agency.id, "name": r.agency.name},
             "due_on": local(r.due_on), "note": r.note, "status": r.status, "outcome": r.outcome,
             "close_reason": r.close_reason, "visit_id": r.visit_id, "sent_at": utc(r.sent_at)}
            for r in case.referrals]


def _visits(case: Case) -> list[dict]:
    return [{"id": v.id, "due_on": local(v.due_on), "status": v.status, "done_on": local(v.done_on),
             "mode": v.mode, "attendees": v.attendees, "wellbeing": v.wellbeing,
             "school_attendance": v.school_attendance, "needs": v.needs, "aid_use": v.aid_use,
             "satisfaction": v.satisfaction, "cancel_reason": v.cancel_reason} for v in case.visits]


def action_json(action: engine.Action) -> dict:
    t = action.transition
    row = {"trigger": t.trigger, "label": str(t.label), "dest": t.dest, "internal": t.internal,
           "allowed": action.allowed}
    if not action.allowed:
        row.update(reason=str(action.reason), status=action.reason.status, code=action.reason.code)
    return row


def case_detail(case: Case, user: User) -> dict:
    """Everything about the case that `user` may see (the caller has checked view_case)."""
    now = utcnow()
    data = case_summary(case)
    del data["child_name"], data["child_sex"], data["incident_number"], data["offence_type"]
    incident = case.incident
    data.update({
        "definition_version": case.definition_version,
        "suspend_reason": case.suspend_reason,
        "interview_count": case.interview_count,
        "centre": {"id": case.centre.id, "name": case.centre.name},
        "child": {"name": case.child_name, "sex": case.child_sex, "birth_date": local(case.child_birth_date),
                  "age": case.age_on(local_today(now))},
        "referral": {"source": case.referral_source, "detail": case.referral_detail},
        "incident": {
            "number": incident.number,
            "offence_type": incident.offence_type,
            "police_case_no": incident.police_case_no,
            "court_case_no": incident.court_case_no,
            "occurred_on": local(incident.occurred_on),
            "suspects": [{"name": s.name, "relation_to_victims": s.relation_to_victims} for s in incident.suspects],
            # Other children of the same matter, only those this user may open.
            "other_cases": [{"id": c.id, "number": c.number} for c in incident.cases
                            if c.id != case.id and can(user, "view_case", c)[0]],
        },
        "consent": {"given_by": case.consent_given_by, "recorded_at": utc(case.consent_recorded_at),
                    "note": case.consent_note},
        "contacts": [_contact(c) for c in case.contacts],
        "team": [{"role": m.role, "role_label": str(role_label(m.role)), "user": user_ref(m.user),
                  "assigned_at": utc(m.assigned_at)} for m in case.team],
        "reinterview_requests": [{"id": r.id, "reason": r.reason, "requested_at": utc(r.requested_at),
                                  "approved_at": utc(r.approved_at), "used": r.used_by_interview_id is not None}
                                 for r in case.reinterview_requests],
    })
    seen = {c: can(user, f"see:{c}", case)[0] for c in definition.COMPARTMENTS}
    if seen["medical"]:
        data["medical"] = _medical(case)
    if seen["interview"]:
        data["interviews"] = _interviews(case)
    data["psych"] = _psych(case, private=seen["psych"])
    if seen["aid"]:
        data["aid_applications"] = [aid_summary(a) for a in case.aid_applications]
    if seen["referrals"]:
        data["referrals"] = _referrals(case)
    if seen["visits"]:
        data["visits"] = _visits(case)
    data["restricted"] = [c for c, ok in seen.items() if not ok]
    data["tasks"] = [_task(t, now) for t in case.own_tasks]
    data["actions"] = [action_json(a) for a in engine.actions_for(user, case)]
    return data


def aid_detail(application: AidApplication, user: User) -> dict:
    """The aid application as `user` may see it (the caller has checked view_aid). An entrusted
    verifier sees only what verifying needs: the applicant, the request, its own report."""
    now = utcnow()
    case = application.case
    data = aid_summary(application)
    data.update({
        "definition_version": application.definition_version,
        "case": {"id": case.id, "number": case.number, "child_name": case.child_name,
                 "child_birth_date": local(case.child_birth_date), "incident_number": case.incident.number},
        "agency": {"id": application.agency.id, "name": application.agency.name},
        "applicant": {"name": application.applicant_name, "kind": application.applicant_kind,
                      "phone": application.applicant_phone},
        "verifications": [{"id": v.id, "agency": {"id": v.agency.id, "name": v.agency.name}, "request": v.request,
                           "requested_at": utc(v.requested_at), "report": v.report,
                           "finances_confirmed": v.finances_confirmed, "reported_at": utc(v.reported_at)}
                          for v in application.verifications if can(user, "see:aid", application)[0]
                          or v.agency_id == user.agency_id],
        "actions": [action_json(a) for a in engine.actions_for(user, application)],
    })
    if not can(user, "see:aid", application)[0]:
        for money in ("approved_fen", "paid_fen"):  # a verifier learns nothing about the money
            del data[money]
        data["restricted"] = ["aid"]
        return data
    data.update({
        "officer": user_ref(application.officer),
        "grounds": list(application.grounds or []), "flag_note": application.flag_note,
        "requested_fen": application.requested_fen, "documents": list(application.documents or []),
        "statement": application.statement, "refusal_grounds": list(application.refusal_grounds or []),
        "finances": {"household_size": application.household_size,
                     "monthly_income_fen": application.monthly_income_fen, "losses_fen": application.losses_fen,
                     "note": application.finances_note, "recorded_at": utc(application.finances_recorded_at)},
        "proposal": {"total_fen": application.proposed_fen, "county_fen": application.county_fen,
                     "city_fen": application.city_fen, "province_fen": application.province_fen,
                     "instalments": application.instalments or [],
                     "supervised_account": application.supervised_account, "cap_fen": application.cap_fen,
                     "over_cap_reason": application.over_cap_reason,
                     "required_level": application.required_level, "note": application.proposal_note,
                     "proposed_by": user_ref(application.proposed_by), "proposed_at": utc(application.proposed_at)},
        "decision": {"approved_fen": application.approved_fen, "decided_by": user_ref(application.decided_by),
                     "decided_at": utc(application.decided_at), "note": application.decision_note,
                     "meeting": application.meeting, "notified_on": local(application.notified_on),
                     "notified_by": application.notified_by},
        "ledger": [{"id": e.id, "kind": e.kind, "amount_fen": e.amount_fen, "on_date": local(e.on_date),
                    "method": e.method, "reference": e.reference, "recovery_reason": e.recovery_reason,
                    "note": e.note, "recorded_at": utc(e.recorded_at)} for e in application.ledger],
        "recovered_fen": application.recovered_fen,
        "tasks": [_task(t, now) for t in application.tasks],
        "restricted": [],
    })
    return data


# --- the workflow definition ------------------------------------------------------------------

def blank_form(transition: definition.Transition):
    """The trigger's form, unbound from any case, for describing its fields. Needs a request."""
    form = transition.form(formdata=None, meta={"csrf": False})
    try:
        form.bind_case(None)  # static choices (e.g. aid grounds); case-bound ones stay unknown
    except (AttributeError, TypeError):
        pass
    return form


def field_names(form) -> list[str]:
    return [name for name in form._fields if name not in HIDDEN_FIELDS]


def process_json(process) -> dict:
    def transition_json(t: definition.Transition) -> dict:
        return {"trigger": t.trigger, "label": str(t.label), "sources": list(t.sources), "dest": t.dest,
                "roles": list(t.roles), "internal": t.internal, "automatic": t.automatic,
                "allowed_while_suspended": t.allowed_while_suspended, "compartment": t.compartment,
                "fields": field_names(blank_form(t))}

    return {
        "version": process.version,
        "initial": process.initial,
        "states": [{"name": s.name, "label": str(s.label), "terminal": s.terminal,
                    "tasks": [{"role": spec.role, "title": str(spec.title)} for spec in s.tasks]}
                   for s in process.states],
        "transitions": [transition_json(t) for t in process.transitions],
        "create": transition_json(process.create),
        "compartments": {name: list(roles) for name, roles in process.compartments.items()},
    }


def workflow_json() -> dict:
    """The victim case process at the top level (as since version 1), the aid process under `aid`."""
    return {**process_json(definition.CASE), "aid": process_json(definition.AID)}


# --- JSON Schema of forms (for the OpenAPI document) -------------------------------------------

def _required(field) -> bool:
    return any(isinstance(v, (DataRequired, InputRequired)) for v in field.validators)


def _choices(field) -> list:
    choices = field.choices
    if not choices or isinstance(choices, dict):
        return []
    return [c[0] if isinstance(c, (tuple, list)) else c for c in choices if (c[0] if isinstance(c, (tuple, list)) else c) != ""]


def field_schema(field) -> dict:
    schema: dict[str, Any]
    if isinstance(field, FieldList):
        unbound = field.unbound_field
        if issubclass(unbound.field_class, FormField):
            schema = {"type": "array", "items": form_schema(unbound.args[0](formdata=None))}
        else:
            schema = {"type": "array", "items": {"type": "string"}}
        if field.max_entries:
            schema["maxItems"] = field.max_entries
        if field.short_name in DICT_ROWS:
            schema = {"oneOf": [schema, {"type": "object", "additionalProperties": {"type": "number"},
                                         "description": "name -> score"}]}
    elif isinstance(field, BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(field, SelectMultipleField):
        items: dict[str, Any] = {"type": "string"}
        if _choices(field):
            items["enum"] = _choices(field)
        schema = {"type": "array", "items": items}
    elif isinstance(field, SelectField):
        if field.coerce is int:
            schema = {"type": "integer", "description": "id of one of the case's items"}
        else:
            schema = {"type": "string"}
            if _choices(field):
                schema["enum"] = _choices(field)
    elif isinstance(field, MoneyField):
        schema = {"type": "integer", "minimum": 1, "description": "amount in fen (1 yuan = 100 fen)"}
    elif isinstance(field, IntegerField):
        schema = {"type": "integer"}
    elif isinstance(field, (DecimalField, FloatField)):
        schema = {"type": "number"}
    elif isinstance(field, DateTimeField):
        schema = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$",
                  "description": "local date-time, YYYY-MM-DDTHH:MM[:SS]"}
    elif isinstance(field, DateField):
        schema = {"type": "string", "format": "date"}
    else:
        schema = {"type": "string"}
    for v in field.validators:
        if isinstance(v, Length) and schema.get("type") == "string" and v.max and v.max > 0:
            schema["maxLength"] = v.max
        if isinstance(v, NumberRange) and schema.get("type") in ("integer", "number"):
            if v.min is not None:
                schema["minimum"] = v.min
            if v.max is not None:
                schema["maximum"] = v.max
    label = getattr(field.label, "text", "")
    if label and "description" not in schema:
        schema["title"] = str(label)
    return schema


def form_schema(form) -> dict:
    properties, required = {}, []
    key_field = getattr(form, "key_field", None)
    for name, field in form._fields.items():
        if name in HIDDEN_FIELDS:
            continue
        properties[name] = field_schema(field)
        if _required(field) or name == key_field:
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


# --- JSON request data -> WTForms form data -------------------------------------------------------

def _scalar(value) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _unfit_scalar(value) -> str | None:
    """Why a scalar cannot be stored as sent (PostgreSQL refuses NUL; NaN is not JSON)."""
    if isinstance(value, str) and "\x00" in value:
        return str(_l("Must not contain NUL characters."))
    if isinstance(value, float) and not math.isfinite(value):
        return str(_l("Must be a finite number."))
    return None


def _put_value(out: MultiDict, key: str, value, field, errors: dict) -> None:
    """One value for a simple field: scalars as text, true as "y", false and null omitted."""
    if value is None or value is False:
        return
    if value is True:
        out.add(key, "y")
    elif _scalar(value):
        if isinstance(field, BooleanField):
            errors[key] = [str(_l("Must be true or false."))]
        elif _unfit_scalar(value):
            errors[key] = [_unfit_scalar(value)]
        else:
            out.add(key, str(value))
    else:
        errors[key] = [str(_l("Must be a single value, not a list or an object."))]


def _row_fields(field_list) -> dict:
    unbound = field_list.unbound_field
    if issubclass(unbound.field_class, FormField):
        return dict(unbound.args[0](formdata=None)._fields)
    return {}


def json_to_formdata(data: dict, form) -> tuple[MultiDict, dict[str, list[str]]]:
    """Turn a JSON object into the MultiDict `form` reads, plus errors for what cannot fit.

    scalar -> key; true -> "y" (false/null omitted); list of scalars -> repeated key; list of
    objects -> `key-<i>-<sub>`; for `scales`, {name: score} stands for [{name, score}].
    """
    out, errors = MultiDict(), {}
    for key, value in data.items():
        field = form._fields.get(key) if key not in HIDDEN_FIELDS else None
        if field is None:
            errors[key] = [str(_l("Unknown field."))]
            continue
        if isinstance(field, FieldList):
            if isinstance(value, dict) and key in DICT_ROWS:
                name_col, value_col = DICT_ROWS[key]
                value = [{name_col: k, value_col: v} for k, v in value.items()]
            if value is None:
                continue
            if not isinstance(value, list):
                errors[key] = [str(_l("Must be a list."))]
                continue
            if field.max_entries and len(value) > field.max_entries:
                errors[key] = [str(_l("At most %(n)d entries.", n=field.max_entries))]
                continue
            sub_fields = _row_fields(field)
            for index, item in enumerate(value):
                prefix = f"{key}-{index}"
                if not sub_fields:
                    _put_value(out, prefix, item, None, errors)
                elif not isinstance(item, dict):
                    errors[prefix] = [str(_l("Must be an object."))]
                else:
                    for sub, sub_value in item.items():
                        if sub not in sub_fields:
                            errors[f"{prefix}-{sub}"] = [str(_l("Unknown field."))]
                        else:
                            _put_value(out, f"{prefix}-{sub}", sub_value, sub_fields[sub], errors)
        elif isinstance(field, SelectMultipleField):
            for item in (value if isinstance(value, list) else [value]):
                _put_value(out, key, item, field, errors)
        else:
            _put_value(out, key, value, field, errors)
    return out, errors
