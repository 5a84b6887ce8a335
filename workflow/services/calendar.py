"""The working-day calendar: loading the holiday file, and the administrator's corrections."""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from ..clocks import forget_calendar, local_today
from ..errors import Invalid
from ..extensions import db
from ..models import CalendarDay

HOLIDAY_FILE = Path(__file__).resolve().parent.parent / "data" / "holidays_cn.toml"


def read_file(path: Path = HOLIDAY_FILE) -> list[CalendarDay]:
    """The days of a holiday file (see the comment at the top of workflow/data/holidays_cn.toml)."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    days: dict[dt.date, CalendarDay] = {}
    for entry in data.get("holiday", []):
        first, last = entry["off"]
        if last < first:
            raise ValueError(f"{path}: {entry['name']} {first.year} ends before it starts")
        names = {"name": entry["name"], "name_en": entry.get("name_en", ""),
                 "provisional": bool(entry.get("provisional", False))}
        day = first
        while day <= last:
            days[day] = CalendarDay(day=day, kind="holiday", **names)
            day += dt.timedelta(days=1)
        for day in entry.get("work", []):
            if day.weekday() < 5:
                raise ValueError(f"{path}: make-up working day {day} is not on a weekend")
            days[day] = CalendarDay(day=day, kind="workday", **names)
    return sorted(days.values(), key=lambda d: d.day)


def load_file(path: Path = HOLIDAY_FILE, replace: bool = False) -> dict[int, int]:
    """Insert the file's years that the database does not have yet (all of them with `replace`,
    which discards corrections made on the admin page). Returns {year: days loaded}."""
    by_year: dict[int, list[CalendarDay]] = {}
    for row in read_file(path):
        by_year.setdefault(row.day.year, []).append(row)
    present = set(years())
    loaded = {}
    for year, rows in sorted(by_year.items()):
        if year in present and not replace:
            continue
        db.session.execute(delete(CalendarDay).where(*_in_year(year)))
        db.session.add_all(rows)
        loaded[year] = len(rows)
    db.session.commit()
    forget_calendar()
    return loaded


def _in_year(year: int):
    return CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31)


def years() -> list[int]:
    days = db.session.scalars(select(CalendarDay.day)).all()
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


def save_day(day: dt.date, kind: str, name: str, name_en: str = "") -> CalendarDay:
    """Add or correct one day; saved days are final (no longer provisional)."""
    if kind == "workday" and day.weekday() < 5:
        message = _l("A make-up working day falls on a Saturday or Sunday.")
        raise Invalid(message, {"day": [str(message)]})
    row = db.session.get(CalendarDay, day) or CalendarDay(day=day)
    row.kind, row.name, row.name_en, row.provisional = kind, name.strip(), name_en.strip(), False
    db.session.add(row)
    db.session.commit()
    forget_calendar()
    return row


def remove_day(day: dt.date) -> None:
    db.session.execute(delete(CalendarDay).where(CalendarDay.day == day))
    db.session.commit()
    forget_calendar()
