"""Key rotation: with a new key first in ONESTOP_SEALING_KEYS, `keys rotate` re-seals every value
(sealed columns, register people, second-factor secrets, emergency reasons, sealed document bytes)
and re-wraps the case keys; then the old key can go and everything still reads. A rotation that
stops half-way goes on where it stopped and seals nothing twice. Bad key rings stop the start."""
from __future__ import annotations

import base64
import hashlib

import helper_modules
import pytest
from flask import g
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from forms.emergency import BreakGlassForm
from workflow import create_app
from workflow.admin import signin
from workflow.cases.models import Case
from workflow.core import keys, sealing
from workflow.core.extensions import db
from workflow.core.models import Event
from workflow.documents import operations as documents
from workflow.emergency import operations as emergency
from workflow.registry import entries
from workflow.registry import operations as registry

registry_helpers = helper_modules.load("registry/registry_helpers.py")
NEW_KEY = base64.urlsafe_b64encode(hashlib.sha256(b"onestop tests: the next sealing key").digest()).decode()


def _old_key() -> str:
    """Key id 1 of the tests: REGISTRY_ENCRYPTION_KEY unset, derived from SECRET_KEY."""
    return base64.urlsafe_b64encode(sealing.key_ring()[1]).decode()


def _forget_opened_keys() -> None:
    """As a new request would: no data key stays unwrapped from before."""
    g.pop("_sealing_data_keys", None)
    db.session.expire_all()


def _under(label: str) -> dict[str, int]:
    """{table: values} under `label` ("key 1"), from `keys status`."""
    return {table: counts[label] for table, counts in keys.status().items() if counts.get(label)}


@pytest.fixture
def sealed_everywhere(users, make_case):
    """A case (sealed columns, history and a document under its key), a register entry, an inquiry
    with its sealed notice, a break-the-glass reason; the users' second-factor secrets."""
    case = make_case("registered")
    document = documents.generate(users["intake_officer"], case, "registration_form", "internal")
    entry = registry_helpers.entry_in_force(users, name="钱某某")
    inquiry = registry_helpers.ask(users, name="钱某某", id_number=entries.values_of(entry)["id_number"])
    notice, notice_pdf = registry.notice_for(users["employer_hr"], inquiry.id)
    grant = emergency.break_glass(users["examiner_m"], BreakGlassForm(
        formdata=MultiDict({"case": case.number, "reason": "儿童情绪崩溃，需联系监护人"}), meta={"csrf": False}))
    return {"case": case, "document": document, "pdf": documents.pdf_bytes(document), "entry": entry,
            "notice": notice, "notice_pdf": notice_pdf, "grant": grant, "users": users}


def _everything_reads(things: dict) -> None:
    _forget_opened_keys()
    case = db.session.get(Case, things["case"].id)
    assert (case.child_name, case.contacts[0].phone) == ("李小雨", "13800138000")
    assert db.session.scalars(select(Event).where(Event.case_id == case.id)).first().changes["child_name"] == "李小雨"
    assert documents.pdf_bytes(things["document"]) == things["pdf"]
    assert documents.snapshot_of(things["document"])["child"]["name"] == "李小雨"
    assert documents.pdf_bytes(things["notice"]) == things["notice_pdf"]
    assert entries.values_of(things["entry"])["name"] == "钱某某"
    assert emergency.reason_of(things["grant"]) == "儿童情绪崩溃，需联系监护人"
    assert signin.otp_secret(things["users"]["supervisor"])


def test_rotation_reseals_everything_and_the_old_key_can_go(app, runner, sealed_everywhere):
    before = _under("key 1")
    assert {"cases", "contacts", "users", "registry_entries", "registry_inquiries", "emergency_accesses",
            "case_keys", "document store"} <= set(before)
    app.config["SEALING_KEYS"] = f"2:{NEW_KEY},1:{_old_key()}"
    usage = runner.invoke(args=["keys", "rotate", "--help"])
    assert usage.exit_code == 0 and "--batch-size" in usage.output and "run it again" in usage.output
    status = runner.invoke(args=["keys", "status"])
    assert status.exit_code == 0 and "current key id: 2" in status.output and "cases: key 1:" in status.output

    result = runner.invoke(args=["keys", "rotate", "--batch-size", "3"])
    assert result.exit_code == 0, result.output
    assert f"cases: {before['cases']} re-sealed" in result.output
    assert "case_keys:" in result.output and "document store: 1 re-sealed" in result.output  # the notice
    assert _under("key 1") == {}
    again = runner.invoke(args=["keys", "rotate"])
    assert again.exit_code == 0 and "done: 0 values" in again.output

    app.config["SEALING_KEYS"] = f"2:{NEW_KEY}"  # the old key is gone
    _everything_reads(sealed_everywhere)
    # A restart with the new key alone passes the key check (which now knows key id 2).
    create_app({"TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"], "SEALING_KEYS": f"2:{NEW_KEY}",
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})


def test_a_value_under_a_key_no_longer_configured_names_it(app, make_case):
    case = make_case("referred")
    app.config["SEALING_KEYS"] = f"2:{NEW_KEY}"
    db.session.expire_all()
    with pytest.raises(sealing.MissingKeyError, match="key id 1, which ONESTOP_SEALING_KEYS does not hold"):
        db.session.get(Case, case.id).child_name  # noqa: B018
    db.session.rollback()


def test_an_interrupted_rotation_goes_on_where_it_stopped_and_seals_nothing_twice(app, make_case, monkeypatch):
    for name in ("甲", "乙", "丙", "丁"):
        make_case("referred", child_name=name)
    total = sum(_under("key 1").values())
    app.config["SEALING_KEYS"] = f"2:{NEW_KEY},1:{_old_key()}"
    real, calls = sealing.resealed, []

    def dies_after_twenty(blob, purpose):
        new = real(blob, purpose)
        if new is not None:
            calls.append(purpose)
            if len(calls) == 20:
                raise KeyboardInterrupt  # the process is stopped mid-batch
        return new

    monkeypatch.setattr(sealing, "resealed", dies_after_twenty)
    with pytest.raises(KeyboardInterrupt):
        keys.rotate(batch=2)
    db.session.rollback()
    monkeypatch.undo()
    left = sum(_under("key 1").values())
    assert 0 < left < total  # the committed batches stay done
    done = keys.rotate(batch=2)
    assert sum(done.values()) == left  # only what was left
    assert _under("key 1") == {}
    app.config["SEALING_KEYS"] = f"2:{NEW_KEY}"
    _forget_opened_keys()
    assert sorted(c.child_name for c in db.session.scalars(select(Case))) == sorted(("甲", "乙", "丙", "丁"))


def test_a_restart_with_another_key_under_a_known_key_id_is_refused(app):
    with pytest.raises(RuntimeError, match="ONESTOP_SEALING_KEYS key id 1 is not the key this database"):
        create_app({"TESTING": True, "SECRET_KEY": app.config["SECRET_KEY"], "SEALING_KEYS": f"1:{NEW_KEY}",
                    "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})


@pytest.mark.parametrize("ring, message", [
    ("1", "is not 'key id:key'"),
    ("0:" + NEW_KEY, "is not 'key id:key'"),
    ("256:" + NEW_KEY, "is not 'key id:key'"),
    (f"2:{NEW_KEY},2:{NEW_KEY}", "key id 2 is given twice"),
    ("2:" + base64.urlsafe_b64encode(b"short").decode(), "key id 2 is not 32 random bytes"),
    ("2:" + base64.urlsafe_b64encode(bytes(32)).decode(), "key id 2 is not 32 random bytes"),
    ("2:!!not base64!!", "key id 2 is not 32 random bytes"),
])
def test_a_malformed_key_ring_stops_the_start(ring, message):
    with pytest.raises(RuntimeError, match=message) as refusal:
        create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SEALING_KEYS": ring,
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert str(refusal.value).startswith("ONESTOP_SEALING_KEYS must be") and "\n" not in str(refusal.value)


def test_production_refuses_sealing_off(monkeypatch, tmp_path):
    monkeypatch.setenv("ONESTOP_ENV", "production")
    monkeypatch.setenv("ONESTOP_SEALING", "off")
    for name, seed in (("SECRET_KEY", b"secret"), ("REGISTRY_HMAC_KEY", b"matching"), ("AUDIT_KEY", b"audit")):
        monkeypatch.setenv(name, hashlib.sha256(b"onestop tests: " + seed).hexdigest())
    monkeypatch.setenv("ONESTOP_SEALING_KEYS", f"1:{NEW_KEY}")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/empty.sqlite")
    with pytest.raises(RuntimeError, match="ONESTOP_SEALING=off is for measuring only"):
        create_app()
    monkeypatch.setenv("ONESTOP_SEALING", "maybe")
    with pytest.raises(RuntimeError, match="ONESTOP_SEALING must be 'on' or 'off'"):
        create_app()
