"""The history shows what an entry recorded (its values and reason) only to readers of the entry's
compartment, by the rule the API follows: an aid rejection's reason and refusal grounds never reach
the case's team or the supervisor on the case page, nor does a closed referral's reason or a
psychologist's private notes reach anyone else."""
from __future__ import annotations

import helper_modules
import pytest
from flask_babel import force_locale

from workflow.aid import definition as aid_definition
from workflow.aid.labels import CATALOGS
from workflow.core.forms import ConfirmForm

aid_helpers = helper_modules.load("aid/aid_helpers.py")
REFUSAL, proposal = aid_helpers.REFUSAL, aid_helpers.proposal
CASE_TEAM = ("examiner", "interviewer", "psychologist", "social_worker")


def _refusal_ground_labels() -> list[str]:
    """The refusal ground's label in each language a page may show it in."""
    labels = []
    for locale in ("en", "zh_CN"):
        with force_locale(locale):
            labels.append(str(CATALOGS["aid_refusal_grounds"][REFUSAL["refusal_grounds"][0]]))
    return labels


def _history(html: str) -> str:
    start = html.index('id="timeline"')
    return html[start:html.index("</section>", start)]


@pytest.fixture
def rejected(client, users, api_token, make_case):
    """A case whose aid application the department head rejected: (case, application id)."""
    api = aid_helpers.AidApi(client, api_token)
    case = make_case("aid_review")
    aid_id = api.open_application(case.id)["id"]
    api.to_investigating(aid_id)
    api.ok_aid(aid_id, "propose", "aid_officer", proposal(2_500_000))
    api.ok_aid(aid_id, "reject", "aid_approver", REFUSAL)
    return case, aid_id, api


def test_an_aid_rejection_stays_in_the_aid_compartment(pages, rejected):
    case, aid_id, _api = rejected
    secrets = [REFUSAL["reason"], *_refusal_ground_labels()]
    for who in (*CASE_TEAM, "supervisor"):
        html = pages.html(who, f"/cases/{case.id}")
        history = _history(html)
        assert 'data-event="reject"' in history, who  # that it was rejected is no secret ...
        assert not [s for s in secrets if s in html], who  # ... why is
        assert "data-changes-hidden" in history
    # The aid compartment's readers read why, on the application and (the prosecutor) on the case.
    for who in ("aid_officer", "aid_approver", "case_prosecutor"):
        history = _history(pages.html(who, f"/aid/{aid_id}"))
        assert REFUSAL["reason"] in history and any(label in history for label in _refusal_ground_labels()), who
    assert REFUSAL["reason"] in _history(pages.html("case_prosecutor", f"/cases/{case.id}"))


@pytest.mark.parametrize("who", [*CASE_TEAM, "supervisor", "case_prosecutor", "aid_officer", "aid_approver",
                                 "finance_officer"])
def test_the_api_and_the_pages_agree_on_who_reads_the_rejection(pages, rejected, who):
    case, aid_id, api = rejected
    response = api.get(f"/aid/{aid_id}", who)
    api_reads = response.status_code == 200 and response.get_json().get("refusal_grounds") == \
        REFUSAL["refusal_grounds"]
    case_api = api.get(f"/cases/{case.id}", who)
    if case_api.status_code == 200:
        assert ("aid" in case_api.get_json()["restricted"]) is not api_reads
    shown = [pages.as_(who).get(url) for url in (f"/cases/{case.id}", f"/aid/{aid_id}")]
    readable = [r for r in shown if r.status_code == 200]
    assert readable, who
    for page in readable:
        assert (REFUSAL["reason"] in page.get_data(as_text=True)) is api_reads, (who, page.request.path)


@pytest.mark.parametrize("trigger, text, compartment, readers", [
    ("close_referral", "家庭已迁往外省，由当地跟进。", "referrals", ("social_worker", "case_prosecutor")),
    ("use_prior_interview", "公安机关已同步录音录像询问，避免重复询问。", "interview",
     ("interviewer", "case_prosecutor", "psychologist")),
    ("record_session", "提到学校同学。", "psych", ("psychologist",)),  # the private notes
])
def test_case_compartments_in_the_history(pages, kit, api_token, client, trigger, text, compartment, readers):
    case = kit.prepare(trigger)
    kit.fire_as_role(case, trigger)
    for who in (*CASE_TEAM, "case_prosecutor", "supervisor"):
        html = pages.html(who, f"/cases/{case.id}")
        reads = who in readers
        assert f'data-event="{trigger}"' in _history(html), who
        assert (text in html) is reads, who
        restricted = client.get(f"/api/v1/cases/{case.id}", headers=api_token(who)).get_json()["restricted"]
        assert (compartment in restricted) is not reads, who


def test_every_aid_trigger_that_records_something_is_in_the_aid_compartment():
    """As the API shows aid data only to the aid compartment's readers, so does the history."""
    recording = [t for t in aid_definition.AID.transitions if t.form is not ConfirmForm]
    assert recording and {t.trigger: t.compartment for t in recording} == {t.trigger: "aid" for t in recording}
    assert aid_definition.AID.create.compartment == "aid"
