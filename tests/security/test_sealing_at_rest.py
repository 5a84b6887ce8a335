"""Identities and notes sealed at rest: a dump of the database after `seed-demo` shows no child's,
guardian's or applicant's name, phone or ID number (SQLite and, in CI, PostgreSQL); sealed columns
round-trip their values; the history and the documents are sealed under the case's key, and
shredding it leaves them erased without breaking a page."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess

import helper_modules
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask_migrate import downgrade, upgrade
from sqlalchemy import LargeBinary, select, text, type_coerce
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from workflow.aid.models import AidApplication
from workflow.cases.models import Case, Contact
from workflow.core import sealing
from workflow.core.extensions import db
from workflow.core.models import Event
from workflow.demo import CHILDREN, demo_actors, demo_id, new_case
from workflow.documents import operations as documents
from workflow.documents.models import Document, DocumentBlob


def _dump(app) -> str:
    """The whole database as text: SQLite's .dump, or pg_dump of the PostgreSQL test database."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        with sqlite3.connect(url.database) as conn:
            return "\n".join(conn.iterdump())
    binary = shutil.which("pg_dump")
    if binary is None:
        pytest.skip("pg_dump is needed to dump the PostgreSQL test database (apt-get install postgresql-client)")
    owner = make_url(os.environ.get("TEST_DATABASE_OWNER_URL") or str(url.render_as_string(hide_password=False)))
    target = owner.set(drivername="postgresql").render_as_string(hide_password=False)
    done = subprocess.run([binary, "--no-owner", "--dbname", target], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _forms(secret: str) -> tuple[str, str, str]:
    """How a dump may show a value: as typed, \\u-escaped in JSON, as the hex of its UTF-8 bytes."""
    return secret, json.dumps(secret)[1:-1], secret.encode().hex()


def test_a_dump_after_seed_demo_shows_no_child_guardian_phone_or_id_number(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    # The demo children have no ID number: one more child with one, and a guardian's phone.
    actors = demo_actors()
    new_case(actors["intake_officer"], child_name="欧阳子涵", child_id_number=demo_id("440106", dt.date(2016, 5, 12), 7),
             contacts=[{"kind": "guardian", "name": "欧阳建", "relation": "父亲", "phone": "13911112222"}])
    cases = db.session.scalars(select(Case)).all()
    contacts = db.session.scalars(select(Contact)).all()
    # Every demo child, also one anonymised under retention (its name is gone from the rows too).
    secrets = {*CHILDREN, *(c.child_name for c in cases), *(c.child_id_number for c in cases),
               *(c.name for c in contacts), *(c.phone for c in contacts),
               *(a.applicant_name for a in db.session.scalars(select(AidApplication)))} - {None, ""}
    assert {"13800138000", "13911112222", "张丽", "孙梅", "欧阳子涵"} <= secrets and len(secrets) > 40
    db.session.commit()

    dump = _dump(app)
    lowered = dump.lower()
    assert "case_keys" in dump and len(dump) > 100_000  # it is the database
    found = sorted(s for s in secrets for form in _forms(s) if form.lower() in lowered)
    assert found == []


def test_sealed_columns_round_trip_their_values_and_store_only_sealed_bytes(make_case):
    case = make_case("referred", child_id_number=demo_id("440106", dt.date(2016, 5, 12), 15))
    stored = db.session.execute(select(*(type_coerce(c, LargeBinary) for c in (
        Case.child_name, Case.child_birth_date, Case.child_id_number, Case.consent_given_by)))
        .where(Case.id == case.id)).one()
    assert all(blob[:2] == b"\x01\x01" for blob in stored[:3])  # format 1, key id 1
    assert stored[3] is None  # None stays NULL
    assert case.child_name.encode() not in stored[0] and b"2016" not in stored[1]
    db.session.expire_all()
    again = db.session.get(Case, case.id)
    assert (again.child_name, again.child_birth_date, again.child_age_band) == ("李小雨", dt.date(2016, 5, 12), "6-11")
    assert again.age_on(dt.date(2026, 5, 12)) == 10
    # The purpose is the table and column: a value copied into another column does not open.
    with pytest.raises(Exception):
        sealing.unseal_bytes(stored[0], "contacts.name")
    # The history's values are sealed under the case's key.
    (changes,) = db.session.execute(select(type_coerce(Event.changes, LargeBinary))
                                    .where(Event.case_id == case.id).order_by(Event.id).limit(1)).one()
    assert changes[:1] == b"\x02" and "李小雨".encode() not in changes
    assert db.session.scalars(select(Event.changes).where(Event.case_id == case.id)).first()["child_name"] == "李小雨"


def test_with_sealing_off_values_are_stored_marked_and_a_mixed_database_reads(app, make_case):
    sealed = make_case("referred", child_name="封存甲")
    app.config["SEALING_ENABLED"] = False
    plain = make_case("referred", child_name="明文乙")
    stored = db.session.scalar(select(type_coerce(Case.child_name, LargeBinary)).where(Case.id == plain.id))
    assert stored[:1] == b"\x00" and "明文乙".encode() in stored
    event = db.session.scalar(select(type_coerce(Event.changes, LargeBinary)).where(Event.case_id == plain.id))
    assert event[:1] == b"\x00"
    app.config["SEALING_ENABLED"] = True
    db.session.expire_all()
    assert [db.session.get(Case, c.id).child_name for c in (sealed, plain)] == ["封存甲", "明文乙"]
    assert db.session.scalars(select(Event.changes).where(Event.case_id == plain.id)).first()["child_name"] == "明文乙"


def test_values_sealed_for_a_case_open_only_for_it(make_case):
    first, second = make_case("referred"), make_case("referred")
    blob = sealing.seal_for_case(first.id, {"note": "只给这个案件"}, "tests.note")
    assert sealing.unseal_for_case(first.id, blob, "tests.note") == {"note": "只给这个案件"}
    with pytest.raises(ValueError, match="another case"):
        sealing.unseal_for_case(second.id, blob, "tests.note")
    # One key per case, made with the case's first history row.
    assert len(db.session.scalars(select(sealing.CaseKey.id).where(sealing.CaseKey.case_id == first.id)).all()) == 1


def test_a_shredded_case_key_leaves_history_and_documents_erased_and_pages_working(pages, api, users, make_case):
    case = make_case("registered")
    document = documents.generate(users["intake_officer"], case, "registration_form", "internal")
    blob = sealing.seal_for_case(case.id, "理由", "tests.reason")
    db.session.commit()
    sealing.shred_case_key(case.id)
    db.session.commit()
    db.session.expire_all()

    assert sealing.unseal_for_case(case.id, blob, "tests.reason") is sealing.ERASED
    assert db.session.get(Document, document.id).data is sealing.ERASED
    page = pages.html("supervisor", f"/cases/{case.id}?lang=en")
    assert "erased under retention" in page and case.number in page
    assert pages.as_("intake_officer").get(f"/documents/{document.id}.pdf").status_code == 410
    assert pages.as_("intake_officer").get(f"/cases/{case.id}/documents").status_code == 200
    api.error(api.get(f"/documents/{document.id}/pdf", "intake_officer"), 410, "erased")
    assert api.get(f"/documents/{document.id}/verify", "intake_officer").get_json()["intact"] is False
    # The stored rows are as they were (never rewritten): only the key is gone.
    assert db.session.get(DocumentBlob, document.storage_key).content[:1] == b"\x02"
    # The case goes on: what happens next is sealed under a new key.
    pages.act("supervisor", case.id, "suspend", {"reason": "住院治疗"})
    db.session.expire_all()
    *before, last = db.session.scalars(select(Event).where(Event.case_id == case.id).order_by(Event.id))
    assert last.reason == "住院治疗" and all(e.changes is sealing.ERASED for e in before)


def test_history_values_cannot_be_written_past_the_case_key(make_case):
    """A history row written around the session (Core INSERT) would store its values under no case
    key: the column refuses."""
    case = make_case("referred")
    with pytest.raises(Exception, match="sealed under its case's key"):
        db.session.execute(Event.__table__.insert().values(
            case_id=case.id, action="forged", case_version=1, changes={"child_name": "伪造"},
            created_at=dt.datetime(2026, 1, 1)))
    db.session.rollback()


# --- the migration that seals what was stored before ------------------------------------------------

migrate_app = helper_modules.load("core/test_migrations.py").migrate_app
MIGRATIONS = helper_modules.load("core/test_migrations.py").MIGRATIONS
PDF = b"%PDF-1.7 the registration form of \xe7\x94\xb2"


def _legacy_seal(value, purpose: str) -> bytes:
    """How values were sealed before key ids: 12-byte nonce + ciphertext, REGISTRY_ENCRYPTION_KEY."""
    nonce = os.urandom(12)
    plain = json.dumps(value, ensure_ascii=False).encode()
    return nonce + AESGCM(sealing.development_key("encryption")).encrypt(nonce, plain, purpose.encode())


def _plaintext_rows() -> None:
    """A case as the app stored it before this issue, with its history, a document and a user's
    sealed second-factor secret in the old format."""
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO agencies (id, name, kind, region, doc_prefix) VALUES (1, '中心', 'centre', '', '')"))
        conn.execute(text("INSERT INTO users (id, username, full_name, sex, password_hash, agency_id, active, "
                          "created_at, otp_secret) VALUES (1, 'p', 'P', 'F', 'x', 1, true, '2026-01-02', :otp)"),
                     {"otp": _legacy_seal("JBSWY3DPEHPK3PXP", "otp_secret")})
        conn.execute(text("INSERT INTO incidents (id, number, offence_type, police_case_no, court_case_no, "
                          "created_at) VALUES (1, 'I2026-0001', 'abuse', '', '', '2026-01-02')"))
        conn.execute(text(
            "INSERT INTO cases (id, number, incident_id, centre_id, state, definition_version, version, "
            "referral_source, referral_detail, child_name, child_sex, child_birth_date, child_id_number, "
            "consent_note, interview_count, created_at, updated_at) VALUES (1, 'C2026-0001', 1, 1, 'referred', 1, 1, "
            "'police', '邻居报告', '甲', 'F', '2012-03-01', '44010620120301001X', '', 0, '2026-01-02', "
            "'2026-01-02')"))
        conn.execute(text("INSERT INTO contacts (id, case_id, kind, name, relation, phone, is_suspect, absent) "
                          "VALUES (1, 1, 'guardian', '张丽', '母亲', '13800138000', false, false)"))
        conn.execute(text("INSERT INTO events (id, case_id, actor_id, action, to_state, case_version, changes, "
                          "reason, created_at) VALUES (1, 1, 1, 'create', 'referred', 1, :changes, NULL, "
                          "'2026-01-02')"), {"changes": json.dumps({"child_name": "甲"})})
        conn.execute(text(
            "INSERT INTO documents (id, key, version, kind, title, recipient, status, case_id, agency_id, template, "
            "template_version, locale, data, sha256, code, size, pages, storage_key, generated_at) VALUES "
            "(1, 'case:1/registration_form/-/internal', 1, 'registration_form', '登记表', 'internal', 'draft', 1, 1, "
            "'registration_form', 1, 'zh_CN', :data, :sha, 'ABCDEFGHJK', 10, 1, 'pdf/0123abcd.pdf', '2026-01-02')"),
            {"data": json.dumps({"child": {"name": "甲"}}), "sha": "0" * 64})
        conn.execute(text("INSERT INTO document_blobs (key, content, created_at) VALUES ('pdf/0123abcd.pdf', :pdf, "
                          "'2026-01-02')"), {"pdf": PDF})


def _raw(sql: str):
    with db.engine.connect() as conn:
        return conn.execute(text(sql)).one()


def test_the_migration_seals_the_rows_stored_before_and_its_downgrade_opens_them(migrate_app):
    upgrade(directory=MIGRATIONS, revision="a17a0d170001")
    _plaintext_rows()
    upgrade(directory=MIGRATIONS, revision="a17a0d170002")

    case = _raw("SELECT child_name, child_birth_date, child_id_number, child_name_index, child_id_number_index, "
                "child_age_band FROM cases")
    assert [bytes(v)[:2] for v in case[:3]] == [b"\x01\x01"] * 3
    opened = [sealing.decode_value(sealing.unseal_bytes(bytes(v), f"cases.{c}"))
              for v, c in zip(case[:3], ("child_name", "child_birth_date", "child_id_number"))]
    assert opened == ["甲", dt.date(2012, 3, 1), "44010620120301001X"]
    assert case[3:] == (sealing.blind_value("甲", "cases.child_name"),
                        sealing.blind_value("44010620120301001x", "cases.child_id_number", upper=True), "12-13")
    (phone,) = _raw("SELECT phone FROM contacts")
    assert b"13800138000" not in bytes(phone)
    (changes,) = _raw("SELECT changes FROM events")
    (data,) = _raw("SELECT data FROM documents")
    (pdf,) = _raw("SELECT content FROM document_blobs")
    assert {bytes(v)[:1] for v in (changes, data, pdf)} == {b"\x02"}  # under the case's key
    assert _raw("SELECT count(*) FROM case_keys WHERE case_id = 1") == (1,)
    (otp,) = _raw("SELECT otp_secret FROM users")
    assert sealing.unseal(bytes(otp), "otp_secret") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("UPDATE events SET action = 'x'"))  # the history's triggers are back

    downgrade(directory=MIGRATIONS, revision="a17a0d170001")
    assert _raw("SELECT child_name, child_id_number FROM cases") == ("甲", "44010620120301001X")
    assert str(_raw("SELECT child_birth_date FROM cases")[0]) == "2012-03-01"
    (changes,) = _raw("SELECT changes FROM events")
    assert (changes if isinstance(changes, dict) else json.loads(changes)) == {"child_name": "甲"}  # (psycopg parses)
    assert bytes(_raw("SELECT content FROM document_blobs")[0]) == PDF
    (otp,) = _raw("SELECT otp_secret FROM users")
    otp = bytes(otp)
    assert AESGCM(sealing.development_key("encryption")).decrypt(otp[:12], otp[12:], b"otp_secret") == \
        b'"JBSWY3DPEHPK3PXP"'

    upgrade(directory=MIGRATIONS)
    case = db.session.get(Case, 1)
    assert (case.child_name, case.contacts[0].phone, case.child_age_band) == ("甲", "13800138000", "12-13")
    assert db.session.get(Document, 1).data == {"child": {"name": "甲"}}
    assert db.session.scalars(select(Event.changes)).one() == {"child_name": "甲"}
    assert documents.document_store().get("pdf/0123abcd.pdf") == PDF
