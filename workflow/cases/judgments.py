"""A judgment recorded on a victim case. One with an employment ban proposes the register entry
that keeps the defendant out of posts near children; a second maintainer puts it in force."""
from __future__ import annotations

from flask_babel import gettext as _

from workflow.cases.models import Judgment
from workflow.core.clocks import local_today
from workflow.core.errors import Invalid
from workflow.core.extensions import db
from workflow.registry import entries

# Entry value names -> the judgment form's fields (to report a proposal's errors where they were typed).
FORM_FIELDS = {"name": "defendant", "id_type": "defendant_id_type", "id_number": "defendant_id_number",
               "birth_date": "defendant_birth_date", "ban_until": "ban_until", "source_date": "judged_on",
               "source_document": "number"}


def record_judgment(ctx) -> None:
    data, case = ctx.data, ctx.case
    if data["defendant"] not in {s.name for s in case.incident.suspects}:
        raise Invalid(_("The defendant must be one of the incident's suspects."),
                      {"defendant": [_("Not a valid choice.")]})
    if data["judged_on"] > local_today(ctx.now):
        raise Invalid(_("The judgment date lies in the future."), {"judged_on": [_("This date lies in the future.")]})
    ban = data["ban"]
    if (ban == "until") != (data.get("ban_until") is not None):
        message = _("Give the day the ban ends for a ban with an end, and only then.")
        raise Invalid(message, {"ban_until": [message]})
    judgment = Judgment(case_id=case.id, incident_id=case.incident_id, defendant_name=data["defendant"],
                        court=data["court"].strip(), number=data["number"].strip(), judged_on=data["judged_on"],
                        ban=ban, ban_until=data.get("ban_until"), recorded_by_id=ctx.actor.id, recorded_at=ctx.now)
    if ban != "none":
        try:
            values = entries.clean_values({
                "name": data["defendant"], "id_type": data.get("defendant_id_type"),
                "id_number": data.get("defendant_id_number"), "birth_date": data.get("defendant_birth_date"),
                "category": "employment_ban", "ban_lifelong": ban == "lifelong", "ban_until": data.get("ban_until"),
                "source_document": f"{judgment.court} {judgment.number}", "source_date": data["judged_on"],
                "incident_id": case.incident_id})
        except Invalid as exc:
            raise Invalid(exc.message, {FORM_FIELDS.get(k, k): v for k, v in exc.fields.items()}) from None
        change = entries.propose_create(ctx.actor, values, _("Employment ban in judgment %(number)s (case %(case)s).",
                                                             number=judgment.number, case=case.number))
        judgment.entry = change.entry
    db.session.add(judgment)
