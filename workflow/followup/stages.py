"""What the follow-up triggers store: referrals to social assistance and return visits."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from workflow.core import settings
from workflow.core.clocks import add_months, local_today
from workflow.core.errors import Invalid
from workflow.followup.models import Referral, Visit

if TYPE_CHECKING:
    from workflow.core.engine import Context

# Months after entering follow-up at which return visits are due.
settings.declare(visit_schedule_months=[1, 3, 6])


# --- "judicial aid +" referrals -----------------------------------------------------------------

def _new_referral(ctx: Context, row: dict, field: str, visit=None) -> Referral:
    if row["due_on"] < local_today(ctx.now):
        raise Invalid(_l("The due date is in the past."), {field: [str(_l("The due date is in the past."))]})
    return Referral(kind=row["kind"], agency_id=row["agency_id"], due_on=row["due_on"], note=row.get("note") or "",
                    visit=visit, sent_by_id=ctx.actor.id, sent_at=ctx.now)


def send_referral(ctx: Context) -> None:
    ctx.case.referrals.append(_new_referral(ctx, ctx.data, "due_on"))


def _open_referral(ctx: Context) -> Referral:
    referral = next((r for r in ctx.case.referrals if r.id == ctx.data["referral_id"] and r.is_open), None)
    if referral is None:
        raise Invalid(_l("Unknown or settled referral."), {"referral_id": [str(_l("Not a valid choice."))]})
    return referral


def record_referral_reply(ctx: Context) -> None:
    referral = _open_referral(ctx)
    if referral.status == "acknowledged" and ctx.data["status"] == "acknowledged":
        raise Invalid(_l("The referral was already acknowledged."),
                      {"status": [str(_l("The referral was already acknowledged."))]})
    referral.status = ctx.data["status"]
    referral.outcome = ctx.data.get("outcome") or referral.outcome


def close_referral(ctx: Context) -> None:
    referral = _open_referral(ctx)
    referral.status, referral.close_reason = "closed", ctx.data["reason"]


# --- follow-up --------------------------------------------------------------------------------

def schedule_visits(ctx: Context) -> None:
    """On entering follow-up: the return-visit schedule, once (a rejected closure keeps it)."""
    if ctx.case.visits:
        return
    today = local_today(ctx.now)
    for months in settings.get("visit_schedule_months"):
        ctx.case.visits.append(Visit(due_on=add_months(today, int(months))))


def add_visit(ctx: Context) -> None:
    if ctx.data["due_on"] < local_today(ctx.now):
        raise Invalid(_l("The due date is in the past."), {"due_on": [str(_l("The due date is in the past."))]})
    ctx.case.visits.append(Visit(due_on=ctx.data["due_on"]))


def _scheduled_visit(ctx: Context) -> Visit:
    visit = next((v for v in ctx.case.visits if v.id == ctx.data["visit_id"] and v.status == "scheduled"), None)
    if visit is None:
        raise Invalid(_l("Unknown or settled visit."), {"visit_id": [str(_l("Not a valid choice."))]})
    return visit


def record_visit(ctx: Context) -> None:
    d = ctx.data
    if d["done_on"] > local_today(ctx.now):
        raise Invalid(_l("A visit cannot be recorded before it happens."),
                      {"done_on": [str(_l("The date is in the future."))]})
    visit = _scheduled_visit(ctx)
    visit.status = "done"
    visit.recorded_by_id = ctx.actor.id
    visit.done_on, visit.mode, visit.satisfaction = d["done_on"], d["mode"], d["satisfaction"]
    for name in ("attendees", "wellbeing", "school_attendance", "needs", "aid_use"):
        setattr(visit, name, d.get(name) or "")
    # New needs found on the visit become referrals right away.
    for index, row in enumerate(d.get("referrals") or []):
        ctx.case.referrals.append(_new_referral(ctx, row, f"referrals-{index}-due_on", visit=visit))


def cancel_visit(ctx: Context) -> None:
    visit = _scheduled_visit(ctx)
    visit.status = "cancelled"
    visit.cancel_reason = ctx.data["reason"]
    visit.recorded_by_id = ctx.actor.id
