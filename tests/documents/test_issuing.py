"""Generating documents: drafts and finals, issue numbers, versions, snapshots, immutability, history."""
from __future__ import annotations

import hashlib

import pytest
from document_helpers import pdf_text
from sqlalchemy import select, text

from workflow.admin.models import Agency
from workflow.core.clocks import local_today
from workflow.core.errors import WorkflowError
from workflow.core.extensions import db
from workflow.core.models import Event
from workflow.documents import data, operations
from workflow.documents.models import Document, DocumentBlob


@pytest.fixture
def centre(users):
    centre = users["intake_officer"].agency
    centre.doc_prefix = "穗一站"
    db.session.commit()
    return centre


def test_a_draft_has_a_watermark_and_no_number(make_case, users, centre):
    case = make_case("registered")
    draft = operations.generate(users["intake_officer"], case, "registration_form", "internal")
    assert (draft.status, draft.version, draft.number) == ("draft", 1, None)
    content = pdf_text(draft)
    assert "草稿" in content and "一站式取证救助案件登记表" in content and case.child_name in content
    assert "无文号" in content


def test_finals_are_numbered_per_agency_series_and_year_and_keep_their_number(make_case, users, centre):
    year = local_today().year
    first, second = make_case("registered"), make_case("registered", child_name="王小明", sex="M")
    intake = users["intake_officer"]
    a = operations.generate(intake, first, "registration_form", "internal", final=True)
    b = operations.generate(intake, second, "registration_form", "internal", final=True)
    consent = operations.generate(intake, first, "guardian_consent", "family", final=True)
    again = operations.generate(intake, first, "registration_form", "internal", final=True)
    assert a.number == f"穗一站登〔{year}〕1号"
    assert b.number == f"穗一站登〔{year}〕2号"
    assert consent.number == f"穗一站同〔{year}〕1号"  # its own series
    assert (again.number, again.version) == (a.number, 2)  # re-issued: same number, new version
    assert a.number.replace(" ", "") in pdf_text(a)
    assert "草稿" not in pdf_text(a)


def test_recipients_copies_share_the_issue_number(make_case, users, centre):
    """One document issued once: the court's and the file's copies carry the same 文号, each with
    versions of its own."""
    case = make_case("registered")
    internal = operations.generate(users["intake_officer"], case, "registration_form", "internal", final=True)
    draft = operations.generate(users["intake_officer"], case, "registration_form", "court")
    court = operations.generate(users["intake_officer"], case, "registration_form", "court", final=True)
    assert internal.key != court.key and (draft.version, court.version) == (1, 2)
    assert court.number == internal.number and draft.number is None


def test_the_snapshot_hash_and_template_are_stored(make_case, users, centre):
    case = make_case("registered")
    document = operations.generate(users["intake_officer"], case, "registration_form", "internal")
    pdf = operations.pdf_bytes(document)
    assert document.sha256 == hashlib.sha256(pdf).hexdigest() and document.size == len(pdf)
    assert (document.template, document.template_version, document.locale) == ("registration_form", 1, "zh_CN")
    assert document.pages >= 1 and document.generated_by_id == users["intake_officer"].id
    from workflow.cases import definition

    spec = definition.CASE.by_document["registration_form"]
    assert document.data == data.build(spec, case, None, "internal", local_today())
    assert document.data["child"]["name"] == case.child_name
    assert document.agency_id == case.centre_id


def test_generating_is_recorded_in_the_case_history(make_case, users, centre):
    case = make_case("registered")
    version = case.version
    document = operations.generate(users["intake_officer"], case, "registration_form", "court", final=True)
    event = db.session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.id.desc())).first()
    assert event.action == "issue_document" and event.actor_id == users["intake_officer"].id
    assert event.changes["number"] == document.number and event.changes["version"] == 1
    assert case.version == version  # a document does not change the case


def test_documents_cannot_be_changed_or_deleted(make_case, users, centre):
    case = make_case("registered")
    document = operations.generate(users["intake_officer"], case, "registration_form", "internal", final=True)
    document.number = "forged"
    with pytest.raises(RuntimeError, match="immutable"):
        db.session.commit()
    db.session.rollback()
    for statement in ("UPDATE documents SET number = 'forged'", "DELETE FROM documents"):
        # The trigger, or on PostgreSQL with two roles the app role's missing privilege, refuses it.
        with pytest.raises(Exception, match="immutable|permission denied"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.get(Document, document.id).number != "forged"


def test_a_final_needs_a_number_by_constraint(make_case, users, centre):
    case = make_case("registered")
    document = operations.generate(users["intake_officer"], case, "registration_form", "internal")
    columns = {c.name: getattr(document, c.name) for c in Document.__table__.columns if c.name != "id"}
    columns.update(status="final", number=None, version=9, sha256="0" * 64, code="ZZZZZZZZZZ")
    with pytest.raises(Exception):
        db.session.execute(Document.__table__.insert().values(**columns))
    db.session.rollback()


@pytest.mark.parametrize("who, status, code", [
    ("social_worker", 403, "forbidden"),  # on the team, not one of the document's roles
    ("other_supervisor", 404, "not_found"),  # another centre: must not learn the case exists
    ("employer_hr", 404, "not_found"),
])
def test_who_may_generate(make_case, users, centre, who, status, code):
    case = make_case("registered")
    with pytest.raises(WorkflowError) as caught:
        operations.generate(users[who], case, "registration_form", "internal")
    assert (caught.value.status, caught.value.code) == (status, code)
    assert db.session.scalar(select(Document.id)) is None


def test_compartments_apply_to_documents(make_case, users, centre):
    case = make_case("joint_interview")
    exam = operations.generate(users["examiner"], case, "exam_record", "court")
    with pytest.raises(WorkflowError) as caught:
        operations.get_document(users["psychologist"], exam.id)  # on the team, not a medical reader
    assert caught.value.status == 403
    assert operations.get_document(users["case_prosecutor"], exam.id).id == exam.id
    with pytest.raises(WorkflowError) as caught:
        operations.get_document(users["other_supervisor"], exam.id)
    assert caught.value.status == 404


def test_bad_requests_change_nothing(make_case, users, centre):
    referred = make_case("referred")
    registered = make_case("registered")
    cases = [
        (referred, "registration_form", "internal", None, 422),  # not registered yet
        (registered, "registration_form", "family", None, 422),  # no family copy of this form
        (registered, "no_such_document", "internal", None, 404),
        (registered, "referral_letter", "partner_agency", 999999, 404),  # no such referral
    ]
    for case, name, recipient, item_id, status in cases:
        with pytest.raises(WorkflowError) as caught:
            operations.generate(users["intake_officer"] if name == "registration_form" else users["social_worker"],
                                case, name, recipient, item_id=item_id)
        assert caught.value.status == status, (name, recipient, caught.value.message)
    assert db.session.scalar(select(Document.id)) is None
    assert db.session.scalar(select(DocumentBlob.key)) is None


def test_prefixless_agencies_number_with_their_name(make_case, users):
    case = make_case("registered")
    document = operations.generate(users["intake_officer"], case, "registration_form", "internal", final=True)
    assert document.number == f"{db.session.get(Agency, case.centre_id).name}登〔{local_today().year}〕1号"
