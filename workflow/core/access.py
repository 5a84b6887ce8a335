"""The one permission check: `can(user, action, obj) -> (allowed, reason)`.

Pages, the API, services and the tests all call it. Each feature registers the rules of its own
actions here (`rule`, `prefix_rule`: the way blueprints register routes), and for its process's
subjects how a user acts on one (`subject`) and who else may read one (`reader`: emergency
access reads a case in its holder's team roles but never acts). Triggers of a process need no rule:
`can` checks them against the definition (role, team, suspension, state, permits, guards).

A refusal's reason is a `Denial`: a display string that also carries the HTTP status (401 not
logged in, 403 wrong role, not on the team or an unmet permit such as the approver level, 404 no
access, 409 wrong state or suspended, 422 an unmet guard).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, false, or_

from workflow.core.errors import Denial, NotFound, WorkflowError
from workflow.core.extensions import db
from workflow.core.process import Transition, derived_roles, process_of
from workflow.core.roles import role_label

ALLOWED: tuple[bool, None] = (True, None)
Answer = tuple[bool, Denial | None]
Rule = Callable[[Any, str, Any], Answer]

# Rules by action name, and by action prefix ("read_document:<name>").
RULES: dict[str, Rule] = {}
PREFIX_RULES: dict[str, Rule] = {}


def deny(message, status: int, code: str) -> tuple[bool, Denial]:
    return False, Denial(str(message), status, code)


def rule(*actions: str) -> Callable[[Rule], Rule]:
    """Register `fn(user, action, obj) -> (allowed, reason)` as the rule of these actions."""
    def register(fn: Rule) -> Rule:
        for action in actions:
            assert RULES.setdefault(action, fn) is fn, f"two rules for {action}"
        return fn
    return register


def prefix_rule(prefix: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        assert PREFIX_RULES.setdefault(prefix, fn) is fn, f"two rules for {prefix}"
        return fn
    return register


# --- who acts on a subject ------------------------------------------------------------------------

@dataclass(frozen=True)
class Membership:
    """Acting in the roles one has on the subject's team: rows of `model` (`user_id`, `role`) whose
    `subject_column` is the subject's id, reached in Python through the subject's `relation`. Only
    roles the user still holds count."""

    model: type
    subject_column: str
    relation: str

    def roles(self, user, subject) -> set[str]:
        return {row.role for row in getattr(subject, self.relation)
                if row.user_id == user.id and row.role in user.roles}

    def sql(self, user, subject_id):
        return exists().where(getattr(self.model, self.subject_column) == subject_id, self.model.user_id == user.id,
                              self.model.role.in_(sorted(user.roles)))


@dataclass(frozen=True)
class AgencyRole:
    """Acting as `role` on every subject whose `agency_column` is the user's agency (a centre's
    supervisors on its cases)."""

    role: str
    agency_column: str

    def roles(self, user, subject) -> set[str]:
        return {self.role} if self.role in user.roles and getattr(subject, self.agency_column) == user.agency_id \
            else set()

    def sql(self, user, model):
        return getattr(model, self.agency_column) == user.agency_id if self.role in user.roles else false()


@dataclass(frozen=True)
class Visibility:
    """Who acts on the rows of `model`, written once: `acting_roles` answers for one row in Python,
    `sql` is the same rule as a condition for lists and counts."""

    model: type
    membership: Membership
    agency_roles: tuple[AgencyRole, ...] = ()

    def acting_roles(self, user, subject) -> set[str]:
        roles = self.membership.roles(user, subject)
        for clause in self.agency_roles:
            roles |= clause.roles(user, subject)
        return roles

    def sql(self, user):
        return or_(self.membership.sql(user, self.model.id), *(c.sql(user, self.model) for c in self.agency_roles))


@dataclass(frozen=True)
class SubjectAccess:
    """How users act on the subjects of one process, and what a refusal says about them."""

    acting_roles: Callable[[Any, Any], set[str]]
    not_found: str  # lazy string: a stranger must not learn that the subject exists
    not_acting: str  # lazy string with %(roles)s: the user holds the role but not on this subject


SUBJECTS: dict[str, SubjectAccess] = {}


def subject(process_name: str, access: SubjectAccess) -> None:
    assert SUBJECTS.setdefault(process_name, access) is access, f"two subject rules for {process_name}"


def acting_roles(user, subject) -> set[str]:
    """The roles in which `user` acts on a case or aid application."""
    return SUBJECTS[subject.process_name].acting_roles(user, subject)


class Reader(Protocol):
    """A clause that lets users read subjects they do not act on (a live break-the-glass grant):
    `roles(user, subject)` are the roles in which `user` reads `subject` (empty: not at all)."""

    def roles(self, user, subject) -> set[str]: ...


# Further readers by process name: they widen `view` and `see_compartment`, never the triggers
# (`_fire` and the actions offered ask `acting_roles`), so whoever reads through one acts on nothing.
READERS: dict[str, list[Reader]] = {}


def reader(process_name: str, clause: Reader) -> None:
    """Register `clause` as a further reader of the subjects of `process_name`."""
    clauses = READERS.setdefault(process_name, [])
    assert clause not in clauses, f"reader registered twice for {process_name}"
    clauses.append(clause)


def reading_roles(user, subject) -> set[str]:
    """The roles in which `user` reads a case or aid application without acting on it (through a
    registered reader, e.g. break-the-glass); the roles they act in are `acting_roles`."""
    roles: set[str] = set()
    for clause in READERS.get(subject.process_name, ()):
        roles |= clause.roles(user, subject)
    return roles


def held_roles(user) -> set[str]:
    """The user's roles and the derived roles they may act in (an aid officer as entrusted verifier)."""
    return set(user.roles) | {derived for derived, base in derived_roles().items() if base in user.roles}


# --- the checks shared by every process ---------------------------------------------------------

def roles_text(roles) -> str:
    return "、".join(str(role_label(r)) for r in roles)


def view(user, subject) -> Answer:
    if subject is None:
        raise ValueError("viewing needs a case or an aid application")
    if acting_roles(user, subject) or reading_roles(user, subject):
        return ALLOWED
    # 404, not 403: a stranger must not learn that the case (or application) exists.
    return deny(SUBJECTS[subject.process_name].not_found, 404, "not_found")


def see_compartment(user, subject, compartment: str) -> Answer:
    readers = process_of(subject).compartments[compartment]
    # Someone who does not act on the subject but reads it (emergency access) reads what a team
    # member of the same roles reads, nothing more.
    roles = acting_roles(user, subject) or reading_roles(user, subject)
    if roles & (set(readers) - {"supervisor"}):
        return ALLOWED
    return deny(_l("This part of the case is restricted to: %(roles)s.", roles=roles_text(readers)),
                403, "forbidden")


def compartments_seen(user, subject) -> dict[str, bool]:
    """Which compartments of a case or aid application `user` reads: the one rule of what its page
    shows, what the API returns and which history entries show what they recorded."""
    return {name: can(user, f"see:{name}", subject)[0] for name in process_of(subject).compartments}


def _fire(user, subject, transition: Transition) -> Answer:
    allowed, reason = view(user, subject)
    if not allowed:
        return allowed, reason
    if transition.automatic:
        return deny(_l("This step is taken by the system when its conditions are met."), 403, "forbidden")
    derived = derived_roles()
    if not user.has_role(*(derived.get(r, r) for r in transition.roles)):
        return deny(_l("Only %(roles)s may do this.", roles=roles_text(transition.roles)), 403, "forbidden")
    if not acting_roles(user, subject) & set(transition.roles):
        return deny(SUBJECTS[subject.process_name].not_acting % {"roles": roles_text(transition.roles)},
                    403, "not_on_team")
    if subject.suspended and not transition.allowed_while_suspended:
        return deny(_l("The case is suspended: %(reason)s", reason=subject.suspend_reason), 409, "suspended")
    if subject.state not in transition.sources:
        state = process_of(subject).by_state[subject.state].label
        return deny(_l("Not possible in the current stage (%(state)s).", state=state), 409, "wrong_state")
    for permit in transition.permits:
        refused = permit(user, subject)
        if refused:
            return deny(refused, 403, "not_permitted")
    for guard in transition.guards:
        unmet = guard(subject)
        if unmet:
            return deny(unmet, 422, "guard_failed")
    return ALLOWED


def can(user, action: str, obj=None) -> Answer:
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return deny(_l("Please log in."), 401, "unauthorized")
    if action in RULES:
        return RULES[action](user, action, obj)
    for prefix, prefixed in PREFIX_RULES.items():
        if action.startswith(prefix):
            return prefixed(user, action, obj)
    if obj is None:
        raise ValueError(f"{action} needs a case or an aid application")
    if action.startswith("see:"):
        allowed, reason = view(user, obj)
        return (allowed, reason) if not allowed else see_compartment(user, obj, action[4:])
    transition = process_of(obj).by_trigger.get(action)
    if transition is None:
        return deny(_l("Unknown action: %(action)s.", action=action), 404, "unknown_trigger")
    return _fire(user, obj, transition)


def require(user, action: str, obj=None) -> None:
    """`can`, for services: a refusal raises its WorkflowError (status and code of the denial)."""
    allowed, reason = can(user, action, obj)
    if not allowed:
        raise WorkflowError.from_denial(reason)


# Called with every row `get_visible` finds, allowed or not (the audit trail notes the case).
FOUND_HOOKS: list[Callable[[Any], None]] = []


def on_found(hook: Callable[[Any], None]) -> Callable[[Any], None]:
    FOUND_HOOKS.append(hook)
    return hook


def get_visible(user, model, object_id: int, action: str, missing: str):
    """The row of `model` if `can(user, action, row)` allows it; NotFound for unknown ids."""
    subject = db.session.get(model, object_id)
    if subject is None:
        raise NotFound(missing)
    for hook in FOUND_HOOKS:
        hook(subject)
    require(user, action, subject)
    return subject
