"""The history of a case or aid application as pages show it: labels and readable values of what
each trigger recorded, hidden where a compartment is closed to the reader."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields import DateField, DateTimeField
from wtforms.fields.core import UnboundField

from workflow.admin.models import User
from workflow.aid.labels import CATALOG_FIELDS, CATALOGS
from workflow.cases.models import Case
from workflow.core import engine
from workflow.core.access import compartments_seen
from workflow.core.extensions import db
from workflow.core.forms import MoneyField
from workflow.core.money import yuan
from workflow.core.process import PROCESSES, task_title
from workflow.core.sealing import ERASED

LIST_LABELS = {"contacts": _l("Guardians and appropriate adults"), "suspects": _l("Suspects"),
               "injuries": _l("Injuries"), "attendees": _l("Attendees"), "scales": _l("Assessment scales"),
               "incident": _l("Incident"), "reason": _l("Reason"), "previous_due": _l("Previous due time"),
               "document": _l("Document"), "recipient": _l("Recipient"), "number": _l("Issue number"),
               "status": _l("Status"), "version": _l("Version"), "erased": _l("Recorded values")}
# History rows that are not triggers of the process.
EVENT_LABELS = {"issue_document": _l("Document generated"),
                "break_glass": _l("Opened in an emergency (break-the-glass)")}


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
        return task_title(task) if task else None
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


def timeline(case: Case, events, user) -> list[dict]:
    """History rows of a case or aid application. What an entry recorded (its values and reason)
    shows only to readers of its trigger's compartment, judged on the entry's own subject (the case,
    or the aid application of an aid entry), as the subject's page and API judge it."""
    seen: dict[tuple[str, int], dict[str, bool]] = {}
    rows = []
    for event in events:
        process = PROCESSES[event.process_name]
        transition = process.create if event.action == process.create.trigger else \
            process.by_trigger.get(event.action)
        subject = event.aid_application if event.aid_application_id is not None else event.case
        key = (event.process_name, subject.id)
        if key not in seen:
            seen[key] = compartments_seen(user, subject)
        visible = event.action in EVENT_LABELS or (
            transition is not None and (transition.compartment is None or seen[key][transition.compartment]))
        # Sealed under the case's key: ERASED once retention shredded it.
        changes = ({"erased": ERASED} if event.changes is ERASED else dict(event.changes or {})) if visible else {}
        if event.action == "add_contact" and changes.get("is_suspect"):
            # A guardian who is a suspect is never shown as a contact, not even in the history.
            changes = {k: v for k, v in changes.items() if k not in ("name", "phone", "relation")}
        rows.append({
            "event": event,
            "label": transition.label if transition else EVENT_LABELS.get(event.action, event.action),
            "from": process.by_state[event.from_state].label if event.from_state else None,
            "to": process.by_state[event.to_state].label if event.to_state else None,
            "changes": [(_label_of(transition, k), _value_of(case, transition, k, v)) for k, v in changes.items()],
            "reason": event.reason if visible else None,
            "hidden": bool(event.changes or event.reason) and not visible,
        })
    return rows
