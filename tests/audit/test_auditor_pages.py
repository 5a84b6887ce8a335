"""Auditors search the trail (pages, CSV export, API) and see exactly the matching records; nobody
else does; a case's supervisors see who has opened the child's file, break-the-glass marked."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from audit_helpers import last_record, records

from workflow.admin.models import User
from workflow.audit import queries, trail
from workflow.audit.models import AuditRecord
from workflow.core.extensions import db

UTC = dt.UTC
REASON = "夜间急诊复诊，儿童再次受伤，需立即查看既往检查记录以便处置。"


def shown(html: str) -> list[int]:
    """The record ids an audit page lists, in its order."""
    return [int(i) for i in re.findall(r'data-record="(\d+)"', html)]


def username_of(record: AuditRecord) -> str:
    return db.session.get(User, record.user_id).username if record.user_id else ""


def ids(**where) -> list[int]:
    """The ids of the records matching `where`, newest first (as the pages list them)."""
    return [r.id for r in reversed(records(**where))]


@pytest.fixture
def reads(pages, users, make_case):
    """Two cases; the examiner reads the first, the supervisor both, another centre's examiner is
    refused the first."""
    first, second = make_case("registered"), make_case("registered")
    pages.as_("examiner").get(f"/cases/{first.id}")
    pages.as_("examiner").get(f"/cases/{first.id}")
    pages.as_("supervisor").get(f"/cases/{first.id}")
    pages.as_("supervisor").get(f"/cases/{second.id}")
    assert pages.as_("other_examiner").get(f"/cases/{first.id}").status_code == 404
    pages.as_("auditor")  # signed in before the tests count
    return first, second


# --- the auditor's pages --------------------------------------------------------------------------

def test_an_auditor_searches_by_user_case_and_action_and_sees_exactly_the_matching_records(pages, users, reads):
    first, second = reads
    examiner = users["examiner"]
    expected = ids(user_id=examiner.id)
    assert len(expected) >= 3  # the sign-in's records and two case pages
    assert shown(pages.html("auditor", "/audit?user=examiner")) == expected

    # its making (system records), two reads by the examiner, one by the supervisor, one refused
    by_case = ids(case_id=first.id)
    assert [r.outcome for r in records(case_id=first.id) if r.user_id] == ["allowed"] * 3 + ["404"]
    assert shown(pages.html("auditor", f"/audit?case={first.number}")) == by_case
    assert shown(pages.html("auditor", f"/audit?case={first.id}")) == by_case

    html = pages.html("auditor", "/audit?user=supervisor&action=cases.show")
    expected = [r.id for r in reversed(records(user_id=users["supervisor"].id, action="cases.show"))]
    assert shown(html) == expected and len(expected) == 2
    assert first.number in html and second.number in html  # the case column names the case by its number
    assert f'href="/audit?case={first.id}"' in html  # and leads to all its records

    refused = pages.html("auditor", f"/audit?case={first.id}&outcome=refused")
    assert shown(refused) == ids(case_id=first.id, outcome="404")
    assert shown(pages.html("auditor", "/audit?kind=login&user=examiner")) == ids(user_id=examiner.id, kind="login")
    # what the auditor searched is recorded, as ids
    assert last_record().details["filters"] == {"user_id": examiner.id, "kind": "login"}
    assert (last_record().action, last_record().user_id) == ("audit.index", users["auditor"].id)


def test_a_time_range_is_of_days_in_the_centres_time_zone(pages, users):
    """Beijing days: 23:30 on 2 March is that day, 00:30 on 3 March is not (although both are 2 March in UTC)."""
    made = {}
    for name, moment in (("first", dt.datetime(2026, 3, 1, 2, 0)), ("late", dt.datetime(2026, 3, 2, 15, 30)),
                         ("next", dt.datetime(2026, 3, 2, 16, 30))):
        with time_machine.travel(moment.replace(tzinfo=UTC), tick=False):
            trail.record(f"test.{name}", "system")
            db.session.commit()
        made[name] = last_record().id
    assert shown(pages.html("auditor", "/audit?since=2026-03-02&until=2026-03-02")) == [made["late"]]
    assert shown(pages.html("auditor", "/audit?since=2026-03-02&until=2026-03-03&kind=system")) == [made["next"],
                                                                                                     made["late"]]
    assert shown(pages.html("auditor", "/audit?until=2026-03-01&kind=system")) == [made["first"]]
    assert set(shown(pages.html("auditor", "/audit?since=2026-03-03"))) >= {made["next"]}
    assert made["first"] not in shown(pages.html("auditor", "/audit?since=2026-03-03"))


def test_bad_filters_are_shown_beside_their_fields(pages, users):
    for query, field in (("since=2026-13-01", "since"), ("until=yesterday", "until"), ("user=nobody", "user"),
                         ("case=C1999-9999", "case"), ("kind=gossip", "kind"), ("outcome=maybe", "outcome"),
                         ("since=2026-03-02&until=2026-03-01", "until")):
        html = pages.html("auditor", f"/audit?{query}", status=400)
        assert f'data-error="{field}"' in html, query
        assert "data-audit-records" not in html
    assert pages.as_("auditor").get("/audit?page=999").status_code == 404
    assert pages.as_("auditor").get("/audit?page=x").status_code == 400


def test_rows_show_who_what_and_where(pages, users, reads):
    first, _second = reads
    html = pages.html("auditor", f"/audit?user=examiner&case={first.id}")
    row = re.search(r'<tr data-record="\d+"[^>]*>(.*?)</tr>', html, re.S).group(0)
    record = records(user_id=users["examiner"].id, case_id=first.id)[-1]
    assert f'data-record="{record.id}"' in row
    assert "examiner 测试" in row and ">examiner<" in row  # name and username
    assert 'data-action="cases.show"' in row and "cases.show" in row
    assert first.number in row and "127.0.0.1" in row and record.session_ref in row
    assert "data-break-glass" not in row


def test_the_navigation_leads_auditors_to_the_trail(pages, users):
    assert 'data-nav="audit"' in pages.html("auditor", "/account")
    assert 'data-nav="audit"' not in pages.html("supervisor", "/account")


@pytest.mark.parametrize("username", ["supervisor", "admin", "examiner"])
def test_nobody_but_auditors_reads_the_trail(pages, users, username):
    client = pages.as_(username)
    assert client.get("/audit").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
    assert last_record().outcome == "403"
    assert pages.anonymous().get("/audit").status_code == 302  # to the login page


# --- the CSV export -------------------------------------------------------------------------------

def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    body = response.get_data()
    assert body.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_export_holds_the_search_and_is_itself_recorded(app, pages, users, reads):
    first, _second = reads
    expected = records(case_id=first.id)
    exports = len(records(kind="export"))
    rows = _csv(pages.as_("auditor").get(f"/audit/export.csv?case={first.number}"))
    with app.test_request_context():
        assert rows[0] == [str(column) for column in queries.EXPORT_COLUMNS]
    assert len(rows) == 1 + len(expected)
    # username, endpoint, case number and id (the columns' order)
    assert [(r[2], r[5], r[7], r[8]) for r in rows[1:]] == \
        [(username_of(e), e.action, first.number, str(first.id)) for e in reversed(expected)]
    assert sorted(r[2] for r in rows[1:] if r[2]) == ["examiner", "examiner", "other_examiner", "supervisor"]

    export = last_record()
    assert (export.action, export.kind, export.user_id, export.outcome) == ("audit.export", "export",
                                                                            users["auditor"].id, "allowed")
    assert export.details["count"] == len(expected)
    assert export.details["filters"] == {"case_id": first.id}
    assert len(records(kind="export")) == exports + 1


def test_no_typed_search_appears_in_the_trail_its_pages_or_its_export(pages, users, make_case):
    case = make_case("registered")
    pages.as_("supervisor").get(f"/cases?q={case.child_name}")
    search = last_record()
    assert search.kind == "search" and case.child_name not in str(search.details)
    html = pages.html("auditor", "/audit?kind=search")
    assert f'data-record="{search.id}"' in html and case.child_name not in html
    body = pages.as_("auditor").get("/audit/export.csv").get_data().decode("utf-8-sig")
    assert search.details["search"] in body and case.child_name not in body


def test_a_spreadsheet_formula_in_a_name_is_exported_as_text(pages, users):
    users["examiner"].full_name = "=HYPERLINK(\"http://x\")"
    db.session.commit()
    pages.as_("examiner").get("/account")
    rows = _csv(pages.as_("auditor").get("/audit/export.csv?user=examiner&action=auth.account_page"))
    assert rows[1][1] == "'=HYPERLINK(\"http://x\")"


def test_the_export_is_capped_and_the_page_says_so(monkeypatch, pages, users, reads):
    monkeypatch.setattr(queries, "EXPORT_LIMIT", 2)
    assert "data-export" in pages.html("auditor", "/audit?user=examiner")
    response = pages.as_("auditor").get("/audit/export.csv?user=examiner")
    assert len(_csv(response)) == 1 + 2 and response.headers["X-Export-Limit"] == "2"
    assert last_record().details["count"] == 2 and last_record().details["truncated"] is True


# --- the API --------------------------------------------------------------------------------------

def test_the_api_filters_and_pages_like_the_pages(api, users, reads):
    first, _second = reads
    expected = ids(case_id=first.id)
    assert len(expected) > 3
    pages = -(-len(expected) // 3)
    body = api.get(f"/audit/records?case={first.number}&per_page=3", "auditor").get_json()
    assert (body["total"], body["pages"], body["page"], body["per_page"]) == (len(expected), pages, 1, 3)
    assert [r["id"] for r in body["records"]] == expected[:3]
    second_page = api.get(f"/audit/records?case={first.id}&per_page=3&page=2", "auditor").get_json()
    assert [r["id"] for r in second_page["records"]] == expected[3:6]
    api.error(api.get(f"/audit/records?case={first.id}&per_page=3&page={pages + 1}", "auditor"), 404, "not_found")

    record = db.session.get(AuditRecord, expected[0])
    newest = body["records"][0]
    assert newest == {**newest, "id": record.id, "action": record.action, "kind": record.kind,
                      "outcome": record.outcome, "session_ref": record.session_ref, "address": "127.0.0.1",
                      "case": {"id": first.id, "number": first.number}, "break_glass": False}
    assert newest["user"] == {"id": record.user_id, "username": username_of(record),
                              "name": db.session.get(User, record.user_id).full_name}

    examiner = api.get("/audit/records?user=examiner&action=cases.show&outcome=allowed", "auditor").get_json()
    assert [r["id"] for r in examiner["records"]] == ids(user_id=users["examiner"].id, action="cases.show")
    refused = api.get("/audit/records?outcome=404", "auditor").get_json()
    assert [r["id"] for r in refused["records"]] == ids(outcome="404")
    api_reads = api.get("/audit/records?action=api.&kind=read", "auditor").get_json()
    assert api_reads["records"] and all(r["action"].startswith("api.") for r in api_reads["records"])

    doc = api.client.get("/api/v1/openapi.json").get_json()
    assert "get" in doc["paths"]["/audit/records"]
    schema = doc["components"]["schemas"]["AuditRecord"]
    for row in body["records"]:
        assert set(schema["required"]) <= set(row) <= set(schema["properties"])


def test_the_api_refuses_bad_filters_and_non_auditors(api, users):
    error = api.error(api.get("/audit/records?since=2026-02-30", "auditor"), 400, "bad_request")
    assert set(error["fields"]) == {"since"}
    error = api.error(api.get("/audit/records?user=nobody&kind=x", "auditor"), 400, "bad_request")
    assert set(error["fields"]) == {"user", "kind"}
    api.error(api.get("/audit/records?per_page=101", "auditor"), 400, "bad_request")
    for username in ("supervisor", "admin"):
        api.error(api.get("/audit/records", username), 403, "forbidden")
        api.error(api.get("/audit/records?since=bad", username), 403, "forbidden")
    api.error(api.client.get("/api/v1/audit/records"), 401)


def test_the_api_takes_times_with_an_offset(api, users):
    with time_machine.travel(dt.datetime(2026, 3, 2, 15, 30, tzinfo=UTC), tick=False):
        trail.record("test.at", "system")
        db.session.commit()
    found = api.get("/audit/records?kind=system&since=2026-03-02T23:30:00%2B08:00&until=2026-03-02T15:31:00",
                    "auditor").get_json()
    assert [r["action"] for r in found["records"]] == ["test.at"]
    assert found["records"][0]["at"] == "2026-03-02T15:30:00Z" and found["records"][0]["user"] is None
    assert api.get("/audit/records?kind=system&since=2026-03-02T23:30:01%2B08:00", "auditor").get_json()["total"] == 0


# --- who has opened this child's file -------------------------------------------------------------

@pytest.fixture
def case(make_case):
    """Its examiner is `examiner`; the centre's other examiner `examiner_m` is not on its team."""
    case = make_case("aid_review")
    assert case.member("examiner").username == "examiner"
    return case


def readers_of(html: str) -> dict[str, dict]:
    section = re.search(r'<section class="card mb-3" id="readers">(.*?)</section>', html, re.S)
    assert section, "no readers section"
    return {m.group(1): {"count": int(m.group(2)), "break_glass": int(m.group(3) or 0)}
            for m in re.finditer(r'data-reader="([^"]+)" data-count="(\d+)"(?: data-break-glass="(\d+)")?',
                                 section.group(1))}


def test_the_supervisor_sees_who_opened_the_file_how_often_and_who_broke_the_glass(pages, users, case):
    examiner = pages.as_("examiner")
    examiner.get(f"/cases/{case.id}")
    examiner.get(f"/cases/{case.id}/diagram.svg")  # a part of the page: not another opening
    examiner.get(f"/cases/{case.id}")
    assert pages.as_("other_examiner").get(f"/cases/{case.id}").status_code == 404  # refused: opened nothing
    response = pages.as_("examiner_m").post("/cases/emergency", data={"case": case.number, "reason": REASON})
    assert response.status_code == 302
    assert last_record().kind == "emergency" and last_record().case_id == case.id
    assert pages.as_("examiner_m").get(f"/cases/{case.id}").status_code == 200

    html = pages.html("supervisor", f"/cases/{case.id}")
    assert readers_of(html) == {"examiner": {"count": 2, "break_glass": 0},
                                "examiner_m": {"count": 2, "break_glass": 1}}  # breaking it, then the read
    assert "examiner_m 测试" in html
    # the supervisor's own first view is in the trail now
    assert readers_of(pages.html("supervisor", f"/cases/{case.id}"))["supervisor"]["count"] == 1

    emergency = pages.html("auditor", f"/audit?case={case.id}&break_glass=1")
    assert shown(emergency) == [r.id for r in reversed(records(case_id=case.id, user_id=users["examiner_m"].id))]
    assert emergency.count("data-break-glass") == 2


def test_the_readers_section_is_for_the_centres_supervisors_only(pages, users, case, api):
    pages.as_("examiner").get(f"/cases/{case.id}")
    assert 'id="readers"' not in pages.html("examiner", f"/cases/{case.id}")
    assert 'id="readers"' in pages.html("supervisor", f"/cases/{case.id}")
    assert pages.as_("other_supervisor").get(f"/cases/{case.id}").status_code == 404
    assert pages.as_("auditor").get(f"/cases/{case.id}").status_code in (403, 404)  # no case content

    assert "readers" not in api.case(case.id, "examiner")
    readers = api.case(case.id, "supervisor")["readers"]
    by_user = {r["user"]["username"]: r for r in readers}
    assert by_user["examiner"]["count"] == 3 and by_user["examiner"]["roles"] == ["examiner"]
    assert by_user["examiner"]["break_glass"] == 0
    assert by_user["examiner"]["first_at"] <= by_user["examiner"]["last_at"]


def test_only_allowed_reads_count_one_row_per_reader(app, users, case):
    for _ in range(5):
        trail.record("cases.show", "read", user_id=users["examiner"].id, case_id=case.id)
    trail.record("cases.action", "write", user_id=users["psychologist"].id, case_id=case.id)  # a change, not a read
    trail.record("cases.show", "read", user_id=users["interviewer"].id, case_id=case.id, outcome="403")
    trail.record("documents.pdf", "download", user_id=users["case_prosecutor"].id, case_id=case.id)
    db.session.commit()
    readers = {r.user.username: (r.count, r.break_glass) for r in queries.case_readers(case.id)}
    assert readers == {"examiner": (5, 0), "case_prosecutor": (1, 0)}
