"""The vocabulary of process definitions: clocks, tasks, states, transitions and a process, and the
register of the processes the features define.

`workflow.cases.definition` writes the victim case and `workflow.aid.definition` the judicial aid
application in these terms, and each registers its process with `register`; the engine,
permissions, diagram and API interpret them through `PROCESSES` without knowing either process.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property

from sqlalchemy import CheckConstraint

from workflow.core.forms import ActionForm, ConfirmForm
from workflow.core.models import one_of

# A guard takes the subject (a case or an aid application) and returns the unmet reason or None.
Guard = Callable[[object], "str | None"]
# A permit takes (user, subject) and returns why this user may not act, or None (refusal: 403).
Permit = Callable[[object, object], "str | None"]


CLOCK_UNITS = ("hours", "working_days", "days")


@dataclass(frozen=True)
class Clock:
    """How long the acting role has: `amount` calendar hours, working days (on the centre's holiday
    calendar) or calendar days, from entering the state `since` (default: the state or trigger that
    opened the task). `setting` names the setting through which the centre changes `amount`."""

    amount: int
    unit: str
    setting: str
    since: str | None = None

    def __post_init__(self) -> None:
        assert self.unit in CLOCK_UNITS, self.unit


@dataclass(frozen=True)
class TaskSpec:
    role: str
    title: str  # lazy string
    clock: Clock
    # A task closes once `done(subject)` holds. Tasks of a state also close when the state is left,
    # unless they outlive it (a notification still owed); tasks a trigger opens always outlive it.
    done: Callable[[object], bool] | None = None
    outlives_state: bool = False
    # Due at the end of the day this returns (the next scheduled visit, the next planned instalment),
    # following the subject's data as triggers change it; the clock applies while it returns None.
    due_on: Callable[[object], "dt.date | None"] | None = None


@dataclass(frozen=True)
class State:
    name: str
    label: str  # lazy string
    tasks: tuple[TaskSpec, ...] = ()
    terminal: bool = False
    on_enter: Callable | None = None


@dataclass(frozen=True)
class Transition:
    trigger: str
    label: str  # lazy string
    sources: tuple[str, ...]
    dest: str | None
    roles: tuple[str, ...]
    form: type[ActionForm] = ConfirmForm
    # Choices of form fields that depend on the database or the subject: field name -> function of
    # the subject (None for a new case or a blank form) returning (value, label) pairs. The engine
    # binds them, so forms never reach for services.
    choices: dict[str, Callable[[object], list]] = field(default_factory=dict)
    guards: tuple[Guard, ...] = ()
    # Checks on the acting user beyond the role (approver level, four-eyes): refusals are 403.
    permits: tuple[Permit, ...] = ()
    apply: Callable | None = None
    # The data compartment whose readers may see the submitted values in the history.
    compartment: str | None = None
    allowed_while_suspended: bool = False
    # Fired by the engine as soon as its guards hold in a source state, never offered to a user.
    automatic: bool = False
    # Tasks this trigger opens (kept open until their `done` holds).
    opens: tuple[TaskSpec, ...] = ()

    @property
    def internal(self) -> bool:
        return self.dest is None


RECIPIENTS = ("internal", "court", "family", "partner_agency")


@dataclass(frozen=True)
class DocumentSpec:
    """A document the process issues: rendered from `docs_templates/<name>.html` with the data that
    `workflow.documents.data` builds for each of its `recipients` (internal, court, family or
    partner agency: what a copy may carry is decided per recipient there, never in templates).
    Who may read it follows from its sections too: a section drawn from a compartment (the exam,
    the interviews, aid money, referrals, visits) limits it to that compartment's readers.

    `version` is the template's version: raise it whenever the template's wording changes, so that
    every stored PDF names the wording it was issued with. `items` lists the rows of the subject
    the document is issued for one by one (each referral, each recorded visit, each payment), when
    it is not about the case or application as a whole. `series` is the word of the issue number
    (文号) after the agency's prefix.
    """

    name: str
    title: str  # lazy string
    version: int
    recipients: tuple[str, ...]
    roles: tuple[str, ...]  # who generates it (acting roles on the case or application)
    series: str
    # The data sections it shows (see workflow.documents.data); a recipient gets only the sections
    # its copies may carry, the others are None.
    sections: tuple[str, ...]
    ready: Guard  # unmet reason or None
    items: Callable[[object], list] | None = None

    def __post_init__(self) -> None:
        assert self.recipients and set(self.recipients) <= set(RECIPIENTS), self.name


@dataclass(frozen=True)
class Process:
    """One state machine: the victim case, or the judicial aid application."""

    name: str
    label: str  # lazy string
    version: int
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    initial: str
    create: Transition
    compartments: dict[str, tuple[str, ...]] = field(default_factory=dict)
    documents: tuple[DocumentSpec, ...] = ()
    # Roles that exist only on this process's subjects, and the user role they stand for (an aid
    # officer of another agency entrusted with verifying the family's finances acts as "verifier").
    derived_roles: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        names = {s.name for s in self.states}
        assert len(names) == len(self.states), f"{self.name}: state names must be unique"
        assert len(self.by_trigger) == len(self.transitions), f"{self.name}: triggers must be unique"
        for t in self.transitions:
            assert t.dest is None or t.dest in names, t.trigger
            assert set(t.sources) <= names, t.trigger

    @cached_property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @cached_property
    def by_state(self) -> dict[str, State]:
        return {s.name: s for s in self.states}

    @cached_property
    def by_trigger(self) -> dict[str, Transition]:
        return {t.trigger: t for t in self.transitions}

    @cached_property
    def by_document(self) -> dict[str, DocumentSpec]:
        return {d.name: d for d in self.documents}

    @cached_property
    def terminal(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states if s.terminal)

    @cached_property
    def task_specs(self) -> tuple[TaskSpec, ...]:
        """Every task the process can open: those of its states, then those its triggers open."""
        specs = [spec for state in self.states for spec in state.tasks]
        specs += [spec for transition in self.transitions for spec in transition.opens]
        return tuple(dict.fromkeys(specs))

    def task_spec(self, opened_in: str, role: str) -> TaskSpec | None:
        """The spec of a task row: opened on entering a state, or by a trigger (same key space)."""
        owner = self.by_state.get(opened_in)
        specs = owner.tasks if owner is not None else getattr(self.by_trigger.get(opened_in), "opens", ())
        return next((t for t in specs if t.role == role), None)


def always(subject) -> None:  # noqa: ARG001 - documents about an item are ready once the item exists
    return None


# The processes by name (a subject's `process_name`), in the order the features registered them.
PROCESSES: dict[str, Process] = {}


def register(process: Process, model) -> Process:
    """Make `process` known to the engine, and check `model`'s `state` column against its states in
    the database: the CHECK constraint is derived from the definition, never listed twice."""
    existing = PROCESSES.setdefault(process.name, process)
    assert existing is process, f"process {process.name} registered twice"
    model.__table__.append_constraint(CheckConstraint(one_of("state", process.state_names), name="state"))
    clock_settings.cache_clear()
    return process


def process_of(subject) -> Process:
    return PROCESSES[subject.process_name]


def derived_roles() -> dict[str, str]:
    """Every process's derived roles (role on a subject -> the user role it stands for)."""
    return {role: base for process in PROCESSES.values() for role, base in process.derived_roles.items()}


@cache
def clock_settings() -> dict[str, tuple[Clock, TaskSpec]]:
    """Each clock setting with its default clock and the first task it times (for its label)."""
    found: dict[str, tuple[Clock, TaskSpec]] = {}
    for process in PROCESSES.values():
        for spec in process.task_specs:
            existing = found.setdefault(spec.clock.setting, (spec.clock, spec))
            assert existing[0].amount == spec.clock.amount and existing[0].unit == spec.clock.unit, \
                f"clock setting {spec.clock.setting} has two defaults"
    return found


def task_title(task) -> str:
    """The title of a task row (rows store only the state or trigger that opened it, and the role)."""
    spec = PROCESSES[task.process_name].task_spec(task.state, task.role)
    return str(spec.title) if spec else task.state
