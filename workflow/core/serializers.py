"""JSON shapes shared by the API of every feature: timestamps, users, tasks, actions, process
definitions and JSON Schemas of trigger forms, and JSON bodies turned into form data.
Pure functions of models and the definition; no HTTP here."""
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

from workflow.core import engine
from workflow.core.clocks import clock_of
from workflow.core.forms import MoneyField
from workflow.core.models import Task, utcnow
from workflow.core.process import Transition, task_title

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


def user_ref(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "name": user.full_name}


# --- tasks and actions ------------------------------------------------------------------------

def task_summary(task: Task, now: dt.datetime) -> dict:
    clock = clock_of(task, now)
    return {
        "id": task.id,
        "case_id": task.case_id,
        "case_number": task.case.number,
        "aid_application_id": task.aid_application_id,
        "state": task.state,
        "role": task.role,
        "title": task_title(task),
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


def task_json(task: Task) -> dict:
    return task_summary(task, utcnow())


def action_json(action: engine.Action) -> dict:
    t = action.transition
    row = {"trigger": t.trigger, "label": str(t.label), "dest": t.dest, "internal": t.internal,
           "allowed": action.allowed}
    if not action.allowed:
        row.update(reason=str(action.reason), status=action.reason.status, code=action.reason.code)
    return row


# --- the workflow definition ------------------------------------------------------------------

def blank_form(transition: Transition):
    """The trigger's form, unbound from any case, for describing its fields. Needs a request."""
    form = transition.form(formdata=None, meta={"csrf": False})
    try:  # static choices and the definition's (e.g. aid grounds, agencies); case-bound ones stay unknown
        form.bind_case(None, {name: options(None) for name, options in transition.choices.items()})
    except (AttributeError, TypeError):
        pass
    return form


def field_names(form) -> list[str]:
    return [name for name in form._fields if name not in HIDDEN_FIELDS]


def process_json(process) -> dict:
    def transition_json(t: Transition) -> dict:
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
