"""Clocks: the centre's working-day calendar, due times, and what a task's clock shows.

Working days are Monday to Friday, minus public holidays, plus the make-up working days (调休上班)
of the `calendar_days` table (loaded from `workflow/data/holidays_cn.toml`, edited by admin).
Counting happens in the centre's time zone (`ONESTOP_TIMEZONE`): a task opened at 00:30 in Beijing
counts from that Beijing day, although it is still the previous day in UTC. Stored times are naive
UTC, like everywhere else in the database.

Working-day deadlines follow the procedural rule: the starting day is not counted and the period
ends at the end of its last working day ("within 5 working days" of a Friday report ends on the
next Friday at 24:00, later if holidays intervene).
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import g, has_app_context
from flask_babel import get_babel
from sqlalchemy import select

from workflow.core.extensions import db
from workflow.core.models import CalendarDay, utcnow
from workflow.core.process import Clock

log = logging.getLogger(__name__)

END_OF_DAY = dt.time(23, 59, 59)


def centre_tz() -> ZoneInfo:
    """The zone pages display times in (Flask-Babel's, from ONESTOP_TIMEZONE): one zone for both."""
    return ZoneInfo(get_babel().default_timezone)


def local(moment: dt.datetime) -> dt.datetime:
    """A stored (naive UTC) time in the centre's time zone."""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(centre_tz())


def stored(moment: dt.datetime) -> dt.datetime:
    """A zone-aware time as stored: naive UTC."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def local_today(now: dt.datetime | None = None) -> dt.date:
    return local(now or utcnow()).date()


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]  # make-up working days on a weekend
    years: frozenset[int]  # years the table covers; others count weekends only

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The `count`-th working day after `day` (`day` itself is not counted)."""
        current = day
        for _ in range(count):
            current += dt.timedelta(days=1)
            while not self.is_working_day(current):
                current += dt.timedelta(days=1)
        if current.year not in self.years:
            log.warning("no holiday calendar for %s: counted weekends only (load it: flask calendar-load)",
                        current.year)
        return current


def working_calendar() -> WorkingCalendar:
    """The calendar from the database, read once per request or job (admin edits clear it)."""
    cached = g.get("working_calendar") if has_app_context() else None
    if cached is not None:
        return cached
    rows = db.session.execute(select(CalendarDay.day, CalendarDay.kind)).all()
    calendar = WorkingCalendar(
        holidays=frozenset(day for day, kind in rows if kind == "holiday"),
        workdays=frozenset(day for day, kind in rows if kind == "workday"),
        years=frozenset(day.year for day, _kind in rows),
    )
    if has_app_context():
        g.working_calendar = calendar
    return calendar


def forget_calendar() -> None:
    if has_app_context():
        g.pop("working_calendar", None)


def end_of_day(day: dt.date) -> dt.datetime:
    """24:00 of a day in the centre's time zone, as stored."""
    return stored(dt.datetime.combine(day, END_OF_DAY, tzinfo=centre_tz()))


def end_of_working_day(start: dt.datetime, count: int) -> dt.datetime:
    """The end of the `count`-th working day after the local day of `start`."""
    return end_of_day(working_calendar().add_working_days(local(start).date(), count))


def due_at(clock: Clock, amount: int, start: dt.datetime) -> dt.datetime:
    """When a clock of `amount` units (the setting's value, else the clock's default) started at
    `start` runs out."""
    if clock.unit == "hours":
        return start + dt.timedelta(hours=amount)
    if clock.unit == "days":
        return start + dt.timedelta(days=amount)
    return end_of_working_day(start, amount)


@dataclass(frozen=True)
class ClockView:
    """A task's clock as the case page and the API show it."""

    started_at: dt.datetime
    due_at: dt.datetime
    paused_seconds: int
    paused_since: dt.datetime | None  # the case is suspended: the clock stands still
    remaining_seconds: int | None  # negative when overdue; None once the task is done
    extended_at: dt.datetime | None

    @property
    def overdue(self) -> bool:
        return self.remaining_seconds is not None and self.remaining_seconds < 0 and self.paused_since is None

    @property
    def state(self) -> str:
        if self.remaining_seconds is None:
            return "done"
        if self.paused_since is not None:
            return "paused"
        return "overdue" if self.remaining_seconds < 0 else "running"


def clock_of(task, now: dt.datetime | None = None) -> ClockView:
    now = now or utcnow()
    paused_since = task.case.suspended_at if task.closed_at is None else None
    # A suspended case's clocks stand at the moment of suspension; resuming moves due times on.
    reference = paused_since or now
    remaining = None if task.closed_at is not None else int((task.due_at - reference).total_seconds())
    return ClockView(started_at=task.started_at, due_at=task.due_at, paused_seconds=task.paused_seconds,
                     paused_since=paused_since, remaining_seconds=remaining, extended_at=task.extended_at)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day-of-month `months` later, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")
