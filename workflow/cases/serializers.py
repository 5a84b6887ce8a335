"""JSON shapes of cases as the caller may see them, and of the workflow definition."""
from __future__ import annotations

from workflow.admin.models import User
from workflow.aid import definition as aid_definition
from workflow.aid.serializers import aid_summary
from workflow.cases import definition as cases_definition
from workflow.cases import states
from workflow.cases.models import Case, Contact
from workflow.core import engine
from workflow.core.access import can, compartments_seen
from workflow.core.clocks import local_today
from workflow.core.models import utcnow
from workflow.core.roles import role_label
from workflow.core.serializers import action_json, local, process_json, task_summary, user_ref, utc
from workflow.followup.serializers import referrals_json, visits_json

# --- cases ------------------------------------------------------------------------------------

def case_summary(case: Case) -> dict:
    state = states.STATE_BY_NAME[case.state]
    return {
        "id": case.id,
        "number": case.number,
        "state": case.state,
        "state_label": str(state.label),
        "version": case.version,
        "suspended": case.suspended,
        "child_name": case.child_name,
        "child_sex": case.child_sex,
        "incident_number": case.incident.number,
        "offence_type": case.incident.offence_type,
        "created_at": utc(case.created_at),
        "updated_at": utc(case.updated_at),
    }


def _contact(contact: Contact) -> dict:
    row = {"id": contact.id, "kind": contact.kind, "relation": contact.relation,
           "is_suspect": contact.is_suspect, "absent": contact.absent,
           "can_act_for_child": contact.can_act_for_child, "hidden": contact.is_suspect}
    if not contact.is_suspect:  # a guardian who is a suspect is never shown as a contact
        row.update(name=contact.name, phone=contact.phone)
    return row


def _medical(case: Case) -> dict | None:
    exam = case.exam
    if exam is None:
        return None
    return {
        "examiner": user_ref(exam.examiner),
        "started_at": utc(exam.started_at),
        "completed_at": utc(exam.completed_at),
        "findings": exam.findings,
        "injuries": [{"body_site": i.body_site, "description": i.description} for i in exam.injuries],
        "samples": [{
            "id": s.id, "label": s.label, "kind": s.kind, "collected_at": local(s.collected_at),
            "transfers": [{"from_name": t.from_name, "to_name": t.to_name, "to_agency": t.to_agency,
                           "handed_at": local(t.handed_at)} for t in s.transfers],
        } for s in exam.samples],
        "exception_approved": exam.exception_approved_by_id is not None,
        "exception_reason": exam.exception_reason,
        "waived": exam.waived_by_id is not None,
        "waive_reason": exam.waive_reason,
    }


def _interviews(case: Case) -> list[dict]:
    return [{
        "id": i.id, "sequence": i.sequence, "kind": i.kind, "started_at": local(i.started_at),
        "ended_at": local(i.ended_at), "av_reference": i.av_reference, "prior_reference": i.prior_reference,
        "prior_agency": i.prior_agency, "notes": i.notes,
        "attendees": [{"name": a.name, "role": a.role} for a in i.attendees],
    } for i in case.interviews]


def _psych(case: Case, private: bool) -> list[dict]:
    rows = []
    for r in case.psych_records:
        row = {"id": r.id, "kind": r.kind, "occurred_on": local(r.occurred_on), "summary": r.summary,
               "risk_level": r.risk_level, "plan_kind": r.plan_kind, "sessions_planned": r.sessions_planned}
        if private:  # therapy notes and scale scores stay with the psychologist
            row.update(private_notes=r.private_notes, scales=r.scales or {})
        rows.append(row)
    return rows


def case_detail(case: Case, user: User) -> dict:
    """Everything about the case that `user` may see (the caller has checked view_case)."""
    now = utcnow()
    data = case_summary(case)
    del data["child_name"], data["child_sex"], data["incident_number"], data["offence_type"]
    incident = case.incident
    data.update({
        "definition_version": case.definition_version,
        "suspend_reason": case.suspend_reason,
        "interview_count": case.interview_count,
        "centre": {"id": case.centre.id, "name": case.centre.name},
        "child": {"name": case.child_name, "sex": case.child_sex, "birth_date": local(case.child_birth_date),
                  "age": case.age_on(local_today(now))},
        "referral": {"source": case.referral_source, "detail": case.referral_detail},
        "incident": {
            "number": incident.number,
            "offence_type": incident.offence_type,
            "police_case_no": incident.police_case_no,
            "court_case_no": incident.court_case_no,
            "occurred_on": local(incident.occurred_on),
            "suspects": [{"name": s.name, "relation_to_victims": s.relation_to_victims} for s in incident.suspects],
            # Other children of the same matter, only those this user may open.
            "other_cases": [{"id": c.id, "number": c.number} for c in incident.cases
                            if c.id != case.id and can(user, "view_case", c)[0]],
        },
        "consent": {"given_by": case.consent_given_by, "recorded_at": utc(case.consent_recorded_at),
                    "note": case.consent_note},
        "contacts": [_contact(c) for c in case.contacts],
        "team": [{"role": m.role, "role_label": str(role_label(m.role)), "user": user_ref(m.user),
                  "assigned_at": utc(m.assigned_at)} for m in case.team],
        "reinterview_requests": [{"id": r.id, "reason": r.reason, "requested_at": utc(r.requested_at),
                                  "approved_at": utc(r.approved_at), "used": r.used_by_interview_id is not None}
                                 for r in case.reinterview_requests],
    })
    seen = compartments_seen(user, case)
    if seen["medical"]:
        data["medical"] = _medical(case)
    if seen["interview"]:
        data["interviews"] = _interviews(case)
    data["psych"] = _psych(case, private=seen["psych"])
    if seen["aid"]:
        data["aid_applications"] = [aid_summary(a) for a in case.aid_applications]
    if seen["referrals"]:
        data["referrals"] = referrals_json(case)
    if seen["visits"]:
        data["visits"] = visits_json(case)
    data["restricted"] = [c for c, ok in seen.items() if not ok]
    data["tasks"] = [task_summary(t, now) for t in case.own_tasks]
    data["actions"] = [action_json(a) for a in engine.actions_for(user, case)]
    return data


def workflow_json() -> dict:
    """The victim case process at the top level (as since version 1), the aid process under `aid`."""
    return {**process_json(cases_definition.CASE), "aid": process_json(aid_definition.AID)}
