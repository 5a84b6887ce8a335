"""Unsafe configuration stops the start with one line saying what is wrong: an unknown ONESTOP_ENV,
a guessable secret, register keys of the wrong shape, keys that do not fit the stored data.
Production answers with HSTS and a __Host- session cookie that is Secure, HttpOnly and SameSite=Lax."""
from __future__ import annotations

import base64
import hashlib

import helper_modules
import pytest
from sqlalchemy import delete

from workflow import create_app
from workflow.core import config, sealing
from workflow.core.extensions import db
from workflow.core.models import Setting

registry_helpers = helper_modules.load("registry/registry_helpers.py")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


# Keys that pass every check (random-looking, fixed so that runs repeat).
GOOD = {
    "SECRET_KEY": hashlib.sha256(b"onestop tests: session secret").hexdigest(),
    "REGISTRY_HMAC_KEY": hashlib.sha256(b"onestop tests: matching key").hexdigest(),
    "REGISTRY_ENCRYPTION_KEY": _b64(hashlib.sha256(b"onestop tests: sealing key").digest()),
    "AUDIT_KEY": hashlib.sha256(b"onestop tests: audit key").hexdigest(),
}
OTHER_ENCRYPTION_KEY = _b64(hashlib.sha256(b"onestop tests: another key").digest())
OTHER_HMAC_KEY = hashlib.sha256(b"onestop tests: another matching key").hexdigest()


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """Set the environment as a deployment would (`values`), on an empty database of its own."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/empty.sqlite")
    monkeypatch.setenv("ONESTOP_ESCALATION_RUNNER", "off")
    for name in ("ONESTOP_ENV", *GOOD):
        monkeypatch.delenv(name, raising=False)

    def set_env(**values):
        for name, value in values.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)

    return set_env


def _refused(match: str) -> str:
    with pytest.raises(RuntimeError, match=match) as refusal:
        create_app()
    message = str(refusal.value)
    assert "\n" not in message  # one line
    return message


# --- the environment's name ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["prod", "Production", "staging", "dev"])
def test_an_unknown_environment_is_refused(environment, name):
    environment(ONESTOP_ENV=name, **GOOD)
    assert _refused("ONESTOP_ENV") == f"ONESTOP_ENV must be 'development' or 'production', not '{name}'"


@pytest.mark.parametrize("name", [None, "", "development"])
def test_development_is_the_default(environment, name):
    environment(ONESTOP_ENV=name)
    app = create_app()
    assert (app.config["ENV_NAME"], app.config["SESSION_COOKIE_NAME"], app.config["SESSION_COOKIE_SECURE"]) == \
        ("development", "session", False)


# --- secrets and keys -----------------------------------------------------------------------------

@pytest.mark.parametrize("secret, message", [
    (None, "SECRET_KEY is a known default"),  # the built-in development secret
    (config.DEFAULT_SECRET, "SECRET_KEY is a known default"),
    ("changeme", "SECRET_KEY is a known default"),
    ("secret", "SECRET_KEY is a known default"),
    ("dev", "SECRET_KEY is a known default"),
    ("test-secret", "SECRET_KEY is a known default"),
    ("bench-secret-key-not-for-production", "SECRET_KEY is a known default"),
    ("9f2c4e1b7a30d8e6", "SECRET_KEY must be a random value of at least 32 bytes"),
    ("a" * 64, "SECRET_KEY must be a random value of at least 32 bytes"),
])
def test_production_refuses_a_guessable_secret(environment, secret, message):
    environment(ONESTOP_ENV="production", **{**GOOD, "SECRET_KEY": secret})
    assert _refused(message).endswith("(python3 -c 'import secrets; print(secrets.token_hex(32))')")


@pytest.mark.parametrize("missing", ["REGISTRY_HMAC_KEY", "REGISTRY_ENCRYPTION_KEY"])
def test_production_refuses_to_start_without_the_register_keys(environment, missing):
    environment(ONESTOP_ENV="production", **{**GOOD, missing: None})
    _refused("REGISTRY_HMAC_KEY and REGISTRY_ENCRYPTION_KEY must be set when ONESTOP_ENV=production")


@pytest.mark.parametrize("env", ["development", "production"])
@pytest.mark.parametrize("name, value, message", [
    ("REGISTRY_ENCRYPTION_KEY", _b64(b"short"), "REGISTRY_ENCRYPTION_KEY must be 32 random bytes"),
    ("REGISTRY_ENCRYPTION_KEY", _b64(bytes(range(33))), "REGISTRY_ENCRYPTION_KEY must be 32 random bytes"),
    ("REGISTRY_ENCRYPTION_KEY", "!!not base64!!", "REGISTRY_ENCRYPTION_KEY must be 32 random bytes"),
    ("REGISTRY_ENCRYPTION_KEY", _b64(bytes(32)), "REGISTRY_ENCRYPTION_KEY must be 32 random bytes"),  # all zero
    ("REGISTRY_ENCRYPTION_KEY", _b64(b"k" * 32), "REGISTRY_ENCRYPTION_KEY must be 32 random bytes"),
    ("REGISTRY_HMAC_KEY", "short", "REGISTRY_HMAC_KEY must be a random value of at least 32 characters"),
    ("REGISTRY_HMAC_KEY", "h" * 40, "REGISTRY_HMAC_KEY must be a random value of at least 32 characters"),
])
def test_register_keys_of_the_wrong_shape_are_refused(environment, env, name, value, message):
    environment(ONESTOP_ENV=env, **{**GOOD, name: value})
    _refused(message)


def test_production_refuses_to_start_without_an_audit_key(environment):
    environment(ONESTOP_ENV="production", **{**GOOD, "AUDIT_KEY": None})
    _refused("AUDIT_KEY must be set when ONESTOP_ENV=production")


@pytest.mark.parametrize("value", ["short", "a" * 40])
def test_a_guessable_audit_key_is_refused(environment, value):
    environment(ONESTOP_ENV="development", **{**GOOD, "AUDIT_KEY": value})
    _refused("AUDIT_KEY must be a random value of at least 32 characters")


def test_production_starts_with_good_keys_and_secure_cookies(environment):
    environment(ONESTOP_ENV="production", **GOOD)
    app = create_app()
    assert (app.config["SESSION_COOKIE_NAME"], app.config["SESSION_COOKIE_SECURE"],
            app.config["SESSION_COOKIE_HTTPONLY"], app.config["SESSION_COOKIE_SAMESITE"],
            app.config["SESSION_COOKIE_PATH"], app.config["SESSION_COOKIE_DOMAIN"]) == \
        ("__Host-onestop", True, True, "Lax", "/", None)


# --- keys that do not fit the stored data --------------------------------------------------------

def _start(app, **overrides):
    """Another app on the test's database (as another process or a restart would be)."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                       "SECRET_KEY": app.config["SECRET_KEY"], **overrides})


def _stored_check():
    db.session.expire_all()
    row = db.session.get(Setting, sealing.KEY_CHECK)
    return row.value if row else None


def _forget_the_check():
    """A database whose keys were never recorded (migrated, not yet started)."""
    db.session.execute(delete(Setting).where(Setting.key == sealing.KEY_CHECK))
    db.session.commit()


def test_the_first_start_records_the_keys_and_the_same_keys_start_again(app):
    recorded = _stored_check()
    assert set(recorded) == {"SEALING_KEYS", "REGISTRY_HMAC_KEY"}  # written by the fixture's start
    assert set(recorded["SEALING_KEYS"]) == {"1"}  # key id 1: REGISTRY_ENCRYPTION_KEY, derived here
    assert app.config["SECRET_KEY"] not in str(recorded)
    _start(app)
    _start(app, REGISTRY_ENCRYPTION_KEY="", REGISTRY_HMAC_KEY="")  # unset: derived from the same secret
    assert _stored_check() == recorded


REFUSAL = ("{key} is not the key this database's data was sealed and hashed with; start with that key "
           "(for a new, empty database delete the settings row 'key_check')")


@pytest.mark.parametrize("name, other", [("REGISTRY_ENCRYPTION_KEY", OTHER_ENCRYPTION_KEY),
                                         ("REGISTRY_HMAC_KEY", OTHER_HMAC_KEY)])
def test_configured_keys_that_do_not_fit_the_stored_data_are_refused(app, name, other):
    _forget_the_check()
    _start(app, **GOOD)  # the data's keys: the configured ones
    recorded = _stored_check()
    with pytest.raises(RuntimeError) as refusal:
        _start(app, **{**GOOD, name: other})
    assert str(refusal.value) == REFUSAL.format(key=name)
    assert _stored_check() == recorded  # the refused start changed nothing
    _start(app, **GOOD)


def test_development_keys_derived_from_another_secret_are_refused(app):
    """The fixture's start recorded the keys derived from its SECRET_KEY."""
    with pytest.raises(RuntimeError) as refusal:
        _start(app, SECRET_KEY="another-development-secret")
    assert str(refusal.value) == REFUSAL.format(key="REGISTRY_ENCRYPTION_KEY (unset: derived from SECRET_KEY)")


def test_two_first_starts_at_once_agree_on_one_record(app, monkeypatch):
    """Another process records the keys between this one's look and its insert: its record is
    kept and compared."""
    _forget_the_check()
    _start(app, **GOOD)
    recorded = _stored_check()
    real_get = db.session.get
    looks = []

    def first_look_misses(model, key, *args, **kwargs):
        looks.append(key)
        return None if len(looks) == 1 and model is Setting else real_get(model, key, *args, **kwargs)

    monkeypatch.setattr(db.session, "get", first_look_misses, raising=False)
    _start(app, **GOOD)
    assert looks == [sealing.KEY_CHECK, sealing.KEY_CHECK]  # missed, the insert failed, read theirs
    looks.clear()
    with pytest.raises(RuntimeError) as refusal:
        _start(app, **{**GOOD, "REGISTRY_HMAC_KEY": OTHER_HMAC_KEY})
    assert str(refusal.value) == REFUSAL.format(key="REGISTRY_HMAC_KEY")
    monkeypatch.undo()
    assert _stored_check() == recorded


def test_before_the_migrations_there_is_nothing_to_check(tmp_path):
    uri = f"sqlite:///{tmp_path}/new.sqlite"
    create_app({"TESTING": True, "SECRET_KEY": "one", "SQLALCHEMY_DATABASE_URI": uri})
    create_app({"TESTING": True, "SECRET_KEY": "another", "SQLALCHEMY_DATABASE_URI": uri})


# --- what production answers with -------------------------------------------------------------------

@pytest.fixture
def production(app, monkeypatch):
    """A production app with good keys on the test's migrated database."""
    _forget_the_check()  # the fixture's start recorded the test keys
    monkeypatch.setenv("ONESTOP_ENV", "production")
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], **GOOD})


def _session_cookie(response) -> str:
    [cookie] = response.headers.getlist("Set-Cookie")
    return cookie


def test_production_answers_with_hsts_and_a_host_only_secure_cookie(production):
    client = production.test_client()
    page = client.get("/login?lang=en")  # the language choice goes into the session
    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    cookie = _session_cookie(page)
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert cookie.startswith("__Host-onestop=")
    assert {"secure", "httponly", "path", "samesite"} <= attributes and "domain" not in attributes  # host-only
    assert "; Path=/" in cookie and "SameSite=Lax" in cookie
    api = client.get("/api/v1/openapi.json")
    assert api.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_development_answers_without_hsts_and_with_a_plain_cookie(client):
    page = client.get("/login?lang=en")
    assert page.status_code == 200 and "Strict-Transport-Security" not in page.headers
    cookie = _session_cookie(page)
    assert cookie.startswith("session=") and "Secure" not in cookie and "HttpOnly" in cookie


def test_logging_in_sets_no_remember_cookie(pages, users):
    """Flask-Login's remember cookie would outlive the session: it is never issued."""
    client = pages.as_("examiner").client
    assert client.get_cookie("session") is not None
    assert client.get_cookie("remember_token") is None


@pytest.mark.parametrize("name, other", [("REGISTRY_ENCRYPTION_KEY", OTHER_ENCRYPTION_KEY),
                                         ("REGISTRY_HMAC_KEY", OTHER_HMAC_KEY)])
def test_a_database_with_data_but_no_recorded_keys_is_checked_against_its_data(app, users, name, other):
    """A database upgraded from before the check holds sealed data but no record of its keys: the
    first start opens a register entry and a second-factor secret with the keys it is given."""
    registry_helpers.entry_in_force(users)  # sealed and hashed with the fixture's (derived) keys
    _forget_the_check()
    derived = {"REGISTRY_ENCRYPTION_KEY": "", "REGISTRY_HMAC_KEY": ""}
    with pytest.raises(RuntimeError) as refusal:
        _start(app, **{**derived, name: other})
    assert str(refusal.value) == REFUSAL.format(key=name)
    assert _stored_check() is None  # nothing recorded by the refused start
    _start(app, **derived)
    assert _stored_check() is not None
