"""Every document rendered from realistic data for each of its recipients: the PDF's text (pypdf)
has the Chinese title and the case's facts it should carry, and none of what that copy must not.

Rendering itself fails on a missing glyph (see test_rendering), so each of these also proves the
CJK font covered every character printed.
"""
from __future__ import annotations

import pytest
from document_helpers import OFFENCE, PRIVATE_NOTE, SUSPECT, pdf_text, text_of

from workflow.admin.models import Agency
from workflow.aid import definition as aid_definition
from workflow.cases import definition as cases_definition
from workflow.core.clocks import local_today
from workflow.core.extensions import db
from workflow.documents import operations
from workflow.registry import definition as registry_definition
from workflow.samples import sample_inquiry

ALL_SPECS = cases_definition.CASE.documents + aid_definition.AID.documents + registry_definition.REGISTRY_DOCUMENTS
TITLES = {
    "registration_form": "一站式取证救助案件登记表", "guardian_consent": "监护人知情同意书",
    "exam_record": "法医学检查记录及检材移交清单", "interview_record": "一站式询问记录",
    "psych_summary": "心理评估摘要", "referral_letter": "转介函", "visit_record": "回访记录",
    "closure_report": "结案报告", "aid_application": "司法救助申请书", "aid_review_report": "司法救助审查报告",
    "aid_decision": "司法救助决定书", "non_aid_notice": "不予司法救助通知书",
    "disbursement_receipt": "司法救助金发放凭证", "inquiry_notice": "入职查询结果告知书",
}
POLICE_NO = "公刑立字〔2026〕1187号"
# What no copy of any document may carry: the private session note, and the employment register's
# categories (an employer learns "record" or "no record", nothing more).
NEVER = (PRIVATE_NOTE,)


def test_every_document_is_covered():
    assert {spec.name for spec in ALL_SPECS} == set(TITLES)


def _generate(user, subject, name, recipient, item_id=None) -> str:
    document = operations.generate(user, subject, name, recipient, item_id=item_id, final=True)
    content = pdf_text(document)
    assert TITLES[name] in content, (name, recipient)
    assert document.number.replace(" ", "") in content and "草稿" not in content
    for secret in NEVER:
        assert secret not in content, (name, recipient, secret)
    return content


def _check(content: str, present=(), absent=()):
    for text in present:
        assert text in content, text
    for text in absent:
        assert text not in content, text


# --- case documents -----------------------------------------------------------------------------

@pytest.mark.parametrize("recipient", ["internal", "court"])
def test_registration_form(make_case, users, recipient):
    case = make_case("registered")
    content = _generate(users["intake_officer"], case, "registration_form", recipient)
    _check(content, present=(case.child_name, case.number, "张丽", "13800138000", POLICE_NO, SUSPECT, OFFENCE,
                             "已向母亲说明一站式流程并取得书面同意"))


@pytest.mark.parametrize("recipient", ["family", "internal"])
def test_guardian_consent(make_case, users, recipient):
    case = make_case("registered")
    content = _generate(users["intake_officer"], case, "guardian_consent", recipient)
    _check(content, present=(case.child_name, "张丽", "已向母亲说明一站式流程并取得书面同意"),
           absent=(SUSPECT, POLICE_NO, OFFENCE))


@pytest.mark.parametrize("recipient", ["internal", "court"])
def test_exam_record_with_custody_list(make_case, users, recipient):
    case = make_case("joint_interview")
    content = _generate(users["examiner"], case, "exam_record", recipient)
    _check(content, present=(case.child_name, "外阴见轻度红肿", "左上臂", "S-01", "阴道拭子", "刑事技术员钱某",
                             "市公安局物证鉴定所"))


@pytest.mark.parametrize("recipient", ["internal", "court"])
def test_interview_record_with_attendance(make_case, users, recipient):
    case = make_case("psych_intervention")
    content = _generate(users["interviewer"], case, "interview_record", recipient)
    _check(content, present=(case.child_name, "AV-2026-0412", "张丽", users["psychologist"].full_name.replace(" ", ""),
                             "在一站式询问室进行"), absent=(SUSPECT,))


@pytest.mark.parametrize("recipient", ["internal", "court", "family"])
def test_psych_summary_never_has_session_notes(make_case, users, recipient):
    case = make_case("aid_review")
    content = _generate(users["psychologist"], case, "psych_summary", recipient)
    _check(content, present=(case.child_name, "存在中度焦虑，建议短程干预", "每周一次，共六次游戏治疗"),
           absent=(PRIVATE_NOTE, SUSPECT, "CDI", "SCARED"))  # scale scores stay with the psychologist


def test_referral_letter_to_the_partner_agency_carries_only_what_it_needs(followed_up, users):
    referral = followed_up.referrals[-1]
    content = _generate(users["social_worker"], followed_up, "referral_letter", "partner_agency", referral.id)
    _check(content, present=(followed_up.child_name, "测试民政局", "家庭收入低于当地低保标准", "张丽", "13800138000"),
           absent=(SUSPECT, OFFENCE, POLICE_NO, followed_up.number, followed_up.incident.number, "外阴",
                   "存在中度焦虑"))


def test_referral_letter_file_copy(followed_up, users):
    referral = followed_up.referrals[-1]
    content = _generate(users["social_worker"], followed_up, "referral_letter", "internal", referral.id)
    _check(content, present=(followed_up.child_name, followed_up.number, "测试民政局", "家庭收入低于当地低保标准"))


@pytest.mark.parametrize("recipient", ["internal", "family"])
def test_visit_record(followed_up, users, recipient):
    visit = next(v for v in followed_up.visits if v.status == "done" and v.aid_use)
    content = _generate(users["social_worker"], followed_up, "visit_record", recipient, visit.id)
    _check(content, present=(followed_up.child_name, "情绪稳定，睡眠改善。", "用于心理治疗费用", "需要低保救助"),
           absent=(SUSPECT, OFFENCE))


@pytest.mark.parametrize("recipient", ["internal", "court"])
def test_closure_report(make_case, users, recipient):
    case = make_case("closed")
    content = _generate(users["case_prosecutor"], case, "closure_report", recipient)
    _check(content, present=(case.child_name, case.number, SUSPECT, POLICE_NO), absent=("外阴见轻度红肿",))


# --- aid documents ------------------------------------------------------------------------------

@pytest.mark.parametrize("recipient", ["family", "internal"])
def test_aid_application(aid_application, users, recipient):
    application = aid_application("accepted")
    content = _generate(users["aid_officer"], application, "aid_application", recipient)
    _check(content, present=(application.case.child_name, "张丽", "30,000.00", "叁万元整",
                             "孩子受侵害后需长期治疗，家庭无力承担。"), absent=(SUSPECT, OFFENCE))


def test_aid_review_report(aid_application, users):
    application = aid_application("proposed")
    content = _generate(users["aid_officer"], application, "aid_review_report", "internal")
    _check(content, present=(application.case.child_name, "25,000.00", "贰万伍仟元整", "母亲务工，月收入约三千五百元",
                             "15,000.00", "10,000.00"))


@pytest.mark.parametrize("recipient", ["family", "internal"])
def test_aid_decision(aid_application, users, recipient):
    application = aid_application("approved")
    content = _generate(users["aid_approver"], application, "aid_decision", recipient)
    _check(content, present=(application.case.child_name, "张丽", "25,000.00", "贰万伍仟元整",
                             "同意救助人民币二万五千元。"), absent=(SUSPECT, OFFENCE))


@pytest.mark.parametrize("recipient", ["family", "internal"])
def test_non_aid_notice(aid_application, users, recipient):
    application = aid_application("rejected")
    content = _generate(users["aid_approver"], application, "non_aid_notice", recipient)
    _check(content, present=(application.case.child_name, "犯罪嫌疑人已足额赔偿，不符合救助条件。"),
           absent=(SUSPECT, "贰万伍仟元整"))


@pytest.mark.parametrize("recipient", ["family", "internal"])
def test_disbursement_receipt_per_payment(aid_application, users, recipient):
    application = aid_application("disbursed")
    first, second = [e for e in application.ledger if e.kind == "payment"]
    content = _generate(users["finance_officer"], application, "disbursement_receipt", recipient, first.id)
    _check(content, present=(application.case.child_name, "15,000.00", "壹万伍仟元整", first.reference),
           absent=(second.reference, SUSPECT))
    content = _generate(users["finance_officer"], application, "disbursement_receipt", recipient, second.id)
    _check(content, present=("10,000.00", "壹万元整", second.reference, "25,000.00"))


# --- the register's notice (sample data until the register issues it) -----------------------------

@pytest.mark.parametrize("result", ["record", "no_record"])
def test_inquiry_notice_says_record_or_no_record_and_nothing_more(app, users, result):
    inquiry = sample_inquiry()
    inquiry.result = result
    spec = registry_definition.REGISTRY_DOCUMENTS[0]
    agency = db.session.get(Agency, users["registry_maintainer"].agency_id)
    _data, _doc, pdf, _pages = operations.render_copy(
        spec, inquiry, None, "partner_agency", agency, local_today(), number="测试检察院查〔2026〕1号", version=1,
        code="ABCDEFGHJK")
    content = text_of(pdf)
    answer, other = ("查询结果有记录", "查询结果无记录") if result == "record" else ("查询结果无记录", "查询结果有记录")
    _check(content, present=(TITLES["inquiry_notice"], inquiry.person_name, inquiry.post, inquiry.employer,
                             inquiry.number, answer),
           absent=(inquiry.id_number, "强奸", "猥亵", "性侵", "从业禁止", "行政处罚", "不起诉", other))
    assert ("复核" in content) == (result == "record")  # only a record answer explains the re-check
