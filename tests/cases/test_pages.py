"""Server-rendered pages: log-in, inbox, case list, new case, the case page and its actions, admin."""
from __future__ import annotations

import datetime as dt
import html as htmllib
import re
from pathlib import Path

import page_clients

from workflow import ROOT
from workflow.cases.models import Case
from workflow.core.access import can
from workflow.core.extensions import db
from workflow.core.models import Event

TODAY = dt.date.today()
NOW = dt.datetime.now().replace(second=0, microsecond=0)


def _local(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")


def _text(html: str) -> str:
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def _action_block(html: str, trigger: str) -> str:
    start = html.index(f'data-action="{trigger}"')
    end = min(i for i in (html.find("</details>", start), html.find("</li>", start)) if i != -1)
    return html[start:end]


# --- log-in ---------------------------------------------------------------------------------------

def test_login_logout(pages):
    client = pages.anonymous()
    assert client.get("/").status_code == 302  # to the log-in page
    page = client.get("/login")
    assert page.status_code == 200 and b'name="username"' in page.data
    assert 'lang="zh-CN"' in page.get_data(as_text=True)
    wrong = client.post("/login", data={"username": "examiner", "password": "nope-nope-nope"})
    assert wrong.status_code == 200 and b"is-invalid" in wrong.data
    ok = page_clients.sign_in(client, "examiner")
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/inbox")
    home = client.get("/")
    assert home.status_code == 200 and "examiner 测试" in home.get_data(as_text=True)
    assert b'action="/logout"' in home.data
    out = client.post("/logout")
    assert out.status_code == 302 and "/login" in out.headers["Location"]
    assert client.get("/inbox").status_code == 302


def test_language_switch_and_headers(pages):
    client = pages.as_("examiner")
    response = client.get("/inbox?lang=en")
    assert 'lang="en"' in response.get_data(as_text=True)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert 'lang="en"' in client.get("/cases").get_data(as_text=True)  # remembered in the session
    assert 'lang="zh-CN"' in client.get("/cases?lang=zh_CN").get_data(as_text=True)


# --- inbox ----------------------------------------------------------------------------------------

def test_inbox_shows_the_task_to_the_assignee(pages, make_case, users, app):
    case = make_case("registered")
    html = pages.html("examiner", "/inbox")
    rows = re.findall(r'<tr data-task="\d+".*?</tr>', html, re.S)
    row = next(r for r in rows if case.number in r)
    with app.test_request_context():
        from workflow.core import process
        title = process.task_title(case.own_tasks[-1])
    assert title in row and case.child_name in row and f'/cases/{case.id}"' in row
    # The intake officer is on the team: the task is among the team's, not hers.
    assert case.number not in pages.html("intake_officer", "/inbox")
    assert case.number in pages.html("intake_officer", "/inbox?scope=team")
    # Only supervisors have the centre tab; the psychologist (on the team) has no own task.
    assert 'data-scope="centre"' in pages.html("supervisor", "/inbox")
    assert 'data-scope="centre"' not in pages.html("psychologist", "/inbox")
    assert case.number not in pages.html("psychologist", "/inbox")
    # Another centre's examiner sees nothing of it.
    assert case.number not in pages.html("other_examiner", "/inbox?scope=team")


def test_inbox_for_roles_without_cases(pages):
    for username in ("admin", "auditor"):
        html = pages.html(username, "/inbox")
        assert "data-no-case-roles" in html and "data-tasks" not in html
        assert 'href="/cases"' not in html


# --- case list ------------------------------------------------------------------------------------

def test_case_list_search_and_filter(pages, make_case):
    first = make_case("referred", child_name="王乐乐")
    second = make_case("registered", child_name="陈思思")
    html = pages.html("supervisor", "/cases")
    assert first.number in html and second.number in html
    found = pages.html("supervisor", "/cases?q=王乐乐")  # the whole name: names are sealed, matched blind
    assert first.number in found and second.number not in found
    assert first.number not in pages.html("supervisor", "/cases?q=乐乐")
    assert second.number in pages.html("supervisor", f"/cases?q={second.number}")
    assert first.number in pages.html("supervisor", f"/cases?q={first.incident.number}")
    by_state = pages.html("supervisor", "/cases?state=registered")
    assert second.number in by_state and first.number not in by_state
    assert first.number not in pages.html("other_supervisor", "/cases")
    assert pages.as_("admin").get("/cases").status_code == 403


# --- new case -------------------------------------------------------------------------------------

def test_new_case_errors_beside_fields(pages):
    client = pages.as_("intake_officer")
    assert client.get("/cases/new").status_code == 200
    response = client.post("/cases/new", data={
        "create-referral_source": "hospital", "create-child_name": "", "create-child_sex": "F",
        "create-child_birth_date": (TODAY + dt.timedelta(days=3)).isoformat(), "create-offence_type": "indecency",
        "create-contacts-0-kind": "guardian", "create-contacts-0-name": "张丽", "create-contacts-0-phone": "1" * 50,
    })
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for field in ("create-child_name", "create-child_birth_date", "create-contacts-0-phone"):
        tag = re.search(rf'<input[^>]*id="{field}"[^>]*>', html).group(0)
        assert "is-invalid" in tag, field
        assert f'id="{field}-error1"' in html, field
    assert 'value="张丽"' in html  # input is kept
    assert "create-contacts-1-name" in html  # spare rows are offered without JavaScript
    assert db.session.query(Case).count() == 0


def test_new_case_success_and_forbidden(pages, users):
    response = pages.as_("intake_officer").post("/cases/new", data={
        "create-referral_source": "police", "create-child_name": "刘子涵", "create-child_sex": "M",
        "create-child_birth_date": "2015-03-01", "create-offence_type": "abuse",
        "create-contacts-0-kind": "guardian", "create-contacts-0-name": "刘父", "create-contacts-0-relation": "父亲",
        "create-suspects-0-name": "某甲",
    })
    assert response.status_code == 302
    case = db.session.query(Case).one()
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    html = pages.html("intake_officer", f"/cases/{case.id}")
    assert "alert-success" in html and "刘子涵" in html and case.number in html
    assert pages.as_("examiner").get("/cases/new").status_code == 403


# --- the case page --------------------------------------------------------------------------------

def test_case_page_shows_actions_and_reasons(pages, make_case, users, app):
    case = make_case("referred")
    html = pages.html("intake_officer", f"/cases/{case.id}")
    consent = _action_block(html, "record_consent")
    assert "<form" in consent and f'/cases/{case.id}/actions/record_consent' in consent
    assert f'name="record_consent-version" type="hidden" value="{case.version}"' in consent
    register = _action_block(html, "register")
    assert "<form" not in register
    with app.test_request_context():
        allowed, reason = can(users["intake_officer"], "register", case)
    assert not allowed and str(reason) in _text(register)
    assert "withdraw" not in re.findall(r'data-action="(\w+)"', html)  # a supervisor's action
    assert f'src="/cases/{case.id}/diagram.svg"' in html
    svg = pages.as_("intake_officer").get(f"/cases/{case.id}/diagram.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert pages.as_("intake_officer").get("/workflow/diagram.svg").status_code == 200
    sup = pages.html("supervisor", f"/cases/{case.id}")
    assert "<form" in _action_block(sup, "assign_member") and "<form" in _action_block(sup, "withdraw")


def test_psychologist_private_notes_stay_private(pages, make_case):
    case = make_case("aid_review")
    record = next(r for r in case.psych_records if r.kind == "assessment")
    prosecutor = pages.html("case_prosecutor", f"/cases/{case.id}")
    assert record.summary in prosecutor
    assert record.private_notes not in prosecutor and "data-private-notes" not in prosecutor
    psychologist = pages.html("psychologist", f"/cases/{case.id}")
    assert record.private_notes in psychologist
    # Compartments: the psychologist does not see the medical record, the prosecutor does.
    assert case.exam.findings not in psychologist and 'data-restricted="medical"' in psychologist
    assert case.exam.findings in prosecutor
    assert pages.html("supervisor", f"/cases/{case.id}").count("data-private-notes") == 0


def test_suspect_guardian_is_never_shown_as_contact(pages, make_case):
    case = make_case("referred", contacts=[
        {"kind": "guardian", "name": "钱某某", "relation": "继父", "phone": "13900000001", "is_suspect": True},
        {"kind": "guardian", "name": "孙梅", "relation": "母亲", "phone": "13900000002"}])
    pages.act("intake_officer", case.id, "add_contact", {"kind": "guardian", "name": "钱二", "phone": "13900000003",
                                                       "is_suspect": "y"})
    html = pages.html("intake_officer", f"/cases/{case.id}")
    contacts = _section(html, "summary")
    assert contacts.count('data-contact="hidden"') == 2 and "孙梅" in contacts
    for secret in ("钱某某", "13900000001", "钱二", "13900000003"):
        assert secret not in html, secret


def test_stranger_gets_404(pages, make_case):
    case = make_case("registered")
    for username in ("other_examiner", "other_supervisor", "aid_officer"):
        client = pages.as_(username)
        assert client.get(f"/cases/{case.id}").status_code == 404
        assert client.get(f"/cases/{case.id}/diagram.svg").status_code == 404
        response = client.post(f"/cases/{case.id}/actions/start_exam", data={"start_exam-version": case.version})
        assert response.status_code == 404
    assert pages.as_("examiner").get("/cases/999999").status_code == 404
    pages.act("examiner", case.id, "no_such_trigger", status=404)
    pages.act("examiner", case.id, "conclude_aid", status=404)  # automatic: never offered to users
    assert db.session.get(Case, case.id).state == "registered"


def test_stale_version_409_changes_nothing(pages, make_case):
    case = make_case("referred")
    version, events = case.version, db.session.query(Event).filter_by(case_id=case.id).count()
    response = pages.act("intake_officer", case.id, "add_suspect", {"name": "孙某甲"}, version=version - 1,
                         status=409)
    html = response.get_data(as_text=True)
    assert "alert-warning" in html
    assert 'value="孙某甲"' in _action_block(html, "add_suspect")  # the input is kept
    db.session.expire_all()
    assert db.session.get(Case, case.id).version == version
    assert db.session.query(Event).filter_by(case_id=case.id).count() == events
    assert all(s.name != "孙某甲" for s in db.session.get(Case, case.id).incident.suspects)


def test_refusals_show_errors_beside_fields(pages, make_case, users):
    case = make_case("joint_interview")
    # Form validation: missing fields are marked; 422.
    response = pages.act("interviewer", case.id, "complete_interview", {"notes": "笔记"}, status=422)
    block = _action_block(response.get_data(as_text=True), "complete_interview")
    assert "alert-danger" in block and "open" in block.split(">", 1)[0]
    assert re.search(r'<input[^>]*id="complete_interview-av_reference"[^>]*is-invalid|'
                     r'<input[^>]*is-invalid[^>]*id="complete_interview-av_reference"', block)
    assert "笔记" in block
    # A stage rule (a suspect attending) reported by the service, beside the attendee list.
    response = pages.act("interviewer", case.id, "complete_interview", {
        "started_at": _local(NOW - dt.timedelta(hours=1)), "ended_at": _local(NOW), "av_reference": "AV-9",
        "attendees-0-name": "赵某", "attendees-0-role": "other"}, status=422)
    block = _action_block(response.get_data(as_text=True), "complete_interview")
    fieldlist = block[block.index('data-fieldlist="complete_interview-attendees"'):]
    assert "invalid-feedback" in fieldlist.split("<table", 1)[0]
    # Wrong role: 403 with the reason; wrong state: 409.
    pages.act("examiner", case.id, "complete_interview", {"av_reference": "x"}, status=403)
    response = pages.act("examiner", case.id, "start_exam", status=409)
    assert "alert-danger" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).interview_count == 0


def test_templates_have_no_inline_script_or_style():
    for path in Path(ROOT / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert " style=" not in text, path
        assert "<style" not in text, path
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert " src=" in tag, (path, tag)
        assert not re.search(r"\son[a-z]+=", text), path  # no inline event handlers


# --- the whole walk, by page POSTs only -----------------------------------------------------------

def test_walk_from_referral_to_closed(pages, users):
    response = pages.as_("intake_officer").post("/cases/new", data={
        "create-referral_source": "hotline_12338", "create-child_name": "杨一诺", "create-child_sex": "F",
        "create-child_birth_date": "2014-09-09", "create-offence_type": "indecency",
        "create-contacts-0-kind": "guardian", "create-contacts-0-name": "杨母", "create-contacts-0-relation": "母亲",
        "create-suspects-0-name": "某乙",
    })
    assert response.status_code == 302
    cid = int(response.headers["Location"].rsplit("/", 1)[1])
    case = db.session.get(Case, cid)

    def state():
        db.session.expire_all()
        return db.session.get(Case, cid).state

    for role in ("examiner", "interviewer", "psychologist", "case_prosecutor", "social_worker"):
        pages.act("supervisor", cid, "assign_member", {"role": role, "user_id": str(users[role].id)})
    pages.act("intake_officer", cid, "record_consent", {"given_by": str(case.contacts[0].id)})
    pages.act("intake_officer", cid, "register")
    assert state() == "registered"
    pages.act("examiner", cid, "start_exam")
    pages.act("examiner", cid, "record_exam", {"findings": "未见明显外伤", "injuries-0-body_site": "手臂",
                                               "injuries-0-description": "轻微擦伤"})
    pages.act("examiner", cid, "add_sample", {"label": "S-1", "kind": "拭子",
                                              "collected_at": _local(NOW - dt.timedelta(hours=2))})
    sample_id = db.session.get(Case, cid).exam.samples[0].id
    pages.act("examiner", cid, "transfer_custody", {"sample_id": str(sample_id), "from_name": "医生", "to_name": "警员",
                                                    "to_agency": "鉴定所", "handed_at": _local(NOW)})
    pages.act("examiner", cid, "complete_exam")
    assert state() == "joint_interview"
    pages.act("interviewer", cid, "complete_interview", {
        "started_at": _local(NOW - dt.timedelta(hours=1)), "ended_at": _local(NOW), "av_reference": "AV-1",
        "attendees-0-name": "王", "attendees-0-role": "interviewer", "attendees-1-name": "李",
        "attendees-1-role": "psychologist", "attendees-2-name": "杨母", "attendees-2-role": "guardian"})
    assert state() == "psych_intervention"
    assert "data-interviews=\"1\"" in pages.html("interviewer", f"/cases/{cid}")
    pages.act("psychologist", cid, "record_assessment", {"occurred_on": TODAY.isoformat(), "summary": "中度焦虑",
                                                         "private_notes": "夜惊", "risk_level": "medium",
                                                         "scales-0-name": "CDI", "scales-0-score": "18"})
    pages.act("psychologist", cid, "record_plan", {"occurred_on": TODAY.isoformat(), "plan_kind": "sessions",
                                                   "sessions_planned": "4", "summary": "每周一次"})
    pages.act("psychologist", cid, "complete_intervention")
    assert state() == "aid_review"
    pages.act("case_prosecutor", cid, "decline_aid", {"reason": "已获赔偿"})
    assert state() == "follow_up"
    visits = [v.id for v in db.session.get(Case, cid).visits]
    assert visits
    html = pages.html("social_worker", f"/cases/{cid}")
    assert "data-visits" in html and 'data-unavailable' in html
    for visit_id in visits:
        pages.act("social_worker", cid, "record_visit", {
            "visit_id": str(visit_id), "done_on": TODAY.isoformat(), "mode": "home", "attendees": "社工",
            "wellbeing": "良好", "satisfaction": "5"})
    pages.act("social_worker", cid, "request_closure")
    assert state() == "closure_review"
    pages.act("supervisor", cid, "approve_closure")
    assert state() == "closed"
    html = pages.html("supervisor", f"/cases/{cid}")
    assert 'data-state="closed"' in html
    assert html.count('data-open="yes"') == 0 and html.count('data-open="no"') >= 8  # task history stays
    assert len(re.findall(r'<li class="list-group-item" data-event=', html)) == \
        db.session.query(Event).filter_by(case_id=cid).count()


# --- admin ----------------------------------------------------------------------------------------

def test_admin_pages(pages, users, make_case):
    case = make_case("registered")
    client = pages.as_("admin")
    html = pages.html("admin", "/admin/")
    assert "data-users" in html and "data-agencies" in html and case.child_name not in html
    assert client.get(f"/cases/{case.id}").status_code == 404
    for username in ("supervisor", "auditor"):
        assert pages.as_(username).get("/admin/").status_code == 403
    response = client.post("/admin/agencies/new", data={"name": "县检察院", "kind": "procuratorate", "region": "某县"})
    assert response.status_code == 302
    assert client.post("/admin/agencies/new", data={"name": "县检察院", "kind": "procuratorate"}).status_code == 422
    agency_id = int(re.search(r'/admin/agencies/(\d+)">县检察院<', pages.html("admin", "/admin/")).group(1))
    response = client.post("/admin/users/new", data={
        "username": "newbie", "full_name": "新人", "sex": "M", "agency_id": str(agency_id),
        "roles": ["interviewer", "case_prosecutor"], "password": "short"})
    assert response.status_code == 422 and b"is-invalid" in response.data
    response = client.post("/admin/users/new", data={
        "username": "newbie", "full_name": "新人", "sex": "M", "agency_id": str(agency_id),
        "roles": ["interviewer", "case_prosecutor"], "password": "long-enough-pw"})
    assert response.status_code == 302
    user_id = int(re.search(r'/admin/users/(\d+)">newbie<', pages.html("admin", "/admin/")).group(1))
    checked = r'value="case_prosecutor"[^>]*checked|checked[^>]*value="case_prosecutor"'
    assert not re.search(checked, pages.html("admin", f"/admin/users/{user_id}"))  # the roles wait for approval
    from workflow.admin.models import AdminRequest
    request_id = db.session.query(AdminRequest).filter_by(user_id=user_id).one().id
    assert "data-not-enrolled" in pages.html("admin_2", "/admin/")
    pages.as_("admin_2").post(f"/admin/requests/{request_id}/approve")  # refused: no second factor yet
    assert not re.search(checked, pages.html("admin", f"/admin/users/{user_id}"))
    page_clients.sign_in(pages.anonymous(), "newbie", "long-enough-pw")  # newbie logs in and enrols
    assert "data-password-by-admin" in pages.html("admin_2", "/admin/")  # confirm with the person
    assert pages.as_("admin_2").post(f"/admin/requests/{request_id}/approve").status_code == 302
    assert re.search(checked, pages.html("admin", f"/admin/users/{user_id}"))
    response = client.post(f"/admin/users/{user_id}", data={
        "full_name": "新人二", "sex": "M", "agency_id": str(agency_id), "roles": ["interviewer"]})
    assert response.status_code == 302
    from workflow.admin.models import User
    user = db.session.get(User, user_id)
    db.session.refresh(user)
    assert user.full_name == "新人二" and user.roles == {"interviewer"} and not user.active
    assert pages.anonymous().post("/login", data={"username": "newbie", "password": "long-enough-pw"}) \
        .status_code == 200  # deactivated: log-in refused


def test_admin_settings(pages):
    from workflow.core import process, settings

    client = pages.as_("admin")
    html = pages.html("admin", "/admin/settings")
    assert 'value="1, 3, 6"' in html
    # every clock of both processes is a setting on the page
    form = {"visit_schedule_months": "1, 3, 6", "escalation_due_soon_hours": "24",
            "escalation_supervisor_after_hours": "24",
            **{key: str(clock.amount) for key, (clock, _spec) in process.clock_settings().items()}}
    for key in process.clock_settings():
        assert f'name="{key}"' in html
    assert client.post("/admin/settings", data={**form, "visit_schedule_months": "1, x"}).status_code == 422
    assert client.post("/admin/settings", data={**form, "visit_schedule_months": "0"}).status_code == 422
    refused = client.post("/admin/settings", data={**form, "clock_exam_start_hours": "0"})
    assert refused.status_code == 422 and settings.get("clock_exam_start_hours") == 24
    saved = client.post("/admin/settings", data={**form, "visit_schedule_months": "6,2, 12",
                                                 "clock_exam_start_hours": "12", "aid_decision_days": "8"})
    assert saved.status_code == 302
    assert settings.get("visit_schedule_months") == [2, 6, 12]
    assert settings.get("clock_exam_start_hours") == 12 and settings.get("aid_decision_days") == 8
