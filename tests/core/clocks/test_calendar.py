"""The working-day calendar: arithmetic on the real holiday file (workflow/data/holidays_cn.toml, loaded
by the `app` fixture), due times in the centre's time zone (Asia/Shanghai, stored as naive UTC), the
midnight boundaries, loading the file (service and CLI), and the admin calendar page."""
from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import time_machine

from workflow.admin import calendar
from workflow.aid import stages as aid
from workflow.core import process
from workflow.core.clocks import (
    END_OF_DAY,
    WorkingCalendar,
    add_months,
    due_at,
    end_of_day,
    end_of_working_day,
    local,
    local_today,
    stored,
    working_calendar,
)
from workflow.core.errors import Invalid
from workflow.core.extensions import db
from workflow.core.models import CalendarDay, Task
from workflow.core.process import Clock

D = dt.date
UTC = dt.UTC
HOLIDAYS_2026, WORKDAYS_2026 = 33, 6  # 3+9+3+5+3+3+7 days off; 1+2+1+2 make-up days
HOLIDAYS_2027 = 19  # provisional: statutory days only


def utc(*args) -> dt.datetime:
    """A zone-aware UTC instant, for time_machine."""
    return dt.datetime(*args, tzinfo=UTC)


def add(day: dt.date, count: int) -> dt.date:
    return working_calendar().add_working_days(day, count)


def fresh_calendar(app) -> WorkingCalendar:
    """The calendar as the next request reads it (a new app context: nothing cached)."""
    with app.app_context():
        return working_calendar()


# --- working-day arithmetic on the real holiday data ------------------------------------------------

@pytest.mark.parametrize(("start", "count", "expected"), [
    # National Day 2026: Oct 1-7 off, Sunday Sep 20 and Saturday Oct 10 worked
    (D(2026, 9, 30), 1, D(2026, 10, 8)),
    (D(2026, 9, 30), 2, D(2026, 10, 9)),
    (D(2026, 9, 30), 3, D(2026, 10, 10)),  # the make-up Saturday counts
    (D(2026, 9, 30), 4, D(2026, 10, 12)),  # Sunday Oct 11 does not
    (D(2026, 9, 30), 5, D(2026, 10, 13)),
    (D(2026, 10, 1), 1, D(2026, 10, 8)),  # starting on a holiday: the next working day is the first
    (D(2026, 10, 9), 1, D(2026, 10, 10)),
    (D(2026, 10, 10), 1, D(2026, 10, 12)),
    (D(2026, 9, 18), 1, D(2026, 9, 20)),  # Friday -> the make-up Sunday
    (D(2026, 9, 18), 2, D(2026, 9, 21)),
    (D(2026, 9, 24), 1, D(2026, 9, 28)),  # Mid-Autumn, Sep 25-27
    # Spring Festival 2026: Feb 15-23 off, Saturdays Feb 14 and Feb 28 worked
    (D(2026, 2, 13), 1, D(2026, 2, 14)),
    (D(2026, 2, 13), 2, D(2026, 2, 24)),
    (D(2026, 2, 14), 1, D(2026, 2, 24)),
    (D(2026, 2, 24), 4, D(2026, 2, 28)),
    (D(2026, 2, 24), 5, D(2026, 3, 2)),
    # New Year 2026: Jan 1-3 off, Sunday Jan 4 worked
    (D(2025, 12, 31), 1, D(2026, 1, 4)),
    # an ordinary weekend
    (D(2026, 11, 20), 1, D(2026, 11, 23)),
    (D(2026, 11, 20), 5, D(2026, 11, 27)),
    (D(2026, 11, 21), 1, D(2026, 11, 23)),  # from a Saturday
    # into the provisional 2027: Jan 1 off, then the weekend
    (D(2026, 12, 31), 1, D(2027, 1, 4)),
    (D(2027, 2, 4), 1, D(2027, 2, 11)),  # Spring Festival 2027 (Feb 5-10)
    # the starting day itself is never counted; zero days is the same day
    (D(2026, 10, 8), 0, D(2026, 10, 8)),
])
def test_add_working_days(app, start, count, expected):
    assert add(start, count) == expected


def test_is_working_day_follows_the_table(app):
    cal = working_calendar()
    assert cal.is_working_day(D(2026, 9, 20))  # make-up Sunday
    assert cal.is_working_day(D(2026, 10, 10))  # make-up Saturday
    assert not cal.is_working_day(D(2026, 10, 1))  # Thursday, National Day
    assert not cal.is_working_day(D(2026, 10, 11))  # ordinary Sunday
    assert not cal.is_working_day(D(2026, 2, 23))  # Monday, last day of Spring Festival
    assert cal.is_working_day(D(2026, 2, 24))
    assert cal.years == frozenset({2026, 2027})
    assert D(2026, 10, 10) in cal.workdays and D(2026, 10, 10) not in cal.holidays


def test_a_year_without_data_counts_weekends_only(app, caplog):
    caplog.set_level(logging.WARNING, logger="workflow.core.clocks")
    # 2031-10-01 is a Wednesday: without 2031 data it is an ordinary working day
    assert add(D(2031, 9, 30), 1) == D(2031, 10, 1)
    assert add(D(2031, 9, 30), 3) == D(2031, 10, 3)
    assert add(D(2031, 9, 30), 4) == D(2031, 10, 6)
    assert add(D(2031, 1, 31), 1) == D(2031, 2, 3)  # Friday -> Monday
    assert "no holiday calendar for 2031" in caplog.text
    caplog.clear()
    add(D(2026, 9, 30), 1)
    assert "no holiday calendar" not in caplog.text


def test_the_calendar_is_read_once_per_context_and_forgotten_on_edits(app):
    first = working_calendar()
    assert working_calendar() is first
    calendar.save_day(D(2026, 12, 31), "holiday", "测试假日", actor=None)
    assert working_calendar() is not first  # save_day forgot the cached one
    assert add(D(2026, 12, 30), 1) == D(2027, 1, 4)
    calendar.remove_day(D(2026, 12, 31), actor=None)
    assert add(D(2026, 12, 30), 1) == D(2026, 12, 31)


# --- due times: the end of the local day, stored as naive UTC ---------------------------------------

def test_end_of_day_is_2359_59_in_beijing_as_naive_utc(app):
    assert end_of_day(D(2026, 10, 8)) == dt.datetime(2026, 10, 8, 15, 59, 59)
    assert end_of_day(D(2026, 10, 8)).tzinfo is None
    assert local(end_of_day(D(2026, 10, 8))).time() == END_OF_DAY
    assert local(end_of_day(D(2026, 10, 8))).date() == D(2026, 10, 8)
    assert local(end_of_day(D(2026, 10, 8))).utcoffset() == dt.timedelta(hours=8)


def test_local_and_stored_round_trip(app):
    moment = dt.datetime(2026, 10, 9, 16, 0)
    shown = local(moment)
    assert (shown.date(), shown.hour, shown.minute) == (D(2026, 10, 10), 0, 0)
    assert stored(shown) == moment and stored(shown).tzinfo is None
    assert local_today(dt.datetime(2026, 10, 9, 15, 59)) == D(2026, 10, 9)
    assert local_today(dt.datetime(2026, 10, 9, 16, 0)) == D(2026, 10, 10)


@pytest.mark.parametrize(("start", "count", "expected"), [
    # 10:00 Wednesday Sep 30 in Beijing: one working day ends at the end of Thursday Oct 8
    (dt.datetime(2026, 9, 30, 2, 0), 1, dt.datetime(2026, 10, 8, 15, 59, 59)),
    # 23:59 Friday Oct 9 in Beijing: counts from Friday
    (dt.datetime(2026, 10, 9, 15, 59), 1, dt.datetime(2026, 10, 10, 15, 59, 59)),
    # 00:00 Saturday Oct 10 in Beijing (still Friday in UTC): counts from Saturday
    (dt.datetime(2026, 10, 9, 16, 0), 1, dt.datetime(2026, 10, 12, 15, 59, 59)),
    (dt.datetime(2026, 10, 9, 16, 0), 5, dt.datetime(2026, 10, 16, 15, 59, 59)),
    (dt.datetime(2026, 10, 9, 15, 59, 59), 5, dt.datetime(2026, 10, 15, 15, 59, 59)),
    # 00:30 New Year's Day 2027 in Beijing
    (dt.datetime(2026, 12, 31, 16, 30), 1, dt.datetime(2027, 1, 4, 15, 59, 59)),
    (dt.datetime(2026, 12, 31, 15, 30), 1, dt.datetime(2027, 1, 4, 15, 59, 59)),
    (dt.datetime(2026, 12, 30, 15, 30), 1, dt.datetime(2026, 12, 31, 15, 59, 59)),
])
def test_end_of_working_day_counts_from_the_local_day(app, start, count, expected):
    assert end_of_working_day(start, count) == expected


def test_due_at_by_unit(app):
    start = dt.datetime(2026, 9, 30, 17, 45, 12)  # 01:45 Thursday Oct 1 in Beijing
    hours = Clock(24, "hours", "clock_registration_hours")
    days = Clock(200, "days", "clock_follow_up_days")
    working = Clock(5, "working_days", "clock_assessment_days")
    # hours and calendar days are plain offsets of the start, whatever the holidays or time zone
    assert due_at(hours, 24, start) == start + dt.timedelta(hours=24)
    assert due_at(hours, 7, start) == dt.datetime(2026, 10, 1, 0, 45, 12)
    assert due_at(days, 200, start) == start + dt.timedelta(days=200)
    assert due_at(days, 3, start) == dt.datetime(2026, 10, 3, 17, 45, 12)
    # working days: the amount given (the setting), not the clock's default, from the local day Oct 1
    assert due_at(working, 1, start) == dt.datetime(2026, 10, 8, 15, 59, 59)
    assert due_at(working, 5, start) == dt.datetime(2026, 10, 13, 15, 59, 59)
    assert due_at(working, 2, start) == end_of_working_day(start, 2)


def test_every_clock_of_the_definitions_is_a_known_setting_with_a_unit(app):
    found = process.clock_settings()
    assert found["clock_assessment_days"][0] == Clock(5, "working_days", "clock_assessment_days")
    assert found["clock_exam_interview_days"][0].since == "forensic_exam"
    assert {clock.unit for clock, _spec in found.values()} == {"hours", "days", "working_days"}


@pytest.mark.parametrize(("day", "months", "expected"), [
    (D(2026, 1, 31), 1, D(2026, 2, 28)),
    (D(2028, 1, 31), 1, D(2028, 2, 29)),  # leap year
    (D(2026, 8, 31), 1, D(2026, 9, 30)),
    (D(2026, 11, 30), 3, D(2027, 2, 28)),
    (D(2026, 12, 15), 1, D(2027, 1, 15)),
    (D(2026, 10, 12), 12, D(2027, 10, 12)),
    (D(2026, 10, 12), 0, D(2026, 10, 12)),
])
def test_add_months_clamps_to_the_end_of_the_month(day, months, expected):
    assert add_months(day, months) == expected


# --- the midnight boundary in the engine ----------------------------------------------------------

def _assessment_task(kit) -> Task:
    case = kit.make_case("psych_intervention")
    [task] = kit.open_tasks(case)
    assert (task.state, task.role) == ("psych_intervention", "psychologist")
    return task


def test_a_task_opened_at_2359_friday_in_beijing_counts_from_friday(kit):
    with time_machine.travel(utc(2026, 10, 9, 15, 59), tick=False):
        task = _assessment_task(kit)
    # 5 working days after Friday Oct 9: Sat 10 (make-up), Mon 12, 13, 14, Thu 15
    assert task.opened_at == task.started_at == dt.datetime(2026, 10, 9, 15, 59)
    assert task.due_at == dt.datetime(2026, 10, 15, 15, 59, 59)


def test_a_task_opened_at_midnight_in_beijing_counts_from_the_make_up_saturday(kit):
    with time_machine.travel(utc(2026, 10, 9, 16, 0), tick=False):
        task = _assessment_task(kit)
    # the UTC date is still Friday; in Beijing it is Saturday Oct 10: Mon 12 .. Fri 16
    assert task.opened_at == dt.datetime(2026, 10, 9, 16, 0)
    assert task.due_at == dt.datetime(2026, 10, 16, 15, 59, 59)


def test_hour_clocks_ignore_the_time_zone_and_the_calendar(kit):
    with time_machine.travel(utc(2026, 9, 30, 20, 0), tick=False):  # 04:00 Oct 1 in Beijing
        case = kit.make_case("registered")
    [task] = kit.open_tasks(case)
    assert task.due_at == dt.datetime(2026, 10, 1, 20, 0)  # 24 hours, on a public holiday


def test_the_aid_cap_year_and_date_checks_use_the_local_date(kit, users, wages):
    from workflow.demo import drive_aid

    with time_machine.travel(utc(2026, 12, 31, 16, 30), tick=False) as traveller:
        assert aid.today() == D(2027, 1, 1) == local_today()
        case = kit.make_case("aid_review")
        kit.fire("case_prosecutor", case, "flag_aid")
        application = case.aid_applications[-1]
        # the 2027 wage: 36 x 12,000 yuan (it would be 36 x 10,000 yuan on the UTC date)
        assert aid.cap_fen(application) == 36 * wages[2027]
        drive_aid(application, "approved", users)
        assert application.state == "approved"
        # decided on New Year's Day in Beijing (Dec 31 in UTC): no notice can predate it
        error = kit.refused("aid_officer", application, "notify_applicant",
                            {"notified_on": "2026-12-31", "notified_by": "letter"})
        assert (error.status, set(error.fields)) == (422, {"notified_on"})
        # notified "today": New Year's Day in Beijing, although it is still Dec 31 in UTC
        kit.fire("aid_officer", application, "notify_applicant",
                 {"notified_on": "2027-01-01", "notified_by": "letter"})
        assert application.notified_on == D(2027, 1, 1)
        error = kit.refused("finance_officer", application, "record_payment",
                            {"amount_fen": 1_500_000, "on_date": "2027-01-02", "method": "bank_transfer",
                             "reference": "ZF-1"})
        assert (error.status, set(error.fields)) == (422, {"on_date"})
        kit.fire("finance_officer", application, "record_payment",
                 {"amount_fen": 1_500_000, "on_date": "2027-01-01", "method": "bank_transfer",
                  "reference": "ZF-1"})
        assert application.paid_fen == 1_500_000
        # half an hour before midnight in Beijing the cap is still 2026's
        traveller.move_to(utc(2026, 12, 31, 15, 30))
        assert aid.today() == D(2026, 12, 31)
        assert aid.cap_fen(application) == 36 * wages[2026]
        error = kit.refused("finance_officer", application, "record_payment",
                            {"amount_fen": 1_000_000, "on_date": "2027-01-01", "method": "bank_transfer",
                             "reference": "ZF-2"})
        assert (error.status, set(error.fields)) == (422, {"on_date"})


# --- loading the holiday file ---------------------------------------------------------------------

def test_the_file_is_loaded_once(app):
    assert calendar.years() == [2026, 2027]
    assert calendar.load_file() == {}  # the app fixture loaded it: nothing new
    assert calendar.summary(2026) == calendar.YearSummary(2026, HOLIDAYS_2026, WORKDAYS_2026, False)
    assert calendar.summary(2027) == calendar.YearSummary(2027, HOLIDAYS_2027, 0, True)
    assert calendar.summary(2030) == calendar.YearSummary(2030, 0, 0, False)
    days = calendar.days_of(2026)
    assert len(days) == HOLIDAYS_2026 + WORKDAYS_2026
    assert [d.day for d in days] == sorted(d.day for d in days)
    national = db.session.get(CalendarDay, D(2026, 10, 10))
    assert (national.kind, national.name, national.name_en, national.provisional) == (
        "workday", "国庆节", "National Day", False)


def test_load_keeps_admin_corrections_unless_replaced(app):
    calendar.save_day(D(2026, 10, 10), "holiday", "  调整  ", " Adjusted ", actor=None)
    calendar.save_day(D(2027, 1, 1), "holiday", "元旦", "New Year's Day", actor=None)  # published: not provisional
    assert add(D(2026, 10, 9), 1) == D(2026, 10, 12)
    assert calendar.load_file() == {}
    corrected = db.session.get(CalendarDay, D(2026, 10, 10))
    assert (corrected.kind, corrected.name, corrected.name_en) == ("holiday", "调整", "Adjusted")
    assert db.session.get(CalendarDay, D(2027, 1, 1)).provisional is False
    assert add(D(2026, 10, 9), 1) == D(2026, 10, 12)

    assert calendar.load_file(replace=True) == {2026: HOLIDAYS_2026 + WORKDAYS_2026, 2027: HOLIDAYS_2027}
    db.session.expire_all()
    restored = db.session.get(CalendarDay, D(2026, 10, 10))
    assert (restored.kind, restored.name) == ("workday", "国庆节")
    assert db.session.get(CalendarDay, D(2027, 1, 1)).provisional is True
    assert add(D(2026, 10, 9), 1) == D(2026, 10, 10)  # the cached calendar was forgotten
    assert calendar.summary(2026) == calendar.YearSummary(2026, HOLIDAYS_2026, WORKDAYS_2026, False)


def test_replace_drops_days_added_in_a_reloaded_year(app):
    calendar.save_day(D(2026, 12, 31), "holiday", "测试假日", actor=None)
    calendar.load_file()
    assert db.session.get(CalendarDay, D(2026, 12, 31)) is not None
    calendar.load_file(replace=True)
    db.session.expire_all()
    assert db.session.get(CalendarDay, D(2026, 12, 31)) is None


def test_a_make_up_day_must_be_on_a_weekend(app):
    with pytest.raises(Invalid) as info:
        calendar.save_day(D(2026, 12, 30), "workday", "测试", actor=None)  # a Wednesday
    assert info.value.status == 422 and set(info.value.fields) == {"day"}
    assert db.session.get(CalendarDay, D(2026, 12, 30)) is None
    # a Saturday make-up day counts at once; a holiday may fall on any day
    calendar.save_day(D(2026, 12, 26), "workday", "测试调休", actor=None)
    assert add(D(2026, 12, 25), 1) == D(2026, 12, 26)
    calendar.save_day(D(2026, 12, 27), "holiday", "周日假日", actor=None)
    assert add(D(2026, 12, 26), 1) == D(2026, 12, 28)


def test_remove_day_makes_it_ordinary(app):
    calendar.remove_day(D(2026, 10, 1), actor=None)  # a Thursday of National Day
    assert add(D(2026, 9, 30), 1) == D(2026, 10, 1)
    calendar.remove_day(D(2026, 9, 20), actor=None)  # the make-up Sunday
    assert add(D(2026, 9, 18), 1) == D(2026, 9, 21)
    calendar.remove_day(D(2031, 1, 1), actor=None)  # nothing there: nothing happens
    assert calendar.years() == [2026, 2027]


HOLIDAY_2028 = """
[[holiday]]
name = "元旦"
name_en = "New Year's Day"
off = [2028-01-01, 2028-01-03]
work = [2027-12-26]

[[holiday]]
name = "春节"
off = [2028-01-25, 2028-01-31]
work = [2028-01-22, 2028-02-12]
"""


def test_loading_another_file(app, tmp_path):
    path = tmp_path / "holidays.toml"
    path.write_text(HOLIDAY_2028, encoding="utf-8")
    [(year, rows)] = calendar.read_file(path).items()
    # the make-up Sunday in December 2027 belongs to the 2028 arrangement
    assert year == 2028
    assert [(r.day, r.kind) for r in rows][:4] == [
        (D(2027, 12, 26), "workday"), (D(2028, 1, 1), "holiday"), (D(2028, 1, 2), "holiday"),
        (D(2028, 1, 3), "holiday")]
    assert calendar.load_file(path) == {2028: 3 + 7 + 3}
    assert db.session.get(CalendarDay, D(2027, 12, 26)).kind == "workday"
    assert add(D(2027, 12, 24), 1) == D(2027, 12, 26)
    assert db.session.get(CalendarDay, D(2028, 1, 26)).name_en == ""
    assert calendar.years() == [2026, 2027, 2028]
    assert add(D(2027, 12, 31), 1) == D(2028, 1, 4)


def test_a_weekday_make_up_day_in_the_file_is_refused(app, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[holiday]]\nname = "元旦"\noff = [2028-01-01, 2028-01-03]\nwork = [2028-01-05]\n',
                    encoding="utf-8")
    with pytest.raises(ValueError, match="2028-01-05 is not on a weekend"):
        calendar.load_file(path)
    assert calendar.years() == [2026, 2027]  # nothing loaded


def test_a_holiday_ending_before_it_starts_is_refused(app, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[holiday]]\nname = "元旦"\noff = [2028-01-03, 2028-01-01]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="ends before it starts"):
        calendar.read_file(path)


def test_missing_years_are_this_year_and_next_in_the_centres_time_zone(app):
    with time_machine.travel(utc(2026, 12, 31, 15, 30), tick=False):
        assert calendar.missing_years() == []  # 2026 and 2027 are loaded
    with time_machine.travel(utc(2026, 12, 31, 16, 30), tick=False):  # New Year's Day 2027 in Beijing
        assert calendar.missing_years() == [2028]
    with time_machine.travel(utc(2031, 6, 1, 0, 0), tick=False):
        assert calendar.missing_years() == [2031, 2032]
    calendar.save_day(D(2028, 1, 1), "holiday", "元旦", actor=None)
    with time_machine.travel(utc(2027, 3, 1), tick=False):
        assert calendar.missing_years() == []


# --- the calendar-load command ---------------------------------------------------------------------

def test_cli_calendar_load_skips_loaded_years(runner):
    result = runner.invoke(args=["calendar-load"])
    assert result.exit_code == 0, result.output
    assert "loaded" not in result.output
    assert "calendar years: 2026, 2027" in result.output


def test_cli_calendar_load_replace_and_file(runner, tmp_path):
    calendar.save_day(D(2026, 10, 10), "holiday", "调整", actor=None)
    result = runner.invoke(args=["calendar-load", "--replace"])
    assert result.exit_code == 0, result.output
    assert f"loaded 2026: {HOLIDAYS_2026 + WORKDAYS_2026} days" in result.output
    assert f"loaded 2027: {HOLIDAYS_2027} days" in result.output
    db.session.expire_all()
    assert db.session.get(CalendarDay, D(2026, 10, 10)).kind == "workday"

    path = tmp_path / "holidays.toml"
    path.write_text(HOLIDAY_2028, encoding="utf-8")
    result = runner.invoke(args=["calendar-load", "--file", str(path)])
    assert result.exit_code == 0, result.output
    assert "loaded 2028: 13 days" in result.output
    assert "calendar years: 2026, 2027, 2028" in result.output
    result = runner.invoke(args=["calendar-load", "--file", str(path), "--replace"])
    # --replace reloads the file's years only: 2027 keeps its holidays and gains the make-up Sunday
    assert "loaded 2027" not in result.output and "loaded 2028: 13 days" in result.output
    assert calendar.summary(2027) == calendar.YearSummary(2027, HOLIDAYS_2027, 1, True)


def test_cli_calendar_load_reports_a_bad_file(runner, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[holiday]]\nname = "x"\noff = [2028-01-01, 2028-01-01]\nwork = [2028-01-05]\n',
                    encoding="utf-8")
    result = runner.invoke(args=["calendar-load", "--file", str(path)])
    assert result.exit_code != 0
    assert "bad holiday file" in result.output and "not on a weekend" in result.output
    broken = tmp_path / "broken.toml"
    broken.write_text("[[holiday]\nname = ", encoding="utf-8")
    result = runner.invoke(args=["calendar-load", "--file", str(broken)])
    assert result.exit_code != 0 and "bad holiday file" in result.output
    assert calendar.years() == [2026, 2027]


# --- the admin calendar page -----------------------------------------------------------------------

def _rows(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-day="([\d-]+)" data-kind="(\w+)"', html))


def test_admin_page_lists_the_days_of_a_year(pages):
    with time_machine.travel(utc(2026, 11, 23, 2, 0), tick=False):  # 2026 and 2027 are both loaded
        html = pages.html("admin", "/admin/calendar?year=2026&lang=en")
        rows = _rows(html)
        assert len(rows) == HOLIDAYS_2026 + WORKDAYS_2026
        assert rows["2026-10-10"] == rows["2026-09-20"] == rows["2026-02-14"] == "workday"
        assert rows["2026-10-01"] == rows["2026-02-15"] == "holiday"
        assert f"{HOLIDAYS_2026} holiday days, {WORKDAYS_2026} make-up working days" in html
        assert "data-provisional" not in html and "National Day" in html
        html = pages.html("admin", "/admin/calendar?year=2027")
        assert len(_rows(html)) == HOLIDAYS_2027 and "data-provisional" in html
        assert 'href="/admin/calendar?year=2026"' in html and 'href="/admin/calendar?year=2027"' in html
        assert "data-missing-year" not in html
        assert _rows(pages.html("admin", "/admin/calendar?year=2030")) == {}


def test_admin_page_defaults_to_this_local_year_and_warns_of_missing_years(pages):
    with time_machine.travel(utc(2027, 12, 31, 16, 30), tick=False):  # Jan 1 2028 in Beijing
        html = pages.html("admin", "/admin/calendar")
    assert 'aria-current="page">2028<' in html
    assert 'data-missing-year="2028"' in html and 'data-missing-year="2029"' in html
    assert _rows(html) == {}


def test_admin_adds_a_day_and_clocks_use_it_at_once(app, pages):
    assert fresh_calendar(app).add_working_days(D(2026, 12, 30), 1) == D(2026, 12, 31)
    response = pages.as_("admin").post("/admin/calendar?year=2026", data={
        "day": "2026-12-31", "kind": "holiday", "name": "测试假日", "name_en": "Test holiday"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/calendar?year=2026")
    assert fresh_calendar(app).add_working_days(D(2026, 12, 30), 1) == D(2027, 1, 4)
    assert _rows(pages.html("admin", "/admin/calendar?year=2026"))["2026-12-31"] == "holiday"

    response = pages.as_("admin").post("/admin/calendar", data={
        "day": "2026-12-26", "kind": "workday", "name": "测试调休"})
    assert response.status_code == 302
    assert fresh_calendar(app).add_working_days(D(2026, 12, 25), 1) == D(2026, 12, 26)
    # a new due time computed afterwards uses it
    with app.app_context():
        assert end_of_working_day(dt.datetime(2026, 12, 25, 2, 0), 1) == dt.datetime(2026, 12, 26, 15, 59, 59)
    # correcting an existing day: the make-up Saturday becomes an ordinary day off
    response = pages.as_("admin").post("/admin/calendar", data={
        "day": "2026-10-10", "kind": "holiday", "name": "调整"})
    assert response.status_code == 302
    assert fresh_calendar(app).add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 12)


def test_admin_deletes_a_day(app, pages):
    response = pages.as_("admin").post("/admin/calendar/2026-10-10/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/calendar?year=2026")
    db.session.expire_all()
    assert db.session.get(CalendarDay, D(2026, 10, 10)) is None
    assert fresh_calendar(app).add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 12)
    assert "2026-10-10" not in _rows(pages.html("admin", "/admin/calendar?year=2026"))
    assert pages.as_("admin").post("/admin/calendar/not-a-day/delete").status_code == 404


def test_admin_weekday_make_up_day_is_refused_next_to_the_field(app, pages):
    pages.html("admin", "/admin/calendar?lang=en")
    response = pages.as_("admin").post("/admin/calendar?year=2026", data={
        "day": "2026-12-30", "kind": "workday", "name": "错误调休"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(
        r'<input[^>]*id="day"[^>]*>\s*<div class="invalid-feedback d-block" id="day-error1">([^<]*)</div>', html)
    assert error and error.group(1) == "A make-up working day falls on a Saturday or Sunday."
    assert re.search(r'<input[^>]*class="form-control is-invalid" id="day"', html)
    db.session.expire_all()
    assert db.session.get(CalendarDay, D(2026, 12, 30)) is None
    # a form error (no name) is refused too, with nothing stored
    response = pages.as_("admin").post("/admin/calendar", data={"day": "2026-12-26", "kind": "workday", "name": ""})
    assert response.status_code == 422
    assert db.session.get(CalendarDay, D(2026, 12, 26)) is None


def test_admin_page_with_a_year_out_of_range_is_not_found(pages):
    for year in ("99999", "-3", "10000"):
        assert pages.as_("admin").get(f"/admin/calendar?year={year}").status_code == 404


def test_only_administrators_see_or_change_the_calendar(app, pages):
    for username in ("supervisor", "examiner", "aid_officer", "auditor"):
        client = pages.as_(username)
        assert client.get("/admin/calendar").status_code == 403, username
        assert client.post("/admin/calendar", data={"day": "2026-12-31", "kind": "holiday",
                                                    "name": "x"}).status_code == 403
        assert client.post("/admin/calendar/2026-10-10/delete").status_code == 403
    anonymous = pages.anonymous()
    response = anonymous.get("/admin/calendar")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert anonymous.post("/admin/calendar/2026-10-10/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(CalendarDay, D(2026, 12, 31)) is None
    assert db.session.get(CalendarDay, D(2026, 10, 10)).kind == "workday"
    assert fresh_calendar(app).add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 10)


PUBLISHED_2027 = """
[[holiday]]
name = "国庆节"
off = [2027-10-01, 2027-10-07]
work = [2027-09-26, 2027-10-09]
"""


def test_a_published_arrangement_replaces_the_provisional_year_on_a_normal_load(app, tmp_path):
    assert calendar.summary(2027).provisional
    path = tmp_path / "holidays.toml"
    path.write_text(PUBLISHED_2027, encoding="utf-8")
    assert calendar.load_file(path) == {2027: 7 + 2}  # no --replace needed
    assert calendar.summary(2027) == calendar.YearSummary(2027, 7, 2, False)
    assert add(D(2027, 9, 30), 1) == D(2027, 10, 8)
    assert add(D(2027, 10, 8), 1) == D(2027, 10, 9)  # the published make-up Saturday
    # a final year is left alone from then on
    assert calendar.load_file(path) == {}


def test_a_lone_make_up_day_does_not_make_a_year_count_as_loaded(app):
    calendar.save_day(D(2029, 12, 30), "workday", "元旦调休", actor=None)
    assert 2029 not in calendar.years()


def test_quoted_dates_in_the_file_are_a_clear_error(runner, tmp_path):
    path = tmp_path / "quoted.toml"
    path.write_text('[[holiday]]\nname = "元旦"\noff = ["2028-01-01", "2028-01-03"]\n', encoding="utf-8")
    result = runner.invoke(args=["calendar-load", "--file", str(path)])
    assert result.exit_code != 0 and "is not a TOML date" in result.output
