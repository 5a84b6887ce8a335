"""Agencies, users, settings and average wages, as the administrator keeps them. Each change is
recorded in the admin log (`changes.record`) in its own transaction; `actor` None is the command
line."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workflow.admin import changes
from workflow.admin.models import AGENCY_KINDS, Agency, AverageWage, User
from workflow.core import settings
from workflow.core.errors import Invalid, NotFound
from workflow.core.extensions import db


def list_agencies() -> list[Agency]:
    return list(db.session.scalars(select(Agency).order_by(Agency.kind, Agency.name)))


def agency_choices(*kinds: str, excluding: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of the agencies of these kinds, for a form's choices."""
    stmt = select(Agency.id, Agency.name).where(Agency.kind.in_(kinds)).order_by(Agency.kind, Agency.name)
    if excluding is not None:
        stmt = stmt.where(Agency.id != excluding)
    return [(row.id, row.name) for row in db.session.execute(stmt)]


def get_agency(agency_id: int) -> Agency:
    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise NotFound(_("No such agency."))
    return agency


def _agency_values(agency: Agency) -> dict:
    return {"name": agency.name, "kind": agency.kind, "region": agency.region, "doc_prefix": agency.doc_prefix}


def save_agency(agency: Agency | None, *, actor: User | None, name: str, kind: str, region: str = "",
                doc_prefix: str = "") -> Agency:
    """Create (agency None) or change an agency. `doc_prefix` starts its documents' issue numbers;
    a change applies to numbers issued afterwards (issued documents keep theirs)."""
    name = name.strip()
    if kind not in AGENCY_KINDS:
        raise Invalid(_("Unknown agency kind."), {"kind": [_("Not a valid choice.")]})
    clash = db.session.scalar(select(Agency.id).where(Agency.name == name))
    if clash is not None and (agency is None or clash != agency.id):
        raise Invalid(_("An agency with this name exists."), {"name": [_("This name is taken.")]})
    before = _agency_values(agency) if agency is not None else None
    if agency is None:
        agency = Agency()
        db.session.add(agency)
    agency.name, agency.kind, agency.region, agency.doc_prefix = name, kind, region.strip(), doc_prefix.strip()
    db.session.flush()
    if before is None:
        changes.record(actor, "agency", agency.id, "create", None, _agency_values(agency), label=agency.name)
    else:
        old, new = changes.changed(before, _agency_values(agency))
        if new:
            changes.record(actor, "agency", agency.id, "update", old, new, label=agency.name)
    db.session.commit()
    return agency


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).options(selectinload(User.agency)).order_by(User.username)))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    return user


def _put_settings(actor: User | None, values: dict) -> None:
    """Store settings, recording each one whose value changes."""
    for key, value in values.items():
        old = settings.get(key)
        if old != value:
            settings.put(key, value)
            changes.record(actor, "setting", key, "update", {"value": old}, {"value": value}, label=key)


def save_settings(visit_months: list[int], numbers: dict[str, int], *, actor: User | None) -> None:
    """The visit schedule, and whole-number settings (clock lengths, escalation hours)."""
    if not visit_months or any(m < 1 for m in visit_months):
        raise Invalid(_("Give one or more positive numbers of months."),
                      {"visit_schedule_months": [_("Give one or more positive numbers of months.")]})
    _put_settings(actor, {"visit_schedule_months": sorted(set(visit_months)),
                          **{key: int(value) for key, value in numbers.items()}})
    db.session.commit()


def save_limits(values: dict[str, int], *, actor: User | None) -> None:
    """The aid approval matrix and cap, the register's limits and those of logins, sessions, tokens,
    emergency access and bulk reading (whole numbers; amounts in fen)."""
    if values["aid_threshold_a_fen"] >= values["aid_threshold_b_fen"]:
        message = _("The deputy chief procurator's limit must be above the department head's.")
        raise Invalid(message, {"aid_threshold_b_fen": [message]})
    if values["login_lock_minutes"] > values["login_lock_max_minutes"]:
        message = _("The longest lock cannot be shorter than the first one.")
        raise Invalid(message, {"login_lock_max_minutes": [message]})
    if values["bulk_read_warning"] >= values["bulk_read_limit"]:
        message = _("The suspension must come after the warning (a higher number).")
        raise Invalid(message, {"bulk_read_limit": [message]})
    _put_settings(actor, {key: int(value) for key, value in values.items()})
    db.session.commit()


def list_wages() -> list[AverageWage]:
    return list(db.session.scalars(select(AverageWage).order_by(AverageWage.year.desc(), AverageWage.region)))


def save_wage(*, actor: User | None, year: int, region: str, monthly_fen: int) -> AverageWage:
    """Set the average monthly wage of a year and region (the aid cap is a multiple of it)."""
    region = region.strip()
    wage = db.session.scalar(select(AverageWage).where(AverageWage.year == year, AverageWage.region == region))
    before = {"monthly_fen": wage.monthly_fen} if wage is not None else None
    if wage is None:
        wage = AverageWage(year=year, region=region)
        db.session.add(wage)
    wage.monthly_fen = monthly_fen
    if before != {"monthly_fen": monthly_fen}:
        changes.record(actor, "wage", f"{year}/{region}", "create" if before is None else "update", before,
                       {"year": year, "region": region, "monthly_fen": monthly_fen}, label=f"{year} {region}")
    db.session.commit()
    return wage
