"""The register through the API: single inquiries (record, no record, manual review), result notices,
re-checks, batch screening, errors, the rate limit, and that an employer never learns more than the
answer nor sees another employer's inquiries."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json

import helper_modules
import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from workflow.core import jobs, settings
from workflow.core.clocks import local_today
from workflow.core.extensions import db
from workflow.core.models import Job
from workflow.registry import operations
from workflow.registry.labels import REGISTRY_CATEGORY_LABELS
from workflow.registry.models import REGISTRY_CATEGORIES, RegistryInquiry

helpers = helper_modules.load("registry/registry_helpers.py")
resident_id, wrong_check_digit, entry_in_force = helpers.resident_id, helpers.wrong_check_digit, helpers.entry_in_force
SOURCE = "（2024）粤01刑初9号刑事判决书"
PERSON = {"name": "赵某", "id_number": resident_id(), "post": "语文教师", "consent": True}


def _forbidden_words() -> list[str]:
    words = [*helpers.CATEGORY_WORDS, *REGISTRY_CATEGORIES, SOURCE, "粤01刑初9号",
             helpers.entry_data()["source_document"], "entry_id", "category", "source"]
    for locale in ("en", "zh_CN"):
        with force_locale(locale):
            words += [str(label) for label in REGISTRY_CATEGORY_LABELS.values()]
    return words


def assert_clean(response) -> dict:
    """A JSON body that says nothing of an entry: no category code or label, no source document."""
    body = response.get_json()
    text = json.dumps(body, ensure_ascii=False)
    for word in _forbidden_words():
        assert word not in text, (word, body)
    return body


def pdf_text(content: bytes) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages)


def inquire(api, as_: str = "employer_hr", **overrides):
    body = {**PERSON, **overrides}
    return api.post("/registry/inquiries", as_, json={k: v for k, v in body.items() if v is not ...})


def answered(api, as_: str = "employer_hr", **overrides) -> dict:
    response = inquire(api, as_, **overrides)
    assert response.status_code == 201, response.get_json()
    body = assert_clean(response)
    assert response.headers["Location"] == body["url"]
    return body


def path(url: str) -> str:
    return url.removeprefix("/api/v1")


# --- single inquiries ---------------------------------------------------------------------------

def test_hit_is_a_record_with_a_notice_that_says_nothing_of_the_entry(api, users):
    entry_in_force(users, category="conviction_rape", source_document=SOURCE)
    body = answered(api, post="幼儿园保育员")
    assert body["result"] == "record" and body["inquiry_id"] and body["number"] and body["asked_at"]
    assert body["may_recheck"] is True and body["recheck"] is None
    assert body["name"] == "赵某" and body["id_number_masked"] != PERSON["id_number"]
    assert body["notice_url"] == f"/api/v1/registry/inquiries/{body['inquiry_id']}/notice"
    logged = RegistryInquiry.query.one()
    assert (logged.user_id, logged.agency_id, logged.post) == (users["employer_hr"].id,
                                                               users["employer_hr"].agency_id, "幼儿园保育员")
    again = api.get(path(body["url"]), "employer_hr")
    assert again.status_code == 200 and assert_clean(again) == body

    notice = api.get(path(body["notice_url"]), "employer_hr")
    assert notice.status_code == 200 and notice.mimetype == "application/pdf"
    assert notice.headers["X-Content-SHA256"] == hashlib.sha256(notice.data).hexdigest()
    assert "no-store" in notice.headers["Cache-Control"]
    text = pdf_text(notice.data)
    assert "有记录" in text and "查询" in text and "幼儿园保育员" in text
    for word in _forbidden_words():
        if word not in ("source", "category"):  # English words the Chinese notice never has anyway
            assert word.replace(" ", "") not in text, word


def test_miss_is_no_record(api, users):
    entry_in_force(users)
    body = answered(api, name="钱某", id_number=resident_id(region="110105", sequence=1))
    assert body["result"] == "no_record" and body["may_recheck"] is False
    notice = api.get(path(body["notice_url"]), "employer_hr")
    assert notice.status_code == 200, notice.get_json()
    assert "无记录" in pdf_text(notice.data)


def test_a_ban_that_ended_no_longer_matches(api, users):
    entry_in_force(users, category="employment_ban", ban_until=local_today() - dt.timedelta(days=1),
                   source_date=dt.date(2020, 1, 1))
    assert answered(api)["result"] == "no_record"


def test_a_lifelong_ban_matches(api, users):
    entry_in_force(users, category="employment_ban", ban_lifelong=True, source_date=dt.date(2001, 1, 1))
    assert answered(api)["result"] == "record"


def test_name_and_birth_date_with_another_id_number_needs_manual_review(api, users):
    entry_in_force(users)
    body = answered(api, id_number=resident_id(region="110105", sequence=555))  # same name and birth date
    assert body["result"] == "pending_review" and body["notice_url"] is None and body["may_recheck"] is False
    notice = api.get(f"/registry/inquiries/{body['inquiry_id']}/notice", "employer_hr")
    assert_clean(notice)
    api.error(notice, 409, "wrong_state")
    # once a maintainer decides, the answer and its notice follow
    operations.resolve_review(users["registry_maintainer"], body["inquiry_id"], "no_record")
    after = assert_clean(api.get(path(body["url"]), "employer_hr"))
    assert after["result"] == "no_record" and after["reviewed_at"] and after["notice_url"]
    assert api.get(path(after["notice_url"]), "employer_hr").status_code == 200


def test_other_document_types_need_a_strict_birth_date(api, users):
    passport = {"id_type": "passport", "id_number": "E12345678"}
    for bad in ("1985/03/14", "19850314", "1985-02-30", 19850314):
        response = inquire(api, **passport, birth_date=bad)
        assert "birth_date" in api.error(response, 422, "invalid")["fields"], bad
    assert "birth_date" in api.error(inquire(api, **passport), 422)["fields"]
    assert RegistryInquiry.query.count() == 0
    body = answered(api, **passport, birth_date="1985-03-14")
    assert body["result"] == "no_record" and body["id_type"] == "passport"


def test_invalid_input_is_refused_and_nothing_is_logged(api, users):
    body = api.error(inquire(api, id_number=wrong_check_digit(resident_id())), 422, "invalid")
    assert list(body["fields"]) == ["id_number"]
    for consent in (..., False, "true", 1, None):
        body = api.error(inquire(api, consent=consent), 422, "invalid")
        assert list(body["fields"]) == ["consent"], consent
    # shape and validation errors come together
    body = api.error(inquire(api, consent=False, name="", extra="x", post=["教师"]), 422)
    assert {"consent", "name", "extra", "post"} <= set(body["fields"])
    api.error(inquire(api, id_type="driving_licence"), 422)
    api.error(api.post("/registry/inquiries", "employer_hr", json=[PERSON]), 400, "bad_request")
    api.error(api.client.post("/api/v1/registry/inquiries", data="name=赵某", headers=api.headers("employer_hr")),
              400)
    assert RegistryInquiry.query.count() == 0


def test_only_employers_inquire(api, users):
    for who in ("registry_maintainer", "examiner", "auditor"):
        api.error(inquire(api, who), 403, "forbidden")
        api.error(inquire(api, who, consent=False), 403)  # refused before any validation
        api.error(api.get("/registry/inquiries", who), 403)
    api.error(api.client.post("/api/v1/registry/inquiries", json=PERSON), 401)
    assert RegistryInquiry.query.count() == 0


def test_an_employer_sees_only_its_own_inquiries(api, users):
    entry_in_force(users)
    mine = answered(api)
    colleague = answered(api, "employer_hr_2", name="钱某", id_number=resident_id(sequence=9))
    theirs = answered(api, "kindergarten_hr", name="孙某", id_number=resident_id(sequence=8))
    listing = api.get("/registry/inquiries", "employer_hr")
    body = assert_clean(listing)
    assert [i["inquiry_id"] for i in body["inquiries"]] == [colleague["inquiry_id"], mine["inquiry_id"]]
    assert (body["total"], body["page"], body["pages"]) == (2, 1, 1)
    other = assert_clean(api.get("/registry/inquiries", "kindergarten_hr"))
    assert [i["inquiry_id"] for i in other["inquiries"]] == [theirs["inquiry_id"]]
    second = assert_clean(api.get("/registry/inquiries?per_page=1&page=2", "employer_hr"))
    assert [i["inquiry_id"] for i in second["inquiries"]] == [mine["inquiry_id"]] and second["pages"] == 2
    api.error(api.get("/registry/inquiries?per_page=1000", "employer_hr"), 400)
    for response in (api.get(path(mine["url"]), "kindergarten_hr"),
                     api.get(path(mine["notice_url"]), "kindergarten_hr"),
                     api.post(f"/registry/inquiries/{mine['inquiry_id']}/recheck", "kindergarten_hr",
                              json={"reason": "不服"}),
                     api.get("/registry/inquiries/999999", "employer_hr"),
                     api.get(f"/registry/inquiries/{2**40}", "employer_hr")):
        assert_clean(response)
        api.error(response, 404, "not_found")
    assert api.get(path(colleague["url"]), "employer_hr").status_code == 200  # same employer


def test_rate_limit_is_a_429_with_retry_after(api, users, app):
    settings.put("registry_inquiries_per_hour", 2)
    db.session.commit()
    answered(api, id_number=resident_id(sequence=1))
    answered(api, "employer_hr_2", id_number=resident_id(sequence=2))
    response = inquire(api, id_number=resident_id(sequence=3))
    api.error(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) > 0
    assert RegistryInquiry.query.count() == 2
    answered(api, "kindergarten_hr", id_number=resident_id(sequence=3))  # another employer's quota


# --- re-check -----------------------------------------------------------------------------------

def _remove(users, entry) -> None:
    """The entry's removal, proposed and approved: what a corrected re-check needs first."""
    change = operations.propose_removal(users["registry_maintainer"], entry.id, "证件信息错误", entry.version)
    operations.decide_change(users["registry_maintainer_2"], change.id, True)


def test_recheck_flow(api, users):
    entry = entry_in_force(users, source_document=SOURCE)
    body = answered(api)
    url = f"/registry/inquiries/{body['inquiry_id']}/recheck"
    api.error(api.post(url, "employer_hr", json={"reason": "  "}), 422)
    api.error(api.post(url, "employer_hr", json={"reason": "x", "why": "y"}), 422)
    api.error(api.post(url, "employer_hr", json={"reason": 5}), 422)
    api.error(api.post(url, "employer_hr", json="不服"), 400)
    response = api.post(url, "employer_hr", json={"reason": "本人称从未受过处罚"})
    assert response.status_code == 201, response.get_json()
    recheck = assert_clean(response)
    assert recheck["status"] == "open" and recheck["reason"] == "本人称从未受过处罚" and recheck["resolution"] is None
    assert response.headers["Location"] == body["url"]
    api.error(api.post(url, "employer_hr_2", json={"reason": "再次申请"}), 409, "wrong_state")
    shown = assert_clean(api.get(path(body["url"]), "employer_hr"))
    assert shown["recheck"]["id"] == recheck["id"] and shown["may_recheck"] is False

    _remove(users, entry)
    operations.resolve_recheck(users["registry_maintainer"], recheck["id"], "corrected",
                               "经复核，系同名同生日的另一人，结果更正为无记录。")
    shown = assert_clean(api.get(path(body["url"]), "employer_hr"))
    assert shown["result"] == "no_record" and shown["recheck"]["status"] == "corrected"
    assert shown["recheck"]["resolution"].startswith("经复核") and shown["recheck"]["resolved_at"]
    notice = api.get(path(shown["notice_url"]), "employer_hr")
    assert notice.status_code == 200, notice.get_json()
    assert "无记录" in pdf_text(notice.data)


def test_only_a_record_can_be_rechecked(api, users):
    body = answered(api)
    assert body["result"] == "no_record"
    response = api.post(f"/registry/inquiries/{body['inquiry_id']}/recheck", "employer_hr", json={"reason": "?"})
    api.error(response, 409, "wrong_state")


# --- batches ------------------------------------------------------------------------------------

def _batch_csv() -> bytes:
    rows = [("姓名", "证件号码", "出生日期", "岗位"),
            ("赵某", resident_id(), "", "语文教师"),  # a record
            ("钱某", resident_id(sequence=201), "", "数学教师"),  # no record
            ("孙某", wrong_check_digit(resident_id(sequence=202)), "", "体育教师"),  # bad check digit
            ("", resident_id(sequence=203), "", "校医"),  # no name
            ("李某", resident_id(sequence=204), "1990-01-01", "保安"),  # birth date contradicts the number
            ("赵某", resident_id(region="110105", sequence=555), "", "门卫")]  # name + birth date: review
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def _finished(api, response, as_: str = "employer_hr") -> dict:
    assert response.status_code == 202, response.get_json()
    job = assert_clean(response)
    assert response.headers["Location"] == job["url"] == f"/api/v1/jobs/{job['id']}"
    assert job["kind"] == "registry_batch" and "result_csv" not in job
    jobs.wait(job["id"], 30)
    job = assert_clean(api.get(path(job["url"]), as_))
    assert job["status"] == "done", job
    return job


def test_batch_with_bad_rows(api, users):
    entry_in_force(users, source_document=SOURCE)
    response = api.post("/registry/inquiries/batch?consent=true", "employer_hr", data=_batch_csv(),
                        content_type="text/csv; charset=utf-8")
    job = _finished(api, response)
    assert (job["done"], job["total"]) == (6, 6)
    assert job["counts"] == {"rows": 6, "invalid": 3, "record": 1, "no_record": 1, "pending_review": 1}
    assert job["result_csv"] == f"/api/v1/registry/batches/{job['id']}/result.csv"

    result = api.get(path(job["result_csv"]), "employer_hr")
    assert result.status_code == 200 and result.mimetype == "text/csv"
    assert "no-store" in result.headers["Cache-Control"]
    text = result.data.decode("utf-8-sig")
    for word in _forbidden_words():
        assert word not in text, word
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["row"], r["result"]) for r in rows] == [
        ("1", "record"), ("2", "no_record"), ("3", "invalid"), ("4", "invalid"), ("5", "invalid"),
        ("6", "pending_review")]
    assert all(r["error"] for r in rows if r["result"] == "invalid")
    assert not any(r["error"] for r in rows if r["result"] != "invalid")
    assert resident_id() not in text and rows[0]["id_number"].endswith(resident_id()[-4:])

    listing = assert_clean(api.get(f"/registry/inquiries?job_id={job['id']}", "employer_hr"))
    assert {(i["row"], i["result"]) for i in listing["inquiries"]} == {
        (1, "record"), (2, "no_record"), (6, "pending_review")}
    by_row = {i["row"]: i for i in listing["inquiries"]}
    assert by_row[1]["notice_url"] and by_row[6]["notice_url"] is None
    assert by_row[2]["notice_url"] is None  # the result file answers a batch's misses
    api.error(api.get(f"/registry/inquiries/{by_row[2]['inquiry_id']}/notice", "employer_hr"), 409)
    notice = api.get(path(by_row[1]["notice_url"]), "employer_hr")
    assert notice.status_code == 200 and "有记录" in pdf_text(notice.data)

    # the submitting user only: a colleague, another employer or a maintainer learn nothing
    for who in ("employer_hr_2", "kindergarten_hr", "registry_maintainer"):
        api.error(api.get(path(job["result_csv"]), who), 404, "not_found")
        api.error(api.get(path(job["url"]), who), 404, "not_found")
    assert assert_clean(api.get(f"/registry/inquiries?job_id={job['id']}", "kindergarten_hr"))["total"] == 0


def test_batch_as_multipart(api, users):
    response = api.client.post("/api/v1/registry/inquiries/batch", headers=api.headers("employer_hr"),
                               data={"file": (io.BytesIO(_batch_csv()), "applicants.csv"), "consent": "true"},
                               content_type="multipart/form-data")
    job = _finished(api, response)
    assert job["counts"]["invalid"] == 3 and job["counts"]["no_record"] == 3


def test_batch_refusals(api, users):
    csv_body = {"data": _batch_csv(), "content_type": "text/csv"}
    for url in ("/registry/inquiries/batch", "/registry/inquiries/batch?consent=false"):
        body = api.error(api.post(url, "employer_hr", **csv_body), 422, "invalid")
        assert list(body["fields"]) == ["consent"]
    response = api.client.post("/api/v1/registry/inquiries/batch", headers=api.headers("employer_hr"),
                               data={"file": (io.BytesIO(_batch_csv()), "a.csv")}, content_type="multipart/form-data")
    assert list(api.error(response, 422)["fields"]) == ["consent"]
    response = api.client.post("/api/v1/registry/inquiries/batch", headers=api.headers("employer_hr"),
                               data={"consent": "true"}, content_type="multipart/form-data")
    assert list(api.error(response, 422)["fields"]) == ["file"]
    body = api.error(api.post("/registry/inquiries/batch?consent=true", "employer_hr", data=b"foo,bar\r\n1,2\r\n",
                              content_type="text/csv"), 422)
    assert "file" in body["fields"]
    api.error(api.post("/registry/inquiries/batch?consent=true", "employer_hr", json={"rows": []}), 415)
    api.error(api.post("/registry/inquiries/batch?consent=true", "examiner", **csv_body), 403, "forbidden")
    api.error(api.get("/registry/batches/999999/result.csv", "employer_hr"), 404)
    assert Job.query.count() == 0 and RegistryInquiry.query.count() == 0


def test_a_document_job_has_no_result_csv(api, users, make_case):
    case = make_case("registered")
    response = api.post(f"/cases/{case.id}/documents", "intake_officer",
                        json={"document": "registration_form", "recipient": "internal"})
    job = response.get_json()
    jobs.wait(job["id"], 60)
    api.error(api.get(f"/registry/batches/{job['id']}/result.csv", "intake_officer"), 404)
    assert "result_csv" not in api.get(path(job["url"]), "intake_officer").get_json()


# --- OpenAPI ------------------------------------------------------------------------------------

@pytest.mark.parametrize("operation", [
    ("/registry/inquiries", "post"), ("/registry/inquiries", "get"), ("/registry/inquiries/{inquiry_id}", "get"),
    ("/registry/inquiries/{inquiry_id}/notice", "get"), ("/registry/inquiries/{inquiry_id}/recheck", "post"),
    ("/registry/inquiries/batch", "post"), ("/registry/batches/{job_id}/result.csv", "get")])
def test_openapi_describes_the_register_endpoints(api, operation):
    document = api.client.get("/api/v1/openapi.json").get_json()
    route, method = operation
    assert document["paths"][route][method]["operationId"]


def test_openapi_matches_the_inquiry(api, users):
    schemas = api.client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    entry_in_force(users)
    body = answered(api)
    assert set(schemas["RegistryInquiry"]["required"]) <= set(body) <= set(schemas["RegistryInquiry"]["properties"])
    assert set(schemas["RegistryInquiryRequest"]["properties"]) == {"name", "id_number", "consent", "id_type",
                                                                     "birth_date", "post"}
    assert {"result_csv", "counts"} <= set(schemas["Job"]["properties"])
    assert not any(word in key for key in schemas["RegistryInquiry"]["properties"]
                   for word in ("categor", "entry", "source"))
