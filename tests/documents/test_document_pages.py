"""The documents pages: generating one document, a batch as a ZIP with progress, downloads, jobs."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from document_helpers import text_of
from sqlalchemy import select

from workflow.core import jobs
from workflow.core.extensions import db
from workflow.core.models import Job
from workflow.documents.models import Document


@pytest.fixture
def registered(make_case):
    return make_case("registered")


def test_the_case_page_links_to_its_documents(pages, registered):
    page = pages.as_("intake_officer").get(f"/cases/{registered.id}")
    assert f'/cases/{registered.id}/documents' in page.get_data(as_text=True)


def test_generate_one_document_from_the_page(pages, registered):
    response = pages.as_("intake_officer").post(
        f"/cases/{registered.id}/documents", data={"document": "registration_form", "recipient": "court", "final": "y"})
    assert response.status_code == 302
    document = db.session.scalars(select(Document)).one()
    assert response.headers["Location"].endswith(f"/cases/{registered.id}/documents#document-{document.id}")
    assert (document.status, document.recipient, document.kind) == ("final", "court", "registration_form")
    listing = pages.as_("intake_officer").get(f"/cases/{registered.id}/documents").get_data(as_text=True)
    assert f'data-document="{document.id}"' in listing and document.number in listing
    download = pages.as_("intake_officer").get(f"/documents/{document.id}.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert hashlib.sha256(download.data).hexdigest() == document.sha256
    assert download.headers["Cache-Control"] == "no-store"


def test_a_refused_generation_says_why_and_creates_nothing(pages, make_case):
    referred = make_case("referred")
    response = pages.as_("intake_officer").post(
        f"/cases/{referred.id}/documents", data={"document": "registration_form", "recipient": "court"})
    assert response.status_code == 422
    assert "未登记" in response.get_data(as_text=True) or "not registered" in response.get_data(as_text=True)
    assert db.session.scalar(select(Document.id)) is None


def test_documents_of_another_centre_are_not_found(pages, registered, users):
    from workflow.documents import operations

    document = operations.generate(users["intake_officer"], registered, "registration_form", "internal")
    assert pages.as_("other_supervisor").get(f"/documents/{document.id}.pdf").status_code == 404
    assert pages.as_("other_supervisor").get(f"/cases/{registered.id}/documents").status_code == 404
    assert pages.as_("other_supervisor").post(f"/cases/{registered.id}/documents", data={
        "document": "registration_form", "recipient": "court"}).status_code == 404


def test_a_batch_builds_one_zip_with_progress_for_its_owner_only(pages, registered):
    response = pages.as_("intake_officer").post(f"/cases/{registered.id}/documents/batch",
                                                data={"recipient": "internal"})
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    job = jobs.wait(job_id, 60)
    assert job.status == "done", job.error
    page = pages.as_("intake_officer").get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'data-job-status="done"' in page and f'value="{job.total}"' in page and "data-archive" in page
    archive = pages.as_("intake_officer").get(f"/jobs/{job_id}/archive.zip")
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.data)) as bundle:
        listing = json.loads(bundle.read("manifest.json"))
        manifest = listing["documents"]
        assert listing["failed"] == []
        names = {row["file"] for row in manifest}
        assert names == set(bundle.namelist()) - {"manifest.json"}
        kinds = {name.split("-")[1] for name in names}
        assert {"registration_form", "guardian_consent"} <= kinds
        for row in manifest:
            content = bundle.read(row["file"])
            assert hashlib.sha256(content).hexdigest() == row["sha256"]
            assert registered.child_name in text_of(content)
    # Someone else's job: not found, nor its archive.
    assert pages.as_("supervisor").get(f"/jobs/{job_id}").status_code == 404
    assert pages.as_("supervisor").get(f"/jobs/{job_id}/archive.zip").status_code == 404


def test_a_running_job_page_refreshes_itself(pages, registered, users):
    job = Job(kind="document_batch", owner_id=users["intake_officer"].id, status="running", total=4, done=1,
              params={"subject": {"process": "case", "id": registered.id}})
    db.session.add(job)
    db.session.commit()
    page = pages.as_("intake_officer").get(f"/jobs/{job.id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in page and 'value="1"' in page and 'max="4"' in page


def test_a_batch_with_nothing_ready_is_refused(pages, make_case):
    referred = make_case("referred")
    response = pages.as_("intake_officer").post(f"/cases/{referred.id}/documents/batch",
                                                data={"recipient": "court"})
    assert response.status_code == 422
    assert db.session.scalar(select(Job.id)) is None


def test_the_admin_sets_an_agencys_issue_number_prefix(pages, registered, users):
    centre = registered.centre
    response = pages.as_("admin").post(f"/admin/agencies/{centre.id}", data={
        "name": centre.name, "kind": "centre", "region": "", "doc_prefix": "穗一站"})
    assert response.status_code == 302
    response = pages.as_("intake_officer").post(
        f"/cases/{registered.id}/documents", data={"document": "registration_form", "recipient": "court", "final": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(Document)).one().number.startswith("穗一站登〔")
    too_long = pages.as_("admin").post(f"/admin/agencies/{centre.id}", data={
        "name": centre.name, "kind": "centre", "doc_prefix": "长" * 21})
    assert too_long.status_code == 422
