"""Batch screening: an employer's CSV of applicants or staff (hiring rounds, the yearly re-screening)
answered row by row in a background job.

The upload is sealed as it is stored and deleted once screened. Rows that fail validation are
reported with their reason and the others answered: every answered row is a logged inquiry. The
result CSV (row, name, masked ID number, post, result, inquiry id, error) is sealed too and
readable by the submitting user alone.

Speed: each row is validated and hashed in Python, matched against the entries in force in chunks
of indexed IN lookups, and logged with multi-row INSERTs; a person is sealed only for the rows that
need one later (not `no_record`).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import secrets

from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from workflow.admin.models import User
from workflow.audit import trail
from workflow.core import identity as core_identity
from workflow.core import jobs, settings
from workflow.core.access import require
from workflow.core.clocks import local_today
from workflow.core.errors import Invalid, NotFound
from workflow.core.extensions import db
from workflow.core.models import Job, utcnow
from workflow.documents.operations import get_job
from workflow.documents.store import SEALED, document_store
from workflow.registry import entries
from workflow.registry import identity as registry_identity
from workflow.registry.models import RegistryInquiry
from workflow.registry.operations import (
    ALERT_IDS_ONE_PERSON,
    ALERT_SEQUENTIAL_BATCH,
    Applicant,
    RateLimited,
    applicant,
    most_ids_for_one_person,
    raise_alert,
    sequential_groups,
)

KIND = "registry_batch"
# Accepted column headers (English codes, or the Chinese headings of the downloadable template).
HEADERS = {
    "name": ("name", "姓名"),
    "id_number": ("id_number", "证件号码", "身份证号", "身份证号码", "证件号"),
    "id_type": ("id_type", "证件类型"),
    "birth_date": ("birth_date", "出生日期"),
    "post": ("post", "岗位", "拟任岗位"),
}
ID_TYPE_NAMES = {"居民身份证": "resident_id", "身份证": "resident_id", "护照": "passport",
                 "港澳居民来往内地通行证": "hk_macao_permit", "台湾居民来往大陆通行证": "taiwan_permit",
                 "外国人永久居留身份证": "foreign_permanent_resident", "其他": "other"}
RESULT_COLUMNS = ("row", "name", "id_number", "post", "result", "inquiry_id", "error")
TEMPLATE = "姓名,证件类型,证件号码,出生日期,岗位\r\n"
INSERT_CHUNK = 5000


def decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else GB 18030 (what spreadsheet software saves Chinese CSV as)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    message = _("The file is not UTF-8 or GB 18030 text; save it as CSV.")
    raise Invalid(message, {"file": [message]})


def columns_of(header: list[str]) -> dict[str, int]:
    found = {}
    cleaned = [h.strip().lower() for h in header]
    for field, names in HEADERS.items():
        for index, heading in enumerate(cleaned):
            if heading in names:
                found[field] = index
                break
    missing = [HEADERS[f][1] for f in ("name", "id_number") if f not in found]
    if missing:
        message = _("The first row must name the columns; missing: %(columns)s.", columns="、".join(missing))
        raise Invalid(message, {"file": [message]})
    return found


def parse_day(raw: str) -> dt.date | None:
    """A day as spreadsheets write it (2026-01-31, 2026/1/31, 2026.01.31, 20260131); None when blank,
    ValueError when it is not a day."""
    raw = raw.strip().replace("/", "-").replace(".", "-")
    if not raw:
        return None
    if raw.isdigit() and len(raw) == 8:
        raw = f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"
    year, month, day = (int(part) for part in raw.split("-"))  # ValueError unless three numbers
    return dt.date(year, month, day)


def _birth_date(raw: str) -> dt.date | None:
    try:
        return parse_day(raw)
    except ValueError:
        raise Invalid(_("Not a date (YYYY-MM-DD)."), {"birth_date": [_("Not a date (YYYY-MM-DD).")]}) from None


def _row_applicant(row: list[str], columns: dict[str, int]) -> Applicant:
    def cell(field: str) -> str:
        index = columns.get(field)
        return row[index].strip() if index is not None and index < len(row) else ""

    id_type = cell("id_type")
    id_type = ID_TYPE_NAMES.get(id_type, id_type) or registry_identity.RESIDENT_ID
    return applicant({"name": cell("name"), "id_type": id_type, "id_number": cell("id_number"),
                      "birth_date": _birth_date(cell("birth_date")), "post": cell("post")})


def _rows(text: str) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    # newline="": the csv module handles every line ending itself (old spreadsheets write bare CRs).
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            message = _("The file is empty.")
            raise Invalid(message, {"file": [message]})
        columns = columns_of(header)
        # A row counts when any cell has more than white space (one join and strip: this runs twice per row).
        return columns, [(number, row) for number, row in enumerate(reader, start=1) if "".join(row).strip()]
    except csv.Error as exc:
        message = _("The file is not a valid CSV file (line %(line)d).", line=reader.line_num)
        raise Invalid(message, {"file": [message]}) from exc


def submit_batch(user: User, content: bytes, consent: bool) -> Job:
    """Check the file's shape and the employer's quota, store it sealed, and queue the screening."""
    require(user, "registry_inquire")
    if not consent:
        message = _("Confirm that you hold the written consent of every person in the file.")
        raise Invalid(message, {"consent": [message]})
    _columns, rows = _rows(decode(content))
    limit = int(settings.get("registry_batch_max_rows"))
    if not rows or len(rows) > limit:
        message = _("A batch has 1 to %(limit)d rows besides the header; this file has %(count)d.",
                    limit=limit, count=len(rows))
        raise Invalid(message, {"file": [message]})
    since = utcnow() - dt.timedelta(days=1)
    batches = db.session.scalar(select(func.count()).select_from(Job).join(User, User.id == Job.owner_id).where(
        Job.kind == KIND, User.agency_id == user.agency_id, Job.created_at > since,
        (Job.status != "failed") | (Job.done > 0)))  # a batch that failed after asking counts
    if batches >= int(settings.get("registry_batches_per_day")):
        raise RateLimited(_("Your organisation has submitted %(count)d batches in the last 24 hours, the most "
                            "allowed.", count=batches))
    key = f"{SEALED}{secrets.token_hex(16)}.bin"
    document_store().put(key, content)
    return jobs.submit(KIND, user, {"upload": key, "agency_id": user.agency_id}, total=len(rows))


@jobs.handler(KIND)
def _screen(job: Job, progress) -> dict:
    """Screen the upload, then delete it; a failed screening deletes it too (the rows answered before
    the failure stay logged, and the job's progress says how many)."""
    try:
        return _screen_rows(job, progress)
    except Exception:
        db.session.rollback()
        document_store().delete(job.params["upload"])
        db.session.commit()
        raise


def _screen_rows(job: Job, progress) -> dict:
    store = document_store()
    content = store.get(job.params["upload"])
    if content is None:
        raise NotFound("the uploaded file is gone")
    columns, rows = _rows(decode(content))
    agency_id, user_id = job.params["agency_id"], job.owner_id
    hasher, now = registry_identity.Hasher(), utcnow()
    today = local_today(now)

    people: list[tuple[int, Applicant, str, str]] = []  # row, applicant, id hash, name + birth-date hash
    errors: dict[int, tuple[list[str], str]] = {}
    for number, row in rows:
        try:
            person = _row_applicant(row, columns)
        except Invalid as exc:
            name = row[columns["name"]].strip() if columns["name"] < len(row) else ""
            raw_id = row[columns["id_number"]].strip() if columns["id_number"] < len(row) else ""
            errors[number] = ([name, core_identity.masked(registry_identity.normalise_number(raw_id))],
                              "; ".join(m for messages in exc.fields.values() for m in messages))
            continue
        people.append((number, person, hasher.id_number(person.id_number),
                       hasher.name_dob(person.name, person.birth_date)))

    by_id = entries.match_ids([p[2] for p in people], today)
    by_name = entries.match_names([p[3] for p in people if p[2] not in by_id], today)
    answers: dict[int, str] = {}
    inquiry_ids: dict[int, int] = {}
    table = RegistryInquiry.__table__
    statement = insert(table).returning(table.c.id, table.c.row_no)
    for start in range(0, len(people), INSERT_CHUNK):
        values = []
        for number, person, id_hmac, nd_hmac in people[start:start + INSERT_CHUNK]:
            entry_id = by_id.get(id_hmac) or by_name.get(nd_hmac)
            result = "record" if id_hmac in by_id else "pending_review" if nd_hmac in by_name else "no_record"
            answers[number] = result
            values.append({"agency_id": agency_id, "user_id": user_id, "job_id": job.id, "row_no": number,
                           "id_hmac": id_hmac, "name_dob_hmac": nd_hmac, "post": person.post, "consent": True,
                           "result": result, "entry_id": entry_id, "created_at": now,
                           "person": None if result == "no_record" else person.sealed()})
        for inquiry_id, number in db.session.execute(statement, values):
            inquiry_ids[number] = inquiry_id
        db.session.commit()
        progress(min(start + INSERT_CHUNK, len(people)) + len(errors))

    group = sequential_groups([p[1].id_number for p in people])
    if group >= ALERT_SEQUENTIAL_BATCH:
        raise_alert(agency_id, "sequential_ids", {"count": group, "job": job.id}, now)
    most = most_ids_for_one_person([(p[3], p[2]) for p in people])
    if most >= ALERT_IDS_ONE_PERSON:
        raise_alert(agency_id, "many_ids_one_person", {"count": most, "job": job.id}, now)

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(RESULT_COLUMNS)
    people_by_row = {p[0]: p[1] for p in people}
    for number, _row in rows:
        person = people_by_row.get(number)
        if person is None:
            (name, masked), error = errors[number]
            writer.writerow((number, name, masked, "", "invalid", "", error))
        else:
            writer.writerow((number, person.name, core_identity.masked(person.id_number), person.post, answers[number],
                             inquiry_ids[number], ""))
    key = f"{SEALED}{secrets.token_hex(16)}.bin"
    store.put(key, ("\ufeff" + buffer.getvalue()).encode())
    store.delete(job.params["upload"])
    db.session.commit()
    counts = {result: sum(1 for a in answers.values() if a == result) for result in ("record", "no_record",
                                                                                    "pending_review")}
    return {"result": key, "rows": len(rows), "invalid": len(errors), **counts}


def result_csv(user: User, job_id: int) -> bytes:
    """The result file of a finished batch, for the user who submitted it."""
    job = get_job(user, job_id)
    key = (job.result or {}).get("result") if job.kind == KIND and job.status == "done" else None
    content = document_store().get(key) if key else None
    if content is None:
        raise NotFound(_("This job has no result file."))
    trail.note(kind="export", count=job.result.get("rows", 0))
    return content


def template_csv() -> bytes:
    return ("\ufeff" + TEMPLATE).encode()
