"""When a case is not anonymised: under a legal hold (until it is released), closed too recently, or
its child not yet 21; a dry run changes nothing. Only a supervisor of the case's centre places and
releases a hold; the job runs from `flask retention run` and from `flask escalate`."""
from __future__ import annotations

import datetime as dt

import helper_modules
from sqlalchemy import select

from workflow.audit.models import AuditRecord
from workflow.cases.models import Case
from workflow.core import sealing, settings
from workflow.core.extensions import db
from workflow.core.models import utcnow
from workflow.documents.models import DocumentBlob
from workflow.retention import operations as retention
from workflow.retention.models import LegalHold

helpers = helper_modules.load("retention/retention_helpers.py")
CHILD, DUE, closed_on = helpers.CHILD, helpers.DUE, helpers.closed_on

REASON = "法院二审审理中，需保留全部卷宗（承办人：王某）。"


def _anonymised(case: Case) -> bool:
    db.session.expire_all()
    return db.session.get(Case, case.id).anonymised_at is not None


def test_a_held_case_is_kept_until_the_hold_is_released(closed, pages):
    case, _document = closed()
    supervisor = pages.as_("supervisor")
    placed = supervisor.post(f"/cases/{case.id}/legal-hold", data={"reason": REASON})
    assert placed.status_code == 302 and placed.headers["Location"].endswith(f"/cases/{case.id}#legal-hold")
    html = pages.html("supervisor", f"/cases/{case.id}")
    assert 'data-legal-hold="live"' in html and REASON in html and "data-release-hold-form" in html
    # The team sees that the case is held, not why (the reason may name a person).
    team_view = pages.html("intake_officer", f"/cases/{case.id}")
    assert 'data-legal-hold="live"' in team_view and REASON not in team_view

    report = retention.run(DUE)
    assert [row["id"] for row in report.held] == [case.id] and not report.anonymised
    assert not _anonymised(case)

    assert supervisor.post(f"/cases/{case.id}/legal-hold/release").status_code == 302
    hold = db.session.scalar(select(LegalHold).where(LegalHold.case_id == case.id))
    assert hold.released_at is not None and hold.released_by.username == "supervisor"
    assert 'data-earlier-holds' in pages.html("supervisor", f"/cases/{case.id}")
    # Both were recorded in the audit trail, on the case.
    actions = db.session.scalars(select(AuditRecord.action).where(AuditRecord.case_id == case.id,
                                                                  AuditRecord.kind == "write")).all()
    assert {"retention.place", "retention.release"} <= set(actions)

    assert [row["id"] for row in retention.run(DUE).anonymised] == [case.id]
    db.session.expire_all()
    assert db.session.get(LegalHold, hold.id).reason == ""  # the reason went with the case


def test_only_a_supervisor_of_the_centre_places_or_releases_a_hold(closed, pages):
    case, _document = closed()
    assert pages.as_("intake_officer").post(f"/cases/{case.id}/legal-hold", data={"reason": REASON}).status_code == 403
    assert pages.as_("case_prosecutor").get(f"/cases/{case.id}/legal-hold").status_code == 403
    assert pages.as_("other_supervisor").post(f"/cases/{case.id}/legal-hold", data={"reason": REASON}).status_code \
        == 404
    assert "data-place-hold-form" not in pages.html("intake_officer", f"/cases/{case.id}")
    assert "data-place-hold-form" in pages.html("supervisor", f"/cases/{case.id}")
    assert "data-place-hold-form" in pages.html("supervisor", f"/cases/{case.id}/legal-hold")
    # A reason is required; the error is beside the field.
    empty = pages.as_("supervisor").post(f"/cases/{case.id}/legal-hold", data={"reason": "  "})
    assert empty.status_code == 422 and 'id="reason-error1"' in empty.get_data(as_text=True)
    assert pages.as_("supervisor").post(f"/cases/{case.id}/legal-hold", data={"reason": REASON}).status_code == 302
    again = pages.as_("supervisor").post(f"/cases/{case.id}/legal-hold", data={"reason": REASON})
    assert again.status_code == 409
    assert pages.as_("intake_officer").post(f"/cases/{case.id}/legal-hold/release").status_code == 403
    assert pages.as_("other_supervisor").post(f"/cases/{case.id}/legal-hold/release").status_code == 404
    assert db.session.scalar(select(LegalHold).where(LegalHold.case_id == case.id)).released_at is None
    # The reason is sealed at rest.
    stored = db.session.connection().exec_driver_sql("SELECT reason FROM legal_holds").scalar()
    assert REASON.encode() not in bytes(stored)


def test_a_hold_can_be_placed_on_an_open_case(make_case, pages):
    case = make_case("follow_up")
    assert pages.as_("supervisor").post(f"/cases/{case.id}/legal-hold", data={"reason": REASON}).status_code == 302
    assert retention.live_hold(case) is not None


def test_a_case_closed_recently_is_not_anonymised(closed):
    case, _document = closed()
    assert retention.run().anonymised == []
    assert retention.run(DUE - dt.timedelta(days=365)).anonymised == []
    assert not _anonymised(case)


def test_a_child_under_21_keeps_the_case_until_the_year_after_their_21st_birthday(closed):
    case, _document = closed()  # born 2016-05-12: 21 on 2037-05-12
    closed_on(case, utcnow() - dt.timedelta(days=11 * 366))  # ten years have run

    report = retention.run()
    assert report.anonymised == [] and [row["review_on"] for row in report.deferred] == [dt.date(2038, 1, 1)]
    assert db.session.get(Case, case.id).retention_review_on == dt.date(2038, 1, 1)
    # Looked at again only then: not in the range before (nothing to unseal).
    assert retention.run(dt.datetime(2037, 12, 30)).deferred == []
    assert not _anonymised(case)
    assert [row["id"] for row in retention.run(dt.datetime(2038, 1, 1, 12)).anonymised] == [case.id]


def test_a_withdrawn_case_counts_as_closed_and_a_reopened_one_does_not(make_case, closed, pages):
    withdrawn = make_case("withdrawn")
    assert withdrawn.closed_at is not None
    reopened, _document = closed()
    pages.act("supervisor", reopened.id, "reopen", {"reason": "发现新的证据。"})
    db.session.expire_all()
    assert db.session.get(Case, reopened.id).closed_at is None
    assert [row["id"] for row in retention.run(DUE).anonymised] == [withdrawn.id]


def test_the_setting_sets_the_period(closed):
    case, _document = closed()
    settings.put("retention_years", 12)
    db.session.commit()
    assert retention.run(DUE).anonymised == []
    assert [row["id"] for row in retention.run(DUE + dt.timedelta(days=2 * 366)).anonymised] == [case.id]


def test_the_settings_page_shows_and_saves_the_period(pages):
    html = pages.html("admin", "/admin/settings")
    assert 'name="retention_years"' in html and 'value="10"' in html


def test_a_dry_run_lists_due_cases_without_names_and_changes_nothing(closed, runner):
    case, document = closed()
    result = runner.invoke(args=["retention", "run", "--dry-run", "--at", DUE.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"would anonymise {case.number} (id {case.id}, closed " in result.output and CHILD not in result.output
    assert "(dry run): 1 due" in result.output
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.anonymised_at is None and case.child_name == CHILD
    assert db.session.get(DocumentBlob, document.storage_key) is not None
    assert db.session.scalar(select(sealing.CaseKey.id).where(sealing.CaseKey.case_id == case.id)) is not None
    assert db.session.scalar(select(AuditRecord.id).where(AuditRecord.action == "retention.anonymise")) is None


def test_the_command_runs_the_job_and_refuses_a_bad_time(closed, runner):
    case, _document = closed()
    assert "--dry-run" in runner.invoke(args=["retention", "run", "--help"]).output
    bad = runner.invoke(args=["retention", "run", "--at", "tomorrow"])
    assert bad.exit_code == 2 and "--at" in bad.output
    result = runner.invoke(args=["retention", "run", "--at", DUE.isoformat() + "+08:00"])
    assert result.exit_code == 0 and f"anonymised {case.number}" in result.output
    assert _anonymised(case)


def test_the_escalation_command_runs_retention_too(closed, runner):
    case, _document = closed()
    result = runner.invoke(args=["escalate", "--at", DUE.isoformat()])
    assert result.exit_code == 0, result.output
    assert "retention at 2037-06-01T12:00: 1 anonymised" in result.output
    assert _anonymised(case)
    again = runner.invoke(args=["escalate", "--at", DUE.isoformat()])
    assert "0 anonymised" in again.output


def test_a_case_that_fails_is_reported_and_the_others_go_on(closed, monkeypatch):
    first, _document = closed()
    second, _document = closed()
    real = retention.erasure.erase

    def erase(case, now):
        if case.id == first.id:
            raise OSError("the file store is not mounted")
        return real(case, now)

    monkeypatch.setattr(retention.erasure, "erase", erase)
    report = retention.run(DUE)
    assert [(row["id"], row["error"]) for row in report.failed] == [(first.id, "OSError")]
    assert [row["id"] for row in report.anonymised] == [second.id]
    assert not _anonymised(first) and db.session.get(Case, first.id).child_name == CHILD
