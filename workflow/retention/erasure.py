"""What anonymising a case erases, and what it keeps.

Erased, in the case's rows listed in `ERASED`: every sealed column (`workflow.core.sealing.Sealed`
or marked `info={"sealed": ...}`: whatever names, identifies or describes the child, the family,
suspects, people at interviews and hand-overs, or records what was said or found about them), with
the blind indexes that follow them, and the few plain columns that point at a person elsewhere
(recording and judgment references, police and court numbers, payment references); the case's data
key, which leaves its history's recorded values and its documents' data snapshots unreadable for
good (`shred_case_key`); the stored copies of its documents (tombstones stay:
`workflow.documents.destruction`). The incident's suspects and numbers go with the last of its
cases (siblings' cases share them).

Kept, for statistics and for the audit: the case and incident numbers, the child's sex and age band,
the offence, referral source, centre, states and the times of every stage and task, the history's
actions and times, the kinds, dates and risk levels of exams, interviews, psychological records and
visits, assessment scores, aid amounts and the ledger's amounts and dates, referral kinds, agencies
and statuses, the team, and the audit trail. `erased_columns()` lists the erased columns by table.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select

from workflow.aid.models import AidApplication, AidLedgerEntry, AidVerification
from workflow.cases.models import (
    Case,
    Contact,
    CustodyTransfer,
    ForensicExam,
    Incident,
    Injury,
    Interview,
    InterviewAttendee,
    Judgment,
    PsychRecord,
    ReinterviewRequest,
    Sample,
    Suspect,
)
from workflow.core import sealing
from workflow.core.extensions import db
from workflow.documents.destruction import destroy_case_documents
from workflow.emergency.models import EmergencyAccess
from workflow.followup.models import Referral, Visit
from workflow.retention.models import LegalHold

REASON = "retention"


def _exam(attribute: str) -> Callable[[Case], list]:
    return lambda case: list(getattr(case.exam, attribute)) if case.exam is not None else []


def _of_case(model) -> Callable[[Case], list]:
    return lambda case: list(db.session.scalars(select(model).where(model.case_id == case.id)))


@dataclass(frozen=True)
class Erased:
    """The case's rows of `model` (`rows(case)`); erased: their sealed columns and `plain` ones."""

    model: type
    rows: Callable[[Case], Iterable]
    plain: tuple[str, ...] = ()


ERASED: tuple[Erased, ...] = (
    Erased(Case, lambda case: [case]),
    Erased(Contact, lambda case: list(case.contacts)),
    Erased(ForensicExam, lambda case: [case.exam] if case.exam is not None else []),
    Erased(Injury, _exam("injuries")),
    Erased(Sample, _exam("samples")),
    Erased(CustodyTransfer, lambda case: [t for s in _exam("samples")(case) for t in s.transfers]),
    Erased(Interview, lambda case: list(case.interviews), ("av_reference", "prior_reference")),
    Erased(InterviewAttendee, lambda case: [a for i in case.interviews for a in i.attendees]),
    Erased(ReinterviewRequest, lambda case: list(case.reinterview_requests)),
    Erased(PsychRecord, lambda case: list(case.psych_records)),
    Erased(Judgment, _of_case(Judgment), ("number",)),
    Erased(AidApplication, lambda case: list(case.aid_applications)),
    Erased(AidVerification, lambda case: [v for a in case.aid_applications for v in a.verifications]),
    Erased(AidLedgerEntry, lambda case: [e for a in case.aid_applications for e in a.ledger], ("reference",)),
    Erased(Referral, lambda case: list(case.referrals)),
    Erased(Visit, lambda case: list(case.visits)),
    Erased(EmergencyAccess, _of_case(EmergencyAccess)),
    Erased(LegalHold, _of_case(LegalHold)),
)
# The incident's, once all its cases are anonymised.
INCIDENT: tuple[Erased, ...] = (
    Erased(Incident, lambda case: [case.incident], ("police_case_no", "court_case_no")),
    Erased(Suspect, lambda case: list(case.incident.suspects)),
)
# Dates, JSON and ID numbers are erased to NULL; text to "" (CHECKs require some, e.g. a closed
# referral's reason, to be there).
NULLED = frozenset({"cases.child_birth_date", "cases.child_id_number", "aid_applications.meeting"})


def _sealed(model) -> list[tuple[str, object]]:
    """(attribute, column) of the model's sealed columns, except those under the case key (the
    history's and documents' rows are never rewritten: shredding the key erases them)."""
    found = []
    for prop in model.__mapper__.column_attrs:
        column = prop.columns[0]
        if (isinstance(column.type, sealing.Sealed) and not column.type.case_key) or column.info.get("sealed"):
            found.append((prop.key, column))
    return found


def _plain(model, names: tuple[str, ...]) -> list[tuple[str, object]]:
    return [(name, model.__mapper__.column_attrs[name].columns[0]) for name in names]


def columns_of(spec: Erased) -> list[tuple[str, object]]:
    return _sealed(spec.model) + _plain(spec.model, spec.plain)


def erased_columns() -> dict[str, list[str]]:
    """{table: [columns]} that anonymising erases (documentation and tests)."""
    return {spec.model.__tablename__: [column.name for _attr, column in columns_of(spec)]
            for spec in (*ERASED, *INCIDENT)}


def blank(model, column):
    """The erased value of a column that the column and the table's CHECKs accept."""
    if column.info.get("sealed"):  # sealed by hand (bytes): sealed empty text where it is required
        return None if column.nullable else sealing.seal("", column.info["sealed"])
    if f"{model.__tablename__}.{column.name}" in NULLED:
        return None
    return ""


def _erase(specs: Iterable[Erased], case: Case) -> None:
    for spec in specs:
        columns = columns_of(spec)
        for row in spec.rows(case):
            for attribute, column in columns:
                setattr(row, attribute, blank(spec.model, column))


def erase(case: Case, now: dt.datetime) -> int:
    """Erase what the module docstring says, in the caller's transaction; return how many documents'
    copies were destroyed."""
    _erase(ERASED, case)
    if all(other.anonymised_at is not None for other in case.incident.cases if other.id != case.id):
        _erase(INCIDENT, case)
    destroyed = destroy_case_documents(case.id, REASON, now)
    sealing.shred_case_key(case.id)
    return destroyed
