"""`flask registry import` and `flask registry synthesize`."""
from __future__ import annotations

import csv

import pytest
from registry_helpers import resident_id, wrong_check_digit
from sqlalchemy import func, select

from workflow.core import jobs
from workflow.core.extensions import db
from workflow.registry import identity, screening
from workflow.registry.models import RegistryChange, RegistryEntry, RegistryInquiry

HEADER = "name,id_type,id_number,birth_date,category,ban_lifelong,ban_until,source_document,source_date\n"


def write(tmp_path, text: str, name: str = "entries.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_proposes_good_rows_and_reports_bad_ones(runner, users, tmp_path):
    good_1, good_2 = resident_id(sequence=101), resident_id(region="110101", sequence=202)
    path = write(tmp_path, HEADER
                 + f"赵某,resident_id,{good_1},,conviction_indecency,,,（2025）粤0106刑初1号,2025-06-01\n"
                 + f"钱某,resident_id,{wrong_check_digit(resident_id(sequence=303))},,conviction_rape,,,判决书,2025-06-01\n"
                 + f"孙某,居民身份证,{good_2},,employment_ban,是,,（2024）京0101刑初2号,2024-01-02\n"
                 + f"李某,resident_id,{resident_id(sequence=404)},,employment_ban,,,判决书,2024-01-02\n"
                 + f"周某,resident_id,{resident_id(sequence=505)},,conviction_rape,,,判决书,not-a-day\n")
    result = runner.invoke(args=["registry", "import", str(path), "--by", "registry_maintainer",
                                 "--reason", "历史数据导入"])
    assert result.exit_code == 0, result.output
    assert "imported 2 entries" in result.output
    assert "3 row(s) with errors" in result.output
    assert "row 2: id_number:" in result.output  # wrong check digit
    assert "row 4: ban_until:" in result.output  # a ban with neither an end day nor lifelong
    assert "row 5: source_date:" in result.output  # not a date
    entries = db.session.scalars(select(RegistryEntry).order_by(RegistryEntry.id)).all()
    assert [e.status for e in entries] == ["pending", "pending"]
    assert [e.category for e in entries] == ["conviction_indecency", "employment_ban"]
    assert entries[1].ban_lifelong is True
    hasher = identity.Hasher()
    assert {e.id_hmac for e in entries} == {hasher.id_number(good_1), hasher.id_number(good_2)}
    changes = db.session.scalars(select(RegistryChange)).all()
    assert len(changes) == 2
    assert all(c.kind == "create" and c.status == "open" and c.reason == "历史数据导入"
               and c.proposed_by_id == users["registry_maintainer"].id for c in changes)


def test_import_accepts_chinese_headings(runner, users, tmp_path):
    path = write(tmp_path, "姓名,证件类型,证件号码,出生日期,类别,终身禁业,禁业截止日期,来源文书,文书日期\n"
                 f"赵某,居民身份证,{resident_id()},,employment_ban,否,2030-01-01,（2025）粤0106刑初1号,2025-06-01\n")
    result = runner.invoke(args=["registry", "import", str(path), "--by", "registry_maintainer"])
    assert result.exit_code == 0, result.output
    entry = db.session.scalar(select(RegistryEntry))
    assert entry.status == "pending" and entry.ban_until.isoformat() == "2030-01-01"


@pytest.mark.parametrize("username", ["employer_hr", "nobody"])
def test_import_refused_to_others_than_maintainers(runner, users, tmp_path, username):
    path = write(tmp_path, HEADER + f"赵某,resident_id,{resident_id()},,conviction_rape,,,判决书,2025-06-01\n")
    result = runner.invoke(args=["registry", "import", str(path), "--by", username])
    assert result.exit_code == 1
    assert "Error" in result.output
    assert db.session.scalar(select(func.count()).select_from(RegistryEntry)) == 0


def test_import_needs_the_columns(runner, users, tmp_path):
    path = write(tmp_path, "name,id_number\n赵某,1\n")
    result = runner.invoke(args=["registry", "import", str(path), "--by", "registry_maintainer"])
    assert result.exit_code == 1
    assert "category" in result.output


def test_synthesize_then_screen_the_applicants(runner, users, tmp_path):
    out = tmp_path / "applicants.csv"
    result = runner.invoke(args=["registry", "synthesize", "--entries", "200", "--applicants", "50", "--hits", "5",
                                 "--out", str(out), "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "inserted 200 entries" in result.output
    assert db.session.scalar(select(func.count()).select_from(RegistryEntry)
                             .where(RegistryEntry.status == "active")) == 200
    categories = set(db.session.scalars(select(RegistryEntry.category)))
    assert len(categories) >= 5
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["姓名", "证件类型", "证件号码", "出生日期", "岗位"]
    assert len(rows) == 51
    for _name, _type, number, born, _post in rows[1:]:
        assert identity.resident_birth_date(number).isoformat() == born  # valid, check digit included

    job = screening.submit_batch(users["employer_hr"], out.read_bytes(), consent=True)
    job = jobs.wait(job.id, timeout=60)
    assert job.status == "done", job.error
    assert (job.result["record"], job.result["no_record"], job.result["pending_review"], job.result["invalid"]) \
        == (5, 45, 0, 0)
    assert db.session.scalar(select(func.count()).select_from(RegistryInquiry)
                             .where(RegistryInquiry.result == "record")) == 5


def test_synthesize_refused_in_production(runner, app, tmp_path):
    app.config["ENV_NAME"] = "production"
    result = runner.invoke(args=["registry", "synthesize", "--entries", "10", "--applicants", "1",
                                 "--out", str(tmp_path / "a.csv")])
    assert result.exit_code == 1
    assert "production" in result.output
    assert db.session.scalar(select(func.count()).select_from(RegistryEntry)) == 0
