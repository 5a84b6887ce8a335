"""Configuration: safe defaults, PostgreSQL URLs routed to psycopg 3, no default secret in production."""
import base64

import pytest

from workflow import create_app
from workflow.core import config


def test_production_refuses_default_secret(monkeypatch):
    monkeypatch.setenv("ONESTOP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


REGISTRY_KEYS = {"REGISTRY_HMAC_KEY": "h" * 40, "REGISTRY_ENCRYPTION_KEY": base64.urlsafe_b64encode(b"k" * 32).decode()}


def test_production_starts_with_a_real_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("ONESTOP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a" * 64)
    for name, value in REGISTRY_KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/p.sqlite")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("missing", sorted(REGISTRY_KEYS))
def test_production_refuses_to_start_without_the_register_keys(monkeypatch, missing):
    monkeypatch.setenv("ONESTOP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a" * 64)
    for name, value in REGISTRY_KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(missing)
    with pytest.raises(RuntimeError, match="REGISTRY_HMAC_KEY and REGISTRY_ENCRYPTION_KEY"):
        create_app()


@pytest.mark.parametrize("name, value", [("REGISTRY_ENCRYPTION_KEY", "c2hvcnQ="), ("REGISTRY_ENCRYPTION_KEY", "!!"),
                                         ("REGISTRY_HMAC_KEY", "short")])
def test_bad_register_keys_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError, match=name):
        create_app()


@pytest.mark.parametrize("given, expected", [
    ("postgres://u:p@h:5/db", "postgresql+psycopg://u:p@h:5/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
])
def test_database_url_uses_psycopg3(monkeypatch, given, expected):
    monkeypatch.setenv("DATABASE_URL", given)
    assert config.load("/tmp")["SQLALCHEMY_DATABASE_URI"] == expected


def test_default_database_is_sqlite_in_instance(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert config.load("/srv/instance")["SQLALCHEMY_DATABASE_URI"] == "sqlite:////srv/instance/onestop.sqlite"
