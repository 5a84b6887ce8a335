"""Entries: four-eyes creation, correction and removal with history; what the database keeps."""
from __future__ import annotations

import datetime as dt

import pytest
from registry_helpers import entry_data, entry_in_force, resident_id
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from workflow.core.access import can
from workflow.core.errors import WorkflowError
from workflow.core.extensions import db
from workflow.registry import entries, operations
from workflow.registry.models import RegistryChange, RegistryEntry


def test_a_proposed_entry_matches_nothing_until_a_second_maintainer_approves(users):
    change = operations.propose_entry(users["registry_maintainer"], entry_data(), "判决生效")
    entry = change.entry
    assert entry.status == "pending"
    assert operations.find_entries(users["registry_maintainer"], id_number=resident_id())[0].id == entry.id
    assert entries.match_ids([entry.id_hmac], dt.date.today()) == {}

    allowed, reason = can(users["registry_maintainer"], "registry_decide", change)
    assert not allowed and reason.status == 403 and reason.code == "four_eyes"
    with pytest.raises(WorkflowError) as caught:
        operations.decide_change(users["registry_maintainer"], change.id, True)
    assert caught.value.status == 403
    assert db.session.get(RegistryEntry, entry.id).status == "pending"

    operations.decide_change(users["registry_maintainer_2"], change.id, True, "核对判决书无误")
    assert entry.status == "active"
    assert entries.match_ids([entry.id_hmac], dt.date.today()) == {entry.id_hmac: entry.id}
    with pytest.raises(WorkflowError) as caught:  # decided once
        operations.decide_change(users["registry_maintainer_2"], change.id, False)
    assert caught.value.status == 409


def test_the_database_refuses_a_decision_by_the_proposer(users):
    change = operations.propose_entry(users["registry_maintainer"], entry_data(), "判决生效")
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE registry_changes SET status = 'approved', decided_by_id = proposed_by_id, "
                                "decided_at = CURRENT_TIMESTAMP WHERE id = :id"), {"id": change.id})
        db.session.flush()
    db.session.rollback()


def test_only_maintainers_propose(users):
    for who in ("employer_hr", "case_prosecutor", "auditor", "admin"):
        with pytest.raises(WorkflowError) as caught:
            operations.propose_entry(users[who], entry_data(), "x")
        assert caught.value.status == 403
    assert RegistryEntry.query.count() == 0


def test_a_rejected_creation_never_matches(users):
    change = operations.propose_entry(users["registry_maintainer"], entry_data(), "判决生效")
    operations.decide_change(users["registry_maintainer_2"], change.id, False, "判决书号有误")
    assert change.entry.status == "rejected" and change.status == "rejected"
    assert entries.match_ids([change.entry.id_hmac], dt.date.today()) == {}


def test_correction_applies_on_approval_and_keeps_the_previous_values(users):
    entry = entry_in_force(users)
    old_hmac = entry.id_hmac
    new_number = resident_id(sequence=456)
    change = operations.propose_correction(users["registry_maintainer_2"], entry.id,
                                           entry_data(id_number=new_number), "身份证号录入错误", entry.version)
    assert entry.id_hmac == old_hmac  # nothing changes before the decision
    with pytest.raises(WorkflowError) as caught:  # one open change per entry
        operations.propose_removal(users["registry_maintainer"], entry.id, "x", entry.version)
    assert caught.value.code == "change_pending"
    operations.decide_change(users["registry_maintainer"], change.id, True)
    assert entries.values_of(entry)["id_number"] == new_number
    assert entries.match_ids([old_hmac], dt.date.today()) == {}
    proposed, previous = entries.change_values(change)
    assert previous["id_number"] == resident_id() and proposed["id_number"] == new_number
    assert [c.kind for c in entry.changes] == ["create", "correct"]


def test_stale_version_is_a_409(users):
    entry = entry_in_force(users)
    with pytest.raises(WorkflowError) as caught:
        operations.propose_removal(users["registry_maintainer"], entry.id, "撤销", entry.version - 1)
    assert caught.value.status == 409 and caught.value.code == "stale_version"


def test_removal_needs_the_second_maintainer_too(users):
    entry = entry_in_force(users)
    change = operations.propose_removal(users["registry_maintainer"], entry.id, "判决被撤销", entry.version)
    assert entries.match_ids([entry.id_hmac], dt.date.today())  # still in force while undecided
    operations.decide_change(users["registry_maintainer_2"], change.id, True)
    assert entry.status == "removed"
    assert entries.match_ids([entry.id_hmac], dt.date.today()) == {}
    assert RegistryChange.query.filter_by(entry_id=entry.id).count() == 2


@pytest.mark.parametrize("overrides, field", [
    ({"category": "employment_ban"}, "ban_until"),  # neither lifelong nor an end day
    ({"category": "employment_ban", "ban_lifelong": True, "ban_until": dt.date(2030, 1, 1)}, "ban_until"),
    ({"ban_lifelong": True}, "ban_until"),  # a conviction is no ban
    ({"category": "employment_ban", "ban_until": dt.date(2025, 1, 1)}, "ban_until"),  # ends before the decision
    ({"id_number": resident_id()[:17] + "0" if resident_id()[17] != "0" else resident_id()[:17] + "1"}, "id_number"),
    ({"category": "theft"}, "category"),
    ({"source_document": ""}, "source_document"),
    ({"name": ""}, "name"),
])
def test_invalid_entries_are_refused_field_by_field(users, overrides, field):
    with pytest.raises(WorkflowError) as caught:
        operations.propose_entry(users["registry_maintainer"], entry_data(**overrides), "x")
    assert caught.value.status == 422 and field in caught.value.fields
    assert RegistryEntry.query.count() == 0


def test_the_database_holds_no_readable_identity(users):
    entry_in_force(users, name="赵某某", id_number=resident_id(sequence=777))
    dump = "\n".join(str(row) for row in db.session.execute(text("SELECT * FROM registry_entries")))
    dump += "\n".join(str(row) for row in db.session.execute(text("SELECT * FROM registry_changes")))
    assert resident_id(sequence=777) not in dump and "赵某某" not in dump
    for column in ("person",):
        raw = db.session.execute(text(f"SELECT {column} FROM registry_entries")).scalar()
        assert "赵某某".encode() not in bytes(raw) and resident_id(sequence=777).encode() not in bytes(raw)


def test_of_two_decisions_at_once_only_one_takes_effect(users):
    change = operations.propose_entry(users["registry_maintainer"], entry_data(), "判决生效")
    # another maintainer's rejection lands between this one's read and its decision
    db.session.execute(text("UPDATE registry_changes SET status = 'rejected', decided_by_id = :by, "
                            "decided_at = CURRENT_TIMESTAMP WHERE id = :id"),
                       {"by": users["registry_maintainer_2"].id, "id": change.id})
    with pytest.raises(WorkflowError) as caught:
        entries.decide(users["registry_maintainer_2"], change, True, "")
    assert caught.value.status == 409
    db.session.expire_all()
    assert (change.status, change.entry.status) == ("open", "pending")  # the rejection was rolled back with it
