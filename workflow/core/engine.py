"""The engine: interprets a process definition for one case or aid application per request.

A `transitions` machine is built around the subject for each firing (`initial=subject.state`,
`auto_transitions=False`) and thrown away; the database row is the source of truth. One firing is
one transaction: data, state, version, history event, closed and opened tasks, and the automatic
transitions it enables (an aid application ending moves its case on).

The engine knows no process: it reads them from `workflow.core.process.PROCESSES`. A subject is a
row of a process's model (a case, an aid application) that offers `process_name`, `state`,
`version`, `case`, `suspended`, `own_tasks`, `member(role)`, `task_agency_id(role)`, `owner_keys`
(the case and aid application its tasks and events belong to) and `own_events()` (the SQL
condition on its own history events)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from transitions import Machine, MachineError
from werkzeug.datastructures import MultiDict

from workflow.core import settings
from workflow.core.access import acting_roles, can
from workflow.core.clocks import due_at, end_of_day
from workflow.core.errors import Invalid, NotFound, StaleVersion, WorkflowError
from workflow.core.extensions import db
from workflow.core.forms import form_errors
from workflow.core.models import Event, Task, utcnow
from workflow.core.money import amounts_in_fen
from workflow.core.process import Clock, Process, TaskSpec, Transition, process_of

# A case or an aid application (see the module's docstring for what the engine asks of it).
Subject = Any

# Stands in the history for values that only their compartment's readers may see (therapy notes).
PRIVATE_MARK = "[private]"


@dataclass
class Context:
    """What a stage function sees: the subject (case or aid application), who acts, the validated
    data, and the time."""

    subject: Subject
    actor: Any | None  # the acting user; None for the system
    transition: Transition
    data: dict[str, Any] = field(default_factory=dict)
    now: dt.datetime = field(default_factory=utcnow)

    @property
    def case(self):
        return self.subject.case


@dataclass
class Action:
    transition: Transition
    allowed: bool
    reason: str | None

    @property
    def trigger(self) -> str:
        return self.transition.trigger


def actions_for(user, subject: Subject) -> list[Action]:
    """Every trigger a user could see on the subject, with whether it is allowed now and why not.

    Triggers of roles the user does not act in on this subject are left out, as are automatic ones.
    """
    roles = acting_roles(user, subject)
    result = []
    for transition in process_of(subject).transitions:
        if transition.automatic or not roles & set(transition.roles):
            continue
        allowed, reason = can(user, transition.trigger, subject)
        result.append(Action(transition, allowed, reason))
    return result


def transition_for(trigger: str, process: Process) -> Transition:
    transition = process.by_trigger.get(trigger)
    if transition is None:
        raise NotFound(_("Unknown action: %(action)s.", action=trigger), code="unknown_trigger")
    return transition


def build_form(transition: Transition, subject: Subject | None, formdata: MultiDict | None = None,
               *, api: bool = False):
    """The trigger's form, bound to its choices (those the definition gives and those the form
    derives from the subject). Pages prefix fields by trigger so several forms can share one page;
    the API posts plain field names, carries no CSRF token and gives amounts in fen."""
    if api:
        with amounts_in_fen():
            form = transition.form(formdata=formdata or MultiDict(), meta={"csrf": False})
    else:
        form = transition.form(formdata=formdata, prefix=transition.trigger)
    form.bind_case(subject, {name: options(subject) for name, options in transition.choices.items()})
    return form


def _machine_model(process: Process, subject: Subject, transition: Transition):
    """A throwaway `transitions` model positioned at the subject's state, knowing only this trigger."""

    class _Model:
        pass

    model = _Model()
    Machine(
        model=model,
        states=list(process.state_names),
        initial=subject.state,
        auto_transitions=False,
        transitions=[{"trigger": transition.trigger, "source": list(transition.sources),
                      "dest": transition.dest}],
    )
    return model


def machine_state(process: Process, subject: Subject, transition: Transition) -> str:
    """The state the trigger leads to, from a `transitions` machine positioned at the subject's
    state: the machine refuses a trigger from outside the transition's sources (409)."""
    model = _machine_model(process, subject, transition)
    try:
        getattr(model, transition.trigger)()
    except MachineError as exc:
        raise WorkflowError(_("Not possible in the current stage (%(state)s).",
                              state=process.by_state[subject.state].label), status=409, code="wrong_state") from exc
    return model.state


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


def _close(task: Task, ctx: Context) -> None:
    task.closed_at = ctx.now
    task.closed_by_id = ctx.actor.id if ctx.actor else None


def _close_tasks(subject: Subject, process: Process, ctx: Context, *, leaving_state: bool) -> None:
    """Close open tasks whose work is done; when leaving a state, also those tied to the state."""
    for task in subject.own_tasks:
        if task.closed_at is not None:
            continue
        spec = process.task_spec(task.state, task.role)
        opened_by_trigger = task.state in process.by_trigger
        if spec is not None and spec.done is not None and spec.done(subject):
            _close(task, ctx)
        elif leaving_state and not opened_by_trigger and not (spec is not None and spec.outlives_state):
            _close(task, ctx)


def _entered_at(subject: Subject, state: str, fallback: dt.datetime) -> dt.datetime:
    of_subject = subject.own_events()
    entered = db.session.scalar(
        select(Event.created_at).where(of_subject, Event.to_state == state).order_by(Event.id.desc()).limit(1)
    )
    return entered or fallback


def _paused_between(case, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """How long the case was suspended between `start` and `end` (from its suspend/resume events)."""
    events = db.session.execute(
        select(Event.action, Event.created_at)
        .where(case.own_events(), Event.action.in_(("suspend", "resume")),
               Event.created_at <= end)
        .order_by(Event.id)).all()
    paused, since = dt.timedelta(0), None
    for action, at in events:
        if action == "suspend":
            since = at
        elif since is not None:
            paused += max(dt.timedelta(0), min(at, end) - max(since, start))
            since = None
    return paused


def _due(clock: Clock, start: dt.datetime) -> dt.datetime:
    return due_at(clock, int(settings.get(clock.setting)), start)


def _open(subject: Subject, ctx: Context, specs: tuple[TaskSpec, ...], opened_in: str) -> None:
    for spec in specs:
        if spec.done is not None and spec.done(subject):
            continue
        member = subject.member(spec.role)
        start, paused = ctx.now, dt.timedelta(0)
        if spec.clock.since and spec.clock.since != subject.state:
            start = _entered_at(subject, spec.clock.since, ctx.now)
            # A clock that started in an earlier state was paused by suspensions since then.
            paused = _paused_between(subject.case, start, ctx.now)
        db.session.add(Task(
            **subject.owner_keys, state=opened_in, role=spec.role, assignee_id=member.id if member else None,
            agency_id=None if member else subject.task_agency_id(spec.role),
            opened_at=ctx.now, started_at=start, due_at=_due_for(spec, subject, start, paused),
            paused_seconds=int(paused.total_seconds()),
        ))


def _due_for(spec: TaskSpec, subject: Subject, start: dt.datetime, paused: dt.timedelta) -> dt.datetime:
    """A date from the subject's data (a visit or instalment: fixed, whatever the pauses), else the
    clock from its start, moved on by the time the case stood still since."""
    day = spec.due_on(subject) if spec.due_on is not None else None
    return end_of_day(day) if day is not None else _due(spec.clock, start) + paused


def _follow_data(subject: Subject, process: Process, ctx: Context) -> None:
    """Open tasks whose due day follows the subject's data move with it (a visit recorded, added
    or cancelled; an instalment paid)."""
    for task in subject.own_tasks:
        spec = process.task_spec(task.state, task.role) if task.is_open else None
        if spec is None or spec.due_on is None:
            continue
        due = _due_for(spec, subject, task.started_at, dt.timedelta(seconds=task.paused_seconds))
        if due != task.due_at:
            task.move_due(due, ctx.now)


def open_tasks(subject: Subject, ctx: Context) -> None:
    """Open the tasks of the subject's current state (on creation and on entering a state)."""
    state = process_of(subject).by_state[subject.state]
    _open(subject, ctx, state.tasks, state.name)


def record_event(subject: Subject, ctx: Context, *, from_state: str | None, to_state: str | None,
                 changes: dict, reason: str | None) -> None:
    db.session.add(Event(
        **subject.owner_keys, actor_id=ctx.actor.id if ctx.actor else None, action=ctx.transition.trigger,
        from_state=from_state, to_state=to_state, case_version=subject.version, changes=changes, reason=reason,
        created_at=ctx.now,
    ))


def start(subject: Subject, ctx: Context, *, changes: dict) -> None:
    """A new subject made by `ctx`'s trigger (an aid application by flag_aid): its first tasks and
    its creation event, in the same transaction."""
    own = Context(subject=subject, actor=ctx.actor, transition=ctx.transition, data=ctx.data, now=ctx.now)
    open_tasks(subject, own)
    record_event(subject, own, from_state=None, to_state=subject.state, changes=changes, reason=None)


def _apply(subject: Subject, process: Process, ctx: Context, changes) -> None:
    """State, data, tasks and history of one transition (checks already passed)."""
    transition = ctx.transition
    from_state = subject.state
    state = machine_state(process, subject, transition)
    subject.version += 1
    subject.updated_at = ctx.now
    if transition.apply is not None:
        transition.apply(ctx)
    if transition.dest is not None:
        _close_tasks(subject, process, ctx, leaving_state=True)
        subject.state = state
        entered = process.by_state[subject.state]
        if entered.on_enter is not None:
            entered.on_enter(ctx)
        _open(subject, ctx, entered.tasks, entered.name)
    _open(subject, ctx, transition.opens, transition.trigger)
    _close_tasks(subject, process, ctx, leaving_state=False)
    _follow_data(subject, process, ctx)
    record_event(subject, ctx, from_state=from_state, to_state=transition.dest, changes=changes(ctx),
                 reason=ctx.data.get("reason"))


def _settle(subject: Subject, now: dt.datetime) -> None:
    """Fire the automatic transitions whose guards now hold (by the system, in this transaction)."""
    process = process_of(subject)
    for _step in range(len(process.states)):
        if subject.suspended:
            return
        transition = next((t for t in process.transitions if t.automatic and subject.state in t.sources
                           and not any(guard(subject) for guard in t.guards)), None)
        if transition is None:
            return
        _apply(subject, process, Context(subject, None, transition, now=now), lambda ctx: {})


def fire(subject: Subject, trigger: str, actor, version: Any, form) -> Subject:
    """Validate and apply one trigger in one transaction; raise a WorkflowError on refusal.

    `form` is the trigger's bound form (from `build_form`); `actor` None means the system
    (automatic triggers only). Nothing is stored unless everything succeeds.
    """
    process = process_of(subject)
    transition = transition_for(trigger, process)
    try:
        if actor is None:
            if not transition.automatic:
                raise WorkflowError(_("Only automatic triggers can be fired by the system."), status=403,
                                    code="forbidden")
            # The system obeys the suspension and the state like users do (`can` checks them for
            # users): the state by the machine, before any guard.
            if subject.suspended and not transition.allowed_while_suspended:
                raise WorkflowError(_("The case is suspended: %(reason)s", reason=subject.suspend_reason),
                                    status=409, code="suspended")
            machine_state(process, subject, transition)
        else:
            allowed, reason = can(actor, trigger, subject)
            # Someone who may act but read an old version learns that first: the state or data
            # they saw has changed.
            if not allowed and reason.status in (409, 422):
                _check_version(subject, version)
            if not allowed:
                raise WorkflowError.from_denial(reason)
        _check_version(subject, version)
        if not form.validate():
            raise Invalid(_("The submitted data is not valid."), form_errors(form))
        if actor is None:
            for guard in transition.guards:
                unmet = guard(subject)
                if unmet:
                    raise WorkflowError(str(unmet), status=422, code="guard_failed")

        ctx = Context(subject=subject, actor=actor, transition=transition, data=form.payload())
        _apply(subject, process, ctx, lambda c: history_changes(form, c.data))
        _settle(subject, ctx.now)
        if subject.case is not subject:
            _settle(subject.case, ctx.now)
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise StaleVersion(_("Someone else changed this meanwhile; reload it and try again.")) from exc
    except Exception:
        db.session.rollback()
        raise
    return subject


def _check_version(subject: Subject, version: Any) -> None:
    try:
        read = int(version)
    except (TypeError, ValueError):
        message = _("The version you read is required.")
        raise Invalid(message, {"version": [message]}) from None
    if read != subject.version:
        raise StaleVersion(_(
            "This changed since you read it (your version %(read)d, current %(current)d); "
            "reload it and try again. Nothing was saved.", read=read, current=subject.version))
