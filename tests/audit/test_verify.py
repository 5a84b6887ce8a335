"""`audit verify` passes on an untouched trail and names the first record after each kind of
tampering by someone with the database but not AUDIT_KEY: a changed, deleted, inserted or moved
record, a changed, deleted or inserted history event, a chain cut short after a checkpoint."""
from __future__ import annotations

import hashlib
import threading

import pytest
from audit_helpers import last_record, records, tampering
from sqlalchemy import select, text

from workflow import create_app
from workflow.audit import chain
from workflow.audit.models import AuditCheckpoint, AuditRecord
from workflow.core.extensions import db
from workflow.core.models import Event


@pytest.fixture
def trail(pages, users, make_case, api):
    """A trail with sign-ins, page and API reads, changes made in requests and outside them."""
    case = make_case("registered")
    pages.as_("examiner").get(f"/cases/{case.id}")
    pages.as_("supervisor").get("/cases?q=张")
    api.ok(case.id, "suspend", "supervisor", {"reason": "家属要求暂缓"})
    api.case(case.id, "examiner")
    return case


def verify(runner) -> tuple[int, str]:
    db.session.remove()
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_an_untouched_trail_verifies(runner, trail):
    code, output = verify(runner)
    assert code == 0, output
    assert "audit verify: OK" in output
    report = chain.verify()
    assert report.records == len(records()) and report.events == db.session.query(Event).count() > 0


def test_a_modified_record_is_named(runner, trail):
    target = records(action="cases.show")[0]
    with tampering("audit_records") as conn:
        conn.execute(text("UPDATE audit_records SET outcome = '404' WHERE id = :id"), {"id": target.id})
    code, output = verify(runner)
    assert code == 1
    assert f"audit record {target.id} " in output and "content was modified" in output


def test_a_deleted_record_is_named_by_its_place(runner, trail):
    target = records(action="cases.show")[0]
    with tampering("audit_records") as conn:
        conn.execute(text("DELETE FROM audit_records WHERE id = :id"), {"id": target.id})
    code, output = verify(runner)
    assert code == 1
    assert f"chain {target.shard} at #{target.seq}" in output and "deleted" in output


def test_a_forged_record_fails_for_want_of_the_key(runner, trail):
    """The intruder computes every SHA-256 right and moves the head on; only the key is missing."""
    last = last_record()
    values = {name: getattr(last, name) for name in chain.CONTENT}
    values.update(seq=last.seq + 1, action="cases.show", outcome="allowed")
    content = chain.content_hash(values)
    linked = chain.link(last.chain_hash, content)
    with tampering("audit_records") as conn:
        conn.execute(AuditRecord.__table__.insert().values(**values, content_hash=content, chain_hash=linked,
                                                           mac=hashlib.sha256(linked.encode()).hexdigest()))
        conn.execute(text("UPDATE audit_heads SET seq = :seq, chain_hash = :h WHERE shard = :s"),
                     {"seq": last.seq + 1, "h": linked, "s": last.shard})
    code, output = verify(runner)
    assert code == 1
    assert f"(chain {last.shard}, #{last.seq + 1})" in output and "signature does not match" in output


def test_two_swapped_records_are_found(runner, trail):
    first, second = records(shard=records(action="api.get_case")[-1].shard)[-2:]
    with tampering("audit_records") as conn:
        for one, other in ((first, second), (second, first)):
            conn.execute(text("UPDATE audit_records SET action = :a, at = :at, kind = :k WHERE id = :id"),
                         {"a": other.action, "at": other.at, "k": other.kind, "id": one.id})
    code, output = verify(runner)
    assert code == 1
    assert f"audit record {first.id} " in output


def test_a_rewritten_history_event_is_named(runner, trail):
    event = db.session.scalars(select(Event).where(Event.case_id == trail.id).order_by(Event.id)).first()
    with tampering("events") as conn:
        conn.execute(text("UPDATE events SET action = 'withdraw' WHERE id = :id"), {"id": event.id})
    code, output = verify(runner)
    assert code == 1
    assert f"history event {event.id} (case {trail.id})" in output and "modified" in output


def test_a_deleted_or_forged_history_event_is_named(runner, trail):
    event = db.session.scalars(select(Event).where(Event.case_id == trail.id).order_by(Event.id.desc())).first()
    with tampering("events") as conn:
        conn.execute(text("DELETE FROM events WHERE id = :id"), {"id": event.id})
    code, output = verify(runner)
    assert code == 1 and f"history event {event.id}" in output and "deleted" in output


def test_a_history_event_inserted_behind_the_app_is_named(runner, trail):
    """A back-dated withdrawal by the administrator, written straight into the table."""
    first = db.session.scalars(select(Event.id).order_by(Event.id)).first()
    columns = [c.name for c in Event.__table__.columns if c.name not in ("id", "action")]
    with tampering("events") as conn:  # a copy of a stored row (sealed values as they are), re-labelled
        conn.execute(text(f"INSERT INTO events ({', '.join(columns)}, action) "
                          f"SELECT {', '.join(columns)}, 'withdraw' FROM events WHERE id = :id"), {"id": first})
        forged = conn.execute(text("SELECT max(id) FROM events")).scalar()
    code, output = verify(runner)
    assert code == 1
    assert f"history event {forged}" in output and "no audit record holds it" in output


def test_a_chain_cut_short_after_its_checkpoint_is_found(runner, trail):
    db.session.remove()
    chain.checkpoint_all()
    db.session.commit()
    checkpoint = db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc())).first()
    with tampering("audit_records") as conn:
        conn.execute(text("DELETE FROM audit_records WHERE shard = :s AND seq = :q"),
                     {"s": checkpoint.shard, "q": checkpoint.seq})
        conn.execute(text("UPDATE audit_heads SET seq = :q WHERE shard = :s"),
                     {"s": checkpoint.shard, "q": checkpoint.seq - 1})
    code, output = verify(runner)
    assert code == 1 and f"chain {checkpoint.shard}" in output and "missing" in output


def test_the_app_refuses_an_audit_key_other_than_the_trails(app, trail):
    db.session.remove()
    chain.checkpoint_all()
    db.session.commit()
    config = {**app.config, "AUDIT_KEY": "another-key-" + "9" * 40}
    with pytest.raises(RuntimeError, match="AUDIT_KEY is not the key this database's audit trail was signed with"):
        create_app(config)


def test_concurrent_writers_of_one_chain_keep_one_valid_chain(app, users):
    """Eight threads append to the same chain at once (the head's row lock queues them)."""
    user_id = users["examiner"].id
    errors = []

    def append_many():
        try:
            with app.app_context():
                for _ in range(10):
                    chain.append({"user_id": user_id, "action": "test.concurrent", "kind": "read", "outcome": "allowed"})
                    db.session.commit()
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    db.session.remove()
    threads = [threading.Thread(target=append_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = records(action="test.concurrent")
    assert len(rows) == 40 and len({r.seq for r in rows}) == 40
    report = chain.verify()
    assert report.first_break is None, report.first_break


def test_audit_show_prints_filtered_records(runner, trail, users):
    result = runner.invoke(args=["audit", "show", "--user", "examiner", "--case", str(trail.id)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines and all("examiner" in line and f"case {trail.id}" in line for line in lines)
    assert any("cases.show" in line for line in lines)
    bad = runner.invoke(args=["audit", "show", "--since", "yesterday"])
    assert bad.exit_code == 2 and "not an ISO date" in bad.output
    assert runner.invoke(args=["audit", "show", "--user", "nobody"]).exit_code == 2

