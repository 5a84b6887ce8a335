"""The process register and the engine's own checks: the database CHECK of a state column is the
definition's list of states, and the `transitions` machine refuses a trigger from a wrong state."""
from __future__ import annotations

import pytest
from sqlalchemy import CheckConstraint, text
from sqlalchemy.exc import IntegrityError

from workflow.aid.definition import AID
from workflow.aid.models import AidApplication
from workflow.cases.definition import CASE
from workflow.cases.models import Case
from workflow.core import engine
from workflow.core.errors import WorkflowError
from workflow.core.extensions import db
from workflow.core.process import PROCESSES
from workflow.demo import FLAG_DATA, fire


def _state_check(model) -> str:
    return next(str(c.sqltext) for c in model.__table__.constraints
                if isinstance(c, CheckConstraint) and c.name == f"ck_{model.__tablename__}_state")


@pytest.mark.parametrize(("process", "model"), [(CASE, Case), (AID, AidApplication)])
def test_the_state_check_lists_exactly_the_definitions_states(process, model):
    assert PROCESSES[model.process_name] is process
    assert _state_check(model) == "state IN (" + ", ".join(repr(s) for s in process.state_names) + ")"


def test_the_database_refuses_a_state_outside_the_definition(kit, users):
    case = kit.make_case("aid_review")
    fire(users["case_prosecutor"], case, "flag_aid", FLAG_DATA)
    rows = {"cases": case.id, "aid_applications": case.aid_applications[-1].id}
    for table, row_id in rows.items():
        with pytest.raises(IntegrityError):
            db.session.execute(text(f"UPDATE {table} SET state = 'teleported' WHERE id = :id"), {"id": row_id})
        db.session.rollback()


def test_the_transitions_machine_refuses_a_trigger_from_the_wrong_state(kit):
    case = kit.make_case("referred")
    with pytest.raises(WorkflowError) as info:
        engine.machine_state(CASE, case, CASE.by_trigger["complete_exam"])
    assert (info.value.status, info.value.code) == (409, "wrong_state")
    assert engine.machine_state(CASE, case, CASE.by_trigger["register"]) == "registered"
    assert case.state == "referred"  # the machine is thrown away; the row is the truth
