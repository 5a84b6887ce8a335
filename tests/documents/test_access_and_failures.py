"""What a document or a job shows once access changes, who a copy may name, and how failures end."""
from __future__ import annotations

import io
import logging
import threading

import pytest
from document_helpers import SUSPECT, pdf_text
from sqlalchemy import select, text

from workflow.core import jobs
from workflow.core.errors import WorkflowError
from workflow.core.extensions import db
from workflow.core.models import Job
from workflow.demo import FLAG_DATA, drive_aid, fire
from workflow.documents import data, operations, render
from workflow.documents.models import Document


def test_a_batch_zip_is_refused_once_its_owner_lost_access(api, make_case):
    case = make_case("registered")
    response = api.post(f"/cases/{case.id}/documents/batch", "intake_officer", json={"recipient": "internal"})
    job_id = response.get_json()["id"]
    assert jobs.wait(job_id, 60).status == "done"
    assert api.get(f"/jobs/{job_id}/archive", "intake_officer").status_code == 200
    db.session.execute(text("DELETE FROM team_members WHERE case_id = :c AND role = 'intake_officer'"),
                       {"c": case.id})
    db.session.commit()
    assert api.get(f"/jobs/{job_id}/archive", "intake_officer").status_code == 404
    assert api.get(f"/jobs/{job_id}", "intake_officer").get_json()["documents"] == []


def test_documents_follow_the_compartments_of_their_sections(make_case, users):
    closed = make_case("closed")
    for who, status in (("social_worker", 403), ("supervisor", 403), ("examiner", 403)):
        with pytest.raises(WorkflowError) as caught:
            operations.generate(users[who], closed, "closure_report", "internal")
        assert caught.value.status == status, who
    assert operations.generate(users["case_prosecutor"], closed, "closure_report", "internal").id
    assert data.compartments_of(operations._spec(closed, "closure_report")) == ("aid", "referrals", "visits")


def test_an_entrusted_verifier_reads_no_aid_decision(make_case, users):
    case = make_case("aid_review")
    fire(users["case_prosecutor"], case, "flag_aid", FLAG_DATA)
    application = drive_aid(case.aid_applications[-1], "investigating", users)
    from workflow.admin.models import Agency

    remote = db.session.scalar(select(Agency).where(Agency.name == "外省检察院"))
    fire(users["aid_officer"], application, "entrust_verification",
         {"agency_id": remote.id, "request": "请协助核实申请人家庭经济状况。"})
    fire(users["remote_aid_officer"], application, "report_verification",
         {"finances_confirmed": "yes", "report": "经核实，申请人家庭经济状况属实。"})
    application = drive_aid(application, "approved", users)
    decision = operations.generate(users["aid_officer"], application, "aid_decision", "internal", final=True)
    with pytest.raises(WorkflowError) as caught:
        operations.get_document(users["remote_aid_officer"], decision.id)
    assert caught.value.status in (403, 404)


def test_a_suspect_is_never_the_contact_of_a_copy(make_case, users):
    case = make_case("follow_up", contacts=[
        {"kind": "appropriate_adult", "name": "社区主任何某", "relation": "合适成年人"},
        {"kind": "guardian", "name": "钱某", "relation": "继父", "is_suspect": True},
        {"kind": "appropriate_adult", "name": "赵某", "relation": "邻居"}])  # named among the suspects
    from workflow.admin.models import Agency

    civil_affairs = db.session.scalar(select(Agency).where(Agency.kind == "civil_affairs"))
    fire(users["social_worker"], case, "send_referral", {"kind": "fee_waiver", "agency_id": civil_affairs.id,
                                                          "due_on": "2099-01-01", "note": "请协助减免学杂费。"})
    letter = operations.generate(users["social_worker"], case, "referral_letter", "partner_agency",
                                 item_id=case.referrals[-1].id)
    content = pdf_text(letter)
    assert "社区主任何某" in content and "钱某" not in content and SUSPECT not in content
    consent = operations.generate(users["intake_officer"], case, "guardian_consent", "family")
    assert "钱某" not in pdf_text(consent) and SUSPECT not in pdf_text(consent)


def test_a_batch_goes_on_past_a_failing_document(api, make_case, monkeypatch):
    case = make_case("registered")
    original = render.render_html

    def failing(template, snapshot, doc):
        if template == "guardian_consent":
            raise render.DocumentError("guardian_consent: broken for the test")
        return original(template, snapshot, doc)

    monkeypatch.setattr(render, "render_html", failing)
    response = api.post(f"/cases/{case.id}/documents/batch", "intake_officer", json={"recipient": "internal"})
    job = jobs.wait(response.get_json()["id"], 60)
    assert job.status == "done" and job.done == job.total
    assert [row["document"] for row in job.result["failed"]] == ["guardian_consent"]
    body = api.get(f"/jobs/{job.id}", "intake_officer").get_json()
    assert [d["kind"] for d in body["documents"]] == ["registration_form"] and body["failed"]


def test_a_draft_after_a_final_does_not_supersede_it(client, make_case, users):
    case = make_case("registered")
    final = operations.generate(users["intake_officer"], case, "registration_form", "court", final=True)
    operations.generate(users["intake_officer"], case, "registration_form", "court")
    check = operations.check_stored(final)
    assert (check["latest_version"], check["newer_version_exists"]) == (1, False)
    page = client.post("/verify", data={"pdf": (io.BytesIO(operations.pdf_bytes(final)), "f.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert 'data-verdict="issued"' in page and "data-newer" not in page


def test_concurrent_finals_get_distinct_numbers(app, make_case, users):
    cases = [make_case("registered", child_name=f"儿童{i}") for i in range(4)]
    ids = [c.id for c in cases]
    user_id = users["intake_officer"].id
    numbers, errors = [], []

    def issue(case_id):
        with app.app_context():
            try:
                from workflow.admin.models import User
                from workflow.cases.models import Case

                document = operations.generate(db.session.get(User, user_id), db.session.get(Case, case_id),
                                               "registration_form", "court", final=True)
                numbers.append(document.number)
            except Exception as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue, args=(case_id,)) for case_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == [] and len(set(numbers)) == 4
    assert sorted(int(n.split("〕")[1].rstrip("号")) for n in numbers) == [1, 2, 3, 4]


def test_the_glyph_check_holds_at_any_log_level(app, monkeypatch):
    """Even with logging at ERROR, WeasyPrint's missing-glyph warning reaches the check."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    weasy = render._weasy()

    def warn_like_weasyprint(*args, **kwargs):
        logging.getLogger("weasyprint").warning(".notdef glyph rendered for Unicode string unsupported by fonts")
        return real_render(*args, **kwargs)

    real_render = weasy[0].HTML.render
    monkeypatch.setattr(weasy[0].HTML, "render", warn_like_weasyprint)
    try:
        with pytest.raises(render.DocumentError, match="missing glyphs"):
            render.html_to_pdf("<p>x</p>")
    finally:
        logging.getLogger("weasyprint").setLevel(logging.NOTSET)


def test_unreachable_redis_fails_the_job_with_a_503(api, app, make_case):
    app.config.update(JOB_RUNNER="rq", REDIS_URL="redis://127.0.0.1:1/0")
    case = make_case("registered")
    response = api.post(f"/cases/{case.id}/documents", "intake_officer",
                        json={"document": "registration_form", "recipient": "court"})
    api.error(response, 503, "unavailable")
    job = db.session.scalars(select(Job)).one()
    assert job.status == "failed" and job.error.startswith("not queued")
    assert db.session.scalar(select(Document.id)) is None


def test_lost_jobs_fail_after_the_timeout(app, users):
    import datetime as dt

    from workflow.core.models import utcnow

    old = Job(kind="document", owner_id=users["supervisor"].id, status="running", total=1,
              created_at=utcnow() - dt.timedelta(seconds=app.config["JOB_TIMEOUT"] + 60))
    fresh = Job(kind="document", owner_id=users["supervisor"].id, status="queued", total=1)
    db.session.add_all([old, fresh])
    db.session.commit()
    assert jobs.fail_stale() == 1
    assert (old.status, fresh.status) == ("failed", "queued")


@pytest.mark.parametrize("url", ["/documents/99999999999.pdf", "/jobs/99999999999", "/jobs/99999999999/archive.zip",
                                 "/cases/99999999999/documents", "/aid/99999999999/documents"])
def test_out_of_range_ids_are_404(pages, url):
    assert pages.as_("intake_officer").get(url).status_code == 404


def test_out_of_range_ids_in_the_api_are_404(api):
    for url in ("/jobs/99999999999", "/jobs/99999999999/archive", "/cases/99999999999/documents"):
        api.error(api.get(url, "intake_officer"), 404)


def test_consent_never_comes_from_someone_named_a_suspect(make_case, users):
    case = make_case("referred", contacts=[{"kind": "appropriate_adult", "name": "赵某", "relation": "邻居"},
                                           {"kind": "guardian", "name": "张丽", "relation": "母亲"}])
    named_suspect = next(c for c in case.contacts if c.name == "赵某")
    with pytest.raises(WorkflowError) as caught:
        fire(users["intake_officer"], case, "record_consent", {"given_by": named_suspect.id})
    assert caught.value.status == 422 and case.consent_recorded_at is None
