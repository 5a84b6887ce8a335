"""The register's services: entry proposals and decisions, inquiries (single and batch), result
notices, manual reviews, re-checks and enumeration alerts. Each service checks `can`, owns its
transaction and commits once; a notice is rendered after the inquiry it reports on is committed.

An employer learns `record`, `no_record` or `pending_review` (a name + birth-date match that a
maintainer decides), never the category or anything else about an entry.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from workflow.admin.models import Agency, User, UserRole
from workflow.audit import trail
from workflow.core import jobs, sealing, settings
from workflow.core.access import get_visible, require
from workflow.core.clocks import local_today
from workflow.core.errors import Invalid, WorkflowError
from workflow.core.extensions import db
from workflow.core.models import Job, utcnow
from workflow.core.paging import require_page
from workflow.documents import operations as documents
from workflow.documents.models import Document
from workflow.registry import definition, entries, identity
from workflow.registry.definition import NoticeSubject
from workflow.registry.models import (
    ID_TYPES,
    RegistryAlert,
    RegistryChange,
    RegistryEntry,
    RegistryInquiry,
    RegistryRecheck,
)

# Per employer: single inquiries per hour, batches per day, rows per batch (the batch limits are
# checked in `screening`).
settings.declare(registry_inquiries_per_hour=200, registry_batches_per_day=10, registry_batch_max_rows=100_000)

log = logging.getLogger(__name__)
INQUIRY_PURPOSE = "registry-inquiry"
NOTICE = "inquiry_notice"
NOTICE_JOB = "registry_notice"
# Enumeration patterns, per employer: this many `no_record` answers in a row (single inquiries of
# the last day); this many ID numbers sharing region and birth date (the first 14 digits: only the
# sequence code differs) among recent inquiries or in one batch; this many ID numbers for one
# name and birth date.
ALERT_MISSES_IN_A_ROW = 50
ALERT_SEQUENTIAL = 3
ALERT_SEQUENTIAL_BATCH = 5
ALERT_IDS_ONE_PERSON = 3
RECENT = 50


class RateLimited(WorkflowError):
    status, code = 429, "rate_limited"


# --- entries -------------------------------------------------------------------------------------

def get_entry(user: User, entry_id: int) -> RegistryEntry:
    return get_visible(user, RegistryEntry, entry_id, "registry_maintain", _("Entry not found."))


def find_entries(user: User, *, id_number: str = "", name: str = "", birth_date: dt.date | None = None,
                 status: str | None = None, limit: int = 50) -> list[RegistryEntry]:
    """Entries by ID number, or by name and birth date (the hashes: nothing else is searchable), or
    the newest ones."""
    require(user, "registry_maintain")
    if id_number or name:
        trail.note(kind="search", search=id_number or name)
    stmt = select(RegistryEntry).order_by(RegistryEntry.id.desc()).limit(limit)
    hasher = identity.Hasher()
    if id_number:
        stmt = stmt.where(RegistryEntry.id_hmac == hasher.id_number(identity.normalise_number(id_number)))
    if name and birth_date:
        stmt = stmt.where(RegistryEntry.name_dob_hmac == hasher.name_dob(name, birth_date))
    if status:
        stmt = stmt.where(RegistryEntry.status == status)
    return list(db.session.scalars(stmt))


def _commit_change(change: RegistryChange) -> RegistryChange:
    try:
        db.session.commit()
    except IntegrityError:  # another open change of the entry won the race
        db.session.rollback()
        raise WorkflowError(_("A change of this entry already awaits a decision."), status=409,
                            code="change_pending") from None
    return change


def propose_entry(user: User, data: dict, reason: str) -> RegistryChange:
    require(user, "registry_maintain")
    return _commit_change(entries.propose_create(user, entries.clean_values(data), reason))


def propose_correction(user: User, entry_id: int, data: dict, reason: str, version) -> RegistryChange:
    entry = get_entry(user, entry_id)
    return _commit_change(entries.propose_correction(user, entry, entries.clean_values(data), reason, version))


def propose_removal(user: User, entry_id: int, reason: str, version) -> RegistryChange:
    entry = get_entry(user, entry_id)
    return _commit_change(entries.propose_removal(user, entry, reason, version))


def open_changes(user: User) -> list[RegistryChange]:
    require(user, "registry_maintain")
    return list(db.session.scalars(select(RegistryChange).where(RegistryChange.status == "open")
                                   .order_by(RegistryChange.id)))


def decide_change(user: User, change_id: int, approve: bool, note: str = "") -> RegistryChange:
    change = get_visible(user, RegistryChange, change_id, "registry_decide", _("Change not found."))
    entries.decide(user, change, approve, note)
    db.session.commit()
    return change


def import_entries(user: User, rows: list[dict], reason: str) -> tuple[int, dict[int, dict]]:
    """Propose an entry per row (each awaiting a second maintainer's approval); rows that fail
    validation are reported by row number and the others imported, in one transaction."""
    require(user, "registry_maintain")
    hasher, errors, count = identity.Hasher(), {}, 0
    for number, row in enumerate(rows, start=1):
        try:
            values = entries.clean_values(row)
        except Invalid as exc:
            errors[number] = exc.fields
            continue
        entries.propose_create(user, values, reason, hasher)
        count += 1
    db.session.commit()
    return count, errors


# --- inquiries -------------------------------------------------------------------------------------

@dataclass
class Applicant:
    """One person an employer asks about, validated."""

    name: str
    id_type: str
    id_number: str
    birth_date: dt.date
    post: str

    def sealed(self) -> bytes:
        return sealing.seal({"name": self.name, "id_type": self.id_type, "id_number": self.id_number,
                             "birth_date": self.birth_date.isoformat()}, INQUIRY_PURPOSE)


def applicant(data: dict) -> Applicant:
    """Raises Invalid with the fields at fault."""
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    if not name or len(name) > 120:
        errors["name"] = [_("Enter the name (at most 120 characters).")]
    id_type = data.get("id_type") or identity.RESIDENT_ID
    if id_type not in ID_TYPES:
        errors["id_type"] = [_("Not a valid choice.")]
    post = (data.get("post") or "").strip()
    if len(post) > 120:
        errors["post"] = [_("At most 120 characters.")]
    number, born = "", None
    try:
        number, born = identity.validate(id_type, data.get("id_number") or "", data.get("birth_date"))
    except identity.IdentityError as exc:
        errors.setdefault(exc.field, []).append(str(exc))
    if errors:
        raise Invalid(_("The inquiry is not valid; see the fields marked."), errors)
    return Applicant(name, id_type, number, born, post)


def person_of(inquiry: RegistryInquiry) -> dict | None:
    return sealing.unseal(inquiry.person, INQUIRY_PURPOSE) if inquiry.person is not None else None


def _answer(id_hmac: str, name_dob_hmac: str, today: dt.date) -> tuple[str, int | None]:
    by_id = entries.match_ids([id_hmac], today)
    if by_id:
        return "record", by_id[id_hmac]
    by_name = entries.match_names([name_dob_hmac], today)
    if by_name:
        return "pending_review", by_name[name_dob_hmac]
    return "no_record", None


def _check_rate(user: User, now: dt.datetime) -> None:
    limit = int(settings.get("registry_inquiries_per_hour"))
    asked = db.session.scalar(select(func.count()).select_from(RegistryInquiry).where(
        RegistryInquiry.agency_id == user.agency_id, RegistryInquiry.job_id.is_(None),
        RegistryInquiry.created_at > now - dt.timedelta(hours=1)))
    if asked >= limit:
        raise RateLimited(_("Your organisation has made %(count)d inquiries in the last hour, the most allowed. "
                            "Please wait, or submit a batch.", count=limit))


def inquire(user: User, data: dict, consent: bool) -> RegistryInquiry:
    """One inquiry: validated, rate-limited, answered, logged (with any alert) and committed; a
    `record` answer's result notice is issued once the inquiry is committed."""
    require(user, "registry_inquire")
    if not consent:
        message = _("Confirm that you hold the person's written consent to this inquiry.")
        raise Invalid(message, {"consent": [message]})
    person = applicant(data)
    now = utcnow()
    _check_rate(user, now)
    hasher = identity.Hasher()
    id_hmac, nd_hmac = hasher.id_number(person.id_number), hasher.name_dob(person.name, person.birth_date)
    result, entry_id = _answer(id_hmac, nd_hmac, local_today(now))
    inquiry = RegistryInquiry(agency_id=user.agency_id, user_id=user.id, id_hmac=id_hmac, name_dob_hmac=nd_hmac,
                              person=person.sealed(), post=person.post, consent=True, result=result,
                              entry_id=entry_id, created_at=now)
    db.session.add(inquiry)
    db.session.flush()
    _watch_single(user.agency_id, now)
    trail.note(kind="search", object_type="registry_inquiry", object_ids=[inquiry.id], search=person.id_number)
    db.session.commit()
    if result == "record":
        _queue_notice(user, inquiry)
    return inquiry


def _queue_notice(user: User, inquiry: RegistryInquiry) -> None:
    """Issue the notice in the background, so the answer does not wait for the PDF; should that
    fail, the answer stands and the notice is issued when first opened."""
    try:
        jobs.submit(NOTICE_JOB, user, {"inquiry_id": inquiry.id}, total=1)
    except WorkflowError:
        log.exception("result notice of inquiry %s not queued", inquiry.id)


@jobs.handler(NOTICE_JOB)
def _notice_job(job: Job, progress) -> dict:  # noqa: ARG001 - one unit: progress is the result
    return {"document": issue_notice(db.session.get(RegistryInquiry, job.params["inquiry_id"])).id}


def get_inquiry(user: User, inquiry_id: int) -> RegistryInquiry:
    return get_visible(user, RegistryInquiry, inquiry_id, "registry_view_inquiry", _("Inquiry not found."))


def _newest_first(stmt, page: int, per_page: int) -> tuple[list[RegistryInquiry], int]:
    """One page of the inquiries `stmt` selects, newest first, and their total."""
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    require_page(page, total, per_page)
    rows = db.session.scalars(stmt.order_by(RegistryInquiry.id.desc()).limit(per_page).offset((page - 1) * per_page))
    return list(rows), total


def inquiries_of(user: User, *, page: int = 1, per_page: int = 50, job_id: int | None = None):
    """The employer's own inquiries, newest first: (rows, total)."""
    require(user, "registry_inquire")
    stmt = select(RegistryInquiry).where(RegistryInquiry.agency_id == user.agency_id)
    if job_id is not None:
        stmt = stmt.where(RegistryInquiry.job_id == job_id)
    return _newest_first(stmt, page, per_page)


def inquiry_log(user: User, *, agency_id: int | None = None, page: int = 1, per_page: int = 100):
    """Every inquiry (who, which employer, when, post, result), newest first: (rows, total)."""
    require(user, "registry_log")
    stmt = select(RegistryInquiry)
    if agency_id:
        stmt = stmt.where(RegistryInquiry.agency_id == agency_id)
    return _newest_first(stmt, page, per_page)


# --- result notices ----------------------------------------------------------------------------------

def inquiry_number(inquiry: RegistryInquiry) -> str:
    return f"{inquiry.created_at.year}-{inquiry.id:07d}"


def register_agency() -> Agency:
    """The agency that answers inquiries and signs their notices."""
    name = current_app.config["REGISTRY_AGENCY"]
    if name:
        agency = db.session.scalar(select(Agency).where(Agency.name == name))
    else:
        agency = db.session.scalar(select(Agency).join(User, User.agency_id == Agency.id)
                                   .join(UserRole, UserRole.user_id == User.id)
                                   .where(UserRole.role == "registry_maintainer").order_by(User.id).limit(1))
    if agency is None:
        raise WorkflowError(_("No agency keeps the register yet (set ONESTOP_REGISTRY_AGENCY or add a registry "
                              "maintainer)."), status=503, code="unavailable")
    return agency


def _notice_key(inquiry: RegistryInquiry) -> tuple[str, str]:
    issued_key = f"inquiry:{inquiry.id}/{NOTICE}/-"
    return issued_key, f"{issued_key}/partner_agency"


def current_notice(inquiry: RegistryInquiry) -> Document | None:
    """The newest notice of the inquiry, if it states the inquiry's present result."""
    document = db.session.scalar(select(Document).where(Document.inquiry_id == inquiry.id)
                                 .order_by(Document.version.desc()).limit(1))
    if document is None or documents.snapshot_of(document)["inquiry"]["record"] != (inquiry.result == "record"):
        return None
    return document


def issue_notice(inquiry: RegistryInquiry) -> Document:
    """The notice stating the inquiry's result: the current one, or a new version (same number)
    when a review or re-check changed the result since. Commits. A background issuance of the same
    notice may commit first (then its version is taken, and this one counts again)."""
    if inquiry.result == "pending_review":
        raise WorkflowError(_("The result is under manual review; the notice follows the decision."),
                            status=409, code="wrong_state")
    if inquiry.person is None:
        raise WorkflowError(_("Rows of a batch without a record have no notice; the batch's result file is "
                              "their answer."), status=409, code="wrong_state")
    spec = next(d for d in definition.REGISTRY_DOCUMENTS if d.name == NOTICE)
    issued_key, key = _notice_key(inquiry)
    for _attempt in range(3):
        document = current_notice(inquiry)
        if document is not None:
            return document
        person = person_of(inquiry)
        subject = NoticeSubject(inquiry_number(inquiry), person["name"], person["id_number"], inquiry.post,
                                inquiry.agency.name, inquiry.created_at, inquiry.result)
        document = documents.issue_version(spec, subject, None, "partner_agency", register_agency(), key=key,
                                           issued_key=issued_key, final=True, user=None, sealed=True,
                                           inquiry_id=inquiry.id)
        try:
            documents.commit_issued()
            return document
        except documents.Conflict:
            continue
    raise documents.Conflict(_("This document was generated by someone else at the same moment; try again."))


def notice_for(user: User, inquiry_id: int) -> tuple[Document, bytes]:
    inquiry = get_inquiry(user, inquiry_id)
    document = issue_notice(inquiry)
    return document, documents.pdf_bytes(document)


# --- manual review and re-check --------------------------------------------------------------------------

def reviews(user: User) -> list[RegistryInquiry]:
    require(user, "registry_maintain")
    return list(db.session.scalars(select(RegistryInquiry).where(RegistryInquiry.result == "pending_review")
                                   .order_by(RegistryInquiry.id)))


def candidates(user: User, inquiry: RegistryInquiry) -> list[RegistryEntry]:
    """Entries in force with the inquiry's name and birth date (what a reviewer compares)."""
    require(user, "registry_maintain")
    return list(db.session.scalars(select(RegistryEntry).where(
        RegistryEntry.name_dob_hmac == inquiry.name_dob_hmac, entries.in_force(local_today()))))


def resolve_review(user: User, inquiry_id: int, result: str) -> RegistryInquiry:
    """A maintainer's answer to a name + birth-date match: the same person (`record`) or not."""
    inquiry = get_visible(user, RegistryInquiry, inquiry_id, "registry_review", _("Inquiry not found."))
    if result not in ("record", "no_record"):
        raise Invalid(_("Choose record or no record."), {"result": [_("Not a valid choice.")]})
    inquiry.result, inquiry.reviewed_by_id, inquiry.reviewed_at = result, user.id, utcnow()
    if result == "no_record":
        inquiry.entry_id = None
    db.session.commit()
    if result == "record":
        _queue_notice(user, inquiry)
    return inquiry


def request_recheck(user: User, inquiry_id: int, reason: str) -> RegistryRecheck:
    inquiry = get_inquiry(user, inquiry_id)
    require(user, "registry_recheck", inquiry)
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        message = _("Say why the result should be re-checked (at most 2,000 characters).")
        raise Invalid(message, {"reason": [message]})
    recheck = RegistryRecheck(inquiry=inquiry, reason=reason, requested_by_id=user.id)
    db.session.add(recheck)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise WorkflowError(_("A re-check of this inquiry was already requested."), status=409,
                            code="wrong_state") from None
    return recheck


def open_rechecks(user: User) -> list[RegistryRecheck]:
    require(user, "registry_maintain")
    return list(db.session.scalars(select(RegistryRecheck).where(RegistryRecheck.status == "open")
                                   .order_by(RegistryRecheck.id)))


def resolve_recheck(user: User, recheck_id: int, outcome: str, resolution: str) -> RegistryRecheck:
    """`upheld`: the record stands; `corrected`: the answer becomes `no_record`, once the entry's
    correction or removal (proposed by one maintainer, approved by another) has taken effect."""
    recheck = get_visible(user, RegistryRecheck, recheck_id, "registry_resolve", _("Re-check not found."))
    errors = {}
    if outcome not in ("upheld", "corrected"):
        errors["outcome"] = [_("Not a valid choice.")]
    resolution = (resolution or "").strip()
    if not resolution or len(resolution) > 2000:
        errors["resolution"] = [_("Write the reply to the employer (at most 2,000 characters).")]
    if errors:
        raise Invalid(_("The reply is not valid; see the fields marked."), errors)
    if outcome == "corrected" and _answer(recheck.inquiry.id_hmac, recheck.inquiry.name_dob_hmac,
                                          local_today())[0] == "record":
        # One maintainer must not clear a hit alone: the entry is corrected or removed first,
        # through a change that a second maintainer approves.
        raise WorkflowError(_("The register still holds a record for this person. Correct or remove the entry "
                              "first (a second maintainer approves it), then resolve the re-check."),
                            status=409, code="still_recorded")
    recheck.status, recheck.resolution, recheck.resolved_by_id, recheck.resolved_at = (
        outcome, resolution, user.id, utcnow())
    if outcome == "corrected":
        recheck.inquiry.result, recheck.inquiry.entry_id = "no_record", None
    db.session.commit()
    if outcome == "corrected":
        _queue_notice(user, recheck.inquiry)
    return recheck


# --- enumeration alerts ----------------------------------------------------------------------------------

def raise_alert(agency_id: int, kind: str, detail: dict, now: dt.datetime) -> None:
    """One alert per employer, kind and day; later sightings that day only update its detail."""
    day = local_today(now)
    existing = db.session.scalar(select(RegistryAlert).where(
        RegistryAlert.agency_id == agency_id, RegistryAlert.kind == kind, RegistryAlert.day == day))
    if existing is not None:
        existing.detail = {**detail, "seen": existing.detail.get("seen", 1) + 1}
        return
    try:
        with db.session.begin_nested():
            db.session.add(RegistryAlert(agency_id=agency_id, kind=kind, day=day, detail={**detail, "seen": 1},
                                         created_at=now))
    except IntegrityError:  # raised by a concurrent inquiry of the same employer
        pass
    log.warning("register alert %s for agency %s: %s", kind, agency_id, detail)


def sequential_groups(numbers: list[str]) -> int:
    """The largest number of resident ID numbers sharing region and birth date (the first 14
    digits): people hired together rarely do, an enumeration of sequence codes always does."""
    counts: dict[str, set[str]] = {}
    for number in numbers:
        if len(number) == 18:
            counts.setdefault(number[:14], set()).add(number)
    return max((len(group) for group in counts.values()), default=0)


def most_ids_for_one_person(pairs: list[tuple[str, str]]) -> int:
    """The most distinct ID-number hashes asked for one name + birth-date hash."""
    ids: dict[str, set[str]] = {}
    for name_dob, id_hmac in pairs:
        ids.setdefault(name_dob, set()).add(id_hmac)
    return max((len(v) for v in ids.values()), default=0)


def _watch_single(agency_id: int, now: dt.datetime) -> None:
    recent = db.session.execute(select(
        RegistryInquiry.id, RegistryInquiry.result, RegistryInquiry.person, RegistryInquiry.id_hmac,
        RegistryInquiry.name_dob_hmac).where(
        RegistryInquiry.agency_id == agency_id, RegistryInquiry.job_id.is_(None),
        RegistryInquiry.created_at > now - dt.timedelta(days=1)).order_by(RegistryInquiry.id.desc())
        .limit(max(RECENT, ALERT_MISSES_IN_A_ROW))).all()
    misses = 0
    for inquiry in recent:
        if inquiry.result != "no_record":
            break
        misses += 1
    if misses >= ALERT_MISSES_IN_A_ROW:
        raise_alert(agency_id, "misses_in_a_row", {"count": misses, "last_inquiry": recent[0].id}, now)
    window = recent[:RECENT]
    numbers = [sealing.unseal(i.person, INQUIRY_PURPOSE)["id_number"] for i in window if i.person is not None]
    group = sequential_groups(numbers)
    if group >= ALERT_SEQUENTIAL:
        raise_alert(agency_id, "sequential_ids", {"count": group, "last_inquiry": recent[0].id}, now)
    most = most_ids_for_one_person([(i.name_dob_hmac, i.id_hmac) for i in window])
    if most >= ALERT_IDS_ONE_PERSON:
        raise_alert(agency_id, "many_ids_one_person", {"count": most, "last_inquiry": recent[0].id}, now)


def alerts(user: User, *, include_acknowledged: bool = False) -> list[RegistryAlert]:
    require(user, "registry_maintain")
    stmt = select(RegistryAlert).order_by(RegistryAlert.id.desc())
    if not include_acknowledged:
        stmt = stmt.where(RegistryAlert.acknowledged_at.is_(None))
    return list(db.session.scalars(stmt))


def acknowledge_alert(user: User, alert_id: int) -> RegistryAlert:
    alert = get_visible(user, RegistryAlert, alert_id, "registry_maintain", _("Alert not found."))
    if alert.acknowledged_at is None:
        alert.acknowledged_by_id, alert.acknowledged_at = user.id, utcnow()
        db.session.commit()
    return alert


def maintainer_counts(user: User) -> dict[str, int]:
    """What awaits maintainers: open changes, reviews, re-checks and alerts."""
    require(user, "registry_maintain")
    count = lambda model, *where: db.session.scalar(select(func.count()).select_from(model).where(*where))  # noqa: E731
    return {"changes": count(RegistryChange, RegistryChange.status == "open"),
            "reviews": count(RegistryInquiry, RegistryInquiry.result == "pending_review"),
            "rechecks": count(RegistryRecheck, RegistryRecheck.status == "open"),
            "alerts": count(RegistryAlert, RegistryAlert.acknowledged_at.is_(None))}


def batch_jobs(user: User, limit: int = 20) -> list[Job]:
    require(user, "registry_inquire")
    return list(db.session.scalars(select(Job).where(Job.owner_id == user.id, Job.kind == "registry_batch")
                                   .order_by(Job.id.desc()).limit(limit)))
