"""Bulk-read detection: below the warning nothing happens; past it, one alert per window to the
account's centre's supervisors and the auditors (in the app and by e-mail, naming the account and
its counts, never a child or a case); past the hard limit, every further page and API request of
the account gets 429 until a supervisor of its centre releases it, with a note that the audit trail
and the admin log keep. A counted read costs one SQL statement more than without detection."""
from __future__ import annotations

import helper_modules
import pytest
from audit_helpers import last_record, records
from sqlalchemy import event, select

from workflow.admin.models import AdminChange, User
from workflow.audit import detection, trail
from workflow.core import settings
from workflow.core.extensions import db
from workflow.documents import operations as documents
from workflow.inbox.models import Notification

smtp_helpers = helper_modules.load("inbox/escalation_helpers.py")


@pytest.fixture
def limits(app, users):
    """Warning from the 3rd counted read in the window, suspension from the 6th."""
    settings.put("bulk_read_warning", 3)
    settings.put("bulk_read_limit", 6)
    db.session.commit()
    app.extensions.pop("bulk_read_thresholds", None)  # read afresh by the next counted read


@pytest.fixture
def addresses(users) -> dict[str, str]:
    for username, user in users.items():
        user.email = smtp_helpers.address(username)
    db.session.commit()
    return {username: user.email for username, user in users.items()}


@pytest.fixture
def smtp(app):
    server = smtp_helpers.LocalSmtp(app).start()
    server.configure()
    yield server
    server.stop()


def notices(kind: str | None = None) -> list[Notification]:
    db.session.expire_all()
    query = select(Notification).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def recipients(kind: str, users) -> set[str]:
    names = {user.id: name for name, user in users.items()}
    return {names[n.user_id] for n in notices(kind)}


def account(users, name: str) -> User:
    db.session.expire_all()
    return db.session.get(User, users[name].id)


def read(client, case, times: int) -> list[int]:
    return [client.get(f"/cases/{case.id}").status_code for _ in range(times)]


def test_below_the_warning_nothing_happens(limits, pages, users, make_case):
    case = make_case("registered")
    client = pages.as_("examiner")
    assert read(client, case, 2) == [200, 200]
    client.get("/inbox")  # not counted
    client.get(f"/cases/{case.id}/diagram.svg")  # not counted either
    assert notices() == [] and records(kind="alert") == []
    assert account(users, "examiner").reads_suspended_at is None
    assert detection.window_counts(users["examiner"].id, account(users, "examiner").created_at) == {
        "case_views": 2, "downloads": 0, "exports": 0, "searches": 0}


def test_the_warning_is_one_alert_per_window_to_the_centres_supervisors_and_the_auditors(
        limits, pages, api, users, make_case, addresses, smtp):
    case = make_case("registered")
    client = pages.as_("examiner")
    assert read(client, case, 1) == [200]
    assert client.get("/cases?q=" + case.child_name[:1]).status_code == 200  # a search counts
    api.case(case.id, "examiner")  # an API read counts: the third, the warning
    assert read(client, case, 2) == [200, 200]  # the 4th and 5th: still one alert
    assert recipients("bulk_read", users) == {"supervisor", "auditor"}  # not the other centre's supervisor
    assert len(notices("bulk_read")) == 2 and notices("reads_suspended") == []
    [alert] = records(kind="alert")
    assert (alert.action, alert.user_id, alert.object_type, alert.object_ids) == (
        "bulk_read.warning", users["examiner"].id, "user", [users["examiner"].id])
    assert {k: alert.details[k] for k in ("case_views", "searches", "total", "threshold")} == {
        "case_views": 2, "searches": 1, "total": 3, "threshold": 3}
    assert account(users, "examiner").reads_suspended_at is None

    for notice in notices("bulk_read"):
        assert (notice.actor_id, notice.case_id, notice.task_id) == (users["examiner"].id, None, None)
        assert notice.details == {k: alert.details[k] for k in notice.details} and notice.details["total"] == 3
    secrets = {case.child_name, case.number, case.incident.number}
    html = pages.html("supervisor", "/notifications")
    assert 'data-kind="bulk_read"' in html and "examiner 测试" in html
    assert not any(secret in html for secret in secrets)
    assert sorted(m.rcpt_tos for m in smtp.received) == [(addresses["auditor"],), (addresses["supervisor"],)]
    for mail in smtp.received:
        assert "examiner" in mail.text and "3" in mail.body and detection.REVIEW_PATH in mail.body
        assert not any(secret in mail.text for secret in secrets), mail.text
    assert all(n.emailed_at is not None for n in notices("bulk_read"))


def test_past_the_hard_limit_pages_and_api_get_429_until_released(limits, pages, api, users, make_case):
    case = make_case("registered")
    client = pages.as_("examiner")
    headers = api.headers("examiner")  # a token taken before the suspension is suspended too
    assert read(client, case, 6) == [200] * 6
    suspended = account(users, "examiner")
    assert suspended.reads_suspended_at is not None
    assert detection.suspension_counts([suspended.id])[suspended.id]["total"] == 6
    assert recipients("reads_suspended", users) == {"supervisor", "auditor"}
    assert [r.action for r in records(kind="alert")] == ["bulk_read.warning", "bulk_read.suspended"]

    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 429
    text = page.get_data(as_text=True)
    assert "data-reads-suspended" in text and "supervisor 测试" in text  # whom to call
    assert case.child_name not in text
    assert (last_record().action, last_record().outcome) == ("cases.show", "429")
    assert client.get("/inbox").status_code == 429  # the whole session, not just case pages
    refused = api.client.get(f"/api/v1/cases/{case.id}", headers=headers)
    body = api.error(refused, 429, "reads_suspended")
    assert "supervisor 测试" in body["message"]
    assert len(records(kind="alert")) == 2  # refusals count for nothing


def test_a_supervisor_of_the_centre_releases_with_a_note_and_it_is_recorded(limits, pages, users, make_case):
    case = make_case("registered")
    reader = pages.as_("examiner")
    read(reader, case, 6)
    examiner = users["examiner"]
    reviewer = pages.as_("supervisor")
    listing = pages.html("supervisor", detection.REVIEW_PATH)
    assert f'data-account="{examiner.id}"' in listing and "examiner 测试" in listing
    url = f"{detection.REVIEW_PATH}/{examiner.id}/release"
    without_note = reviewer.post(url, data={f"release-{examiner.id}-note": "  "})
    assert without_note.status_code == 422
    assert f'id="release-{examiner.id}-note-error1"' in without_note.get_data(as_text=True)
    assert account(users, "examiner").reads_suspended_at is not None

    assert reviewer.post(url, data={f"release-{examiner.id}-note": "月底集中核对卷宗，已电话确认"}).status_code == 302
    released = account(users, "examiner")
    assert released.reads_suspended_at is None and released.reads_released_at is not None
    assert read(reader, case, 2) == [200, 200]  # counted afresh from the release: not suspended again
    assert account(users, "examiner").reads_suspended_at is None
    [release] = records(action="bulk_reads.release", outcome="allowed")
    assert (release.user_id, release.kind, release.object_type, release.object_ids, release.outcome) == (
        users["supervisor"].id, "write", "user", [examiner.id], "allowed")
    assert release.details["note"] == "月底集中核对卷宗，已电话确认" and release.details["counts"]["total"] == 6
    change = db.session.scalars(select(AdminChange).where(AdminChange.action == "release_reads")).one()
    assert (change.actor_id, change.object_type, change.object_id, change.label) == (
        users["supervisor"].id, "user", str(examiner.id), "examiner")
    assert change.after == {"note": "月底集中核对卷宗，已电话确认"}
    again = reviewer.post(url, data={f"release-{examiner.id}-note": "再次"})
    assert again.status_code == 409  # not suspended any more: said on the list, nothing changed
    assert [r.outcome for r in records(action="bulk_reads.release")] == ["422", "allowed", "409"]
    assert db.session.scalars(select(AdminChange).where(AdminChange.action == "release_reads")).all() == [change]


@pytest.mark.parametrize("who", ["interviewer", "other_supervisor", "auditor", "admin"])
def test_nobody_else_releases(limits, pages, users, make_case, who):
    """Not a colleague, not another centre's supervisor, not an auditor where the centre has a
    supervisor, not an administrator."""
    read(pages.as_("examiner"), make_case("registered"), 6)
    examiner = users["examiner"]
    response = pages.as_(who).post(f"{detection.REVIEW_PATH}/{examiner.id}/release",
                                   data={f"release-{examiner.id}-note": "我来放行"})
    assert response.status_code == 403
    assert account(users, "examiner").reads_suspended_at is not None
    assert db.session.scalars(select(AdminChange).where(AdminChange.action == "release_reads")).all() == []
    if who in ("interviewer", "admin"):
        assert pages.as_(who).get(detection.REVIEW_PATH).status_code == 403
    if who == "other_supervisor":
        assert f'data-account="{examiner.id}"' not in pages.html(who, detection.REVIEW_PATH)


def test_the_api_lists_and_releases(limits, api, users, make_case):
    case = make_case("registered")
    for _ in range(6):
        api.case(case.id, "examiner")
    examiner = users["examiner"]
    listed = api.get("/suspended-accounts", "supervisor").get_json()
    assert [a["user"]["id"] for a in listed["suspended"]] == [examiner.id]
    assert listed["suspended"][0]["counts"]["case_views"] == 6
    assert api.get("/suspended-accounts", "other_supervisor").get_json()["suspended"] == []
    api.error(api.get("/suspended-accounts", "examiner_m"), 403, "forbidden")
    path = f"/suspended-accounts/{examiner.id}/release"
    api.error(api.post(path, "other_supervisor", json={"note": "x"}), 403, "forbidden")
    api.error(api.post(path, "supervisor", json={}), 422, "invalid")
    api.error(api.post(path, "supervisor", json={"note": 5, "extra": 1}), 422, "invalid")
    api.error(api.post("/suspended-accounts/99999/release", "supervisor", json={"note": "x"}), 404, "not_found")
    response = api.post(path, "supervisor", json={"note": "核对完毕"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["suspended_at"] is None
    assert api.get(f"/cases/{case.id}", "examiner").status_code == 200
    api.error(api.post(path, "supervisor", json={"note": "again"}), 409, "not_suspended")


def test_an_account_of_an_agency_without_supervisors_is_released_by_an_auditor(limits, api, users, make_case):
    """Procuratorate staff have no supervisor in their agency: the auditors are told and review."""
    case = make_case("aid_review")
    reader = users["case_prosecutor"]
    for _ in range(6):
        assert api.get(f"/cases/{case.id}", "case_prosecutor").status_code == 200
    assert account(users, "case_prosecutor").reads_suspended_at is not None
    assert recipients("reads_suspended", users) == {"auditor"}
    path = f"/suspended-accounts/{reader.id}/release"
    api.error(api.post(path, "supervisor", json={"note": "x"}), 403, "forbidden")
    assert api.post(path, "auditor", json={"note": "庭前阅卷"}).status_code == 200


def test_downloads_count(limits, pages, users, make_case):
    case = make_case("registered")
    document = documents.generate(users["intake_officer"], case, "registration_form", "internal")
    client = pages.as_("intake_officer")
    assert [client.get(f"/documents/{document.id}.pdf").status_code for _ in range(2)] == [200, 200]
    assert [r.kind for r in records(action="documents.pdf")] == ["download", "download"]
    assert client.get(f"/cases/{case.id}").status_code == 200
    [alert] = records(kind="alert")
    assert {k: alert.details[k] for k in ("case_views", "downloads", "total")} == {
        "case_views": 1, "downloads": 2, "total": 3}


def test_with_the_default_settings_the_insider_is_stopped(api, users, make_case):
    """Case reads and PDF downloads in a quick loop, as in the issue (through the API, which is
    quicker to drive than pages): warned at the 60th, suspended at the 150th, refused from the
    151st on."""
    case = make_case("registered")
    document = documents.generate(users["intake_officer"], case, "registration_form", "internal")
    urls = [f"/cases/{case.id}", f"/cases/{case.id}", f"/documents/{document.id}/pdf"] * 51
    statuses = [api.get(url, "intake_officer").status_code for url in urls]
    assert statuses[:150] == [200] * 150 and set(statuses[150:]) == {429}
    alerts = records(kind="alert")
    assert [(a.action, a.details["total"]) for a in alerts] == [("bulk_read.warning", 60),
                                                                 ("bulk_read.suspended", 150)]
    assert alerts[1].details["case_views"] == 100 and alerts[1].details["downloads"] == 50


def test_a_counted_read_costs_one_statement_more(pages, make_case, monkeypatch):
    case = make_case("registered")
    client = pages.as_("examiner")

    def statements(url: str) -> list[str]:
        seen: list[str] = []

        def count(conn, cursor, statement, *args):  # noqa: ARG001
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return seen

    page = f"/cases/{case.id}"
    statements(page)  # the settings are read once a minute, not per read: warm them up
    with_detection, inbox_with = statements(page), statements("/inbox")
    monkeypatch.setattr(trail, "WATCHERS", [])
    without, inbox_without = statements(page), statements("/inbox")
    assert len(with_detection) == len(without) + 1
    assert len([s for s in with_detection if "FROM audit_records" in s and "sum(" in s.lower()]) == 1
    assert len(inbox_with) == len(inbox_without)  # what does not count costs nothing


def test_the_thresholds_are_settings_on_the_admin_page(pages):
    limits = helper_modules.load("admin/test_settings_pages.py").LIMITS
    client = pages.as_("admin")
    html = pages.html("admin", "/admin/settings")
    assert 'name="bulk_read_warning"' in html and 'value="60"' in html and 'value="150"' in html
    refused = client.post("/admin/settings/limits", data={**limits, "bulk_read_warning": "200"})
    assert refused.status_code == 422 and 'id="bulk_read_limit-error1"' in refused.get_data(as_text=True)
    saved = client.post("/admin/settings/limits", data={**limits, "bulk_read_warning": "80", "bulk_read_limit": "200"})
    assert saved.status_code == 302
    assert (settings.get("bulk_read_warning"), settings.get("bulk_read_limit")) == (80, 200)
