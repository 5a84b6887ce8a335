"""Break-the-glass: a centre's staff member who is not on a case's team opens it in an emergency,
with a reason, for `break_glass_minutes`; reading only, in the compartments of their own team roles;
the centre's supervisors are told at once and confirm or flag each use."""
from __future__ import annotations

import datetime as dt
import json
import re

import page_clients
import pytest
import time_machine
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from forms.emergency import BreakGlassForm
from workflow.cases import definition
from workflow.cases.models import Case
from workflow.cases.permissions import visible_cases
from workflow.core import engine, settings
from workflow.core.access import can
from workflow.core.errors import WorkflowError
from workflow.core.extensions import db
from workflow.core.models import Event, utcnow
from workflow.emergency import operations
from workflow.emergency.models import EmergencyAccess
from workflow.inbox.models import Notification

UTC = dt.UTC
REASON = "夜间急诊复诊，儿童再次受伤，需立即查看既往检查记录以便处置。"
FINDINGS = "外阴见轻度红肿"  # the medical compartment (examiners read it)
PRIVATE_NOTES = "儿童提到夜间噩梦，反复出现。"  # the psychologist's own notes
SUMMARY = "存在中度焦虑，建议短程干预。"  # the assessment summary, shared with the team
INTERVIEW_NOTES = "在一站式询问室进行，全程同步录音录像。"  # the interview compartment


@pytest.fixture
def case(make_case):
    """A case with an exam, an interview and a psychological assessment (private notes included);
    its examiner is `examiner`, so the centre's other examiner `examiner_m` is not on its team."""
    case = make_case("aid_review")
    assert case.member("examiner").username == "examiner"
    return case


def break_glass(pages, username: str, number: str, reason: str = REASON):
    return pages.as_(username).post("/cases/emergency", data={"case": number, "reason": reason})


def grants() -> list[EmergencyAccess]:
    db.session.expire_all()
    return list(db.session.scalars(select(EmergencyAccess).order_by(EmergencyAccess.id)))


def notices(kind: str = "break_glass") -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.kind == kind).order_by(Notification.id)))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def same_page(html: str) -> str:
    """A page without what differs between two renderings of it (the time-stamped CSRF tokens)."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)


def grant_for(user, case) -> EmergencyAccess:
    """Break the glass through the service (as the API and the page do)."""
    form = BreakGlassForm(formdata=MultiDict({"case": case.number, "reason": REASON}), meta={"csrf": False})
    return operations.break_glass(user, form)


def test_a_centre_examiner_breaks_the_glass_reads_the_case_until_the_grant_ends(app, pages, users, case):
    examiner_m = users["examiner_m"]
    assert pages.as_("examiner_m").get(f"/cases/{case.id}").status_code == 404
    assert "data-break-glass-form" in pages.html("examiner_m", "/cases/emergency")

    response = break_glass(pages, "examiner_m", case.number)

    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.id}")
    [grant] = grants()
    assert (grant.user_id, grant.case_id, grant.roles, grant.review_state) == (examiner_m.id, case.id,
                                                                                ["examiner"], "pending")
    assert grant.expires_at - grant.started_at == dt.timedelta(minutes=60)  # the default setting
    assert REASON.encode() not in grant.reason and operations.reason_of(grant) == REASON  # sealed at rest
    html = pages.html("examiner_m", f"/cases/{case.id}?lang=en")
    assert 'data-banner="break_glass"' in html
    assert "Emergency access (break-the-glass): you read this case as Examiner until" in text_of(html)
    assert FINDINGS in html  # an examiner on the team reads the exam: so does this one
    assert "data-action=" not in html  # reading only: no action offered
    assert can(examiner_m, "view_case", case) == (True, None)
    # The history shows the team that the case was opened in an emergency (not why); no banner for them.
    [event] = db.session.scalars(select(Event).where(Event.case_id == case.id, Event.action == "break_glass"))
    assert (event.actor_id, event.reason) == (examiner_m.id, None)
    team_page = pages.html("examiner", f"/cases/{case.id}?lang=en")
    assert 'data-event="break_glass"' in team_page and "Opened in an emergency" in team_page
    assert REASON not in team_page and "data-banner" not in team_page
    # The emergency page lists the grant while it lasts, with a link to the case.
    mine = pages.html("examiner_m", "/cases/emergency")
    assert f'data-grant="{grant.id}" data-live="yes"' in mine and f'href="/cases/{case.id}"' in mine

    with time_machine.travel(grant.expires_at.replace(tzinfo=UTC) + dt.timedelta(minutes=1), tick=False):
        fresh = page_clients.Pages(app)  # a new sign-in: the old session timed out meanwhile
        assert fresh.as_("examiner_m").get(f"/cases/{case.id}").status_code == 404
        allowed, reason = can(examiner_m, "view_case", case)
        assert (allowed, reason.status, reason.code) == (False, 404, "not_found")
        assert f'data-grant="{grant.id}" data-live="no"' in fresh.html("examiner_m", "/cases/emergency")


def test_the_grant_lasts_as_long_as_the_setting_says(app, users, case):
    settings.put("break_glass_minutes", 15)
    db.session.commit()
    grant = grant_for(users["examiner_m"], case)
    assert grant.expires_at - grant.started_at == dt.timedelta(minutes=15)
    with time_machine.travel(grant.expires_at.replace(tzinfo=UTC) - dt.timedelta(seconds=1), tick=False):
        assert can(users["examiner_m"], "view_case", case)[0]
    with time_machine.travel(grant.expires_at.replace(tzinfo=UTC), tick=False):
        assert not can(users["examiner_m"], "view_case", case)[0]


def test_the_centres_supervisors_are_notified_at_once_and_the_bell_leads_to_the_review_list(pages, users, case):
    break_glass(pages, "examiner_m", case.number)

    [notice] = notices()
    assert (notice.user.username, notice.case_id, notice.actor_id, notice.task_id) == (
        "supervisor", case.id, users["examiner_m"].id, None)  # not the other centre's supervisor
    bell = pages.html("supervisor", "/notifications?lang=en")
    assert f'data-notification="{notice.id}" data-kind="break_glass"' in bell
    assert f"opened case {case.number} in an emergency" in text_of(bell)
    opened = pages.as_("supervisor").post(f"/notifications/{notice.id}/open")
    assert opened.status_code == 302 and "/cases/emergency/review" in opened.headers["Location"]
    assert notices()[0].read_at is not None
    assert "data-notification" not in pages.html("other_supervisor", "/notifications")


def test_compartments_stay_closed_to_an_emergency_reader(api, users, case):
    """An examiner breaking the glass reads what an examiner on the team reads, nothing more: the
    psychologist's notes stay the psychologist's, the interview the interviewer's."""
    examiner_m = users["examiner_m"]
    grant_for(examiner_m, case)
    for compartment, readers in definition.COMPARTMENTS.items():
        allowed, reason = can(examiner_m, f"see:{compartment}", case)
        assert allowed == ("examiner" in readers), compartment
        if not allowed:
            assert (reason.status, reason.code) == (403, "forbidden")
    body = api.case(case.id, "examiner_m")
    assert set(body["restricted"]) == {c for c, readers in definition.COMPARTMENTS.items() if "examiner" not in readers}
    assert "medical" in body and "interviews" not in body
    assert SUMMARY in json.dumps(body, ensure_ascii=False)  # summaries are shared with the team
    assert PRIVATE_NOTES not in json.dumps(body, ensure_ascii=False)
    assert INTERVIEW_NOTES not in json.dumps(body, ensure_ascii=False)
    assert body["actions"] == []


def test_the_case_page_of_an_emergency_reader_hides_the_psychologists_notes(pages, users, case):
    break_glass(pages, "examiner_m", case.number)
    html = pages.html("examiner_m", f"/cases/{case.id}")
    assert SUMMARY in html  # summaries are shared with the team
    assert PRIVATE_NOTES not in html and "data-private-notes" not in html
    assert INTERVIEW_NOTES not in html and 'data-restricted="interview"' in html
    assert PRIVATE_NOTES in pages.html("psychologist", f"/cases/{case.id}")  # (the notes are there)


def test_an_emergency_reader_acts_on_nothing(pages, users, case):
    examiner_m = users["examiner_m"]
    grant_for(examiner_m, case)
    assert engine.actions_for(examiner_m, case) == []
    for trigger in ("decline_aid", "flag_aid", "record_crisis_support", "send_referral", "add_contact"):
        allowed, reason = can(examiner_m, trigger, case)
        assert (allowed, reason.status) == (False, 403), trigger
    version = case.version
    response = pages.as_("examiner_m").post(f"/cases/{case.id}/actions/add_contact", data={
        "add_contact-version": str(version), "add_contact-kind": "appropriate_adult", "add_contact-name": "某某"})
    assert response.status_code == 403
    db.session.expire_all()
    assert case.version == version


def test_the_case_list_stays_the_users_own_while_the_grant_lasts(users, case):
    """The grant opens the one case for reading; lists, searches and the inbox stay those of the
    user's own cases (the emergency page links to the case while the grant lasts)."""
    grant_for(users["examiner_m"], case)
    assert case.id not in set(db.session.scalars(select(Case.id).where(visible_cases(users["examiner_m"]))))


def test_a_user_of_another_centre_gets_the_answer_of_an_unknown_number(pages, users, case):
    unknown = break_glass(pages, "other_examiner", "C2099-9999")
    other_centre = break_glass(pages, "other_examiner", case.number)

    assert unknown.status_code == other_centre.status_code == 404
    assert same_page(other_centre.get_data(as_text=True).replace(case.number, "C2099-9999")) == same_page(
        unknown.get_data(as_text=True))
    assert grants() == [] and notices() == []
    assert pages.as_("other_examiner").get(f"/cases/{case.id}").status_code == 404
    # By id as well as by number, and through the API: the same 404.
    assert break_glass(pages, "other_examiner", str(case.id)).status_code == 404
    with pytest.raises(WorkflowError) as info:
        grant_for(users["other_examiner"], case)
    assert (info.value.status, info.value.code, info.value.message) == (404, "not_found", str(
        can(users["other_examiner"], "view_case", case)[1]))


def test_the_reason_is_required(pages, case):
    for reason in ("", "   ", "太短了", "  太短了        "):
        response = break_glass(pages, "examiner_m", case.number, reason)
        assert response.status_code == 422, reason
        assert 'id="reason-error1"' in response.get_data(as_text=True)
    assert grants() == [] and notices() == []


def test_who_may_break_the_glass(pages, users, case):
    # A team member is told they need none, and nothing is recorded.
    response = break_glass(pages, "examiner", case.number)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.id}")
    page = text_of(pages.html("examiner", f"/cases/{case.id}"))
    assert "无需紧急访问" in page  # "… no emergency access is needed", worded when the notice was made
    # The centre's supervisor sees every case already; roles outside the team may not use the page.
    for username in ("supervisor", "aid_officer", "auditor", "admin", "case_prosecutor"):
        assert pages.as_(username).get("/cases/emergency").status_code == 403, username
    assert grants() == []
    # A second use while the first lasts is not needed either.
    break_glass(pages, "examiner_m", case.number)
    again = break_glass(pages, "examiner_m", case.number)
    assert again.status_code == 302 and len(grants()) == 1
    assert "您对此案件的紧急访问有效至" in text_of(pages.html("examiner_m", f"/cases/{case.id}"))


def test_the_supervisor_reviews_each_use_and_a_flagged_one_stays_visible(pages, users, case, make_case):
    second_case = make_case("registered")
    break_glass(pages, "examiner_m", case.number)
    break_glass(pages, "examiner_m", second_case.number)
    first, second = grants()

    listing = pages.html("supervisor", "/cases/emergency/review")
    assert f'data-use="{first.id}" data-state="pending"' in listing and REASON in listing
    assert f'data-use="{second.id}" data-state="pending"' in listing
    # Only the centre's supervisors: the other centre's sees none of it and may decide nothing.
    assert REASON not in pages.html("other_supervisor", "/cases/emergency/review")
    assert pages.as_("other_supervisor").post(f"/cases/emergency/review/{first.id}", data={
        f"review-{first.id}-decision": "flag"}).status_code == 404
    assert pages.as_("examiner").get("/cases/emergency/review").status_code == 403
    assert pages.as_("examiner").post(f"/cases/emergency/review/{first.id}", data={
        f"review-{first.id}-decision": "confirm"}).status_code == 403
    # A decision is needed.
    assert pages.as_("supervisor").post(f"/cases/emergency/review/{first.id}", data={}).status_code == 422

    confirmed = pages.as_("supervisor").post(f"/cases/emergency/review/{first.id}", data={
        f"review-{first.id}-decision": "confirm", f"review-{first.id}-note": "已与值班医生核实。"})
    flagged = pages.as_("supervisor").post(f"/cases/emergency/review/{second.id}", data={
        f"review-{second.id}-decision": "flag", f"review-{second.id}-note": "该案无急诊记录。"})

    assert confirmed.status_code == flagged.status_code == 302
    first, second = grants()
    assert (first.review_state, first.reviewed_by_id) == ("confirmed", users["supervisor"].id)
    assert (second.review_state, second.reviewed_by_id) == ("flagged", users["supervisor"].id)
    assert second.reviewed_at is not None and "该案无急诊记录。".encode() not in second.review_note
    # Flagging ended the second grant; the confirmed one still lasts.
    assert not can(users["examiner_m"], "view_case", second_case)[0]
    assert can(users["examiner_m"], "view_case", case)[0]
    listing = text_of(pages.html("supervisor", "/cases/emergency/review?lang=en"))
    assert f"Flagged by {users['supervisor'].full_name} on" in listing and "该案无急诊记录。" in listing
    assert f'data-use="{second.id}" data-state="flagged"' in pages.html("supervisor", "/cases/emergency/review")
    # Once only.
    again = pages.as_("supervisor").post(f"/cases/emergency/review/{second.id}", data={
        f"review-{second.id}-decision": "confirm"})
    assert again.status_code == 302 and grants()[1].review_state == "flagged"


def test_the_api_breaks_the_glass_like_the_page(api, users, case):
    unknown = api.post("/emergency-access", "other_examiner", json={"case": "C2099-9999", "reason": REASON})
    other_centre = api.post("/emergency-access", "other_examiner", json={"case": case.number, "reason": REASON})
    assert unknown.status_code == other_centre.status_code == 404
    assert unknown.get_json() == other_centre.get_json()
    api.error(api.post("/emergency-access", "examiner_m", json={"case": case.number}), 422)
    api.error(api.post("/emergency-access", "examiner", json={"case": case.number, "reason": REASON}), 409)
    api.error(api.post("/emergency-access", "admin", json={"case": case.number, "reason": REASON}), 403)

    created = api.post("/emergency-access", "examiner_m", json={"case": case.number, "reason": REASON})

    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (body["case_id"], body["roles"], body["review_state"]) == (case.id, ["examiner"], "pending")
    assert "reason" not in body
    assert api.case(case.id, "examiner_m")["actions"] == []
    api.error(api.fire(case.id, "flag_aid", "examiner_m", data={"grounds": ["family_hardship"]}), 403)
    assert utcnow() < db.session.get(EmergencyAccess, body["id"]).expires_at


def test_the_service_records_the_use_in_the_history_without_the_reason(users, case):
    grant_for(users["examiner_m"], case)
    events = list(db.session.scalars(select(Event).where(Event.case_id == case.id, Event.action == "break_glass")))
    assert [(e.actor_id, e.changes, e.reason) for e in events] == [(users["examiner_m"].id, {}, None)]


@pytest.mark.parametrize("number", ["²", "１２", "٣"])
def test_digits_of_other_scripts_are_an_unknown_case(pages, case, number):
    response = break_glass(pages, "examiner_m", number)
    assert response.status_code == 404 and grants() == []
