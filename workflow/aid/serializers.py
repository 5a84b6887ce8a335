"""JSON shapes of aid applications as the caller may see them."""
from __future__ import annotations

from workflow.admin.models import User
from workflow.aid import definition
from workflow.aid.models import AidApplication
from workflow.core import engine
from workflow.core.access import compartments_seen
from workflow.core.models import utcnow
from workflow.core.serializers import action_json, local, task_summary, user_ref, utc


def aid_summary(application: AidApplication) -> dict:
    return {"id": application.id, "number": application.number, "state": application.state,
            "state_label": str(definition.AID.by_state[application.state].label),
            "version": application.version, "emergency": application.emergency,
            "approved_fen": application.approved_fen, "paid_fen": application.paid_fen,
            "flagged_at": utc(application.flagged_at)}


def aid_detail(application: AidApplication, user: User) -> dict:
    """The aid application as `user` may see it (the caller has checked view_aid). An entrusted
    verifier sees only what verifying needs: the applicant, the request, its own report."""
    now = utcnow()
    case = application.case
    sees_aid = compartments_seen(user, application)["aid"]
    data = aid_summary(application)
    data.update({
        "definition_version": application.definition_version,
        "case": {"id": case.id, "number": case.number, "child_name": case.child_name,
                 "child_birth_date": local(case.child_birth_date), "incident_number": case.incident.number},
        "agency": {"id": application.agency.id, "name": application.agency.name},
        "applicant": {"name": application.applicant_name, "kind": application.applicant_kind,
                      "phone": application.applicant_phone},
        "verifications": [{"id": v.id, "agency": {"id": v.agency.id, "name": v.agency.name}, "request": v.request,
                           "requested_at": utc(v.requested_at), "report": v.report,
                           "finances_confirmed": v.finances_confirmed, "reported_at": utc(v.reported_at)}
                          for v in application.verifications if sees_aid or v.agency_id == user.agency_id],
        "actions": [action_json(a) for a in engine.actions_for(user, application)],
    })
    if not sees_aid:
        for money in ("approved_fen", "paid_fen"):  # a verifier learns nothing about the money
            del data[money]
        data["restricted"] = ["aid"]
        return data
    data.update({
        "officer": user_ref(application.officer),
        "grounds": list(application.grounds or []), "flag_note": application.flag_note,
        "requested_fen": application.requested_fen, "documents": list(application.documents or []),
        "statement": application.statement, "refusal_grounds": list(application.refusal_grounds or []),
        "finances": {"household_size": application.household_size,
                     "monthly_income_fen": application.monthly_income_fen, "losses_fen": application.losses_fen,
                     "note": application.finances_note, "recorded_at": utc(application.finances_recorded_at)},
        "proposal": {"total_fen": application.proposed_fen, "county_fen": application.county_fen,
                     "city_fen": application.city_fen, "province_fen": application.province_fen,
                     "instalments": application.instalments or [],
                     "supervised_account": application.supervised_account, "cap_fen": application.cap_fen,
                     "over_cap_reason": application.over_cap_reason,
                     "required_level": application.required_level, "note": application.proposal_note,
                     "proposed_by": user_ref(application.proposed_by), "proposed_at": utc(application.proposed_at)},
        "decision": {"approved_fen": application.approved_fen, "decided_by": user_ref(application.decided_by),
                     "decided_at": utc(application.decided_at), "note": application.decision_note,
                     "meeting": application.meeting, "notified_on": local(application.notified_on),
                     "notified_by": application.notified_by},
        "ledger": [{"id": e.id, "kind": e.kind, "amount_fen": e.amount_fen, "on_date": local(e.on_date),
                    "method": e.method, "reference": e.reference, "recovery_reason": e.recovery_reason,
                    "note": e.note, "recorded_at": utc(e.recorded_at)} for e in application.ledger],
        "recovered_fen": application.recovered_fen,
        "tasks": [task_summary(t, now) for t in application.tasks],
        "restricted": [],
    })
    return data
