"""One record per request that reads or changes data, with the right fields; sign-ins and
sign-outs; search terms only as keyed hashes; the history folded into the records of its writes."""
from __future__ import annotations

import re

from audit_helpers import last_record, records
from sqlalchemy import func, select

from workflow.audit.models import AuditRecord
from workflow.audit.trail import search_hash
from workflow.core.extensions import db
from workflow.core.models import Event


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AuditRecord))


def test_a_case_page_read_is_one_record_with_who_where_what_and_outcome(pages, users, make_case):
    case = make_case("registered")
    client = pages.as_("examiner")
    before = _count()
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert _count() == before + 1
    record = last_record()
    assert (record.user_id, record.action, record.kind, record.object_type, record.object_ids, record.case_id,
            record.outcome) == (users["examiner"].id, "cases.show", "read", "case", [case.id], case.id, "allowed")
    assert re.fullmatch(r"s:\d+", record.session_ref)
    assert record.address == "127.0.0.1"
    assert len(record.content_hash) == len(record.chain_hash) == len(record.mac) == 64


def test_refusals_are_recorded_with_their_status(pages, users, make_case):
    case = make_case("registered")
    assert pages.as_("other_examiner").get(f"/cases/{case.id}").status_code == 404
    assert (last_record().user_id, last_record().outcome) == (users["other_examiner"].id, "404")
    assert pages.as_("employer_hr").get(f"/cases/{case.id}").status_code in (403, 404)
    assert last_record().outcome in ("403", "404")
    assert pages.anonymous().get(f"/cases/{case.id}").status_code == 302  # to the login page
    assert (last_record().user_id, last_record().outcome, last_record().action) == (None, "401", "cases.show")


def test_an_api_read_names_the_token(api, users, make_case):
    case = make_case("registered")
    api.case(case.id, "examiner")
    record = last_record()
    assert (record.action, record.kind, record.case_id, record.outcome) == ("api.get_case", "read", case.id, "allowed")
    assert re.fullmatch(r"t:\d+", record.session_ref)


def test_a_change_is_recorded_in_its_own_transaction_with_its_history_events(api, users, make_case):
    case = make_case("registered")
    api.headers("supervisor")  # signed in (two records) before counting
    before = _count()
    api.ok(case.id, "suspend", "supervisor", {"reason": "家属要求暂缓"})
    assert _count() == before + 2  # the read of the version, then the change
    record = last_record()
    assert (record.action, record.kind, record.case_id, record.outcome) == ("api.fire", "write", case.id, "allowed")
    event = db.session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.id.desc())).first()
    assert event.action == "suspend"
    assert [e[0] for e in record.details["events"]] == [event.id]


def test_a_refused_change_is_recorded_and_changes_nothing(api, users, make_case):
    case = make_case("registered")
    events = db.session.scalar(select(func.count()).select_from(Event).where(Event.case_id == case.id))
    response = api.fire(case.id, "suspend", "supervisor", {"reason": "x"}, version=case.version - 1)
    assert response.status_code == 409
    record = last_record()
    assert (record.action, record.outcome, record.details) == ("api.fire", "409", {})
    assert db.session.scalar(select(func.count()).select_from(Event).where(Event.case_id == case.id)) == events


def test_a_search_is_recorded_as_a_keyed_hash_never_as_typed(pages, users, make_case):
    make_case("registered")
    pages.as_("supervisor").get("/cases?q=李小雨")
    record = last_record()
    assert (record.action, record.kind) == ("cases.index", "search")
    assert record.details["search"] == search_hash("李小雨")
    assert "李小雨" not in repr(record.details) and "李小雨" not in record.action


def test_sign_in_failures_and_sign_out_are_recorded(client, users):
    from page_clients import fresh_code

    client.post("/login", data={"username": "examiner", "password": "wrong-password"})
    failed = last_record()
    assert (failed.kind, failed.action, failed.user_id, failed.outcome) == (
        "login_failed", "login.wrong_password", users["examiner"].id, "401")
    client.post("/login", data={"username": "nobody-like-this", "password": "x"})
    assert (last_record().kind, last_record().user_id) == ("login_failed", None)
    code = fresh_code("examiner")
    client.post("/login", data={"username": "examiner", "password": "password-123"})
    client.post("/login/code", data={"code": code})
    assert [r.action for r in records(user_id=users["examiner"].id)][-2:] == ["login.password_ok", "login.ok"]
    client.post("/logout")
    assert (last_record().kind, last_record().user_id) == ("logout", users["examiner"].id)


def test_work_outside_requests_is_recorded_with_its_history(users, make_case):
    """The demo helpers drive cases through the engine with no request: their events are folded into
    system records, so the history verifies everywhere."""
    case = make_case("registered")
    events = set(db.session.scalars(select(Event.id).where(Event.case_id == case.id)))
    folded = {e[0] for r in records(kind="system") for e in r.details.get("events", [])}
    assert events and events <= folded


def test_a_register_inquiry_is_a_search_recorded_by_keyed_hash(api, users):
    import helper_modules

    id_number = helper_modules.load("registry/registry_helpers.py").resident_id()
    response = api.post("/registry/inquiries", "employer_hr",
                        json={"name": "赵某", "id_number": id_number, "post": "语文教师", "consent": True})
    assert response.status_code == 201, response.get_json()
    record = last_record()
    assert (record.action, record.kind, record.object_type, record.outcome) == (
        "api.create_registry_inquiry", "search", "registry_inquiry", "allowed")
    assert record.object_ids == [response.get_json()["inquiry_id"]]
    assert record.details["search"] == search_hash(id_number)
    assert id_number not in repr(record.details) and "赵某" not in repr(record.details)


def test_an_aid_page_read_names_its_case(app, pages, users, make_case, api_token):
    import helper_modules

    case = make_case("aid_review")
    aid_api = helper_modules.load("aid/aid_helpers.py").AidApi(app.test_client(), api_token)
    application_id = aid_api.open_application(case.id)["id"]
    assert pages.as_("case_prosecutor").get(f"/aid/{application_id}").status_code == 200
    record = last_record()
    assert (record.action, record.object_type, record.object_ids, record.case_id) == (
        "aid.show", "aid_application", [application_id], case.id)


def test_breaking_the_glass_is_recorded_as_such(pages, users, make_case):
    case = make_case("aid_review")
    response = pages.as_("examiner_m").post("/cases/emergency", data={"case": case.number,
                                                                      "reason": "孩子在急诊，需要立即查看过敏史"})
    assert response.status_code == 302
    record = last_record()
    assert (record.kind, record.case_id, record.user_id, record.outcome) == (
        "emergency", case.id, users["examiner_m"].id, "allowed")
    assert record.details["events"]  # its history entry goes with it
