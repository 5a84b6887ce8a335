"""A judgment with an employment ban, recorded on a victim case, proposes a register entry."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from registry_helpers import ask, resident_id

from workflow.cases.models import Judgment
from workflow.core.errors import WorkflowError
from workflow.core.models import Event
from workflow.demo import fire
from workflow.registry import entries, operations
from workflow.registry.models import RegistryChange

DEFENDANT_ID = resident_id(region="440104", born=dt.date(1979, 5, 6), sequence=31)


def judgment(**overrides) -> dict:
    data = {"defendant": "赵某", "court": "广州市越秀区人民法院", "number": "（2026）粤0104刑初88号",
            "judged_on": dt.date(2026, 9, 1), "ban": "lifelong", "ban_until": None,
            "defendant_id_type": "resident_id", "defendant_id_number": DEFENDANT_ID, "defendant_birth_date": None}
    data.update(overrides)
    return data


@pytest.fixture
def case(make_case, users):
    case = make_case("follow_up")
    fire(users["case_prosecutor"], case, "add_suspect", {"name": "赵某", "relation_to_victims": "邻居"})
    return case


def test_a_lifelong_ban_proposes_an_entry_that_matches_once_approved(case, users):
    fire(users["case_prosecutor"], case, "record_judgment", judgment())
    row = Judgment.query.one()
    assert (row.case_id, row.ban, row.entry.status) == (case.id, "lifelong", "pending")
    values = entries.values_of(row.entry)
    assert (values["name"], values["id_number"], values["birth_date"]) == ("赵某", DEFENDANT_ID, dt.date(1979, 5, 6))
    assert values["category"] == "employment_ban" and values["ban_lifelong"] and values["incident_id"] == case.incident_id
    change = RegistryChange.query.one()
    assert change.proposed_by_id == users["case_prosecutor"].id and change.kind == "create"
    assert ask(users, name="赵某", id_number=DEFENDANT_ID).result == "no_record"  # not yet in force
    operations.decide_change(users["registry_maintainer"], change.id, True, "与判决书核对一致")
    assert ask(users, name="赵某", id_number=DEFENDANT_ID).result == "record"


def test_the_defendants_id_number_stays_out_of_the_case_history(case, users):
    fire(users["case_prosecutor"], case, "record_judgment", judgment())
    event = Event.query.filter_by(action="record_judgment").one()
    assert DEFENDANT_ID not in str(event.changes) and event.changes["number"] == "（2026）粤0104刑初88号"


def test_a_ban_until_a_day_and_no_ban(case, users):
    fire(users["case_prosecutor"], case, "record_judgment", judgment(ban="until", ban_until=dt.date(2031, 9, 1)))
    fire(users["case_prosecutor"], case, "record_judgment", judgment(ban="none", number="（2026）粤0104刑初89号",
                                                                    defendant_id_number=""))
    rows = Judgment.query.order_by(Judgment.id).all()
    assert entries.values_of(rows[0].entry)["ban_until"] == dt.date(2031, 9, 1)
    assert rows[1].entry is None and RegistryChange.query.count() == 1


@pytest.mark.parametrize("overrides, field", [
    ({"defendant_id_number": ""}, "defendant_id_number"),  # a ban needs the ID number
    ({"defendant_id_number": DEFENDANT_ID[:17] + ("0" if DEFENDANT_ID[17] != "0" else "1")}, "defendant_id_number"),
    ({"ban": "until"}, "ban_until"),
    ({"defendant": "陌生人"}, "defendant"),
])
def test_bad_judgments_change_nothing(case, users, overrides, field):
    with pytest.raises(WorkflowError) as caught:
        fire(users["case_prosecutor"], case, "record_judgment", judgment(**overrides))
    assert caught.value.status == 422 and field in caught.value.fields
    assert Judgment.query.count() == 0 and RegistryChange.query.count() == 0


def test_only_the_case_prosecutor_records_judgments(case, users):
    with pytest.raises(WorkflowError) as caught:
        fire(users["social_worker"], case, "record_judgment", judgment())
    assert caught.value.status == 403


def test_dates_are_the_centres_not_utc(case, users):
    """At 01:30 in Beijing it is still yesterday in UTC: a judgment and an entry dated today, and a
    birth date of today, are not in the future."""
    with time_machine.travel(dt.datetime(2026, 12, 3, 1, 30, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        today = dt.date(2026, 12, 3)
        fire(users["case_prosecutor"], case, "record_judgment", judgment(judged_on=today))
        assert Judgment.query.one().judged_on == today
        values = entries.clean_values({
            "name": "钱某", "id_type": "passport", "id_number": "E12345678", "birth_date": today,
            "category": "conviction_rape", "ban_lifelong": False, "ban_until": None,
            "source_document": "（2026）粤0104刑初90号", "source_date": today})
        assert (values["birth_date"], values["source_date"]) == (today, today)
        with pytest.raises(WorkflowError) as caught:
            entries.clean_values({**values, "source_date": today + dt.timedelta(days=1)})
        assert "source_date" in caught.value.fields
