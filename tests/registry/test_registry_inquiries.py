"""Single inquiries: the answer and nothing more, the log, notices, manual review, re-checks, the
rate limit and enumeration alerts."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from pypdf import PdfReader
from registry_helpers import CATEGORY_WORDS, ask, entry_in_force, resident_id, wrong_check_digit
from sqlalchemy import LargeBinary, select, type_coerce

from workflow.core import settings
from workflow.core.clocks import local_today
from workflow.core.errors import WorkflowError
from workflow.core.extensions import db
from workflow.documents import operations as documents
from workflow.documents.models import Document, DocumentBlob
from workflow.registry import operations
from workflow.registry.labels import REGISTRY_CATEGORY_LABELS
from workflow.registry.models import RegistryAlert, RegistryInquiry


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_hit_is_a_record_with_a_notice_that_says_nothing_of_the_entry(users):
    entry_in_force(users, category="conviction_rape", source_document="（2024）粤01刑初9号")
    inquiry = ask(users, post="幼儿园保育员")
    assert inquiry.result == "record"
    logged = RegistryInquiry.query.one()
    assert (logged.user_id, logged.agency_id, logged.post) == (users["employer_hr"].id, users["employer_hr"].agency_id,
                                                               "幼儿园保育员")
    document, pdf = operations.notice_for(users["employer_hr"], inquiry.id)
    assert document.inquiry_id == inquiry.id and document.status == "final" and document.number
    text = pdf_text(pdf)
    assert "有记录" in text or "A record was found" in text
    assert "赵某" in text and "幼儿园保育员" in text and resident_id() not in text
    for word in (*CATEGORY_WORDS, "粤01刑初9号", *(str(label) for label in REGISTRY_CATEGORY_LABELS.values())):
        assert word not in text
    assert "inquiry" in documents.snapshot_of(document) and "category" not in str(documents.snapshot_of(document))


def test_miss_is_no_record(users):
    entry_in_force(users)
    assert ask(users, name="钱某", id_number=resident_id(region="110105", sequence=1)).result == "no_record"


def test_a_ban_that_ended_no_longer_matches_but_matched_on_its_last_day(users):
    until = local_today() - dt.timedelta(days=1)
    entry_in_force(users, category="employment_ban", ban_until=until, source_date=dt.date(2020, 1, 1))
    assert ask(users).result == "no_record"
    with time_machine.travel(dt.datetime.combine(until, dt.time(12)), tick=False):
        assert ask(users).result == "record"


def test_a_lifelong_ban_always_matches(users):
    entry_in_force(users, category="employment_ban", ban_lifelong=True, source_date=dt.date(2001, 1, 1))
    with time_machine.travel(dt.datetime(2070, 1, 1, 12), tick=False):
        assert ask(users).result == "record"


def test_name_and_birth_date_with_another_id_number_needs_manual_review(users):
    entry_in_force(users)
    other_number = resident_id(region="110105", sequence=555)  # same name and birth date
    inquiry = ask(users, id_number=other_number)
    assert inquiry.result == "pending_review"
    with pytest.raises(WorkflowError) as caught:
        operations.notice_for(users["employer_hr"], inquiry.id)
    assert caught.value.status == 409
    assert [i.id for i in operations.reviews(users["registry_maintainer"])] == [inquiry.id]
    assert len(operations.candidates(users["registry_maintainer"], inquiry)) == 1
    with pytest.raises(WorkflowError):
        operations.resolve_review(users["employer_hr"], inquiry.id, "no_record")
    operations.resolve_review(users["registry_maintainer"], inquiry.id, "no_record")
    assert inquiry.result == "no_record" and inquiry.reviewed_by_id == users["registry_maintainer"].id
    _document, pdf = operations.notice_for(users["employer_hr"], inquiry.id)
    assert "无记录" in pdf_text(pdf) or "No record was found" in pdf_text(pdf)


def test_invalid_check_digit_is_a_422_and_nothing_is_logged(users):
    with pytest.raises(WorkflowError) as caught:
        ask(users, id_number=wrong_check_digit(resident_id()))
    assert caught.value.status == 422 and "id_number" in caught.value.fields
    assert RegistryInquiry.query.count() == 0


def test_inquiry_without_consent_is_a_422_and_nothing_is_logged(users):
    with pytest.raises(WorkflowError) as caught:
        ask(users, consent=False)
    assert caught.value.status == 422 and "consent" in caught.value.fields
    assert RegistryInquiry.query.count() == 0


def test_only_employers_inquire(users):
    for who in ("registry_maintainer", "case_prosecutor", "auditor"):
        with pytest.raises(WorkflowError) as caught:
            ask(users, who=who)
        assert caught.value.status == 403


def test_an_employer_sees_only_its_own_inquiries(users):
    entry_in_force(users)
    mine = ask(users)
    colleague = ask(users, who="employer_hr_2", name="钱某", id_number=resident_id(sequence=9))
    theirs = ask(users, who="kindergarten_hr", name="孙某", id_number=resident_id(sequence=8))
    rows, total = operations.inquiries_of(users["employer_hr"])
    assert {r.id for r in rows} == {mine.id, colleague.id} and total == 2
    assert [r.id for r in operations.inquiries_of(users["kindergarten_hr"])[0]] == [theirs.id]
    for action in (lambda: operations.get_inquiry(users["kindergarten_hr"], mine.id),
                   lambda: operations.notice_for(users["kindergarten_hr"], mine.id),
                   lambda: operations.request_recheck(users["kindergarten_hr"], mine.id, "不服")):
        with pytest.raises(WorkflowError) as caught:
            action()
        assert caught.value.status == 404
    # the inquiry log is the maintainers' and auditors', not an employer's
    with pytest.raises(WorkflowError):
        operations.inquiry_log(users["employer_hr"])
    assert operations.inquiry_log(users["auditor"])[1] == 3


def test_recheck_upheld_and_corrected(users):
    entry = entry_in_force(users)
    inquiry = ask(users)
    first_notice, _pdf = operations.notice_for(users["employer_hr"], inquiry.id)
    with pytest.raises(WorkflowError) as caught:  # a reason is needed
        operations.request_recheck(users["employer_hr"], inquiry.id, " ")
    assert caught.value.status == 422
    recheck = operations.request_recheck(users["employer_hr_2"], inquiry.id, "本人称从未受过处罚")
    with pytest.raises(WorkflowError) as caught:
        operations.request_recheck(users["employer_hr"], inquiry.id, "再次申请")
    assert caught.value.status == 409
    assert [r.id for r in operations.open_rechecks(users["registry_maintainer"])] == [recheck.id]
    with pytest.raises(WorkflowError):
        operations.resolve_recheck(users["employer_hr"], recheck.id, "corrected", "x")
    # one maintainer alone cannot clear a hit while the entry is in force
    with pytest.raises(WorkflowError) as caught:
        operations.resolve_recheck(users["registry_maintainer"], recheck.id, "corrected", "经复核，更正为无记录。")
    assert caught.value.status == 409 and caught.value.code == "still_recorded"
    assert inquiry.result == "record" and recheck.status == "open"
    removal = operations.propose_removal(users["registry_maintainer"], entry.id, "身份信息错误", entry.version)
    operations.decide_change(users["registry_maintainer_2"], removal.id, True)
    operations.resolve_recheck(users["registry_maintainer"], recheck.id, "corrected", "经复核，查询结果更正为无记录。")
    assert inquiry.result == "no_record" and recheck.status == "corrected"
    corrected, _pdf = operations.notice_for(users["employer_hr"], inquiry.id)
    assert corrected.version == 2 and corrected.number == first_notice.number
    assert documents.snapshot_of(corrected)["inquiry"]["record"] is False


def test_an_upheld_recheck_keeps_the_record(users):
    entry_in_force(users)
    inquiry = ask(users)
    recheck = operations.request_recheck(users["employer_hr"], inquiry.id, "本人有异议")
    operations.resolve_recheck(users["registry_maintainer"], recheck.id, "upheld", "经复核，维持原查询结果。")
    assert (inquiry.result, recheck.status, recheck.resolution) == ("record", "upheld", "经复核，维持原查询结果。")


def test_the_notice_is_sealed_at_rest(users):
    entry_in_force(users, name="赵某某")
    inquiry = ask(users, name="赵某某", post="保育员")
    document, pdf = operations.notice_for(users["employer_hr"], inquiry.id)
    data = db.session.scalar(select(type_coerce(Document.data, LargeBinary)).where(Document.id == document.id))
    assert document.storage_key.startswith("sealed/") and "赵某某".encode() not in data  # as stored
    assert documents.snapshot_of(document)["inquiry"]["record"] is True
    stored = bytes(db.session.get(DocumentBlob, document.storage_key).content)
    assert stored != pdf and b"%PDF" not in stored[:64]
    assert documents.check_stored(document)["intact"]  # verification hashes the opened bytes


def test_a_no_record_answer_cannot_be_rechecked(users):
    inquiry = ask(users)
    with pytest.raises(WorkflowError) as caught:
        operations.request_recheck(users["employer_hr"], inquiry.id, "x")
    assert caught.value.status == 409


def test_per_employer_rate_limit(app, users):
    settings.put("registry_inquiries_per_hour", 3)
    db.session.commit()
    for n in range(3):
        ask(users, id_number=resident_id(sequence=10 + n * 7))
    with pytest.raises(WorkflowError) as caught:
        ask(users, id_number=resident_id(sequence=99))
    assert caught.value.status == 429
    assert ask(users, who="kindergarten_hr").result == "no_record"  # another employer has its own limit
    assert RegistryInquiry.query.count() == 4


def test_sequential_id_numbers_raise_one_alert_a_day(users):
    for n, sequence in enumerate(range(100, 100 + operations.ALERT_SEQUENTIAL + 2)):
        ask(users, name=f"应聘者{n}", id_number=resident_id(sequence=sequence))
    alert = RegistryAlert.query.one()
    assert alert.kind == "sequential_ids" and alert.agency_id == users["employer_hr"].agency_id
    assert alert.detail["seen"] == 3
    assert [a.id for a in operations.alerts(users["registry_maintainer"])] == [alert.id]
    operations.acknowledge_alert(users["registry_maintainer"], alert.id)
    assert operations.alerts(users["registry_maintainer"]) == []


def test_many_misses_in_a_row_raise_an_alert(monkeypatch, users):
    monkeypatch.setattr(operations, "ALERT_MISSES_IN_A_ROW", 4)
    regions = ("110101", "120101", "130102", "140105")
    for n, region in enumerate(regions):
        ask(users, name=f"应聘者{n}", id_number=resident_id(region=region, born=dt.date(1990, 1, 1)))
    assert [a.kind for a in RegistryAlert.query.all()] == ["misses_in_a_row"]


def test_one_name_with_many_id_numbers_raises_an_alert(users):
    for region in ("110101", "120101", "130102"):
        ask(users, id_number=resident_id(region=region))
    assert [a.kind for a in RegistryAlert.query.all()] == ["many_ids_one_person"]
