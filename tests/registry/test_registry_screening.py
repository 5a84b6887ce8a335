"""Batch screening: per-row errors without losing good rows, the answers logged, the result CSV for
the submitter alone, nothing readable at rest."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from registry_helpers import ask, entry_in_force, resident_id, wrong_check_digit
from sqlalchemy import text

from workflow.core import jobs, settings
from workflow.core.errors import WorkflowError
from workflow.core.extensions import db
from workflow.documents.models import DocumentBlob
from workflow.registry import operations, screening
from workflow.registry.models import RegistryAlert, RegistryInquiry


def run_batch(users, content: bytes, who: str = "employer_hr"):
    job = screening.submit_batch(users[who], content, True)
    job = jobs.wait(job.id, 30)
    assert job.status == "done", job.error
    return job


def rows_of(users, job, who: str = "employer_hr") -> list[dict]:
    return list(csv.DictReader(io.StringIO(screening.result_csv(users[who], job.id).decode("utf-8-sig"))))


def test_a_batch_with_bad_rows_answers_the_good_ones(users):
    entry_in_force(users)  # 赵某, born 1985-03-14
    lines = [
        "姓名,证件类型,证件号码,出生日期,岗位",
        f"赵某,居民身份证,{resident_id()},,语文教师",  # hit
        f"钱某,,{resident_id(region='110105', sequence=1)},,数学教师",  # miss
        f"赵某,,{resident_id(region='110105', sequence=2)},,体育教师",  # same name and birth date: review
        f"孙某,,{wrong_check_digit(resident_id(sequence=3))},,保安",  # bad check digit
        ",,,,",  # blank: skipped
        "李某,护照,E1234567,,外教",  # passport without a birth date
        "周某,护照,E7654321,1980/02/03,外教",  # passport with one: miss
        f",,{resident_id(sequence=4)},,",  # no name
    ]
    job = run_batch(users, "\r\n".join(lines).encode())
    assert job.result["rows"] == 7 and job.result["invalid"] == 3
    assert (job.result["record"], job.result["no_record"], job.result["pending_review"]) == (1, 2, 1)
    rows = rows_of(users, job)
    assert [r["result"] for r in rows] == ["record", "no_record", "pending_review", "invalid", "invalid",
                                           "no_record", "invalid"]
    assert [r["row"] for r in rows] == ["1", "2", "3", "4", "6", "7", "8"]
    assert rows[3]["error"] and rows[4]["error"] and rows[6]["error"] and not rows[0]["error"]
    assert rows[0]["id_number"] == "440***********1238" and resident_id() not in str(rows)
    logged = RegistryInquiry.query.filter_by(job_id=job.id).order_by(RegistryInquiry.row_no).all()
    assert [(i.row_no, i.result) for i in logged] == [(1, "record"), (2, "no_record"), (3, "pending_review"),
                                                      (7, "no_record")]
    assert [int(r["inquiry_id"]) for r in rows if r["inquiry_id"]] == [i.id for i in logged]
    # a person is kept (sealed) only where a notice or review may need it
    assert [i.person is not None for i in logged] == [True, False, True, False]


def test_a_batch_row_without_a_record_has_no_notice(users):
    job = run_batch(users, f"姓名,证件号码\n钱某,{resident_id()}\n".encode())
    inquiry = RegistryInquiry.query.filter_by(job_id=job.id).one()
    with pytest.raises(WorkflowError) as caught:
        operations.notice_for(users["employer_hr"], inquiry.id)
    assert caught.value.status == 409 and caught.value.code == "wrong_state"


def test_gb18030_and_english_headers(users):
    entry_in_force(users)
    job = run_batch(users, f"name,id_number,post\n赵某,{resident_id()},保育员\n".encode("gb18030"))
    assert rows_of(users, job)[0]["result"] == "record"


def test_the_result_is_the_submitters_alone(users):
    job = run_batch(users, f"姓名,证件号码\n钱某,{resident_id()}\n".encode())
    for who in ("employer_hr_2", "kindergarten_hr", "registry_maintainer"):
        with pytest.raises(WorkflowError) as caught:
            screening.result_csv(users[who], job.id)
        assert caught.value.status == 404


def test_nothing_readable_stays_at_rest(users):
    job = run_batch(users, f"姓名,证件号码\n钱某某,{resident_id(sequence=321)}\n".encode())
    blobs = db.session.execute(text("SELECT key, content FROM document_blobs")).all()
    assert len(blobs) == 1 and blobs[0][0] == job.result["result"]  # the upload is deleted
    for _key, content in blobs:
        assert "钱某某".encode() not in bytes(content) and resident_id(sequence=321).encode() not in bytes(content)
    assert db.session.get(DocumentBlob, job.params["upload"]) is None


@pytest.mark.parametrize("content, message", [
    (b"", "文件为空"),
    ("姓名,岗位\n钱某,教师\n".encode(), "缺少：证件号码"),
    ("姓名,证件号码\n".encode(), "1 至 100000 行"),
    (b"\xff\xfe\x00\x00garbage\x81", "UTF-8"),
    ('姓名,证件号码\n"钱某,' .encode() + b"x" * 200_000 + b'"\n', "CSV"),  # a cell beyond the csv field limit
])
def test_unusable_files_are_refused_at_once(users, content, message):
    with pytest.raises(WorkflowError) as caught:
        screening.submit_batch(users["employer_hr"], content, True)
    assert caught.value.status == 422 and message in caught.value.message
    assert "file" in caught.value.fields


def test_a_batch_needs_consent_a_role_and_respects_the_limits(app, users):
    content = f"姓名,证件号码\n钱某,{resident_id()}\n".encode()
    with pytest.raises(WorkflowError) as caught:
        screening.submit_batch(users["employer_hr"], content, False)
    assert caught.value.status == 422 and "consent" in caught.value.fields
    with pytest.raises(WorkflowError) as caught:
        screening.submit_batch(users["registry_maintainer"], content, True)
    assert caught.value.status == 403
    settings.put("registry_batch_max_rows", 1)
    db.session.commit()
    with pytest.raises(WorkflowError) as caught:
        screening.submit_batch(users["employer_hr"], content + f"李某,{resident_id(sequence=5)}\n".encode(), True)
    assert caught.value.status == 422
    settings.put("registry_batches_per_day", 1)
    db.session.commit()
    run_batch(users, content)
    with pytest.raises(WorkflowError) as caught:
        screening.submit_batch(users["employer_hr_2"], content, True)  # the same school's quota
    assert caught.value.status == 429
    run_batch(users, content, who="kindergarten_hr")


def test_old_spreadsheet_line_endings(users):
    entry_in_force(users)
    job = run_batch(users, f"姓名,证件号码\r赵某,{resident_id()}\r钱某,{resident_id(sequence=7)}\r".encode())
    assert [r["result"] for r in rows_of(users, job)] == ["record", "no_record"]


def test_a_failed_screening_deletes_the_upload(monkeypatch, users):
    def broken(*args):
        raise RuntimeError("database went away")

    monkeypatch.setattr(screening.entries, "match_ids", broken)
    job = screening.submit_batch(users["employer_hr"], f"姓名,证件号码\n钱某,{resident_id()}\n".encode(), True)
    job = jobs.wait(job.id, 30)
    assert job.status == "failed" and "database went away" in job.error
    assert db.session.get(DocumentBlob, job.params["upload"]) is None
    assert RegistryInquiry.query.count() == 0


def test_sequential_ids_in_a_batch_raise_an_alert(users):
    lines = ["姓名,证件号码"] + [f"应聘者{n},{resident_id(sequence=500 + n)}" for n in range(6)]
    run_batch(users, "\n".join(lines).encode())
    assert [a.kind for a in RegistryAlert.query.all()] == ["sequential_ids"]


def test_single_and_batch_answers_agree(users):
    entry_in_force(users, category="employment_ban", ban_until=dt.date.today() - dt.timedelta(days=3),
                   source_date=dt.date(2020, 1, 1))
    job = run_batch(users, f"姓名,证件号码\n赵某,{resident_id()}\n".encode())
    assert rows_of(users, job)[0]["result"] == ask(users).result == "no_record"
