"""Case history: one append-only Event per successful firing, none for refusals."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from workflow.core.extensions import db
from workflow.core.models import Event


def test_creation_is_recorded(kit, users):
    case = kit.make_case("referred")
    [event] = kit.events(case)
    assert (event.action, event.from_state, event.to_state, event.case_version) == ("create", None, "referred", 1)
    assert event.actor_id == users["intake_officer"].id
    assert event.changes["child_name"] == "李小雨" and event.changes["incident"] == case.incident.number


def test_one_event_per_successful_firing_none_for_refusals(kit, users):
    case = kit.make_case("registered")
    start = len(kit.events(case))
    assert start == 1 + 5 + 1 + 1  # create, five team assignments, consent, register
    steps = [
        ("psychologist", "record_crisis_support", None),  # internal
        ("examiner", "start_exam", None),  # registered -> forensic_exam
        ("supervisor", "waive_exam", None),  # forensic_exam -> joint_interview, reason form
    ]
    for who, trigger, _ in steps:
        version = case.version
        state = case.state
        # A refusal first (wrong role): nothing recorded.
        error = kit.refused("social_worker", case, trigger)
        assert error.status == 403
        assert len(kit.events(case)) == start
        kit.fire(who, case, trigger)
        events = kit.events(case)
        assert len(events) == start + 1
        start += 1
        event = events[-1]
        assert event.action == trigger
        assert event.actor_id == users[who].id
        assert event.case_version == case.version == version + 1
        assert event.from_state == state
        assert event.to_state == (None if trigger == "record_crisis_support" else case.state)
    assert events[-1].reason == kit.DATA["waive_exam"](case, users)["reason"]
    assert events[-1].from_state == "forensic_exam" and events[-1].to_state == "joint_interview"
    # A guard refusal and an invalid form are not recorded either.
    assert kit.refused("interviewer", case, "complete_interview", {"av_reference": "x"}).code == "invalid"
    assert kit.refused("examiner", case, "transfer_custody", {}).code == "guard_failed"
    assert kit.refused("case_prosecutor", case, "request_reinterview").code == "wrong_state"
    assert len(kit.events(case)) == start
    # Versions in the history are consecutive, each one the version after that firing.
    versions = [e.case_version for e in kit.events(case)]
    assert versions == list(range(1, case.version + 1))


def test_reason_forms_store_the_reason_and_keep_it_out_of_changes(kit):
    case = kit.make_case("referred")
    kit.fire("supervisor", case, "withdraw")
    event = kit.events(case)[-1]
    assert event.reason == "家长撤回报告，经核实系误报。"
    assert "reason" not in event.changes
    assert (event.from_state, event.to_state) == ("referred", "withdrawn")


def test_private_psych_notes_never_reach_the_history(kit):
    case = kit.make_case("psych_intervention")
    kit.fire("psychologist", case, "record_assessment")
    kit.fire("psychologist", case, "record_session")
    for event in kit.events(case)[-2:]:
        assert event.changes["private_notes"] == "[private]"
        assert event.changes["summary"]
    assessment = kit.events(case)[-2]
    assert assessment.changes["risk_level"] == "medium" and assessment.changes["scales"] == {"CDI": 18.0}
    dump = str([e.changes for e in kit.events(case)])
    assert "噩梦" not in dump and "同学" not in dump
    # ... while the record itself keeps them for psychologists.
    assert case.psych_records[0].private_notes == "反复噩梦。"


def test_history_records_the_system_as_actor(kit):
    case = kit.prepare("conclude_aid")
    kit.fire(None, case, "conclude_aid")
    event = kit.events(case)[-1]
    assert (event.action, event.actor_id, event.from_state, event.to_state) == (
        "conclude_aid", None, "aid_review", "follow_up")


@pytest.mark.parametrize("sql", ["UPDATE events SET action = 'x'", "DELETE FROM events"])
def test_the_database_refuses_to_change_or_delete_events(kit, sql):
    case = kit.make_case("referred")
    before = [(e.id, e.action) for e in kit.events(case)]
    with pytest.raises(DBAPIError):
        db.session.execute(text(sql))
        db.session.commit()
    db.session.rollback()
    db.session.expire_all()
    assert [(e.id, e.action) for e in kit.events(case)] == before


def test_the_orm_refuses_to_change_events(kit):
    case = kit.make_case("referred")
    event = kit.events(case)[0]
    event.action = "tampered"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(db.select(Event.action).where(Event.id == event.id)) == "create"
