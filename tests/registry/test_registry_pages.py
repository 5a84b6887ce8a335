"""The register's pages: employers' inquiries (single and batch), results, notices and re-checks;
maintainers' entries under four-eyes, reviews, re-checks; the inquiry log; a case's judgments."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from flask_babel import force_locale
from registry_helpers import CATEGORY_WORDS, ask, entry_data, entry_in_force, resident_id, wrong_check_digit
from sqlalchemy import func, select

from workflow.core import identity, jobs, settings
from workflow.core.extensions import db
from workflow.demo import fire
from workflow.registry import operations
from workflow.registry.labels import REGISTRY_CATEGORY_LABELS
from workflow.registry.models import RegistryChange, RegistryEntry, RegistryInquiry

SOURCE = entry_data()["source_document"]


def _forbidden_words(app) -> set[str]:
    words = set(CATEGORY_WORDS) | {SOURCE}
    with app.test_request_context():
        for locale in ("zh_CN", "en"):
            with force_locale(locale):
                words |= {str(label) for label in REGISTRY_CATEGORY_LABELS.values()}
    return words


def assert_nothing_about_the_entry(app, html: str) -> None:
    leaked = [w for w in _forbidden_words(app) if w in html]
    assert not leaked, leaked


def employer_pages(pages, who: str, urls: list[str]):
    """The HTML of each page in both languages."""
    client = pages.as_(who)
    for lang in ("zh_CN", "en"):
        client.get(f"/registry/?lang={lang}")
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            yield response.get_data(as_text=True)


def inquire_page(pages, who="employer_hr", **data):
    form = {"name": "赵某", "id_type": "resident_id", "id_number": resident_id(), "post": "语文教师", "consent": "y"}
    form.update(data)
    return pages.as_(who).post("/registry/", data={k: v for k, v in form.items() if v is not None})


def inquiry_id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    match = re.search(r"/registry/inquiries/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def count_inquiries() -> int:
    return db.session.scalar(select(func.count()).select_from(RegistryInquiry))


# --- employers ------------------------------------------------------------------------------------

def test_a_hit_shows_record_and_the_notice_downloads_as_pdf(app, pages, users):
    entry_in_force(users)
    inquiry_id = inquiry_id_of(inquire_page(pages))
    html = pages.html("employer_hr", f"/registry/inquiries/{inquiry_id}")
    assert 'data-result="record"' in html and "data-notice" in html and "data-recheck-form" in html
    assert resident_id() not in html and identity.masked(resident_id()) in html  # the number shows masked
    assert_nothing_about_the_entry(app, html)
    notice = pages.as_("employer_hr").get(f"/registry/inquiries/{inquiry_id}/notice.pdf")
    assert notice.status_code == 200 and notice.mimetype == "application/pdf" and notice.data.startswith(b"%PDF")
    assert notice.headers["Content-Disposition"].startswith("attachment")
    assert notice.headers["Cache-Control"] == "no-store"
    listing = pages.html("employer_hr", "/registry/")
    assert f'data-inquiry="{inquiry_id}"' in listing and 'data-result="record"' in listing
    assert resident_id() not in listing


def test_a_miss_answers_no_record(pages, users):
    entry_in_force(users)
    inquiry_id = inquiry_id_of(inquire_page(pages, name="钱某", id_number=resident_id(sequence=456,
                                                                                    born=dt.date(1990, 1, 1))))
    html = pages.html("employer_hr", f"/registry/inquiries/{inquiry_id}")
    assert 'data-result="no_record"' in html and "data-recheck-form" not in html and "data-notice" in html
    assert db.session.get(RegistryInquiry, inquiry_id).result == "no_record"


def test_no_consent_is_a_form_error_and_nothing_is_logged(pages, users):
    response = inquire_page(pages, consent=None)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="consent-error1"' in html and 'is-invalid' in html
    assert count_inquiries() == 0


def test_a_wrong_check_digit_is_an_error_beside_the_number(pages, users):
    response = inquire_page(pages, id_number=wrong_check_digit(resident_id()))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="id_number-error1"' in html
    assert count_inquiries() == 0


def test_the_rate_limit_says_why(app, pages, users):
    settings.put("registry_inquiries_per_hour", 1)
    db.session.commit()
    inquiry_id_of(inquire_page(pages))
    response = inquire_page(pages)
    assert response.status_code == 429
    assert 'class="alert alert-danger"' in response.get_data(as_text=True)
    assert count_inquiries() == 1


def test_another_employer_finds_nothing(pages, users):
    entry_in_force(users)
    inquiry_id = inquiry_id_of(inquire_page(pages))
    job_id = _submit_batch(pages, "employer_hr", _csv([("钱某", resident_id(sequence=7), "体育教师")]))
    jobs.wait(job_id, 60)
    other = pages.as_("kindergarten_hr")
    assert other.get(f"/registry/inquiries/{inquiry_id}").status_code == 404
    assert other.get(f"/registry/inquiries/{inquiry_id}/notice.pdf").status_code == 404
    assert other.post(f"/registry/inquiries/{inquiry_id}/recheck", data={"reason": "x"}).status_code == 404
    assert other.get(f"/registry/batches/{job_id}/result.csv").status_code == 404
    assert other.get(f"/jobs/{job_id}").status_code == 404
    assert f'data-inquiry="{inquiry_id}"' not in pages.html("kindergarten_hr", "/registry/")
    # A colleague at the same employer sees the employer's inquiries, but the batch file is its submitter's.
    assert pages.as_("employer_hr_2").get(f"/registry/inquiries/{inquiry_id}").status_code == 200


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["姓名", "证件类型", "证件号码", "出生日期", "岗位"])
    for name, number, post in rows:
        writer.writerow([name, "居民身份证", number, "", post])
    return buffer.getvalue().encode("utf-8")


def _submit_batch(pages, who: str, content: bytes, consent: bool = True, status: int = 302) -> int | None:
    data = {"file": (io.BytesIO(content), "staff.csv")}
    if consent:
        data["consent"] = "y"
    response = pages.as_(who).post("/registry/batches", data=data, content_type="multipart/form-data")
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    if status != 302:
        return None
    match = re.search(r"/jobs/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def test_a_batch_runs_as_a_job_and_its_result_is_the_submitters_alone(app, pages, users):
    entry_in_force(users)
    template = pages.as_("employer_hr").get("/registry/template.csv")
    assert template.status_code == 200 and template.mimetype == "text/csv" and "证件号码" in template.data.decode("utf-8-sig")
    content = _csv([("赵某", resident_id(), "语文教师"), ("钱某", resident_id(sequence=321), "数学教师"),
                    ("孙某", wrong_check_digit(resident_id(sequence=99)), "保安")])
    job_id = _submit_batch(pages, "employer_hr", content)
    job = jobs.wait(job_id, 60)
    assert job.status == "done", job.error
    page = pages.html("employer_hr", f"/jobs/{job_id}")
    assert 'data-job-status="done"' in page and "data-result-csv" in page
    assert_nothing_about_the_entry(app, page)
    result = pages.as_("employer_hr").get(f"/registry/batches/{job_id}/result.csv")
    assert result.status_code == 200 and result.mimetype == "text/csv"
    assert result.headers["Content-Disposition"].startswith("attachment")
    text = result.data.decode("utf-8-sig")
    assert_nothing_about_the_entry(app, text)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["result"] for r in rows] == ["record", "no_record", "invalid"]
    assert pages.as_("employer_hr_2").get(f"/registry/batches/{job_id}/result.csv").status_code == 404
    listing = pages.html("employer_hr", "/registry/")
    assert f'data-batch="{job_id}"' in listing and f"/registry/batches/{job_id}/result.csv" in listing
    assert f'data-batch="{job_id}"' not in pages.html("employer_hr_2", "/registry/")


def test_a_batch_without_consent_or_header_is_refused_beside_its_field(pages, users):
    html_missing_consent = pages.as_("employer_hr").post(
        "/registry/batches", data={"file": (io.BytesIO(_csv([("赵某", resident_id(), "")])), "a.csv")},
        content_type="multipart/form-data")
    assert html_missing_consent.status_code == 422 and 'id="consent-error1"' in html_missing_consent.get_data(as_text=True)
    bad = pages.as_("employer_hr").post(
        "/registry/batches", data={"file": (io.BytesIO("a,b\n1,2\n".encode()), "a.csv"), "consent": "y"},
        content_type="multipart/form-data")
    assert bad.status_code == 422 and 'id="file-error1"' in bad.get_data(as_text=True)


def test_no_employer_page_names_the_entry(app, pages, users):
    entry_in_force(users)
    hit = inquiry_id_of(inquire_page(pages))
    pending = ask(users, name="赵某", id_number=resident_id(sequence=456))  # same name and birth date
    assert pending.result == "pending_review"
    pages.as_("employer_hr").post(f"/registry/inquiries/{hit}/recheck", data={"reason": "身份证号码可能被冒用。"})
    recheck = db.session.get(RegistryInquiry, hit).recheck
    operations.resolve_recheck(users["registry_maintainer"], recheck.id, "upheld", "经核对，记录属实。")
    urls = ["/registry/", f"/registry/inquiries/{hit}", f"/registry/inquiries/{pending.id}"]
    for html in employer_pages(pages, "employer_hr", urls):
        assert_nothing_about_the_entry(app, html)
    assert "经核对，记录属实。" in pages.html("employer_hr", f"/registry/inquiries/{hit}")


def test_the_nav_shows_each_role_its_register_pages(pages, users):
    employer = pages.html("employer_hr", "/registry/")
    assert 'href="/registry/"' in employer and 'href="/registry/maintain"' not in employer
    assert 'href="/registry/log"' not in employer
    maintainer = pages.html("registry_maintainer", "/registry/maintain")
    assert 'href="/registry/maintain"' in maintainer and 'href="/registry/log"' in maintainer
    auditor = pages.html("auditor", "/registry/log")
    assert 'href="/registry/log"' in auditor and 'href="/registry/maintain"' not in auditor


def test_employers_may_not_open_maintainer_pages(pages, users):
    entry = entry_in_force(users)
    client = pages.as_("employer_hr")
    for url in ("/registry/maintain", "/registry/entries", "/registry/entries/new", f"/registry/entries/{entry.id}",
                "/registry/log"):
        assert client.get(url).status_code == 403, url
    change = operations.propose_removal(users["registry_maintainer"], entry.id, "错误录入", entry.version)
    assert client.post(f"/registry/changes/{change.id}/decide", data={"decision": "approve"}).status_code == 403
    assert db.session.get(RegistryChange, change.id).status == "open"
    assert pages.as_("auditor").get("/registry/maintain").status_code == 403
    assert pages.as_("case_prosecutor").get("/registry/").status_code == 403


# --- maintainers ------------------------------------------------------------------------------------

ENTRY_FORM = {"name": "赵某", "id_type": "resident_id", "id_number": resident_id(), "birth_date": "",
              "category": "conviction_indecency", "ban_until": "", "source_document": SOURCE,
              "source_date": "2025-06-01", "reason": "判决已生效"}


def _approve(pages, who: str, change_id: int, status: int = 302, **extra):
    response = pages.as_(who).post(f"/registry/changes/{change_id}/decide",
                                   data={"decision": "approve", f"change-{change_id}-note": "核对无误", **extra})
    assert response.status_code == status
    return response


def test_four_eyes_on_a_new_entry(pages, users):
    response = pages.as_("registry_maintainer").post("/registry/entries/new", data=ENTRY_FORM)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    entry = db.session.scalars(select(RegistryEntry)).one()
    assert response.headers["Location"].endswith(f"/registry/entries/{entry.id}")
    page = pages.html("registry_maintainer", f"/registry/entries/{entry.id}")
    assert 'data-status="pending"' in page and "data-open-change" in page and "data-decide" not in page
    change = entry.changes[0]
    own = pages.html("registry_maintainer", "/registry/maintain")
    assert f'data-change="{change.id}"' in own and "data-own-proposal" in own and "data-decide=" not in own
    refused = _approve(pages, "registry_maintainer", change.id)
    assert refused.headers["Location"].endswith("/registry/maintain#changes")
    db.session.expire_all()
    assert db.session.get(RegistryChange, change.id).status == "open"
    warned = pages.html("registry_maintainer", "/registry/maintain")
    assert "alert-danger" in warned
    other = pages.html("registry_maintainer_2", "/registry/maintain")
    assert f'data-decide="{change.id}"' in other
    _approve(pages, "registry_maintainer_2", change.id)
    db.session.expire_all()
    assert db.session.get(RegistryEntry, entry.id).status == "active"
    assert ask(users).result == "record"


def test_a_new_entry_with_errors_shows_them_beside_the_fields(pages, users):
    response = pages.as_("registry_maintainer").post("/registry/entries/new", data={
        **ENTRY_FORM, "id_number": wrong_check_digit(resident_id()), "category": "employment_ban"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="id_number-error1"' in html and 'id="ban_until-error1"' in html
    assert db.session.scalar(select(func.count()).select_from(RegistryEntry)) == 0


def test_search_entries(pages, users):
    entry = entry_in_force(users)
    html = pages.html("registry_maintainer", f"/registry/entries?id_number={resident_id()}")
    assert f'data-entry="{entry.id}"' in html
    html = pages.html("registry_maintainer", "/registry/entries?name=赵某&birth_date=1985-03-14")
    assert f'data-entry="{entry.id}"' in html
    html = pages.html("registry_maintainer", f"/registry/entries?id_number={resident_id(sequence=5)}")
    assert f'data-entry="{entry.id}"' not in html
    assert f'data-entry="{entry.id}"' in pages.html("registry_maintainer", "/registry/entries")
    assert pages.as_("registry_maintainer").get("/registry/entries?name=赵某").status_code == 422


def test_correction_and_removal_under_four_eyes(pages, users):
    entry = entry_in_force(users)
    page = pages.html("registry_maintainer", f"/registry/entries/{entry.id}")
    assert "data-correct-form" in page and "data-remove-form" in page
    correction = {f"correct-{k}": v for k, v in ENTRY_FORM.items()}
    correction.update({"correct-source_document": "（2025）粤0106刑初124号刑事判决书", "correct-version": str(entry.version),
                       "correct-reason": "文书编号录入有误"})
    response = pages.as_("registry_maintainer").post(f"/registry/entries/{entry.id}/correct", data=correction)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/registry/entries/{entry.id}")
    change = db.session.scalars(select(RegistryChange).where(RegistryChange.status == "open")).one()
    assert change.kind == "correct"
    dashboard = pages.html("registry_maintainer_2", "/registry/maintain")
    assert f'data-change="{change.id}"' in dashboard and "刑初124号" in dashboard and "刑初123号" in dashboard
    page = pages.html("registry_maintainer", f"/registry/entries/{entry.id}")
    assert "data-correct-form" not in page  # one open change at a time
    back = _approve(pages, "registry_maintainer_2", change.id, entry=str(entry.id))
    assert back.headers["Location"].endswith(f"/registry/entries/{entry.id}")
    db.session.expire_all()
    entry = db.session.get(RegistryEntry, entry.id)
    assert entry.source_document.endswith("124号刑事判决书") and entry.version == 3
    # A stale version is refused with a message, nothing proposed.
    stale = pages.as_("registry_maintainer").post(f"/registry/entries/{entry.id}/remove",
                                                  data={"remove-version": "1", "remove-reason": "重复录入"})
    assert stale.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(RegistryChange).where(RegistryChange.status == "open")) == 0
    assert "alert-warning" in pages.html("registry_maintainer", f"/registry/entries/{entry.id}")
    # A removal without a reason is a field error.
    empty = pages.as_("registry_maintainer").post(f"/registry/entries/{entry.id}/remove",
                                                  data={"remove-version": str(entry.version), "remove-reason": ""})
    assert empty.status_code == 422 and 'id="remove-reason-error1"' in empty.get_data(as_text=True)
    removal = pages.as_("registry_maintainer").post(f"/registry/entries/{entry.id}/remove",
                                                    data={"remove-version": str(entry.version), "remove-reason": "重复录入"})
    assert removal.status_code == 302
    change = db.session.scalars(select(RegistryChange).where(RegistryChange.status == "open")).one()
    assert change.kind == "remove"
    _approve(pages, "registry_maintainer_2", change.id)
    db.session.expire_all()
    assert db.session.get(RegistryEntry, entry.id).status == "removed"
    history = pages.html("registry_maintainer", f"/registry/entries/{entry.id}")
    assert history.count("data-change=") == 3 and 'data-status="removed"' in history
    assert ask(users).result == "no_record"


def test_a_manual_review_from_the_dashboard(pages, users):
    entry_in_force(users)
    inquiry = ask(users, id_number=resident_id(sequence=456))
    assert inquiry.result == "pending_review"
    dashboard = pages.html("registry_maintainer", "/registry/maintain")
    assert f'data-review="{inquiry.id}"' in dashboard and resident_id(sequence=456) not in dashboard
    response = pages.as_("registry_maintainer").post(f"/registry/reviews/{inquiry.id}",
                                                     data={f"review-{inquiry.id}-result": "record"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RegistryInquiry, inquiry.id).result == "record"
    html = pages.html("employer_hr", f"/registry/inquiries/{inquiry.id}")
    assert 'data-result="record"' in html and "data-notice" in html
    again = pages.as_("registry_maintainer").post(f"/registry/reviews/{inquiry.id}",
                                                  data={f"review-{inquiry.id}-result": "no_record"})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.get(RegistryInquiry, inquiry.id).result == "record"  # decided once


def test_a_recheck_requested_and_resolved_on_the_pages(app, pages, users):
    entry = entry_in_force(users)
    inquiry_id = inquiry_id_of(inquire_page(pages))
    empty = pages.as_("employer_hr").post(f"/registry/inquiries/{inquiry_id}/recheck", data={"reason": ""})
    assert empty.status_code == 422 and 'id="reason-error1"' in empty.get_data(as_text=True)
    response = pages.as_("employer_hr").post(f"/registry/inquiries/{inquiry_id}/recheck",
                                             data={"reason": "本人称从未涉案，证件曾遗失。"})
    assert response.status_code == 302
    html = pages.html("employer_hr", f"/registry/inquiries/{inquiry_id}")
    assert 'data-recheck="open"' in html and "data-recheck-form" not in html
    recheck = db.session.get(RegistryInquiry, inquiry_id).recheck
    dashboard = pages.html("registry_maintainer", "/registry/maintain")
    assert f'data-recheck="{recheck.id}"' in dashboard
    missing = pages.as_("registry_maintainer").post(f"/registry/rechecks/{recheck.id}/resolve", data={
        f"recheck-{recheck.id}-outcome": "corrected", f"recheck-{recheck.id}-resolution": ""})
    assert missing.status_code == 422 and f'id="recheck-{recheck.id}-resolution-error1"' in missing.get_data(as_text=True)
    reply = {f"recheck-{recheck.id}-outcome": "corrected",
             f"recheck-{recheck.id}-resolution": "经核实，该记录与被查询人不符，查询结果更正为无记录。"}
    refused = pages.as_("registry_maintainer").post(f"/registry/rechecks/{recheck.id}/resolve", data=reply)
    assert refused.status_code == 302 and db.session.get(RegistryInquiry, inquiry_id).result == "record"
    removal = operations.propose_removal(users["registry_maintainer"], entry.id, "证件信息错误", entry.version)
    operations.decide_change(users["registry_maintainer_2"], removal.id, True)
    done = pages.as_("registry_maintainer").post(f"/registry/rechecks/{recheck.id}/resolve", data={
        f"recheck-{recheck.id}-outcome": "corrected",
        f"recheck-{recheck.id}-resolution": "经核实，该记录与被查询人不符，查询结果更正为无记录。"})
    assert done.status_code == 302
    html = pages.html("employer_hr", f"/registry/inquiries/{inquiry_id}")
    assert 'data-recheck="corrected"' in html and 'data-result="no_record"' in html
    assert "查询结果更正为无记录" in html
    assert_nothing_about_the_entry(app, html)


def test_alerts_are_acknowledged_from_the_dashboard(pages, users):
    for sequence in (11, 12, 13):
        ask(users, name=f"测试{sequence}", id_number=resident_id(sequence=sequence))
    alert = operations.alerts(users["registry_maintainer"])[0]
    assert alert.kind == "sequential_ids"
    assert f'data-alert="{alert.id}"' in pages.html("registry_maintainer", "/registry/maintain")
    response = pages.as_("registry_maintainer").post(f"/registry/alerts/{alert.id}/acknowledge")
    assert response.status_code == 302
    assert f'data-alert="{alert.id}"' not in pages.html("registry_maintainer", "/registry/maintain")


def test_the_log_for_auditors_names_nobody_asked_about(pages, users):
    entry_in_force(users)
    hit = ask(users)
    miss = ask(users, "kindergarten_hr", name="钱某", id_number=resident_id(sequence=77))
    html = pages.html("auditor", "/registry/log")
    assert f'data-inquiry="{hit.id}"' in html and f'data-inquiry="{miss.id}"' in html
    assert "测试实验小学" in html and "测试幼儿园" in html and "语文教师" in html
    for secret in ("赵某", "钱某", resident_id(), resident_id(sequence=77), resident_id()[-4:]):
        assert secret not in html, secret
    assert pages.as_("registry_maintainer").get("/registry/log").status_code == 200
    assert pages.as_("registry_maintainer").get("/registry/").headers["Location"].endswith("/registry/maintain")


# --- a case's judgments -------------------------------------------------------------------------------

@pytest.fixture
def judged(make_case, users):
    case = make_case("follow_up")
    fire(users["case_prosecutor"], case, "add_suspect", {"name": "钱某", "relation_to_victims": "培训机构教师"})
    fire(users["case_prosecutor"], case, "record_judgment", {
        "defendant": "钱某", "court": "测试市某区人民法院", "number": "（2026）测0106刑初88号",
        "judged_on": dt.date.today() - dt.timedelta(days=3), "ban": "lifelong",
        "defendant_id_type": "resident_id", "defendant_id_number": resident_id(sequence=888)})
    return case


def test_the_case_page_shows_its_judgments(pages, judged):
    html = pages.html("case_prosecutor", f"/cases/{judged.id}")
    assert "data-judgments" in html and "测试市某区人民法院" in html and "（2026）测0106刑初88号" in html
    assert 'data-entry-status="pending"' in html
    assert resident_id(sequence=888) not in html
