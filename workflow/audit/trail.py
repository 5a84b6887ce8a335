"""What goes into the audit trail, and when.

Every request to a route that is not declared `public` gets one record: its endpoint is the
action, the ids in its URL name the object, and its outcome is what the response says (allowed, or
the status: 401, 403, 404, 409, 422, 429...). A request that changes data is recorded in the same
transaction as the change (at the commit that writes it), so neither exists without the other; any
other request is recorded before its response leaves (a database that cannot take the record
turns the response into an error). Views add what the URL does not say with `note(...)`: the kind
of read (a search, an export, a download), the case, counts; search terms are kept only as keyed
hashes. Sign-ins, sign-outs and work done outside requests (commands, the escalation runner,
background jobs) are recorded with `record(...)`; history events a transaction writes are folded
into its record (see `chain`).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain as chained

from flask import Flask, current_app, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event

from workflow.audit import chain
from workflow.audit.models import KINDS
from workflow.core import access
from workflow.core.extensions import db
from workflow.core.models import Event
from workflow.core.sealing import keyed_hash

# What a URL argument names (the object of the request's record).
OBJECT_ARGS = {
    "case_id": "case", "application_id": "aid_application", "subject_id": "subject", "document_id": "document",
    "job_id": "job", "inquiry_id": "registry_inquiry", "entry_id": "registry_entry", "change_id": "registry_change",
    "recheck_id": "registry_recheck", "alert_id": "registry_alert", "user_id": "user", "request_id": "admin_request",
    "session_id": "session", "token_id": "token", "notification_id": "notification", "grant_id": "emergency_access",
    "record_id": "audit_record", "agency_id": "agency",
}
# URL arguments that name no data (an action's trigger, a calendar day, a subject kind...).
PLAIN_ARGS = frozenset({"trigger", "day", "kind", "code", "filename"})
# Tables whose changes are the bookkeeping of signing in and of the trail itself: a commit of
# only these is not the request's change (a session's last-seen time is written before the view).
BOOKKEEPING = frozenset({"user_sessions", "api_tokens", "login_attempts", "audit_records", "audit_heads",
                         "audit_checkpoints"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Pending:
    """The current request's record, until it is written."""

    action: str
    kind: str
    object_type: str | None = None
    object_ids: list = field(default_factory=list)
    case_id: int | None = None
    details: dict = field(default_factory=dict)
    written: bool = False


def public(view: Callable) -> Callable:
    """Declare a route public: it reads or changes no one's data (sign-in, verification of a
    document's hash, static files), so it is not recorded per request."""
    view.audit_public = True
    return view


def is_public(app: Flask, endpoint: str) -> bool:
    return endpoint == "static" or getattr(app.view_functions.get(endpoint), "audit_public", False)


def search_hash(text: str) -> str:
    """What a search for `text` is recorded as: equal searches look equal, none can be read back."""
    return keyed_hash(unicodedata.normalize("NFKC", text).strip().casefold(), "audit_search")


def note(*, kind: str | None = None, case_id: int | None = None, object_type: str | None = None,
         object_ids=None, search: str | None = None, **details) -> None:
    """Add facts to the current request's record (nothing outside a recorded request)."""
    pending = g.get("audit") if has_request_context() else None
    if pending is None:
        return
    if kind is not None:
        assert kind in KINDS, kind
        pending.kind = kind
    if case_id is not None:
        pending.case_id = case_id
    if object_type is not None:
        pending.object_type = object_type
    if object_ids is not None:
        pending.object_ids = list(object_ids)
    if search:
        pending.details["search"] = search_hash(search)
    pending.details.update(details)


@access.on_found
def _note_case(subject) -> None:
    """The case of what a request opened (an aid application's, for instance)."""
    if getattr(subject, "process_name", None) == "case":
        note(case_id=subject.id)
    elif isinstance(getattr(subject, "case_id", None), int):
        note(case_id=subject.case_id)


def set_session_ref(ref: str) -> None:
    """Which browser session ("s:<id>") or API token ("t:<id>") the request came with."""
    g.audit_session_ref = ref


def _request_facts() -> dict:
    if not has_request_context():
        return {}
    return {"session_ref": g.get("audit_session_ref", ""), "address": (request.remote_addr or "")[:64]}


def record(action: str, kind: str, *, user_id: int | None = None, outcome: str = "allowed",
           object_type: str | None = None, object_ids=(), case_id: int | None = None,
           details: dict | None = None, session=None) -> None:
    """Append a record in the current transaction (the caller commits): sign-ins, sign-outs, and
    what commands and background work do."""
    assert kind in KINDS, kind
    if not current_app.config["AUDIT_ENABLED"]:
        return
    chain.append({"user_id": user_id, "action": action[:80], "kind": kind, "outcome": outcome,
                  "object_type": object_type, "object_ids": list(object_ids), "case_id": case_id,
                  "details": details or {}, **_request_facts()}, session)


def _current_user_id() -> int | None:
    # The user Flask-Login has loaded, without loading one (which may commit, inside a commit).
    if not has_request_context():
        return None
    user = g.get("api_user") or g.get("_login_user")
    return user.id if user is not None and user.is_authenticated else None


def _values(pending: Pending, outcome: str) -> dict:
    return {"user_id": _current_user_id(), "action": pending.action, "kind": pending.kind, "outcome": outcome,
            "object_type": pending.object_type, "object_ids": pending.object_ids, "case_id": pending.case_id,
            "details": pending.details, **_request_facts()}


def outcome_of(status: int) -> str:
    if status < 400:
        return "allowed" if g.get("api_user") is not None or current_user.is_authenticated else "401"
    return str(status)


# --- the request's record -----------------------------------------------------------------------

def _begin() -> None:
    endpoint = request.endpoint
    g.pop("audit", None)
    if endpoint is None or is_public(current_app, endpoint) or not current_app.config["AUDIT_ENABLED"]:
        return
    pending = Pending(action=endpoint, kind="write" if request.method in WRITE_METHODS else "read")
    for name, value in (request.view_args or {}).items():
        if name in OBJECT_ARGS and pending.object_type is None:
            pending.object_type, pending.object_ids = OBJECT_ARGS[name], [value]
    if pending.object_type == "subject":  # documents' /<cases|aid>/<id>/... routes
        pending.object_type = "case" if request.view_args.get("kind") == "cases" else "aid_application"
    if pending.object_type == "case":
        pending.case_id = pending.object_ids[0]
    g.audit = pending


def _finish(response):
    pending = g.pop("audit", None)
    if pending is None or pending.written:
        return response
    outcome = outcome_of(response.status_code)  # loads the user of a view that never asked
    values = _values(pending, outcome)
    session = db.session()
    if session.new or session.dirty or session.deleted or session.info.get("audit_changed"):
        session.rollback()  # what the request left uncommitted is not kept (teardown would drop it too)
    chain.append(values, session)
    session.commit()
    for watcher in WATCHERS:
        watcher(values)
    return response


# Called with a request's record once it is written (bulk-read detection).
WATCHERS: list[Callable[[dict], None]] = []


# --- changes: the record goes with the commit that writes them ----------------------------------

def _after_flush(session, flush_context) -> None:  # noqa: ARG001
    info = session.info
    for obj in session.new:
        if isinstance(obj, Event):
            info.setdefault("audit_events", {})[obj.id] = obj.case_id
    if not info.get("audit_changed") and any(getattr(obj, "__tablename__", None) not in BOOKKEEPING
                                             for obj in chained(session.new, session.dirty, session.deleted)):
        info["audit_changed"] = True


def _on_execute(orm_execute_state) -> None:
    """Bulk UPDATE, DELETE and INSERT statements change data as much as flushed objects do."""
    state = orm_execute_state
    if (state.is_update or state.is_delete or state.is_insert) and not state.session.info.get("audit_appending"):
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) not in BOOKKEEPING:
            state.session.info["audit_changed"] = True


def _before_commit(session) -> None:
    info = session.info
    if info.get("audit_appending") or not current_app.config["AUDIT_ENABLED"]:
        return
    session.flush()
    events = info.pop("audit_events", {})
    changed = info.pop("audit_changed", False)
    pending = g.get("audit") if has_request_context() else None
    if pending is not None and not pending.written and changed:
        pending.written = True
        if pending.case_id is None and len(set(events.values())) == 1:
            pending.case_id = next(iter(events.values()))
        values = _values(pending, "allowed")
    elif events:
        # Outside a recorded request, or a further commit of one: the history still goes in.
        case_ids = set(events.values())
        values = {"user_id": _current_user_id() if has_request_context() else None,
                  "action": pending.action if pending else info.get("audit_action", "system"),
                  "kind": "write" if pending else "system", "outcome": "allowed",
                  "case_id": case_ids.pop() if len(case_ids) == 1 else None, "details": {}, **_request_facts()}
    else:
        return
    if events:
        values["details"] = {**values["details"], "events": chain.event_hashes(events, session)}
    info["audit_appending"] = True
    try:
        chain.append(values, session)
    finally:
        info.pop("audit_appending", None)


def _after_rollback(session, previous_transaction) -> None:  # noqa: ARG001
    session.info.pop("audit_events", None)
    session.info.pop("audit_changed", None)


def init_app(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_finish)


event.listen(db.session, "after_flush", _after_flush)
event.listen(db.session, "do_orm_execute", _on_execute)
event.listen(db.session, "before_commit", _before_commit)
event.listen(db.session, "after_soft_rollback", _after_rollback)
