"""The retention job and legal holds. Services own their transactions.

A case is due for anonymisation when it has been in a final state (closed, withdrawn) for
`retention_years` and its child has turned 21 (README, "Retention and legal hold", says why), no
legal hold is live on it, and it is not anonymised yet. `run` takes the due cases in bounded
batches from one indexed range of `cases` (closing time; the day to look again at a case whose child
was under 21 keeps such cases out of the range until then) and anonymises each in its own
transaction (`workflow.retention.erasure`). `dry_run` reports the same cases and changes nothing.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from workflow.admin.models import User
from workflow.audit import trail
from workflow.cases.models import Case
from workflow.core import settings
from workflow.core.access import require
from workflow.core.clocks import local_today
from workflow.core.errors import Invalid, WorkflowError
from workflow.core.extensions import db
from workflow.core.models import utcnow
from workflow.retention import erasure
from workflow.retention.models import LegalHold

# Years after closing (README: the period of archived case files); never before the child is 21.
settings.declare(retention_years=10)
ADULT_AGE = 21
BATCH = 100

log = logging.getLogger(__name__)


class Conflict(WorkflowError):
    status, code = 409, "conflict"


def add_years(day, years: int):
    """`day` (a date or datetime) `years` later (earlier, if negative); 29 February becomes 28."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def adult_on(case: Case) -> dt.date | None:
    """The day the child turns 21 (None once the birth date is erased)."""
    born = case.child_birth_date
    return add_years(born, ADULT_AGE) if born is not None else None


def next_review(adult: dt.date) -> dt.date:
    """When to look again at a case whose child is under 21: the 1 January after the 21st birthday,
    so that the column, which is not sealed, tells no more than the birth year."""
    return dt.date(adult.year + 1, 1, 1)


def live_hold(case: Case) -> LegalHold | None:
    return db.session.scalar(select(LegalHold).where(LegalHold.case_id == case.id, LegalHold.released_at.is_(None)))


def holds_of(case: Case) -> list[LegalHold]:
    """Every hold placed on the case, the newest first."""
    return list(db.session.scalars(select(LegalHold).where(LegalHold.case_id == case.id)
                                   .order_by(LegalHold.placed_at.desc(), LegalHold.id.desc())))


# --- the job -------------------------------------------------------------------------------------

@dataclass
class Report:
    """What a run did (or, dry, would do): cases by id, number and closing time, never a name."""

    at: dt.datetime
    dry_run: bool
    anonymised: list[dict] = field(default_factory=list)
    deferred: list[dict] = field(default_factory=list)  # the child is not 21 yet: looked at again then
    held: list[dict] = field(default_factory=list)  # due, but under a legal hold
    failed: list[dict] = field(default_factory=list)

    def lines(self) -> list[str]:
        verb = "would anonymise" if self.dry_run else "anonymised"
        rows = [f"{verb} {row['number']} (id {row['id']}, closed {row['closed_at']:%Y-%m-%d})"
                for row in self.anonymised]
        rows += [f"not before {row['review_on']}: {row['number']} (id {row['id']}, child under {ADULT_AGE})"
                 for row in self.deferred]
        rows += [f"legal hold: {row['number']} (id {row['id']})" for row in self.held]
        rows += [f"failed: {row['number']} (id {row['id']}): {row['error']}" for row in self.failed]
        return rows

    def __str__(self) -> str:
        verb = "due" if self.dry_run else "anonymised"
        return (f"retention at {self.at:%Y-%m-%dT%H:%M}{' (dry run)' if self.dry_run else ''}: "
                f"{len(self.anonymised)} {verb}, {len(self.deferred)} deferred (child under {ADULT_AGE}), "
                f"{len(self.held)} under legal hold, {len(self.failed)} failed")


def _row(case: Case, **extra) -> dict:
    return {"id": case.id, "number": case.number, "closed_at": case.closed_at, **extra}


def _held():
    return exists().where(LegalHold.case_id == Case.id, LegalHold.released_at.is_(None))


def due(now: dt.datetime):
    """The SQL condition of the due range (the partial index ix_cases_retention_due serves it)."""
    cutoff = add_years(now, -int(settings.get("retention_years")))
    return and_(Case.anonymised_at.is_(None), Case.closed_at.is_not(None), Case.closed_at <= cutoff,
                or_(Case.retention_review_on.is_(None), Case.retention_review_on <= local_today(now)))


def _batches(now: dt.datetime):
    """Due cases without a live hold, BATCH at a time, in closing order (keyset: a case a batch
    leaves in the range, deferred or failed, is not read again by this run)."""
    after: tuple[dt.datetime, int] | None = None
    while True:
        stmt = select(Case).where(due(now), ~_held())
        if after is not None:
            stmt = stmt.where(or_(Case.closed_at > after[0], and_(Case.closed_at == after[0], Case.id > after[1])))
        batch = db.session.scalars(stmt.order_by(Case.closed_at, Case.id).limit(BATCH)).all()
        if not batch:
            return
        after = (batch[-1].closed_at, batch[-1].id)
        yield batch


def run(now: dt.datetime | None = None, dry_run: bool = False) -> Report:
    """One retention run at `now` (naive UTC; default the current time)."""
    now = now or utcnow()
    report = Report(at=now, dry_run=dry_run)
    report.held = [_row(case) for case in db.session.scalars(  # from the few live holds
        select(Case).join(LegalHold, and_(LegalHold.case_id == Case.id, LegalHold.released_at.is_(None)))
        .where(due(now)).order_by(Case.closed_at, Case.id))]
    today = local_today(now)
    for batch in _batches(now):
        for case in batch:
            adult = adult_on(case)
            if adult is not None and adult > today:
                report.deferred.append(_row(case, review_on=next_review(adult)))
                if not dry_run:
                    case.retention_review_on = next_review(adult)
                    db.session.commit()
                continue
            row = _row(case)
            if not dry_run:
                try:
                    anonymise(case, now)
                except Exception as exc:  # one case's failure stops no other; the next run tries again
                    db.session.rollback()
                    if not isinstance(exc, (StaleDataError, IntegrityError)):  # else: another run took it first
                        log.exception("anonymising case %s failed", row["number"])
                    report.failed.append({**row, "error": type(exc).__name__})
                    continue
            report.anonymised.append(row)
        db.session.expire_all()  # the batch's cases are done with: the next batch reads afresh
    if not dry_run:
        log.info("%s", report)
    return report


def anonymise(case: Case, now: dt.datetime) -> None:
    """Erase the case's identities and notes, shred its key, destroy its documents' copies and record
    it in the audit trail, in one transaction (committed here)."""
    case.version += 1  # a concurrent run's anonymisation of the same case fails on the version
    destroyed = erasure.erase(case, now)
    case.anonymised_at = now
    case.retention_review_on = None
    trail.record("retention.anonymise", "system", case_id=case.id, object_type="case", object_ids=[case.id],
                 details={"documents_destroyed": destroyed})
    db.session.commit()


# --- legal holds ---------------------------------------------------------------------------------

def place_hold(user: User, case: Case, reason: str, now: dt.datetime | None = None) -> LegalHold:
    """A supervisor of the case's centre holds the case: it is not anonymised until released."""
    require(user, "place_legal_hold", case)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("Give the reason for the hold."), {"reason": [_("Give the reason for the hold.")]})
    if case.anonymised_at is not None:
        raise Conflict(_("This case was anonymised under retention: there is nothing left to hold."))
    if live_hold(case) is not None:
        raise Conflict(_("This case is already under a legal hold."))
    hold = LegalHold(case_id=case.id, placed_by_id=user.id, placed_at=now or utcnow(), reason=reason)
    db.session.add(hold)
    try:
        db.session.commit()
    except IntegrityError:  # another supervisor placed one at the same moment
        db.session.rollback()
        raise Conflict(_("This case is already under a legal hold.")) from None
    return hold


def release_hold(user: User, case: Case, now: dt.datetime | None = None) -> LegalHold:
    """A supervisor of the case's centre releases the live hold; the case's retention runs again."""
    require(user, "release_legal_hold", case)
    hold = live_hold(case)
    if hold is None:
        raise Conflict(_("This case is not under a legal hold."))
    hold.released_by_id, hold.released_at = user.id, now or utcnow()
    db.session.commit()
    return hold
