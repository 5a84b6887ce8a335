"""Judicial aid: what each aid trigger stores, and the money rules (cap, approval matrix).

Functions taking a `Context` only touch the session (the engine owns the transaction); amounts are
integer fen throughout. Rule breaks that depend on stored data (contributions not summing to the
total, paying more than approved) raise `Invalid` on the field concerned: 422, nothing stored.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflow.admin.models import AverageWage
from workflow.aid.models import AidApplication, AidLedgerEntry, AidVerification
from workflow.core import engine, settings
from workflow.core.clocks import local_today
from workflow.core.errors import Invalid
from workflow.core.extensions import db
from workflow.core.money import yuan
from workflow.core.numbering import next_number
from workflow.core.process import PROCESSES

if TYPE_CHECKING:
    from workflow.core.engine import Context

# The approval matrix, in fen: up to A the department head, up to B the deputy chief, above B (or
# above the cap) the chief procurator's meeting. The cap is this many times the average monthly
# wage of the year and region.
settings.declare(aid_threshold_a_fen=3_000_000, aid_threshold_b_fen=10_000_000, aid_cap_months=36)


def today() -> dt.date:
    """Today in the centre's time zone: the cap year and date checks agree at midnight."""
    return local_today()


def _invalid(field: str, message) -> Invalid:
    return Invalid(message, {field: [str(message)]})


# --- money rules ------------------------------------------------------------------------------

def cap_fen(application: AidApplication, year: int | None = None) -> int | None:
    """36 (setting) times the average monthly wage of the year and the handling agency's region."""
    wage = db.session.scalar(select(AverageWage.monthly_fen).where(
        AverageWage.year == (year or today().year), AverageWage.region == (application.agency.region or "")))
    return None if wage is None else wage * int(settings.get("aid_cap_months"))


def required_level(total_fen: int, cap: int) -> str:
    """The approval matrix: up to A the department head, up to B the deputy chief, else the chief
    procurator's meeting (also whenever the cap is exceeded)."""
    if total_fen > cap or total_fen > int(settings.get("aid_threshold_b_fen")):
        return "chief"
    if total_fen > int(settings.get("aid_threshold_a_fen")):
        return "deputy_chief"
    return "department_head"


def _not_in_future(field: str, day: dt.date, now: dt.datetime) -> None:
    # Dates are entered in the centre's time zone; `now` is UTC (Beijing is 8 hours ahead).
    if day > local_today(now):
        raise _invalid(field, _l("The date is in the future."))


# --- the case's flag opens an application ----------------------------------------------------------

def open_application(ctx: Context) -> None:
    """`flag_aid` on the case: a new application in `flagged`, handled by the prosecutor's agency."""
    process = PROCESSES[AidApplication.process_name]
    application = AidApplication(
        number=next_number("A", AidApplication), case=ctx.case, agency_id=ctx.actor.agency_id,
        state=process.initial, definition_version=process.version, version=1,
        grounds=list(ctx.data["grounds"]), flag_note=ctx.data.get("note") or "", flagged_by_id=ctx.actor.id,
        flagged_at=ctx.now,
    )
    db.session.add(application)
    engine.start(application, ctx, changes={"number": application.number, "grounds": application.grounds})


# --- the aid application's triggers -------------------------------------------------------------

def record_application(ctx: Context) -> None:
    d, application = ctx.data, ctx.subject
    name = d["applicant_name"].strip()
    suspects = {c.name for c in application.case.contacts if c.is_suspect}
    suspects |= {s.name for s in application.case.incident.suspects}
    if name in suspects:
        raise _invalid("applicant_name", _l("A suspect can never apply for the child."))
    application.applicant_name, application.applicant_kind = name, d["applicant_kind"]
    application.applicant_phone = d.get("applicant_phone") or ""
    application.requested_fen = d["requested_fen"]
    application.grounds, application.documents = list(d["grounds"]), list(d["documents"])
    application.statement = d.get("statement") or ""


def accept(ctx: Context) -> None:
    # The officer who accepts handles the application from here on (tasks are assigned to them).
    ctx.subject.officer_id = ctx.actor.id


def record_refusal(ctx: Context) -> None:
    ctx.subject.refusal_grounds = list(ctx.data["refusal_grounds"])
    ctx.subject.decision_note = ctx.data["reason"]
    ctx.subject.decided_by_id, ctx.subject.decided_at = ctx.actor.id, ctx.now


reject = record_refusal


def record_finances(ctx: Context) -> None:
    d, application = ctx.data, ctx.subject
    application.household_size = d["household_size"]
    application.monthly_income_fen, application.losses_fen = d.get("monthly_income_fen"), d.get("losses_fen")
    application.finances_note = d["finances_note"]
    application.finances_recorded_at = ctx.now


def entrust_verification(ctx: Context) -> None:
    ctx.subject.verifications.append(AidVerification(
        agency_id=ctx.data["agency_id"], request=ctx.data["request"], requested_by_id=ctx.actor.id,
        requested_at=ctx.now))


def report_verification(ctx: Context) -> None:
    pending = ctx.subject.open_verification
    pending.report = ctx.data["report"]
    pending.finances_confirmed = ctx.data["finances_confirmed"] == "yes"
    pending.reported_by_id, pending.reported_at = ctx.actor.id, ctx.now


def _store_proposal(ctx: Context) -> None:
    d, application = ctx.data, ctx.subject
    total = d["proposed_fen"]
    shares = {level: d.get(f"{level}_fen") or 0 for level in ("county", "city", "province")}
    if sum(shares.values()) != total:
        message = _l("County, city and province contributions add up to %(sum)s yuan, not the total of "
                     "%(total)s yuan.", sum=yuan(sum(shares.values())), total=yuan(total))
        raise Invalid(message, {f"{level}_fen": [str(message)] for level in shares})
    instalments = [{"due_on": row["due_on"].isoformat(), "amount_fen": row["amount_fen"]}
                   for row in d.get("instalments") or []] or [{"due_on": local_today(ctx.now).isoformat(),
                                                               "amount_fen": total}]
    if sum(row["amount_fen"] for row in instalments) != total:
        raise _invalid("instalments", _l("The instalments must add up to the total of %(total)s yuan.",
                                         total=yuan(total)))
    cap = cap_fen(application)
    reason = (d.get("over_cap_reason") or "").strip()
    if total > cap and not reason:
        raise _invalid("over_cap_reason", _l("%(total)s yuan is above the cap of %(cap)s yuan: give a written "
                                             "reason (the chief procurator's meeting decides).",
                                             total=yuan(total), cap=yuan(cap)))
    application.proposed_fen = total
    application.county_fen, application.city_fen, application.province_fen = (
        shares["county"], shares["city"], shares["province"])
    application.instalments = instalments
    application.supervised_account = (d.get("supervised_account") or "").strip()
    application.cap_fen, application.over_cap_reason = cap, reason
    application.required_level = required_level(total, cap)
    application.proposal_note = d["proposal_note"]
    application.proposed_by_id, application.proposed_at = ctx.actor.id, ctx.now


record_proposal = _store_proposal
record_emergency_proposal = _store_proposal


def approve(ctx: Context) -> None:
    d, application = ctx.data, ctx.subject
    if application.required_level == "chief":
        missing = {name: [str(_l("Required for a decision of the chief procurator's meeting."))]
                   for name in ("meeting_on", "meeting_attendees", "meeting_resolution")
                   if not d.get(name) or not str(d[name]).strip()}
        if missing:
            raise Invalid(_l("This aid is decided by the chief procurator's meeting: record its date, attendees "
                             "and resolution."), missing)
        application.meeting = {"on": d["meeting_on"].isoformat(), "attendees": d["meeting_attendees"].strip(),
                               "resolution": d["meeting_resolution"].strip()}
    application.approved_fen = application.proposed_fen
    application.decision_note = d["decision_note"]
    application.decided_by_id, application.decided_at = ctx.actor.id, ctx.now


def approve_emergency(ctx: Context) -> None:
    application, amount = ctx.subject, ctx.data["amount_fen"]
    limit = min(int(settings.get("aid_threshold_b_fen")), cap_fen(application))
    if amount > limit:
        raise _invalid("amount_fen", _l("Emergency aid is limited to %(limit)s yuan; more needs the chief "
                                        "procurator's meeting on a full proposal.", limit=yuan(limit)))
    application.emergency = True
    # A proposal returned for revision before is no review report: the report is still owed.
    application.proposed_at = None
    application.approved_fen = amount
    application.decision_note = ctx.data["reason"]
    application.decided_by_id, application.decided_at = ctx.actor.id, ctx.now


def notify(ctx: Context) -> None:
    application = ctx.subject
    _not_in_future("notified_on", ctx.data["notified_on"], ctx.now)
    if application.decided_at and ctx.data["notified_on"] < local_today(application.decided_at):
        raise _invalid("notified_on", _l("The applicant cannot be notified before the decision."))
    application.notified_on, application.notified_by = ctx.data["notified_on"], ctx.data["notified_by"]


def record_payment(ctx: Context) -> None:
    application, amount = ctx.subject, ctx.data["amount_fen"]
    _not_in_future("on_date", ctx.data["on_date"], ctx.now)
    remaining = application.approved_fen - application.paid_fen
    if amount > remaining:
        raise _invalid("amount_fen", _l("Overpayment refused: %(remaining)s yuan of the approved %(approved)s "
                                        "yuan remain to be paid.", remaining=yuan(remaining),
                                        approved=yuan(application.approved_fen)))
    application.ledger.append(AidLedgerEntry(
        kind="payment", amount_fen=amount, on_date=ctx.data["on_date"], method=ctx.data["method"],
        reference=ctx.data["reference"].strip(), recorded_by_id=ctx.actor.id, recorded_at=ctx.now))


def record_recovery(ctx: Context) -> None:
    application, amount = ctx.subject, ctx.data["amount_fen"]
    _not_in_future("on_date", ctx.data["on_date"], ctx.now)
    recoverable = application.paid_fen - application.recovered_fen
    if amount > recoverable:
        raise _invalid("amount_fen", _l("At most %(amount)s yuan paid out can be recovered.",
                                        amount=yuan(recoverable)))
    application.ledger.append(AidLedgerEntry(
        kind="recovery", amount_fen=amount, on_date=ctx.data["on_date"],
        recovery_reason=ctx.data["recovery_reason"], note=ctx.data.get("note") or "",
        recorded_by_id=ctx.actor.id, recorded_at=ctx.now))
