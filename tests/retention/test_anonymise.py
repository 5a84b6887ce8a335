"""A closed case whose retention period has run is anonymised: identities and notes erased, its key
shredded, its documents' bytes destroyed behind tombstones that /verify still answers for; the
statistical facts stay and still count, and the audit trail still verifies."""
from __future__ import annotations

import datetime as dt

import helper_modules
from sqlalchemy import func, select

from workflow.aid.models import AidApplication, AidLedgerEntry
from workflow.audit.models import AuditRecord
from workflow.cases.definition import not_anonymised
from workflow.cases.models import Case, Incident, Suspect
from workflow.core import sealing
from workflow.core.extensions import db
from workflow.demo import FLAG_DATA, demo_id, drive, drive_aid, fire
from workflow.documents import operations as documents
from workflow.documents.models import DocumentBlob, DocumentTombstone
from workflow.retention import erasure
from workflow.retention import operations as retention

helpers = helper_modules.load("retention/retention_helpers.py")
CHILD, DUE, SUSPECT = helpers.CHILD, helpers.DUE, helpers.SUSPECT
GUARDIAN, GUARDIAN_PHONE = helpers.GUARDIAN, helpers.GUARDIAN_PHONE

ID_NUMBER = demo_id("110101", dt.date(2016, 5, 12), 12)


def test_a_due_case_is_anonymised_and_its_documents_leave_tombstones(closed, pages, client, users):
    case, document = closed(child_id_number=ID_NUMBER)
    storage_key, code, sha256 = document.storage_key, document.code, document.sha256
    assert case.closed_at is not None and db.session.get(DocumentBlob, storage_key) is not None
    assert db.session.scalar(select(sealing.CaseKey.id).where(sealing.CaseKey.case_id == case.id)) is not None

    report = retention.run(DUE)

    assert [row["id"] for row in report.anonymised] == [case.id] and not report.failed
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.anonymised_at == DUE and case.state == "closed"
    assert (case.child_name, case.child_birth_date, case.child_id_number) == ("", None, None)
    assert case.child_name_index is None and case.child_id_number_index is None
    assert (case.referral_detail, case.consent_given_by, case.consent_note) == ("", "", "")
    assert all((c.name, c.phone, c.relation) == ("", "", "") for c in case.contacts)
    assert case.exam.findings == "" and all(i.description == "" for i in case.exam.injuries)
    assert all(t.from_name == t.to_name == "" for s in case.exam.samples for t in s.transfers)
    assert all(r.summary == r.private_notes == "" for r in case.psych_records)
    assert all(v.wellbeing == v.attendees == "" for v in case.visits)
    assert all(s.name == "" for s in case.incident.suspects)  # the incident's only case
    assert case.incident.police_case_no == ""
    # The case key is gone, and with it the history's values and the document's data.
    assert db.session.scalar(select(sealing.CaseKey.id).where(sealing.CaseKey.case_id == case.id)) is None
    assert all(event.changes is sealing.ERASED for event in case.events if event.changes is not None)
    assert documents.snapshot_of(document) is sealing.ERASED
    # The bytes are gone, a tombstone says when and why; the row is as issued.
    assert db.session.get(DocumentBlob, storage_key) is None
    tombstone = db.session.get(DocumentTombstone, document.id)
    assert (tombstone.destroyed_at, tombstone.reason) == (DUE, "retention")

    # /verify answers for its code and its hash, with no personal data.
    for page in (client.get(f"/verify/{code}"), client.post("/verify", data={"reference": sha256})):
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and 'data-verdict="destroyed"' in html
        assert document.agency.name in html and sha256 in html
        assert CHILD not in html and GUARDIAN not in html and case.number not in html
    unknown = client.post("/verify", data={"reference": "0" * 64})
    assert 'data-verdict="unknown"' in unknown.get_data(as_text=True)
    assert client.get("/verify/ZZZZZZZZZZ").status_code == 404

    # The case page still opens, shows no identity, says it was anonymised; the history is erased.
    html = pages.html("supervisor", f"/cases/{case.id}")
    assert "data-anonymised" in html and str(sealing.ERASED) in html
    for secret in (CHILD, ID_NUMBER, GUARDIAN, GUARDIAN_PHONE, SUSPECT):
        assert secret not in html
    assert CHILD not in pages.html("supervisor", "/cases")
    # The document is listed, its download is gone (410), the API's check says destroyed.
    assert pages.as_("intake_officer").get(f"/documents/{document.id}.pdf").status_code == 410
    assert pages.html("intake_officer", f"/cases/{case.id}/documents")
    check = pages.as_("supervisor").get(f"/cases/{case.id}/diagram.svg")
    assert check.status_code == 200


def test_the_api_check_of_a_destroyed_document_says_so(closed, client, api_token):
    case, document = closed()
    retention.run(DUE)
    headers = api_token("intake_officer")
    body = client.get(f"/api/v1/documents/{document.id}/verify", headers=headers).get_json()
    assert body["intact"] is False and body["destroyed_at"] == "2037-06-01T12:00:00Z"
    pdf = client.get(f"/api/v1/documents/{document.id}/pdf", headers=headers)
    assert pdf.status_code == 410 and pdf.get_json()["error"] == "destroyed"
    case_json = client.get(f"/api/v1/cases/{case.id}", headers=headers)
    assert case_json.status_code == 200 and CHILD not in case_json.get_data(as_text=True)


def test_the_file_store_loses_the_bytes_too(app, closed, tmp_path, client):
    app.config.update(DOCUMENT_STORE="file", DOCUMENT_DIR=str(tmp_path / "documents"))
    case, document = closed()
    stored = tmp_path / "documents" / document.storage_key
    assert stored.exists()
    retention.run(DUE)
    assert not stored.exists() and db.session.get(DocumentTombstone, document.id) is not None
    assert 'data-verdict="destroyed"' in client.get(f"/verify/{document.code}").get_data(as_text=True)


def test_nothing_can_be_added_to_an_anonymised_case(closed, pages, users):
    case, _document = closed()
    retention.run(DUE)
    refused = pages.act("supervisor", case.id, "reopen", {"reason": "再审"}, status=422)
    assert str(not_anonymised(case)) in refused.get_data(as_text=True)
    generated = pages.as_("intake_officer").post(f"/cases/{case.id}/documents", data={
        "document": "registration_form", "recipient": "court"})
    assert generated.status_code == 409
    assert db.session.get(Case, case.id).state == "closed"


def test_statistics_still_count_the_anonymised_case_and_its_aid(make_case, users, pages):
    case = make_case("aid_review")
    fire(users["case_prosecutor"], case, "flag_aid", FLAG_DATA)
    application = drive_aid(case.aid_applications[-1], "disbursed", users)
    drive(case, "closed", users)
    approved, paid = application.approved_fen, application.paid_fen
    band, sex, offence = case.child_age_band, case.child_sex, case.incident.offence_type
    other = make_case("closed", sex="M", offence_type="abuse")
    clocks = [(t.id, t.state, t.opened_at, t.due_at, t.closed_at) for t in case.tasks]
    history = [(e.action, e.from_state, e.to_state, e.created_at) for e in case.events]

    assert [row["id"] for row in retention.run(DUE).anonymised] == [case.id, other.id]

    db.session.expire_all()
    by_facts = db.session.execute(
        select(Incident.offence_type, Case.child_age_band, Case.child_sex, func.count())
        .join(Incident, Incident.id == Case.incident_id).where(Case.anonymised_at.is_not(None))
        .group_by(Incident.offence_type, Case.child_age_band, Case.child_sex)).all()
    assert (offence, band, sex, 1) in by_facts and ("abuse", band, "M", 1) in by_facts
    application = db.session.get(AidApplication, application.id)
    assert (application.approved_fen, application.paid_fen, application.state) == (approved, paid, "disbursed")
    assert application.applicant_name == "" and application.statement == ""
    aid_page = pages.html("case_prosecutor", f"/aid/{application.id}")
    assert CHILD not in aid_page and GUARDIAN not in aid_page
    assert db.session.scalar(select(func.sum(AidLedgerEntry.amount_fen))
                             .where(AidLedgerEntry.aid_application_id == application.id)) == paid
    # Stage times: the history's actions and times, and the tasks' clocks, remain.
    case = db.session.get(Case, case.id)
    assert [(e.action, e.from_state, e.to_state, e.created_at) for e in case.events] == history
    assert [(t.id, t.state, t.opened_at, t.due_at, t.closed_at) for t in case.tasks] == clocks and clocks


def test_the_audit_trail_records_the_anonymisation_and_still_verifies(closed, runner):
    case, _document = closed()
    retention.run(DUE)
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "retention.anonymise"))
    assert (record.case_id, record.kind, record.object_type, record.object_ids) == (case.id, "system", "case",
                                                                                    [case.id])
    assert record.details == {"documents_destroyed": 1}
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_suspects_shared_with_a_sibling_case_stay_until_its_case_goes_too(make_case, users):
    first = make_case("closed")
    sibling = make_case("registered", incident_number=first.incident.number, suspects=[])
    retention.run(DUE)
    db.session.expire_all()
    assert db.session.get(Case, first.id).anonymised_at is not None
    incident = db.session.get(Incident, first.incident_id)
    assert [s.name for s in incident.suspects] == [SUSPECT] and incident.police_case_no
    drive(db.session.get(Case, sibling.id), "withdrawn", users)
    retention.run(DUE + dt.timedelta(days=3660))
    db.session.expire_all()
    assert [s.name for s in db.session.scalars(select(Suspect).where(Suspect.incident_id == incident.id))] == [""]


def test_every_sealed_column_of_a_case_row_is_erased():
    """What the report names (and the lead documents): the erased columns, by table."""
    erased = erasure.erased_columns()
    assert {"child_name", "child_birth_date", "child_id_number", "referral_detail", "consent_given_by",
            "consent_note", "suspend_reason"} <= set(erased["cases"])
    assert {"name", "phone", "relation"} <= set(erased["contacts"])
    assert set(erased["suspects"]) >= {"name"} and {"police_case_no", "court_case_no"} <= set(erased["incidents"])
    assert {"findings", "exception_reason", "waive_reason"} <= set(erased["forensic_exams"])
    assert {"reason", "review_note"} <= set(erased["emergency_accesses"]) and erased["legal_holds"] == ["reason"]
    for table in ("cases", "incidents", "aid_applications", "aid_ledger"):
        kept = {"child_sex", "child_age_band", "offence_type", "approved_fen", "amount_fen", "state"}
        assert not kept & set(erased[table])


def test_the_due_query_uses_its_index(app):
    """At 100,000 cases the job reads one range of a partial index, not the table (SQLite plan)."""
    if db.engine.dialect.name != "sqlite":
        return
    stmt = select(Case.id).where(retention.due(DUE)).order_by(Case.closed_at, Case.id).limit(retention.BATCH)
    compiled = stmt.compile(dialect=db.engine.dialect)
    params = tuple(str(compiled.params[name]) for name in compiled.positiontup)
    rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)
    plan = " ".join(str(row[-1]) for row in rows)
    assert "ix_cases_retention_due" in plan, plan
