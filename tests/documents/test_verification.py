"""Verification: the stored bytes against their hash (API), and the public page (no login) that
answers whether OneStop issued a PDF, with its metadata and nothing else."""
from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from sqlalchemy import text

from workflow.core.extensions import db
from workflow.documents import operations


@pytest.fixture
def issued(make_case, users):
    """A final registration form of a registered case: (case, document, its PDF bytes)."""
    case = make_case("registered")
    document = operations.generate(users["intake_officer"], case, "registration_form", "court", final=True)
    return case, document, operations.pdf_bytes(document)


def _tamper(pdf: bytes) -> bytes:
    middle = len(pdf) // 2
    return pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1:]


def test_api_verify_reports_an_intact_document(client, api_token, issued):
    _case, document, pdf = issued
    response = client.get(f"/api/v1/documents/{document.id}/verify", headers=api_token("intake_officer"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["intact"] is True and body["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert (body["version"], body["latest_version"], body["newer_version_exists"]) == (1, 1, False)


def test_one_tampered_byte_in_the_database_store_fails_verification(client, api_token, issued):
    _case, document, pdf = issued
    db.session.execute(text("UPDATE document_blobs SET content = :content WHERE key = :key"),
                       {"content": _tamper(pdf), "key": document.storage_key})
    db.session.commit()
    response = client.get(f"/api/v1/documents/{document.id}/verify", headers=api_token("intake_officer"))
    assert response.get_json()["intact"] is False
    # The public page no longer vouches for the document, even for the original file.
    page = client.post("/verify", data={"pdf": (io.BytesIO(pdf), "form.pdf")}, content_type="multipart/form-data")
    assert 'data-verdict="mismatch"' in page.get_data(as_text=True)


def test_one_tampered_byte_in_the_file_store_fails_verification(app, make_case, users, tmp_path):
    app.config.update(DOCUMENT_STORE="file", DOCUMENT_DIR=str(tmp_path / "documents"))
    case = make_case("registered")
    document = operations.generate(users["intake_officer"], case, "registration_form", "internal", final=True)
    stored = Path(app.config["DOCUMENT_DIR"]) / document.storage_key
    assert operations.check_stored(document)["intact"] is True
    stored.write_bytes(_tamper(stored.read_bytes()))
    assert operations.check_stored(document)["intact"] is False
    stored.unlink()
    assert operations.check_stored(document)["intact"] is False


def test_the_public_page_works_without_login_and_shows_only_metadata(client, issued):
    case, document, pdf = issued
    response = client.post("/verify", data={"pdf": (io.BytesIO(pdf), "form.pdf")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-verdict="issued"' in page
    assert document.number in page and document.sha256 in page and document.title in page
    for secret in (case.child_name, case.number, case.incident.number, "赵某", "张丽"):
        assert secret not in page


def test_a_tampered_upload_is_not_recognised(client, issued):
    _case, _document, pdf = issued
    page = client.post("/verify", data={"pdf": (io.BytesIO(_tamper(pdf)), "form.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert 'data-verdict="unknown"' in page


def test_hash_and_code_lookups(client, issued):
    _case, document, pdf = issued
    by_hash = client.post("/verify", data={"reference": hashlib.sha256(pdf).hexdigest().upper()})
    assert 'data-verdict="issued"' in by_hash.get_data(as_text=True)
    by_code = client.get(f"/verify/{document.code}")  # where the QR code and the footer lead
    assert by_code.status_code == 200 and 'data-verdict="issued"' in by_code.get_data(as_text=True)
    unknown = client.get("/verify/ABCDEFGHJK")
    assert unknown.status_code == 404 and 'data-verdict="unknown"' in unknown.get_data(as_text=True)


def test_the_page_says_when_a_newer_version_exists(client, users, issued):
    case, document, pdf = issued
    operations.generate(users["intake_officer"], case, "registration_form", "court", final=True)
    page = client.post("/verify", data={"pdf": (io.BytesIO(pdf), "form.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert 'data-verdict="issued"' in page and "data-newer" in page


@pytest.mark.parametrize("data", [{}, {"reference": "not-a-hash"}, {"reference": "g" * 64}])
def test_bad_verification_input_is_a_422_next_to_the_field(client, data):
    response = client.post("/verify", data=data)
    assert response.status_code == 422
    assert "invalid-feedback" in response.get_data(as_text=True)


def test_the_code_and_a_link_to_the_page_are_printed_on_the_document(issued):
    from document_helpers import text_of

    _case, document, pdf = issued
    content = text_of(pdf)
    assert document.code in content and "/verify" in content
