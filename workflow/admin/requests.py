"""Four-eyes requests: changes to an account that would let someone read case or register data, or
widen what they may approve, wait for a second administrator.

Every role gives access to case or register data or is an auditor's or administrator's (an
administrator could otherwise create a second administrator to approve his own requests), so
adding any role waits; so do raising an aid approver's level (it widens what they may approve),
moving a user to another agency (a supervisor sees the cases of their own centre) and resetting a
second factor (whoever then sets it up again owns the account). Removing roles, lowering a level,
deactivating and other edits take effect at once: they narrow access.

Nobody requests a change of their own account, and a request is decided (approved or rejected) by
an administrator who is neither its requester nor the user it is about; the requester may withdraw
it. The command line (`flask create-user`) applies roles at once: its operator holds the server.

A change that opens data waits, moreover, until the account's owner has set up the second factor,
and its approver is shown when and from where that happened and whether an administrator had
chosen the password before: the approver confirms with the person that they set it up themselves
(else the administrator who knows an account's first password could enrol his own phone).
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from workflow.admin import changes, sessions, signin
from workflow.admin.models import (
    AdminChange,
    AdminRequest,
    Agency,
    LoginAttempt,
    User,
    UserRole,
)
from workflow.core.access import require, roles_text
from workflow.core.errors import Invalid, NotFound, WorkflowError
from workflow.core.extensions import db
from workflow.core.models import utcnow
from workflow.core.roles import aid_level_label

# The form field a request of each kind is about (refusals are shown beside it).
FIELDS = {"roles": "roles", "aid_level": "aid_level", "agency": "agency_id"}
# Requests that open data: approved only once the owner has set up the second factor.
OWNER_ENROLLED_FIRST = ("roles", "aid_level", "agency")


def get_request(request_id: int) -> AdminRequest:
    row = db.session.get(AdminRequest, request_id)
    if row is None:
        raise NotFound(_("No such request."))
    return row


def pending(user: User | None = None) -> list[AdminRequest]:
    """Requests waiting for a decision (of one user's account), oldest first."""
    stmt = select(AdminRequest).where(AdminRequest.state == "pending")
    if user is not None:
        stmt = stmt.where(AdminRequest.user_id == user.id)
    return list(db.session.scalars(stmt.order_by(AdminRequest.requested_at, AdminRequest.id)))


def pending_of(user: User, kind: str) -> AdminRequest | None:
    return db.session.scalar(select(AdminRequest).where(AdminRequest.user_id == user.id, AdminRequest.kind == kind,
                                                        AdminRequest.state == "pending"))


def conflict(user: User, kind: str, change: dict) -> str | None:
    """Why `change` cannot be requested now: another change of the same kind is waiting (the same
    change waiting is no conflict)."""
    waiting = pending_of(user, kind)
    if waiting is None or waiting.change == change:
        return None
    return _("Another change of this kind is waiting for approval (%(change)s): have it decided or withdraw it "
             "first.", change=describe(waiting))


def describe(row: AdminRequest) -> str:
    """What approving the request does, for people."""
    change = row.change or {}
    if row.kind == "roles":
        roles = roles_text(change.get("add", []))
        if change.get("aid_level"):
            return _("Add roles: %(roles)s; aid approval level: %(level)s", roles=roles,
                     level=aid_level_label(change["aid_level"]))
        return _("Add roles: %(roles)s", roles=roles)
    if row.kind == "aid_level":
        return _("Aid approval level: %(old)s → %(new)s", old=aid_level_label(change.get("from_aid_level")),
                 new=aid_level_label(change.get("aid_level")))
    if row.kind == "agency":
        old, new = db.session.get(Agency, change.get("from_agency_id")), db.session.get(Agency, change.get("agency_id"))
        return _("Agency: %(old)s → %(new)s", old=old.name if old else "—", new=new.name if new else "—")
    return _("Reset the second factor: the user sets it up again at the next login; every session and API "
             "token of the user ends.")


def _summary(row: AdminRequest) -> dict:
    return {"kind": row.kind, "user": row.user.username, "change": row.change, "state": row.state}


def open_request(actor: User, user: User, kind: str, change: dict) -> AdminRequest:
    """Ask for a change of `user`'s account (in the caller's transaction; recorded in the admin log).
    The same change already waiting is returned as it is; a different one of the same kind is
    refused beside its field."""
    if actor.id == user.id:
        raise WorkflowError(_("Nobody requests changes of their own account."), status=403, code="four_eyes")
    waiting = pending_of(user, kind)
    if waiting is not None:
        refused = conflict(user, kind, change)
        if refused:
            raise Invalid(refused, {FIELDS.get(kind, kind): [refused]})
        return waiting
    row = AdminRequest(kind=kind, user=user, change=change, requested_by_id=actor.id)
    try:
        with db.session.begin_nested():  # another administrator may have asked a moment ago
            db.session.add(row)
    except IntegrityError:
        raise WorkflowError(_("Another administrator has just asked for a change of this kind; reload the page."),
                            status=409, code="conflict") from None
    changes.record(actor, "request", row.id, "request", None, _summary(row), label=user.username)
    return row


def request_second_factor_reset(actor: User, user: User) -> AdminRequest:
    """Ask for `user`'s second factor to be reset (a second administrator approves it)."""
    require(actor, "manage_users")
    if not user.enrolled:
        raise WorkflowError(_("%(username)s has no second factor to reset.", username=user.username),
                            status=409, code="wrong_state")
    if pending_of(user, "reset_second_factor") is not None:
        raise WorkflowError(_("A reset of this second factor is already waiting for approval."), status=409,
                            code="wrong_state")
    row = open_request(actor, user, "reset_second_factor", {})
    db.session.commit()
    return row


def _claim(row: AdminRequest, state: str, decided_by: User | None) -> None:
    """Move a pending request to `state` by a conditional UPDATE: of two decisions at once only one
    takes effect, the other is a 409."""
    claimed = db.session.execute(
        update(AdminRequest).where(AdminRequest.id == row.id, AdminRequest.state == "pending")
        .values(state=state, decided_by_id=decided_by.id if decided_by is not None else None, decided_at=utcnow())
        .execution_options(synchronize_session="fetch")).rowcount
    if claimed != 1:
        db.session.rollback()
        raise WorkflowError(_("This request has already been decided."), status=409, code="wrong_state")


def _apply(actor: User, row: AdminRequest) -> None:
    user, change = row.user, row.change
    if row.kind == "roles":
        before = {"roles": sorted(user.roles), "aid_level": user.aid_level}
        for role in change["add"]:
            if role not in user.roles:
                user.role_rows.append(UserRole(role=role))
        if "aid_approver" in change["add"] and change.get("aid_level"):
            user.aid_level = change["aid_level"]
        changes.record(actor, "role", user.id, "grant", before,
                       {"roles": sorted(r.role for r in user.role_rows), "aid_level": user.aid_level},
                       label=user.username)
    elif row.kind == "aid_level":
        changes.record(actor, "user", user.id, "update", {"aid_level": user.aid_level},
                       {"aid_level": change["aid_level"]}, label=user.username)
        user.aid_level = change["aid_level"]
    elif row.kind == "agency":
        old, new = user.agency, db.session.get(Agency, change["agency_id"])
        changes.record(actor, "user", user.id, "update", {"agency_id": old.id, "agency": old.name},
                       {"agency_id": new.id, "agency": new.name}, label=user.username)
        user.agency = new
    else:
        before = {"second_factor": "set up" if user.enrolled else "none", **sessions.access_counts(user)}
        signin.reset_second_factor(user)
        changes.record(actor, "user", user.id, "reset_second_factor", before,
                       {"second_factor": "none", "open_sessions": 0, "api_tokens": 0}, label=user.username)


def password_set_by_admin(user: User) -> AdminChange | None:
    """The latest admin-log row in which an administrator (not the command line) chose the user's
    password: creating the account, or setting a new one."""
    rows = db.session.scalars(select(AdminChange).where(AdminChange.object_type == "user",
                                                        AdminChange.object_id == str(user.id),
                                                        AdminChange.actor_id.is_not(None))
                              .order_by(AdminChange.id.desc()))
    return next((r for r in rows if (r.after or {}).get("password") in ("set", "changed")), None)


def enrolment_facts(row: AdminRequest) -> dict | None:
    """What the approver of a change that opens data checks with the person concerned: when and from
    where the second factor was set up, and whether an administrator chose the password before
    (then that administrator could have set it up on his own phone)."""
    if row.kind not in OWNER_ENROLLED_FIRST or not row.user.enrolled:
        return None
    user = row.user
    enrolled = db.session.scalar(select(LoginAttempt).where(LoginAttempt.user_id == user.id,
                                                            LoginAttempt.outcome == "enrolled")
                                 .order_by(LoginAttempt.id.desc()).limit(1))
    chosen = password_set_by_admin(user)
    return {"enrolled_at": user.otp_confirmed_at, "address": enrolled.address if enrolled else "",
            "password_by": chosen.actor if chosen is not None and chosen.at <= user.otp_confirmed_at else None}


def _still_applicable(row: AdminRequest) -> None:
    if row.kind in OWNER_ENROLLED_FIRST and not row.user.enrolled:
        raise WorkflowError(_("%(username)s has not set up the second factor yet. Approve once they have logged in "
                              "and you have confirmed with them that they set it up themselves.",
                              username=row.user.username), status=409, code="not_enrolled")
    if row.kind == "aid_level" and "aid_approver" not in row.user.roles:
        raise WorkflowError(_("%(username)s is no longer an aid approver: reject this request.",
                              username=row.user.username), status=409, code="wrong_state")
    if row.kind == "agency" and db.session.get(Agency, row.change["agency_id"]) is None:
        raise WorkflowError(_("The agency of this request no longer exists: reject it."), status=409,
                            code="wrong_state")


def decide(actor: User, row: AdminRequest, approve: bool) -> AdminRequest:
    """A second administrator's decision; an approval puts the change into force at once."""
    require(actor, "decide_admin_request", row)
    if row.state != "pending":
        raise WorkflowError(_("This request has already been decided."), status=409, code="wrong_state")
    if approve:
        _still_applicable(row)
    _claim(row, "approved" if approve else "rejected", actor)
    if approve:
        _apply(actor, row)
    changes.record(actor, "request", row.id, "approve" if approve else "reject", {"state": "pending"},
                   _summary(row), label=row.user.username)
    db.session.commit()
    return row


def withdraw(actor: User, row: AdminRequest) -> AdminRequest:
    """The requester takes a waiting request back."""
    require(actor, "withdraw_admin_request", row)
    _claim(row, "withdrawn", None)
    changes.record(actor, "request", row.id, "withdraw", {"state": "pending"}, _summary(row), label=row.user.username)
    db.session.commit()
    return row
