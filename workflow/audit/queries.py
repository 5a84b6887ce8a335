"""Reading the audit trail: the auditors' search (pages, CSV export, API) and, for a case's
supervisors, who has opened that child's file.

The trail names cases and emergency accesses by id and imports neither feature (both import the
trail): their tables are reached through the shared metadata, by name.

A search is itself recorded: its record keeps the filters as ids and times (never what was typed),
and an export also the number of records it holds.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, exists, func, or_, select, type_coerce

from workflow.admin.models import User
from workflow.audit import trail
from workflow.audit.labels import AUDIT_KIND_LABELS, AUDIT_OBJECT_LABELS, AUDIT_OUTCOMES, audit_action_label
from workflow.audit.models import KINDS, AuditRecord
from workflow.core.access import require
from workflow.core.api import BadRequest
from workflow.core.clocks import centre_tz, local, stored
from workflow.core.extensions import db
from workflow.core.models import MAX_ID
from workflow.core.paging import require_page

PER_PAGE = 50
# The most records one CSV holds (the newest of the search); the page says so when a search has more.
EXPORT_LIMIT = 50_000
# The kinds of record that mean someone opened a case's file.
READ_KINDS = ("read", "download", "export", "emergency")
# Requests a page makes for its own parts (the workflow diagram): the page's record counts already.
PAGE_PARTS = ("cases.diagram", "aid.diagram")
FLAGS = {"": False, "0": False, "false": False, "1": True, "true": True, "on": True}


def _table(name: str):
    return db.metadata.tables[name]


# --- the filters ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    """A search of the trail. Times are stored (naive UTC): `since` inclusive, `until` exclusive."""

    user_id: int | None = None
    case_id: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    kind: str | None = None
    action: str | None = None
    outcome: str | None = None
    break_glass: bool = False

    def facts(self) -> dict:
        """What the search's own record keeps: ids, times and names of the vocabulary only."""
        return {key: value.isoformat() if isinstance(value, dt.datetime) else value
                for key, value in asdict(self).items() if value not in (None, False)}


def _moment(text: str, *, end: bool) -> dt.datetime:
    """A date is a whole day in the centre's time zone (`until` takes the day in); a date and time
    with an offset is that moment, one without is UTC, like every time the API returns."""
    if len(text) == 10:
        day = dt.date.fromisoformat(text) + dt.timedelta(days=1 if end else 0)
        return stored(dt.datetime.combine(day, dt.time(), tzinfo=centre_tz()))
    moment = dt.datetime.fromisoformat(text)
    return stored(moment) if moment.tzinfo else moment


def _user_id(username: str) -> int | None:
    return db.session.scalar(select(User.id).where(User.username == username))


def _case_id(text: str) -> int | None:
    """A case by its number (C2026-0007) or its id; an id names a case even once it is gone, the
    trail outliving what it names."""
    cases = _table("cases")
    found = db.session.scalar(select(cases.c.id).where(cases.c.number == text.upper()))
    if found is None and text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
        return int(text)
    return found


def parse_filters(args: Mapping[str, str]) -> Filters:
    """The filters of a query string (`user`, `case`, `since`, `until`, `kind`, `action`, `outcome`,
    `break_glass`); BadRequest (400) naming each bad field."""
    text = {name: (args.get(name) or "").strip() for name in
            ("user", "case", "since", "until", "kind", "action", "outcome", "break_glass")}
    errors: dict[str, list[str]] = {}
    values: dict = {}
    if text["user"]:
        values["user_id"] = _user_id(text["user"])
        if values["user_id"] is None:
            errors["user"] = [_("No user has this username.")]
    if text["case"]:
        values["case_id"] = _case_id(text["case"][:40])
        if values["case_id"] is None:
            errors["case"] = [_("No case has this number.")]
    for name, end in (("since", False), ("until", True)):
        if text[name]:
            try:
                values[name] = _moment(text[name], end=end)
            except (ValueError, OverflowError):
                errors[name] = [_("Give a date (2026-05-01) or a date and time (2026-05-01T08:00:00+08:00).")]
    if values.get("since") and values.get("until") and values["until"] <= values["since"]:
        errors["until"] = [_("The end is before the start.")]
    if text["kind"]:
        values["kind"] = text["kind"]
        if text["kind"] not in KINDS:
            errors["kind"] = [_("Not a valid choice.")]
    if text["outcome"]:
        values["outcome"] = text["outcome"]
        if text["outcome"] not in AUDIT_OUTCOMES:
            errors["outcome"] = [_("Not a valid choice.")]
    if text["action"]:
        values["action"] = text["action"][:80]
    if text["break_glass"].lower() not in FLAGS:
        errors["break_glass"] = [_("Not a valid choice.")]
    values["break_glass"] = FLAGS.get(text["break_glass"].lower(), False)
    if errors:
        raise BadRequest(_("Some filters of the search are not valid."), errors)
    return Filters(**values)


# --- searching ------------------------------------------------------------------------------------

def through_emergency():
    """Whether a record is break-the-glass: breaking it, or a request about the case while the
    user's emergency access to it lasted (a flagged grant ends at its review)."""
    grants = _table("emergency_accesses")
    during = exists().where(
        grants.c.user_id == AuditRecord.user_id, grants.c.case_id == AuditRecord.case_id,
        grants.c.started_at <= AuditRecord.at, grants.c.expires_at > AuditRecord.at,
        or_(grants.c.review_state != "flagged", grants.c.reviewed_at > AuditRecord.at))
    return or_(AuditRecord.kind == "emergency", during)


def _conditions(filters: Filters) -> list:
    where = []
    if filters.user_id is not None:
        where.append(AuditRecord.user_id == filters.user_id)
    if filters.case_id is not None:
        where.append(AuditRecord.case_id == filters.case_id)
    if filters.since is not None:
        where.append(AuditRecord.at >= filters.since)
    if filters.until is not None:
        where.append(AuditRecord.at < filters.until)
    if filters.kind:
        where.append(AuditRecord.kind == filters.kind)
    if filters.action:
        # "api." (a name ending in a dot): every action of that part of the application.
        where.append(AuditRecord.action.startswith(filters.action, autoescape=True) if filters.action.endswith(".")
                     else AuditRecord.action == filters.action)
    if filters.outcome == "refused":
        where.append(AuditRecord.outcome != "allowed")
    elif filters.outcome:
        where.append(AuditRecord.outcome == filters.outcome)
    if filters.break_glass:
        where.append(through_emergency())
    return where


@dataclass(frozen=True)
class Row:
    """A record with what it names: the user, the case number, whether it is break-the-glass."""

    record: AuditRecord
    user_name: str | None
    username: str | None
    case_number: str | None
    break_glass: bool


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / self.per_page), 1)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _rows(filters: Filters, limit: int, offset: int = 0) -> list[Row]:
    cases = _table("cases")
    stmt = (select(AuditRecord, User.full_name, User.username, cases.c.number,
                   type_coerce(through_emergency(), Boolean))
            .outerjoin(User, User.id == AuditRecord.user_id).outerjoin(cases, cases.c.id == AuditRecord.case_id)
            .where(*_conditions(filters)).order_by(AuditRecord.id.desc()).limit(limit).offset(offset))
    return [Row(record, name, username, number, bool(glass))
            for record, name, username, number, glass in db.session.execute(stmt)]


def count(filters: Filters) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditRecord).where(*_conditions(filters)))


def search(user: User, filters: Filters, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """A page of the records matching `filters`, newest first; a page after the last is NotFound."""
    require(user, "audit_view")
    if filters.facts():
        trail.note(filters=filters.facts())
    total = count(filters)
    require_page(page, total, per_page)
    return Page(_rows(filters, per_page, (page - 1) * per_page), total, page, per_page)


# --- the CSV export -------------------------------------------------------------------------------

EXPORT_COLUMNS = (_l("Time"), _l("Name"), _l("Username"), _l("Kind"), _l("Action"), _l("Endpoint"), _l("Object"),
                  _l("Case number"), _l("Case id"), _l("Outcome"), _l("Address"), _l("Session or token"),
                  _l("Break-the-glass"), _l("Details"))
# A cell a spreadsheet would take for a formula (a name typed as "=HYPERLINK(...)").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def object_text(record: AuditRecord) -> str:
    if not record.object_type:
        return ""
    label = AUDIT_OBJECT_LABELS.get(record.object_type, record.object_type)
    return f"{label} {', '.join(map(str, record.object_ids))}".strip()


def _csv_row(row: Row) -> list[str]:
    r = row.record
    cells = (local(r.at).isoformat(sep=" ", timespec="seconds"), row.user_name, row.username,
             AUDIT_KIND_LABELS.get(r.kind, r.kind), audit_action_label(r.action), r.action, object_text(r),
             row.case_number, r.case_id, r.outcome, r.address, r.session_ref, _("yes") if row.break_glass else "",
             json.dumps(r.details, ensure_ascii=False, sort_keys=True) if r.details else "")
    return [_cell(value) for value in cells]


@dataclass(frozen=True)
class Export:
    content: bytes
    count: int
    truncated: bool


def export(user: User, filters: Filters) -> Export:
    """The records of a search as CSV for Excel (UTF-8 with a byte order mark), newest first, at most
    EXPORT_LIMIT of them; the export is recorded with its filters and how many records it holds."""
    require(user, "audit_view")
    rows = _rows(filters, EXPORT_LIMIT + 1)
    truncated = len(rows) > EXPORT_LIMIT
    rows = rows[:EXPORT_LIMIT]
    trail.note(kind="export", count=len(rows), filters=filters.facts(), **({"truncated": True} if truncated else {}))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(column) for column in EXPORT_COLUMNS])
    writer.writerows(_csv_row(row) for row in rows)
    return Export(("\ufeff" + out.getvalue()).encode("utf-8"), len(rows), truncated)


# --- who opened a case ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CaseReader:
    """Someone who opened the case: when first and last, how many times, and how many times they
    broke the glass on it."""

    user: User
    first_at: dt.datetime
    last_at: dt.datetime
    count: int
    break_glass: int


def case_readers(case_id: int) -> list[CaseReader]:
    """Everyone whose allowed reads, downloads, exports or emergency accesses name the case, most
    recent first: one aggregate over the trail (the request being answered is not in it yet)."""
    grants = _table("emergency_accesses")
    used = (select(func.count()).select_from(grants)
            .where(grants.c.case_id == case_id, grants.c.user_id == AuditRecord.user_id).scalar_subquery())
    rows = db.session.execute(
        select(AuditRecord.user_id, func.min(AuditRecord.at), func.max(AuditRecord.at), func.count(), used)
        .where(AuditRecord.case_id == case_id, AuditRecord.kind.in_(READ_KINDS), AuditRecord.outcome == "allowed",
               AuditRecord.user_id.is_not(None), AuditRecord.action.not_in(PAGE_PARTS))
        .group_by(AuditRecord.user_id).order_by(func.max(AuditRecord.at).desc(), AuditRecord.user_id)).all()
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([r[0] for r in rows])))}
    return [CaseReader(users[user_id], first, last, times, glass) for user_id, first, last, times, glass in rows
            if user_id in users]
