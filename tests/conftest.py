"""Fixtures à la flaskr: `app`, `client`, `runner`, plus users of every role and cases in any state.

The database is real: a migrated SQLite file per test by default, or the PostgreSQL database named
by TEST_DATABASE_URL / DATABASE_URL (emptied between tests). The schema always comes from the
Alembic migrations, never from create_all. On PostgreSQL with two roles, TEST_DATABASE_OWNER_URL /
DATABASE_OWNER_URL names the same database as its owner: the schema is made, migrated and emptied
as the owner, and the app under test connects as the other URL's role, as in production
(workflow/core/privileges.py). With one URL, that role does both.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import helper_modules
import page_clients
import pytest
from flask import g
from flask_babel import refresh as refresh_babel
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from workflow import ROOT, create_app
from workflow.admin import calendar
from workflow.admin.models import Agency, AverageWage
from workflow.admin.signin import enrol_with
from workflow.admin.users import create_user
from workflow.core.clocks import local_today
from workflow.core.config import database_url
from workflow.core.extensions import db
from workflow.demo import drive, new_case

PASSWORD = "password-123"
PG_URL = database_url(os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL", ""))
USE_PG = PG_URL.startswith("postgresql")
PG_OWNER_URL = database_url(os.environ.get("TEST_DATABASE_OWNER_URL") or os.environ.get("DATABASE_OWNER_URL", "")
                            or PG_URL) if USE_PG else ""
# The owner's URL is the harness's alone: an app a test makes for a database of its own must never
# migrate this one. Helpers that tamper as the owner (tests/audit) read TEST_DATABASE_OWNER_URL.
os.environ.pop("DATABASE_OWNER_URL", None)
os.environ.pop("DATABASE_APP_ROLE", None)
if USE_PG:
    os.environ["TEST_DATABASE_OWNER_URL"] = PG_OWNER_URL
# The owner's copy of the rows the migrations insert (the audit trail's chain heads), which the app
# fixture puts back after emptying the tables. Serial ids of such rows are not reset: none have one.
PG_SEED = "test_seed"

# Users of the test centre, keyed by the role they act in (the keys drive workflow.demo.drive).
USERS = {
    "intake_officer": ("F", ["intake_officer"]),
    "examiner": ("F", ["examiner"]),
    "examiner_m": ("M", ["examiner"]),
    "interviewer": ("M", ["interviewer"]),
    "psychologist": ("F", ["psychologist"]),
    "case_prosecutor": ("F", ["case_prosecutor"]),
    "social_worker": ("F", ["social_worker"]),
    "supervisor": ("F", ["supervisor"]),
    "aid_officer": ("M", ["aid_officer"]),
    "aid_approver": ("M", ["aid_approver"]),  # department head
    "aid_deputy": ("F", ["aid_approver"]),  # deputy chief procurator
    "aid_chief": ("M", ["aid_approver"]),  # chief procurator
    "aid_officer_2": ("F", ["aid_officer"]),  # a colleague in the same aid department
    "aid_approver_officer": ("M", ["aid_officer", "aid_approver"]),  # acts in both roles (four-eyes)
    "finance_officer": ("F", ["finance_officer"]),
    "registry_maintainer": ("M", ["registry_maintainer"]),
    "registry_maintainer_2": ("F", ["registry_maintainer"]),  # the second pair of eyes
    "employer_hr": ("F", ["employer_hr"]),  # of a school
    "employer_hr_2": ("M", ["employer_hr"]),  # a colleague at the same school
    "kindergarten_hr": ("F", ["employer_hr"]),  # another employer
    "auditor": ("M", ["auditor"]),
    "admin": ("M", ["admin"]),
    "admin_2": ("F", ["admin"]),  # the second administrator who approves (four-eyes)
    # Same roles, another centre: never on our teams.
    "other_supervisor": ("F", ["supervisor"]),
    "other_examiner": ("F", ["examiner"]),
    # An aid officer of another procuratorate (entrusted verification).
    "remote_aid_officer": ("M", ["aid_officer"]),
}
AID_LEVELS = {"aid_approver": "department_head", "aid_deputy": "deputy_chief", "aid_chief": "chief",
              "aid_approver_officer": "deputy_chief"}
PROCURATORATE_ROLES = ("aid_officer", "aid_approver", "finance_officer", "case_prosecutor", "registry_maintainer")
# Average monthly wage of the test region: the aid cap is 36 x 10,000 yuan = 360,000 yuan.
MONTHLY_WAGE_FEN = 1_000_000


def _config(uri: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": uri,
        # Migrations and `db-grants` as the owner, when the test database has one of its own.
        "DATABASE_OWNER_URI": PG_OWNER_URL if uri == PG_URL and PG_OWNER_URL != PG_URL else "",
        "DATABASE_APP_ROLE": "",
        "WTF_CSRF_ENABLED": False,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        # Tests sign in dozens of times a minute from one address; tests/security sets real limits.
        "RATE_LIMIT_LOGIN": "10000 per minute",
        "RATE_LIMIT_TOKENS": "10000 per minute",
        "RATE_LIMIT_VERIFY": "10000 per minute",
    }


@pytest.fixture(scope="session")
def pg_owner():
    """The PostgreSQL test database as its owner (None on SQLite): schema, migrations, emptying."""
    if not USE_PG:
        yield None
        return
    engine = create_engine(PG_OWNER_URL)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory, pg_owner) -> str:
    """Migrate once per session: a template SQLite file, or the PostgreSQL schema."""
    if USE_PG:
        with pg_owner.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {PG_SEED} CASCADE"))
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        app = create_app(_config(PG_URL))
        with app.app_context():
            upgrade(directory=str(ROOT / "migrations"))  # as the owner, then the app role's grants
            db.engine.dispose()
        with pg_owner.begin() as conn:  # the rows the migrations wrote, for every test to start from
            conn.execute(text(f"CREATE SCHEMA {PG_SEED}"))
            for table in db.metadata.sorted_tables:
                if conn.execute(text(f"SELECT EXISTS (SELECT FROM {table.name})")).scalar_one():
                    conn.execute(text(f"CREATE TABLE {PG_SEED}.{table.name} AS TABLE public.{table.name}"))
        return PG_URL
    path = tmp_path_factory.mktemp("db") / "template.sqlite"
    app = create_app(_config(f"sqlite:///{path}"))
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()
    return str(path)


@pytest.fixture
def app(request, database_template, pg_owner, tmp_path):
    # `@pytest.mark.app_config(KEY=value)` changes the configuration of a test's app.
    marker = request.node.get_closest_marker("app_config")
    overrides = marker.kwargs if marker else {}
    if USE_PG:
        application = create_app({**_config(database_template), **overrides})
    else:
        path = tmp_path / "test.sqlite"
        shutil.copyfile(database_template, path)
        application = create_app({**_config(f"sqlite:///{path}"), **overrides})

    @application.teardown_request
    def forget_user(exc):  # noqa: ARG001
        # Requests reuse the test's app context (and its `g`): drop Flask-Login's cached user and
        # Flask-Babel's cached locale so each request starts from its own session or token.
        for name in ("_login_user", "api_user", "api_token", "audit_session_ref"):
            g.pop(name, None)
        refresh_babel()

    with application.app_context():
        calendar.load_file()  # the holiday file's years, as `make db` loads them
        yield application
        executor = application.extensions.get("job_executor")
        if executor is not None:  # background jobs finish before the database goes
            executor.shutdown(wait=True)
        db.session.remove()
        db.engine.dispose()
        if USE_PG:  # as the owner: the app role may not TRUNCATE
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            with pg_owner.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                seeded = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": PG_SEED})
                for name in seeded.scalars().all():
                    conn.execute(text(f"INSERT INTO public.{name} SELECT * FROM {PG_SEED}.{name}"))


@pytest.fixture
def kit(users, make_case):
    """The engine test kit of tests/cases (fire triggers as a role, prepare cases, snapshots)."""
    return helper_modules.load("cases/conftest.py").Kit(users, make_case)


@pytest.fixture
def pages(app, users):
    """Logged-in page clients (tests/page_clients.py)."""
    return page_clients.Pages(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app) -> dict:
    centre = Agency(name="测试一站式中心", kind="centre")
    other = Agency(name="另一中心", kind="centre")
    procuratorate = Agency(name="测试检察院", kind="procuratorate", region="测试市")
    remote = Agency(name="外省检察院", kind="procuratorate", region="外省市")
    civil_affairs = Agency(name="测试民政局", kind="civil_affairs")
    school = Agency(name="测试实验小学", kind="school")
    kindergarten = Agency(name="测试幼儿园", kind="school")
    db.session.add_all([centre, other, procuratorate, remote, civil_affairs, school, kindergarten])
    db.session.add(AverageWage(year=local_today().year, region="测试市", monthly_fen=MONTHLY_WAGE_FEN))
    db.session.commit()
    made = {}
    for key, (sex, roles) in USERS.items():
        if key.startswith("other_"):
            agency = other
        elif key.startswith("employer_hr"):
            agency = school
        elif key == "kindergarten_hr":
            agency = kindergarten
        elif key.startswith("remote_"):
            agency = remote
        elif set(roles) & set(PROCURATORATE_ROLES):
            agency = procuratorate
        else:
            agency = centre
        made[key] = create_user(username=key, password=PASSWORD, full_name=f"{key} 测试", sex=sex, roles=roles,
                                agency=agency, aid_level=AID_LEVELS.get(key))
        enrol_with(made[key], page_clients.otp_secret(key))
    db.session.commit()
    return made


@pytest.fixture
def make_case(users):
    """make_case(state="registered", **referral_overrides) -> a Case driven there through the engine."""

    def make(state: str = "referred", **overrides):
        case = new_case(users["intake_officer"], **overrides)
        return drive(case, state, users)

    return make


@pytest.fixture
def api_token(client):
    def get(username: str, password: str = PASSWORD) -> dict:
        response = client.post("/api/v1/tokens", json={"username": username, "password": password,
                                                       "otp": page_clients.fresh_code(username)})
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return get


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs redis-server: `make sysdeps` installs it, so `make test` and .ci/run have it")
    port = _free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(10)
