"""The judicial aid path through the pages only: the prosecutor flags, the aid officer takes the
application from the inbox to a proposal, the department head approves, finance pays (amounts
typed in yuan), and the case moves on by itself."""
from __future__ import annotations

import re

from workflow.aid.models import AidApplication
from workflow.core.extensions import db


def _aid_version(pages, username: str, application_id: int) -> int:
    html = pages.html(username, f"/aid/{application_id}")
    return int(re.search(r'data-aid="\d+" data-version="(\d+)"', html).group(1))


def _act(pages, username, application_id, trigger, data=None, status=302):
    form = {f"{trigger}-version": str(_aid_version(pages, username, application_id))}
    form.update({f"{trigger}-{key}": value for key, value in (data or {}).items()})
    response = pages.as_(username).post(f"/aid/{application_id}/actions/{trigger}", data=form)
    assert response.status_code == status, (trigger, response.status_code)
    db.session.expire_all()  # the request committed in its own session
    return response


def test_aid_from_flag_to_disbursed_using_only_the_pages(pages, make_case, users):
    case = make_case("aid_review")
    pages.act("case_prosecutor", case.id, "flag_aid", {"grounds": ["family_hardship", "medical_costs"],
                                                       "note": "单亲家庭"})
    application = db.session.scalar(db.select(AidApplication).where(AidApplication.case_id == case.id))
    aid_url = f"/aid/{application.id}"
    # The department's aid officers share the new task; the link leads to the application.
    inbox = pages.html("aid_officer", "/inbox")
    assert f'href="{aid_url}"' in inbox and application.number in inbox
    # Strangers to the aid department never see it.
    pages.html("examiner", aid_url, status=404)
    pages.html("supervisor", aid_url, status=404)

    _act(pages, "aid_officer", application.id, "apply", {
        "applicant_name": "张丽", "applicant_kind": "guardian", "requested_fen": "30,000",
        "grounds": ["family_hardship"], "documents": ["application_form", "identity"]})
    assert application.requested_fen == 3_000_000
    _act(pages, "aid_officer", application.id, "accept")
    _act(pages, "aid_officer", application.id, "start_investigation")
    _act(pages, "aid_officer", application.id, "record_finances", {
        "household_size": "3", "monthly_income_fen": "3500", "finances_note": "母亲务工，收入微薄。"})
    # Contributions that do not add up: the error sits beside the fields, nothing is stored.
    response = _act(pages, "aid_officer", application.id, "propose", {
        "proposed_fen": "25000", "county_fen": "20000", "instalments-0-due_on": "2026-12-01",
        "instalments-0-amount_fen": "25000", "proposal_note": "建议救助两万五千元。"}, status=422)
    assert "25,000.00" in response.get_data(as_text=True)
    assert application.state == "investigating" and application.proposed_fen is None
    _act(pages, "aid_officer", application.id, "propose", {
        "proposed_fen": "25000", "county_fen": "25000", "instalments-0-due_on": "2026-12-01",
        "instalments-0-amount_fen": "25000.00", "proposal_note": "建议救助两万五千元。"})
    assert (application.state, application.required_level) == ("proposed", "department_head")

    assert application.number in pages.html("aid_approver", "/inbox")
    _act(pages, "aid_approver", application.id, "approve", {"decision_note": "同意。"})
    # Finance cannot pay more than approved ...
    response = _act(pages, "finance_officer", application.id, "record_payment", {
        "amount_fen": "30000", "on_date": "2026-01-05", "method": "bank_transfer", "reference": "ZF-1"},
        status=422)
    assert "is-invalid" in response.get_data(as_text=True) and application.ledger == []
    # ... and pays the approved sum: disbursed, and the case leaves aid review by itself.
    _act(pages, "finance_officer", application.id, "record_payment", {
        "amount_fen": "25000", "on_date": "2026-01-05", "method": "bank_transfer", "reference": "ZF-1"})
    db.session.refresh(case)
    assert (application.state, application.paid_fen, case.state) == ("disbursed", 2_500_000, "follow_up")
    html = pages.html("case_prosecutor", f"/cases/{case.id}")
    assert application.number in html and 'data-event="conclude_aid"' in html
