"""Optimistic locking: a firing carries the case version it read; a stale one is refused with 409 and
nothing is written, also when two sessions race for the same case."""
from __future__ import annotations

import pytest
from flask import current_app

from workflow import demo
from workflow.cases.definition import CASE
from workflow.cases.models import Case
from workflow.core import engine
from workflow.core.errors import Invalid, StaleVersion, WorkflowError
from workflow.core.extensions import db


def _fire_with_version(kit, who, case, trigger, version):
    transition = engine.transition_for(trigger, CASE)
    form = engine.build_form(transition, case, demo.flat(kit.DATA[trigger](case, kit.users)), api=True)
    return engine.fire(case, trigger, kit.user(who), version, form)


def test_a_stale_version_is_refused_and_nothing_is_written(kit):
    case = kit.make_case("registered")
    before = kit.snapshot(case)
    with pytest.raises(StaleVersion) as info:
        _fire_with_version(kit, "examiner", case, "start_exam", case.version - 1)
    assert (info.value.status, info.value.code) == (409, "stale_version")
    assert str(case.version - 1) in info.value.message and str(case.version) in info.value.message
    assert kit.snapshot(case) == before
    assert case.exam is None
    # A version from the future is just as stale.
    with pytest.raises(StaleVersion):
        _fire_with_version(kit, "examiner", case, "start_exam", case.version + 1)
    # The current one works.
    _fire_with_version(kit, "examiner", case, "start_exam", str(case.version))
    assert case.state == "forensic_exam"


@pytest.mark.parametrize("version", [None, "", "abc"])
def test_the_version_is_required(kit, version):
    case = kit.make_case("registered")
    before = kit.snapshot(case)
    with pytest.raises(Invalid) as info:
        _fire_with_version(kit, "examiner", case, "start_exam", version)
    assert info.value.status == 422 and "version" in info.value.fields
    assert kit.snapshot(case) == before


def test_stale_version_is_reported_before_a_guard_or_state_refusal(kit):
    """Who may act but read an old version learns first that the case changed."""
    case = kit.make_case("forensic_exam")  # complete_exam's guards are unmet
    with pytest.raises(StaleVersion):
        _fire_with_version(kit, "examiner", case, "complete_exam", case.version - 1)
    # ... but a stranger learns nothing, whatever version they send.
    with pytest.raises(WorkflowError) as info:
        _fire_with_version(kit, "other_examiner", case, "complete_exam", case.version - 1)
    assert info.value.status == 404


def test_two_sessions_racing_the_second_writer_gets_409(kit, users, app):
    case = kit.make_case("registered")
    case_id, read_version = case.id, case.version
    events_before = len(kit.events(case))
    # Session A (this request) has read the case...
    mine = db.session.get(Case, case_id)
    assert mine.version == read_version and mine.member("examiner") is not None

    # ... while session B (another request, its own app context and session) moves it on.
    with current_app.app_context():
        other = db.session.get(Case, case_id)
        assert other is not mine
        demo.fire(db.session.get(type(users["examiner"]), users["examiner"].id), other, "start_exam")
        assert other.version == read_version + 1
        db.session.remove()

    # A still holds version `read_version` in memory and fires with it: the database refuses.
    assert mine.version == read_version and mine.state == "registered"
    with pytest.raises(StaleVersion) as info:
        _fire_with_version(kit, "supervisor", mine, "withdraw", read_version)
    assert (info.value.status, info.value.code) == (409, "stale_version")

    db.session.expire_all()
    fresh = db.session.get(Case, case_id)
    assert fresh.state == "forensic_exam" and fresh.version == read_version + 1
    events = kit.events(fresh)
    assert len(events) == events_before + 1 and events[-1].action == "start_exam"
    assert [t.state for t in fresh.tasks if t.closed_at is None] == ["forensic_exam"]
    assert fresh.exam is not None and fresh.exam.waived_by_id is None


def test_two_sessions_racing_on_internal_triggers(kit, users, app):
    """Internal triggers bump the version too, so two data entries cannot silently interleave."""
    case = kit.make_case("forensic_exam")
    case_id, read_version = case.id, case.version
    mine = db.session.get(Case, case_id)
    _ = mine.exam, mine.team  # loaded by A

    with current_app.app_context():
        other = db.session.get(Case, case_id)
        examiner = db.session.get(type(users["examiner"]), users["examiner"].id)
        demo.fire(examiner, other, "record_exam", kit.DATA["record_exam"](other, users))
        db.session.remove()

    with pytest.raises(StaleVersion):
        _fire_with_version(kit, "examiner", mine, "add_sample", read_version)
    db.session.expire_all()
    fresh = db.session.get(Case, case_id)
    assert fresh.version == read_version + 1
    assert fresh.exam.findings and fresh.exam.samples == []
