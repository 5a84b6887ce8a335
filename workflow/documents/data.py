"""The data a document shows, built per recipient: this module is where redaction happens.

A document declares the sections it shows (`DocumentSpec.sections`); `build()` fills only those a
recipient's copies may carry (`SECTIONS_FOR`) and sets the others to None, so a template cannot
print what its recipient may not see. Values are plain JSON (strings, numbers, lists, dicts):
labels are resolved here, in the document's language, and the result is stored with the PDF as its
data snapshot. Dates are ISO strings, amounts integer fen; templates format them.

Rules that hold by construction:
- no section reads a psychologist's private session notes (`PsychRecord.private_notes`) or
  session records at all, whoever the recipient;
- a contact who is a suspect is never listed as a contact; suspects appear only in the
  `suspects` section, which goes to internal and court copies only;
- a partner agency gets the child's basic identity, one guardian contact and its own referral.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from workflow.admin.models import User
from workflow.aid.labels import CATALOGS
from workflow.aid.models import AidApplication
from workflow.cases.labels import CHOICES, INTERVIEW_KIND_LABELS
from workflow.cases.models import Case
from workflow.cases.stages import suspect_names
from workflow.core.clocks import local
from workflow.core.extensions import db
from workflow.core.identity import masked
from workflow.core.labels import choice_label
from workflow.core.roles import aid_level_label, role_label
from workflow.followup.labels import REFERRAL_STATUS_LABELS, VISIT_STATUS_LABELS


def _day(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return local(value).date().isoformat()
    return value.isoformat()


def _minute(value: dt.datetime | None) -> str | None:
    return local(value).strftime("%Y-%m-%d %H:%M") if value is not None else None


def _label(kind: str, value: str | None) -> str:
    return choice_label(CHOICES[kind], value) if value else ""


def _catalog(name: str, codes: list[str]) -> list[str]:
    return [str(CATALOGS[name].get(code, code)) for code in codes or []]


def _case_of(subject: Case | AidApplication) -> Case:
    return subject.case


# --- sections ------------------------------------------------------------------------------------
# Each takes (subject, item, today) and returns plain data.

def _case(subject, item, today) -> dict:
    case = _case_of(subject)
    return {"number": case.number, "centre": case.centre.name, "opened_on": _day(case.created_at),
            "referral_source": _label("referral_source", case.referral_source),
            "interview_count": case.interview_count}


def _child(subject, item, today) -> dict:
    case = _case_of(subject)
    return {"name": case.child_name, "sex": _label("sex", case.child_sex),
            "birth_date": _day(case.child_birth_date), "age": case.age_on(today),
            "id_number": case.child_id_number or ""}


def _child_basic(subject, item, today) -> dict:
    case = _case_of(subject)
    return {"name": case.child_name, "sex": _label("sex", case.child_sex),
            "birth_date": _day(case.child_birth_date), "age": case.age_on(today),
            "id_number": masked(case.child_id_number)}


def _contact(contact) -> dict:
    return {"kind": _label("contact_kind", contact.kind), "name": contact.name, "relation": contact.relation,
            "phone": contact.phone, "absent": contact.absent}


def _not_suspects(case) -> list:
    """The case's contacts except suspects, whether flagged or named among the incident's suspects."""
    suspects = suspect_names(case)
    return [c for c in case.contacts if not c.is_suspect and c.name.strip() not in suspects]


def _contacts(subject, item, today) -> list[dict]:
    return [_contact(c) for c in _not_suspects(_case_of(subject))]


def _guardian_contact(subject, item, today) -> dict | None:
    """The one adult a partner agency may call: a guardian who can act, else an appropriate adult."""
    usable = [c for c in _not_suspects(_case_of(subject)) if c.can_act_for_child]
    usable.sort(key=lambda c: c.kind != "guardian")
    return _contact(usable[0]) if usable else None


def _consent(subject, item, today) -> dict:
    case = _case_of(subject)
    return {"given_by": case.consent_given_by or "", "recorded_at": _minute(case.consent_recorded_at),
            "note": case.consent_note}


def _incident(subject, item, today) -> dict:
    incident = _case_of(subject).incident
    # The referral's own words describe what happened: they go where the incident goes.
    return {"number": incident.number, "offence": _label("offence", incident.offence_type),
            "referral_detail": _case_of(subject).referral_detail,
            "police_case_no": incident.police_case_no, "court_case_no": incident.court_case_no,
            "occurred_on": _day(incident.occurred_on)}


def _suspects(subject, item, today) -> list[dict]:
    case = _case_of(subject)
    rows = [{"name": s.name, "relation": s.relation_to_victims} for s in case.incident.suspects]
    named = {row["name"] for row in rows}
    rows += [{"name": c.name, "relation": c.relation} for c in case.contacts if c.is_suspect and c.name not in named]
    return rows


def _team(subject, item, today) -> list[dict]:
    return [{"role": str(role_label(m.role)), "name": m.user.full_name} for m in _case_of(subject).team]


def _exam(subject, item, today) -> dict | None:
    exam = _case_of(subject).exam
    if exam is None:
        return None
    return {
        "examiner": exam.examiner.full_name if exam.examiner else "",
        "started_at": _minute(exam.started_at), "completed_at": _minute(exam.completed_at),
        "findings": exam.findings,
        "injuries": [{"body_site": i.body_site, "description": i.description} for i in exam.injuries],
        "samples": [{"label": s.label, "kind": s.kind, "collected_at": _minute(s.collected_at),
                     "transfers": [{"from_name": t.from_name, "to_name": t.to_name, "to_agency": t.to_agency,
                                    "handed_at": _minute(t.handed_at)} for t in s.transfers]}
                    for s in exam.samples],
        "exception_reason": exam.exception_reason or "", "waive_reason": exam.waive_reason or "",
    }


def _interviews(subject, item, today) -> list[dict]:
    return [{"sequence": i.sequence, "kind": str(INTERVIEW_KIND_LABELS.get(i.kind, i.kind)), "started_at": _minute(i.started_at),
             "ended_at": _minute(i.ended_at), "av_reference": i.av_reference,
             "prior_reference": i.prior_reference, "prior_agency": i.prior_agency, "notes": i.notes,
             "attendees": [{"name": a.name, "role": _label("attendee_role", a.role)} for a in i.attendees]}
            for i in _case_of(subject).interviews]


def _assessment(subject, item, today) -> dict | None:
    """The shared summary of the latest assessment and plan; session records are never read."""
    records = _case_of(subject).psych_records
    assessment = next((r for r in reversed(records) if r.kind == "assessment"), None)
    plan = next((r for r in reversed(records) if r.kind == "plan"), None)
    if assessment is None:
        return None
    return {"occurred_on": _day(assessment.occurred_on), "summary": assessment.summary,
            "psychologist": _user_name(assessment.recorded_by_id),
            # Scale scores stay with the psychologist, as on the case page: the summary is shared.
            "risk_level": _label("risk", assessment.risk_level),
            "plan": None if plan is None else {"kind": _label("plan", plan.plan_kind), "summary": plan.summary,
                                               "sessions_planned": plan.sessions_planned}}


def _application(subject, item, today) -> dict:
    a: AidApplication = subject
    return {"number": a.number, "agency": a.agency.name, "emergency": a.emergency,
            "applicant_name": a.applicant_name or "", "applicant_kind": _label("applicant_kind", a.applicant_kind),
            "applicant_phone": a.applicant_phone, "requested_fen": a.requested_fen,
            "grounds": _catalog("aid_grounds", a.grounds), "documents": _catalog("aid_documents", a.documents),
            "statement": a.statement, "flagged_on": _day(a.flagged_at)}


def _review(subject, item, today) -> dict:
    a: AidApplication = subject
    return {"officer": a.officer.full_name if a.officer else "", "household_size": a.household_size,
            "monthly_income_fen": a.monthly_income_fen, "losses_fen": a.losses_fen,
            "finances_note": a.finances_note,
            "verifications": [{"agency": v.agency.name, "request": v.request, "report": v.report or "",
                               "confirmed": v.finances_confirmed, "reported_on": _day(v.reported_at)}
                              for v in a.verifications],
            "proposed_fen": a.proposed_fen, "county_fen": a.county_fen, "city_fen": a.city_fen,
            "province_fen": a.province_fen, "cap_fen": a.cap_fen, "over_cap_reason": a.over_cap_reason,
            "required_level": str(aid_level_label(a.required_level)), "proposal_note": a.proposal_note,
            "proposed_on": _day(a.proposed_at), "instalments": list(a.instalments or []),
            "supervised_account": a.supervised_account}


def _decision(subject, item, today) -> dict:
    a: AidApplication = subject
    return {"approved_fen": a.approved_fen, "county_fen": a.county_fen, "city_fen": a.city_fen,
            "province_fen": a.province_fen, "instalments": list(a.instalments or []),
            "supervised_account": a.supervised_account, "decided_on": _day(a.decided_at),
            # who decided (the emergency path's deputy chief), else the level the amount required
            "level": str(aid_level_label(a.decided_by.aid_level if a.decided_by else a.required_level)),
            "note": a.decision_note,
            # The meeting's date: its attendees and deliberation stay in the review file.
            "meeting": {"on": a.meeting["on"]} if a.meeting else None}


def _refusal(subject, item, today) -> dict:
    a: AidApplication = subject
    return {"not_accepted": a.state == "not_accepted", "grounds": _catalog("aid_refusal_grounds", a.refusal_grounds),
            "note": a.decision_note, "decided_on": _day(a.decided_at)}


def _payment(subject, item, today) -> dict:
    a: AidApplication = subject
    paid_to_date = sum(e.amount_fen for e in a.ledger if e.kind == "payment" and e.id <= item.id)
    return {"amount_fen": item.amount_fen, "on_date": _day(item.on_date),
            "method": _label("payment_method", item.method), "reference": item.reference,
            "approved_fen": a.approved_fen, "paid_to_date_fen": paid_to_date,
            "remaining_fen": max((a.approved_fen or 0) - paid_to_date, 0),
            "supervised_account": a.supervised_account,
            "sequence": [e.id for e in a.ledger if e.kind == "payment"].index(item.id) + 1}


def _referral(subject, item, today) -> dict:
    """The referral, and whom at the centre the agency replies to."""
    return {"kind": _label("referral_kind", item.kind), "agency": item.agency.name, "due_on": _day(item.due_on),
            "need": item.note, "sent_on": _day(item.sent_at), "sent_by": _user_name(item.sent_by_id)}


def _visit(subject, item, today) -> dict:
    return {"due_on": _day(item.due_on), "done_on": _day(item.done_on), "mode": _label("visit_mode", item.mode),
            "attendees": item.attendees, "wellbeing": item.wellbeing, "school_attendance": item.school_attendance,
            "needs": item.needs, "aid_use": item.aid_use, "satisfaction": item.satisfaction,
            "recorded_by": _user_name(item.recorded_by_id)}


def _user_name(user_id: int | None) -> str:
    user = db.session.get(User, user_id) if user_id is not None else None
    return user.full_name if user else ""


def _course(subject, item, today) -> dict:
    """The case's course for the closure report: what each stage did, without its content."""
    case = _case_of(subject)
    from workflow.aid import definition as aid_definition
    from workflow.cases import definition as cases_definition

    exam = case.exam
    assessment = _assessment(subject, item, today)
    return {
        "state": str(cases_definition.CASE.by_state[case.state].label),
        "exam": ("waived" if exam and exam.waive_reason else "done" if exam and exam.completed_at else "none"),
        "interview_count": case.interview_count,
        "risk_level": assessment["risk_level"] if assessment else "",
        "aid": [{"number": a.number, "state": str(aid_definition.AID.by_state[a.state].label),
                 "approved_fen": a.approved_fen, "paid_fen": a.paid_fen} for a in case.aid_applications],
        "referrals": [{"kind": _label("referral_kind", r.kind), "agency": r.agency.name,
                       "status": str(REFERRAL_STATUS_LABELS.get(r.status, r.status)), "outcome": r.outcome} for r in case.referrals],
        "visits": [{"due_on": _day(v.due_on), "done_on": _day(v.done_on), "status": str(VISIT_STATUS_LABELS.get(v.status, v.status)),
                    "mode": _label("visit_mode", v.mode), "cancel_reason": v.cancel_reason or ""}
                   for v in case.visits],
        "opened_on": _day(case.created_at),
    }


def _inquiry(subject, item, today) -> dict:
    """An entry inquiry of the register: the answer and nothing about the record behind it."""
    return {"number": subject.number, "person_name": subject.person_name,
            "id_number": masked(subject.id_number), "post": subject.post, "employer": subject.employer,
            "asked_on": _day(subject.asked_at), "record": subject.result == "record"}


SECTIONS: dict[str, Callable[[Any, Any, dt.date], Any]] = {
    "case": _case, "child": _child, "child_basic": _child_basic, "contacts": _contacts,
    "guardian_contact": _guardian_contact, "consent": _consent, "incident": _incident, "suspects": _suspects,
    "team": _team, "exam": _exam, "interviews": _interviews, "assessment": _assessment,
    "application": _application, "review": _review, "decision": _decision, "refusal": _refusal,
    "payment": _payment, "referral": _referral, "visit": _visit, "course": _course, "inquiry": _inquiry,
}
# What each recipient's copies may carry. Family copies never name suspects or show the medical or
# interview record; a partner agency gets the child's basic identity, one contact and its referral
# (or, for an employer, its inquiry's answer).
SECTIONS_FOR: dict[str, frozenset[str]] = {
    "internal": frozenset(SECTIONS),
    "court": frozenset(SECTIONS) - {"guardian_contact", "inquiry"},
    "family": frozenset({"case", "child", "contacts", "consent", "assessment", "application", "decision",
                         "refusal", "payment", "visit"}),
    "partner_agency": frozenset({"child_basic", "guardian_contact", "referral", "inquiry"}),
}


# The compartments a section draws from (by the process's compartment names): a document with the
# section may be read only by those compartments' readers.
SECTION_COMPARTMENTS: dict[str, tuple[str, ...]] = {
    "exam": ("medical",), "interviews": ("interview",), "referral": ("referrals",), "visit": ("visits",),
    "review": ("aid",), "decision": ("aid",), "refusal": ("aid",), "payment": ("aid",),
    "course": ("aid", "referrals", "visits"),
}


def compartments_of(spec) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for section in spec.sections for c in SECTION_COMPARTMENTS.get(section, ())))


def build(spec, subject, item, recipient: str, today: dt.date) -> dict:
    """The data of one copy of `spec` for `recipient`: every declared section, None where withheld."""
    allowed = SECTIONS_FOR[recipient]
    return {name: SECTIONS[name](subject, item, today) if name in allowed else None for name in spec.sections}
