"""The working-day calendar: loading the holiday file, and the administrator's corrections (each
recorded in the admin log; `actor` None is the command line)."""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, or_, select

from workflow.admin import changes
from workflow.admin.models import User
from workflow.core.clocks import forget_calendar, local_today
from workflow.core.errors import Invalid
from workflow.core.extensions import db
from workflow.core.models import CalendarDay

HOLIDAY_FILE = Path(__file__).resolve().parent.parent / "data" / "holidays_cn.toml"


def _date(value, what: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValueError(f"{what}: {value!r} is not a TOML date (write 2026-10-01, unquoted)")
    return value


def read_file(path: Path = HOLIDAY_FILE) -> dict[int, list[CalendarDay]]:
    """The days of a holiday file (see the comment at the top of workflow/data/holidays_cn.toml), by
    the year of the arrangement they belong to: a make-up working day may fall in December of the
    year before."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    by_year: dict[int, dict[dt.date, CalendarDay]] = {}
    for entry in data.get("holiday", []):
        name = entry["name"]
        first, last = (_date(d, f"{path}: {name} off") for d in entry["off"])
        if last < first:
            raise ValueError(f"{path}: {name} {first.year} ends before it starts")
        days = by_year.setdefault(int(entry.get("year", first.year)), {})
        names = {"name": name, "name_en": entry.get("name_en", ""),
                 "provisional": bool(entry.get("provisional", False))}
        day = first
        while day <= last:
            days[day] = CalendarDay(day=day, kind="holiday", **names)
            day += dt.timedelta(days=1)
        for value in entry.get("work", []):
            day = _date(value, f"{path}: {name} work")
            if day.weekday() < 5:
                raise ValueError(f"{path}: make-up working day {day} is not on a weekend")
            days[day] = CalendarDay(day=day, kind="workday", **names)
    return {year: sorted(days.values(), key=lambda d: d.day) for year, days in sorted(by_year.items())}


def load_file(path: Path = HOLIDAY_FILE, replace: bool = False, *, actor: User | None = None) -> dict[int, int]:
    """Load the file's years that the database does not have yet, and replace years it holds only
    provisionally once the file has the published arrangement. With `replace`, reload every year of
    the file (discarding corrections made on the admin page). Returns {year: days loaded}."""
    loaded = {}
    for year, rows in read_file(path).items():
        held = _held(year)
        published = not any(row.provisional for row in rows)
        if held == "final" and not replace:
            continue
        if held == "provisional" and not published and not replace:
            continue
        db.session.execute(delete(CalendarDay).where(
            or_(and_(*_in_year(year)), CalendarDay.day.in_([row.day for row in rows]))))
        db.session.add_all(rows)
        loaded[year] = len(rows)
        changes.record(actor, "calendar_day", year, "load", {"held": held} if held else None,
                       {"days": len(rows), "file": path.name, "replace": replace}, label=str(year))
    db.session.commit()
    forget_calendar()
    return loaded


def _in_year(year: int):
    return CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31)


def _held(year: int) -> str | None:
    """"final", "provisional" or None: whether the database has the year's holidays. A lone
    make-up working day (of the next year's arrangement) does not count."""
    flags = set(db.session.scalars(select(CalendarDay.provisional).where(*_in_year(year),
                                                                          CalendarDay.kind == "holiday")))
    if not flags:
        return None
    return "provisional" if flags == {True} else "final"


def years() -> list[int]:
    """The years whose holidays are in the database."""
    days = db.session.scalars(select(CalendarDay.day).where(CalendarDay.kind == "holiday")).all()
    return sorted({d.year for d in days})


@dataclass(frozen=True)
class YearSummary:
    year: int
    holidays: int
    workdays: int
    provisional: bool


def summary(year: int) -> YearSummary:
    rows = db.session.execute(select(CalendarDay.kind, CalendarDay.provisional, func.count())
                              .where(*_in_year(year)).group_by(CalendarDay.kind, CalendarDay.provisional)).all()
    counts = {kind: sum(n for k, _, n in rows if k == kind) for kind in ("holiday", "workday")}
    return YearSummary(year, counts["holiday"], counts["workday"], any(provisional for _, provisional, _ in rows))


def missing_years() -> list[int]:
    """This year and next, when the calendar has no day for them (clocks then skip weekends only)."""
    this_year = local_today().year
    present = set(years())
    return [y for y in (this_year, this_year + 1) if y not in present]


def days_of(year: int) -> list[CalendarDay]:
    return list(db.session.scalars(select(CalendarDay).where(*_in_year(year)).order_by(CalendarDay.day)))


def _day_values(row: CalendarDay) -> dict:
    return {"kind": row.kind, "name": row.name, "name_en": row.name_en, "provisional": row.provisional}


def save_day(day: dt.date, kind: str, name: str, name_en: str = "", *, actor: User | None) -> CalendarDay:
    """Add or correct one day; saved days are final (no longer provisional)."""
    if kind == "workday" and day.weekday() < 5:
        message = _l("A make-up working day falls on a Saturday or Sunday.")
        raise Invalid(message, {"day": [str(message)]})
    row = db.session.get(CalendarDay, day)
    before = _day_values(row) if row is not None else None
    row = row or CalendarDay(day=day)
    row.kind, row.name, row.name_en, row.provisional = kind, name.strip(), name_en.strip(), False
    db.session.add(row)
    changes.record(actor, "calendar_day", day.isoformat(), "create" if before is None else "update", before,
                   _day_values(row), label=day.isoformat())
    db.session.commit()
    forget_calendar()
    return row


def remove_day(day: dt.date, *, actor: User | None) -> None:
    row = db.session.get(CalendarDay, day)
    if row is not None:
        changes.record(actor, "calendar_day", day.isoformat(), "delete", _day_values(row), None,
                       label=day.isoformat())
    db.session.execute(delete(CalendarDay).where(CalendarDay.day == day))
    db.session.commit()
    forget_calendar()
