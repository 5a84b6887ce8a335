"""Several children of one incident: one Case each, one shared Incident with its suspects."""
from __future__ import annotations

import pytest

from workflow.cases.models import Incident, Suspect
from workflow.core.errors import Invalid
from workflow.demo import new_case


def test_second_child_shares_the_incident_and_its_suspects(kit, users):
    first = kit.make_case("registered")
    second = new_case(users["intake_officer"], child_name="李小雪", incident_number=first.incident.number,
                      suspects=[], offence_type="")
    assert second.incident_id == first.incident_id and second.id != first.id
    assert second.number != first.number and second.state == "referred"
    assert [s.name for s in second.incident.suspects] == ["赵某"]
    assert kit.events(second)[0].changes["incident"] == first.incident.number
    # A suspect added on one child's case is a suspect of the other child's too.
    kit.fire("intake_officer", second, "add_suspect")
    assert [s.name for s in first.incident.suspects] == ["赵某", "孙某"]
    assert len(first.incident.cases) == 2
    # ... and so is refused as an interview attendee on the first child's case.
    kit.drive_until(first, "complete_interview")
    attendees = kit.interview_data(users)["attendees"] + [{"name": "孙某", "role": "other"}]
    error = kit.refused("interviewer", first, "complete_interview", kit.interview_data(users, attendees))
    assert (error.status, error.code) == (422, "invalid") and "孙某" in error.message


def test_new_suspects_given_with_the_second_child_are_added(kit, users):
    first = kit.make_case("referred")
    new_case(users["intake_officer"], child_name="李小雪", incident_number=first.incident.number,
             suspects=[{"name": "钱某", "relation_to_victims": "同伙"}])
    assert sorted(s.name for s in first.incident.suspects) == ["赵某", "钱某"]


def test_attaching_needs_access_to_a_case_of_the_incident(kit, users):
    first = kit.make_case("referred")  # only the intake officer is on its team
    incidents = Incident.query.count()
    with pytest.raises(Invalid) as info:
        new_case(users["case_prosecutor"], child_name="李小雪", incident_number=first.incident.number,
                 centre_id=first.centre_id)
    assert "incident_number" in info.value.fields
    with pytest.raises(Invalid) as info:
        new_case(users["intake_officer"], child_name="李小雪", incident_number="I1999-0001")
    assert "incident_number" in info.value.fields
    assert Incident.query.count() == incidents and Suspect.query.count() == 1
