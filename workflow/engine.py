"""The engine: interprets the process definition for one case per request.

A `transitions` machine is built around the case for each firing (`initial=case.state`,
`auto_transitions=False`) and thrown away; the database row is the source of truth. One firing is
one transaction: data, state, version, history event, closed and opened tasks.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from transitions import Machine, MachineError
from werkzeug.datastructures import MultiDict

from . import definition
from .clocks import due_at
from .errors import Invalid, NotFound, StaleVersion, WorkflowError
from .extensions import db
from .models import Case, Event, Task, User, utcnow
from .permissions import acting_roles, can


# Stands in the history for values that only their compartment's readers may see (therapy notes).
PRIVATE_MARK = "[private]"


@dataclass
class Context:
    """What a stage function sees: the case, who acts, the validated data, and the time."""

    case: Case
    actor: User | None
    transition: definition.Transition
    data: dict[str, Any] = field(default_factory=dict)
    now: dt.datetime = field(default_factory=utcnow)


@dataclass
class Action:
    transition: definition.Transition
    allowed: bool
    reason: str | None

    @property
    def trigger(self) -> str:
        return self.transition.trigger


def actions_for(user: User, case: Case) -> list[Action]:
    """Every trigger a user could see on the case, with whether it is allowed now and why not.

    Triggers of roles the user does not act in on this case are left out, as are automatic ones.
    """
    roles = acting_roles(user, case)
    result = []
    for transition in definition.TRANSITIONS:
        if transition.automatic or not roles & set(transition.roles):
            continue
        allowed, reason = can(user, transition.trigger, case)
        result.append(Action(transition, allowed, reason))
    return result


def transition_for(trigger: str) -> definition.Transition:
    transition = definition.TRANSITION_BY_TRIGGER.get(trigger)
    if transition is None:
        raise NotFound(_("Unknown action: %(action)s.", action=trigger), code="unknown_trigger")
    return transition


def build_form(transition: definition.Transition, case: Case | None, formdata: MultiDict | None = None,
               *, api: bool = False):
    """The trigger's form, bound to the case's choices. Pages prefix fields by trigger so several
    forms can share one page; the API posts plain field names and carries no CSRF token."""
    if api:
        form = transition.form(formdata=formdata or MultiDict(), meta={"csrf": False})
    else:
        form = transition.form(formdata=formdata, prefix=transition.trigger)
    form.bind_case(case)
    return form


def _machine_model(case: Case, transition: definition.Transition):
    """A throwaway `transitions` model positioned at the case's state, knowing only this trigger."""

    class _Model:
        pass

    model = _Model()
    Machine(
        model=model,
        states=list(definition.STATE_NAMES),
        initial=case.state,
        auto_transitions=False,
        transitions=[{"trigger": transition.trigger, "source": list(transition.sources),
                      "dest": transition.dest}],
    )
    return model


def history_changes(form, data: dict) -> dict:
    def plain(value):
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        return str(value)

    return {k: (PRIVATE_MARK if k in form.private_fields else plain(v))
            for k, v in data.items() if k != "reason" and v not in ("", None, [], {})}


def _close_tasks(case: Case, ctx: Context) -> None:
    for task in case.tasks:
        if task.closed_at is None:
            task.closed_at = ctx.now
            task.closed_by_id = ctx.actor.id if ctx.actor else None


def _entered_at(case: Case, state: str, fallback: dt.datetime) -> dt.datetime:
    entered = db.session.scalar(
        select(Event.created_at).where(Event.case_id == case.id, Event.to_state == state)
        .order_by(Event.id.desc()).limit(1)
    )
    return entered or fallback


def open_tasks(case: Case, ctx: Context) -> None:
    state = definition.STATE_BY_NAME[case.state]
    for spec in state.tasks:
        member = case.member(spec.role)
        start = ctx.now
        if spec.clock.since and spec.clock.since != case.state:
            start = _entered_at(case, spec.clock.since, ctx.now)
        case.tasks.append(Task(
            state=state.name, role=spec.role, assignee_id=member.id if member else None, opened_at=ctx.now, due_at=due_at(spec.clock, start),
        ))


def record_event(case: Case, ctx: Context, *, from_state: str | None, to_state: str | None,
                 changes: dict, reason: str | None, case_version: int) -> None:
    db.session.add(Event(
        case=case, actor_id=ctx.actor.id if ctx.actor else None, action=ctx.transition.trigger,
        from_state=from_state, to_state=to_state, case_version=case_version, changes=changes,
        reason=reason, created_at=ctx.now,
    ))


def fire(case: Case, trigger: str, actor: User | None, version: Any, form) -> Case:
    """Validate and apply one trigger in one transaction; raise a WorkflowError on refusal.

    `form` is the trigger's bound form (from `build_form`); `actor` None means the system
    (automatic triggers only). Nothing is stored unless everything succeeds.
    """
    transition = transition_for(trigger)
    try:
        if actor is None:
            if not transition.automatic:
                raise WorkflowError(_("Only automatic triggers can be fired by the system."), status=403,
                                    code="forbidden")
            # The system obeys the suspension and the state like users do (see permissions._fire).
            if case.suspended and not transition.allowed_while_suspended:
                raise WorkflowError(_("The case is suspended: %(reason)s", reason=case.suspend_reason),
                                    status=409, code="suspended")
            if case.state not in transition.sources:
                raise WorkflowError(_("Not possible in the current stage (%(state)s).",
                                      state=definition.STATE_BY_NAME[case.state].label),
                                    status=409, code="wrong_state")
        else:
            allowed, reason = can(actor, trigger, case)
            # Someone who may act but read an old version learns that first: the state or data
            # they saw has changed.
            if not allowed and reason.status in (409, 422):
                _check_version(case, version)
            if not allowed:
                raise WorkflowError.from_denial(reason)
        _check_version(case, version)
        if not form.validate():
            raise Invalid(_("The submitted data is not valid."), form_errors(form))
        if actor is None:
            for guard in transition.guards:
                unmet = guard(case)
                if unmet:
                    raise WorkflowError(str(unmet), status=422, code="guard_failed")

        ctx = Context(case=case, actor=actor, transition=transition, data=form.payload())
        from_state = case.state
        case.version += 1
        case.updated_at = ctx.now
        if transition.apply is not None:
            transition.apply(ctx)
        model = _machine_model(case, transition)
        try:
            getattr(model, trigger)()
        except MachineError as exc:  # the checks above make this unreachable; keep it loud
            raise WorkflowError(str(exc), status=409, code="wrong_state") from exc
        if transition.dest is not None:
            _close_tasks(case, ctx)
            case.state = model.state
            entered = definition.STATE_BY_NAME[case.state]
            if entered.on_enter is not None:
                entered.on_enter(ctx)
            open_tasks(case, ctx)
        record_event(case, ctx, from_state=from_state, to_state=transition.dest,
                     changes=history_changes(form, ctx.data), reason=ctx.data.get("reason"),
                     case_version=case.version)
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise StaleVersion(_("Someone else changed this case meanwhile; reload it and try again.")) from exc
    except Exception:
        db.session.rollback()
        raise
    return case


def _check_version(case: Case, version: Any) -> None:
    try:
        read = int(version)
    except (TypeError, ValueError):
        message = _("The case version you read is required.")
        raise Invalid(message, {"version": [message]}) from None
    if read != case.version:
        raise StaleVersion(_(
            "The case changed since you read it (your version %(read)d, current %(current)d); "
            "reload it and try again. Nothing was saved.", read=read, current=case.version))


def form_errors(form) -> dict[str, list[str]]:
    def flatten(errors, prefix=""):
        out: dict[str, list[str]] = {}
        if isinstance(errors, dict):
            for key, value in errors.items():
                out.update(flatten(value, f"{prefix}{key}" if not prefix else f"{prefix}-{key}"))
        elif isinstance(errors, list):
            # Messages may be lazy strings (custom validators use lazy_gettext): not str instances.
            messages = [str(e) for e in errors if not isinstance(e, (dict, list))]
            if messages:
                out[prefix] = messages
            for index, item in enumerate(errors):
                if isinstance(item, (dict, list)) and item:
                    out.update(flatten(item, f"{prefix}-{index}"))
        return out

    return flatten({name: f.errors for name, f in form._fields.items() if f.errors})
