"""Breaking the glass and reviewing its uses. Each service is one transaction.

`break_glass` records the grant (its reason sealed), an entry in the case's history and a notice to
each supervisor of the case's centre, in one commit. The grant lasts `break_glass_minutes`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from workflow.admin.models import User
from workflow.admin.users import active_holders
from workflow.audit import trail
from workflow.cases.models import Case
from workflow.core import settings
from workflow.core.access import can, require
from workflow.core.errors import Invalid, NotFound, WorkflowError
from workflow.core.extensions import db
from workflow.core.forms import form_errors
from workflow.core.models import MAX_ID, Event, utcnow
from workflow.core.sealing import seal, unseal
from workflow.emergency.labels import EMERGENCY_DECISIONS
from workflow.emergency.models import EmergencyAccess
from workflow.emergency.permissions import case_not_found, emergency_roles
from workflow.inbox.notifications import notify_about_case

# How long one emergency access lasts.
settings.declare(break_glass_minutes=60)

REASON_PURPOSE = "emergency_access.reason"
NOTE_PURPOSE = "emergency_access.review_note"
# The case history's entry of a use (labelled in workflow/cases/history.py).
EVENT_ACTION = "break_glass"
NOTICE_KIND = "break_glass"
# Confirmed uses the review list keeps showing (pending and flagged ones always show).
CONFIRMED_SHOWN = 50


class AlreadyOpen(WorkflowError):
    """No emergency access is needed: the user reads the case already (on its team, its
    supervisor, or through a grant that still lasts). `case_id` says which case."""

    status = 409

    def __init__(self, message: str, code: str, case_id: int) -> None:
        super().__init__(message, code=code)
        self.case_id = case_id


def find_case(text: str) -> Case | None:
    """The case by its number (C2026-0007) or, when only digits are given, by its id."""
    text = (text or "").strip().upper()
    if not text:
        return None
    case = db.session.scalar(select(Case).where(Case.number == text))
    if case is None and text.isascii() and text.isdigit() and int(text) <= MAX_ID:
        case = db.session.get(Case, int(text))
    return case


def grant_minutes() -> int:
    """How long an emergency access lasts (the setting)."""
    return int(settings.get("break_glass_minutes"))


def break_glass(user: User, form, now: dt.datetime | None = None) -> EmergencyAccess:
    """Open a case in an emergency: the form names the case and gives the reason. An unknown number
    and another centre's case are refused alike (404, same message); a user already on the team,
    or with a live grant, gets 409 and nothing is recorded. (`now`: for the demo data's past uses.)"""
    require(user, "break_glass")
    if not form.validate():
        raise Invalid(_("The submitted data is not valid."), form_errors(form))
    case = find_case(form.case.data)
    allowed, reason = can(user, "break_glass", case) if case is not None else (False, None)
    if case is None or (not allowed and reason.status == 404):
        message = case_not_found()
        raise NotFound(message, {"case": [message]})
    if not allowed:
        raise AlreadyOpen(str(reason), reason.code, case.id)
    now = now or utcnow()
    grant = EmergencyAccess(user_id=user.id, case_id=case.id, roles=sorted(emergency_roles(user)),
                            reason=seal(form.reason.data, REASON_PURPOSE), started_at=now,
                            expires_at=now + dt.timedelta(minutes=grant_minutes()),
                            review_state="pending")
    db.session.add(grant)
    # The append-only history shows the team that someone read the case in an emergency (not why).
    db.session.add(Event(case_id=case.id, actor_id=user.id, action=EVENT_ACTION, case_version=case.version,
                         changes={}, created_at=now))
    notify_about_case(active_holders(case.centre_id, "supervisor"), NOTICE_KIND, case, user, now)
    trail.note(kind="emergency", case_id=case.id)
    db.session.commit()
    return grant


def reason_of(grant: EmergencyAccess) -> str:
    return unseal(grant.reason, REASON_PURPOSE)


def note_of(grant: EmergencyAccess) -> str | None:
    return unseal(grant.review_note, NOTE_PURPOSE) if grant.review_note is not None else None


def my_grants(user: User, limit: int = 20) -> list[EmergencyAccess]:
    """The user's own recent uses (the emergency page lists them, live ones with their case)."""
    return list(db.session.scalars(
        select(EmergencyAccess).where(EmergencyAccess.user_id == user.id).options(joinedload(EmergencyAccess.case))
        .order_by(EmergencyAccess.started_at.desc(), EmergencyAccess.id.desc()).limit(limit)))


@dataclass
class ReviewList:
    pending: list[EmergencyAccess]
    flagged: list[EmergencyAccess]
    confirmed: list[EmergencyAccess]


def review_list(user: User) -> ReviewList:
    """The uses on the reviewing supervisor's centre's cases: every pending and every flagged one,
    and the latest confirmed ones."""
    require(user, "review_break_glass")
    base = (select(EmergencyAccess).join(EmergencyAccess.case).where(Case.centre_id == user.agency_id)
            .options(joinedload(EmergencyAccess.case), joinedload(EmergencyAccess.user),
                     joinedload(EmergencyAccess.reviewed_by)))

    def of(state: str, limit: int | None = None) -> list[EmergencyAccess]:
        stmt = base.where(EmergencyAccess.review_state == state).order_by(EmergencyAccess.started_at.desc(),
                                                                         EmergencyAccess.id.desc())
        return list(db.session.scalars(stmt.limit(limit) if limit else stmt))

    return ReviewList(of("pending"), of("flagged"), of("confirmed", CONFIRMED_SHOWN))


def review(user: User, grant_id: int, form, now: dt.datetime | None = None) -> EmergencyAccess:
    """Confirm or flag one use (once). Flagging ends a grant that still lasts."""
    grant = db.session.get(EmergencyAccess, grant_id)
    if grant is None:
        raise NotFound(_("No such emergency access."))
    require(user, "review_break_glass", grant)
    if not form.validate():
        raise Invalid(_("The submitted data is not valid."), form_errors(form))
    note = (form.note.data or "").strip()
    # Once only, also when two supervisors decide at the same moment: the first decision stands.
    decided = db.session.execute(
        update(EmergencyAccess).where(EmergencyAccess.id == grant.id, EmergencyAccess.review_state == "pending")
        .values(review_state=EMERGENCY_DECISIONS[form.decision.data], reviewed_by_id=user.id,
                reviewed_at=now or utcnow(), review_note=seal(note, NOTE_PURPOSE) if note else None)
        .execution_options(synchronize_session=False)).rowcount
    if not decided:
        db.session.rollback()
        raise WorkflowError(_("This emergency access was reviewed already."), status=409, code="already_reviewed")
    db.session.commit()
    db.session.refresh(grant)
    return grant
