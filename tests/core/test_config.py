"""Configuration: safe defaults, PostgreSQL URLs routed to psycopg 3. What production refuses is
in tests/security/test_production_config.py."""
import pytest

from workflow.core import config


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
