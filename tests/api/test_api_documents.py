"""Documents through the API: listing, asynchronous generation (202 + job), PDFs, verify, errors."""
from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from workflow.core import jobs
from workflow.core.clocks import local_today
from workflow.demo import FLAG_DATA, drive_aid, fire


def _finished(api, response, as_: str) -> dict:
    assert response.status_code == 202, response.get_json()
    assert response.headers["Location"] == response.get_json()["url"]
    jobs.wait(response.get_json()["id"], 60)
    job = api.get(response.get_json()["url"].removeprefix("/api/v1"), as_).get_json()
    assert job["status"] == "done", job
    return job


def test_list_generate_download_verify(api, make_case):
    case = make_case("registered")
    listing = api.get(f"/cases/{case.id}/documents", "intake_officer").get_json()["documents"]
    offered = {row["document"]: row for row in listing}
    assert offered["registration_form"]["ready"] and offered["registration_form"]["may_generate"]
    assert offered["registration_form"]["recipients"] == ["internal", "court"]
    assert "exam_record" not in offered  # the medical compartment is not the intake officer's
    job = _finished(api, api.post(f"/cases/{case.id}/documents", "intake_officer", json={
        "document": "registration_form", "recipient": "court", "final": True}), "intake_officer")
    document = job["documents"][0]
    assert (document["status"], document["version"], document["recipient"]) == ("final", 1, "court")
    assert document["number"].endswith(f"登〔{local_today().year}〕1号")
    pdf = api.get(f"/documents/{document['id']}/pdf", "intake_officer")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == document["sha256"] == pdf.headers["X-Content-SHA256"]
    check = api.get(f"/documents/{document['id']}/verify", "intake_officer").get_json()
    assert check["intact"] is True and check["newer_version_exists"] is False
    assert api.get(f"/documents/{document['id']}", "case_prosecutor").get_json()["sha256"] == document["sha256"]


@pytest.mark.parametrize("body, status, code", [
    ({"document": "registration_form", "recipient": "family"}, 422, "invalid"),  # no family copy
    ({"document": "registration_form", "recipient": "nobody"}, 422, "invalid"),
    ({"document": "registration_form", "recipient": "court", "final": "yes"}, 422, "invalid"),
    ({"recipient": "court"}, 422, "invalid"),
    ({"document": "registration_form", "recipient": "court", "item_id": "3"}, 422, "invalid"),
    ({"document": "no_such_document", "recipient": "court"}, 404, "not_found"),
])
def test_bad_generation_requests(api, make_case, body, status, code):
    case = make_case("registered")
    api.error(api.post(f"/cases/{case.id}/documents", "intake_officer", json=body), status, code)
    assert api.get(f"/cases/{case.id}/documents", "intake_officer").get_json()["documents"][0]["versions"] == []


def test_roles_and_strangers(api, make_case):
    case = make_case("registered")
    body = {"document": "registration_form", "recipient": "court"}
    api.error(api.post(f"/cases/{case.id}/documents", "social_worker", json=body), 403, "forbidden")
    api.error(api.post(f"/cases/{case.id}/documents", "other_supervisor", json=body), 404, "not_found")
    job = _finished(api, api.post(f"/cases/{case.id}/documents", "intake_officer", json=body), "intake_officer")
    document_id = job["documents"][0]["id"]
    api.error(api.get(f"/documents/{document_id}/pdf", "other_supervisor"), 404, "not_found")
    api.error(api.get(f"/documents/{document_id}/verify", "employer_hr"), 404, "not_found")
    api.error(api.get(f"/jobs/{job['id']}", "supervisor"), 404, "not_found")  # not the job's owner
    api.error(api.get("/documents/99999999999", "intake_officer"), 404, "not_found")
    referred = make_case("referred")
    api.error(api.post(f"/cases/{referred.id}/documents", "intake_officer", json=body), 422, "not_ready")


def test_aid_documents_and_a_batch(api, make_case, users):
    case = make_case("aid_review")
    fire(users["case_prosecutor"], case, "flag_aid", FLAG_DATA)
    application = drive_aid(case.aid_applications[-1], "disbursed", users)
    listing = api.get(f"/aid/{application.id}/documents", "finance_officer").get_json()["documents"]
    receipts = [row for row in listing if row["document"] == "disbursement_receipt"]
    assert len(receipts) == 2 and all(row["item_id"] for row in receipts)  # one per instalment paid
    job = _finished(api, api.post(f"/aid/{application.id}/documents", "finance_officer", json={
        "document": "disbursement_receipt", "recipient": "family", "item_id": receipts[0]["item_id"],
        "final": True}), "finance_officer")
    assert job["documents"][0]["aid_application_id"] == application.id
    batch = _finished(api, api.post(f"/aid/{application.id}/documents/batch", "aid_officer",
                                    json={"recipient": "family", "final": False}), "aid_officer")
    kinds = sorted(d["kind"] for d in batch["documents"])
    assert kinds == ["aid_application", "aid_decision", "disbursement_receipt", "disbursement_receipt"]
    archive = api.get(batch["archive_url"].removeprefix("/api/v1"), "aid_officer")
    with zipfile.ZipFile(io.BytesIO(archive.data)) as bundle:
        assert len(bundle.namelist()) == 5  # four PDFs and the manifest
    api.error(api.get(batch["archive_url"].removeprefix("/api/v1"), "finance_officer"), 404, "not_found")


def test_openapi_describes_the_document_endpoints(api):
    document = api.client.get("/api/v1/openapi.json").get_json()
    for path in ("/{kind}/{subject_id}/documents", "/{kind}/{subject_id}/documents/batch", "/jobs/{job_id}",
                 "/documents/{document_id}/pdf", "/documents/{document_id}/verify"):
        assert path in document["paths"], path
    assert {"Document", "Job", "DocumentRequest"} <= set(document["components"]["schemas"])
