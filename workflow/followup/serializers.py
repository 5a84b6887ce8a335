"""JSON shapes of a case's referrals and visits."""
from __future__ import annotations

from workflow.core.serializers import local, utc


def referrals_json(case) -> list[dict]:
    return [{"id": r.id, "kind": r.kind, "agency": {"id": r.agency.id, "name": r.agency.name},
             "due_on": local(r.due_on), "note": r.note, "status": r.status, "outcome": r.outcome,
             "close_reason": r.close_reason, "visit_id": r.visit_id, "sent_at": utc(r.sent_at)}
            for r in case.referrals]


def visits_json(case) -> list[dict]:
    return [{"id": v.id, "due_on": local(v.due_on), "status": v.status, "done_on": local(v.done_on),
             "mode": v.mode, "attendees": v.attendees, "wellbeing": v.wellbeing,
             "school_attendance": v.school_attendance, "needs": v.needs, "aid_use": v.aid_use,
             "satisfaction": v.satisfaction, "cancel_reason": v.cancel_reason} for v in case.visits]
