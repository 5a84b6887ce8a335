"""Creating, finding and changing cases. Every change goes through the engine."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from workflow.admin.models import Agency, User
from workflow.audit import trail
from workflow.cases import definition, states
from workflow.cases.models import Case, Contact, Incident, Suspect, TeamMember
from workflow.cases.permissions import visible_cases
from workflow.core import engine, forms, identity
from workflow.core.access import get_visible, require
from workflow.core.clocks import local_today
from workflow.core.errors import Invalid, WorkflowError
from workflow.core.extensions import db
from workflow.core.models import utcnow
from workflow.core.numbering import next_number
from workflow.core.paging import require_page
from workflow.core.sealing import blind_match


def get_case(user: User, case_id: int) -> Case:
    """The case if the user may open it; NotFound otherwise (strangers cannot probe case ids)."""
    return get_visible(user, Case, case_id, "view_case", _("Case not found."))


def search_cases(user: User, query: str = "", state: str = "", page: int = 1, per_page: int = 50):
    require(user, "list_cases")
    stmt = select(Case).join(Incident).where(visible_cases(user))
    query = query.strip()
    if query:
        trail.note(kind="search", search=query)
        # Names and ID numbers are sealed: they match whole, by their blind indexes; numbers in part.
        like = f"%{query}%"
        stmt = stmt.where(or_(blind_match(Case.child_name_index, query), blind_match(Case.child_id_number_index, query),
                              Case.number.like(like), Incident.number.like(like), Incident.police_case_no.like(like)))
    if state in states.STATE_BY_NAME:
        stmt = stmt.where(Case.state == state)
    stmt = stmt.options(selectinload(Case.incident)).order_by(Case.id.desc())
    result = db.paginate(stmt, page=page, per_page=per_page, error_out=False)
    require_page(page, result.total, per_page)
    return result


def _centre_for(actor: User, centre_id: int | None) -> Agency:
    if centre_id:
        centre = db.session.get(Agency, centre_id)
        if centre is None or centre.kind != "centre":
            raise Invalid(_("Choose a one-stop centre."), {"centre_id": [_("Not a valid choice.")]})
        return centre
    if actor.agency.kind == "centre":
        return actor.agency
    centres = list(db.session.scalars(select(Agency).where(Agency.kind == "centre")).all())
    if len(centres) == 1:
        return centres[0]
    raise Invalid(_("Choose the one-stop centre that takes the case."), {"centre_id": [_("required")]})


def create_case(actor: User, form) -> Case:
    """The `create` trigger: a referral with the child, contacts and incident, in one transaction."""
    require(actor, "create_case")
    if not form.validate():
        raise Invalid(_("The submitted data is not valid."), forms.form_errors(form))
    data = form.payload()
    centre = _centre_for(actor, data.get("centre_id"))
    number = (data.get("incident_number") or "").strip()
    if number:
        incident = db.session.scalar(select(Incident).where(Incident.number == number))
        if incident is None or not db.session.scalar(
                select(Case.id).where(Case.incident_id == incident.id, visible_cases(actor)).limit(1)):
            # Attaching to an incident requires access to one of its cases.
            raise Invalid(_("No incident with this number among your cases."),
                          {"incident_number": [_("Unknown incident number.")]})
    else:
        incident = Incident(number=next_number("I", Incident), offence_type=data["offence_type"],
                            police_case_no=data.get("police_case_no") or "", occurred_on=data.get("occurred_on"))
        db.session.add(incident)
    for row in data["suspects"]:
        incident.suspects.append(Suspect(name=row["name"].strip(),
                                         relation_to_victims=row.get("relation_to_victims") or ""))
    creator_role = "intake_officer" if "intake_officer" in actor.roles else "case_prosecutor"
    case = Case(
        number=next_number("C", Case), incident=incident, centre=centre, state=states.INITIAL,
        definition_version=definition.VERSION, version=1, referral_source=data["referral_source"],
        referral_detail=data.get("referral_detail") or "", child_name=data["child_name"].strip(),
        child_sex=data["child_sex"], child_birth_date=data["child_birth_date"],
        child_age_band=identity.age_band(data["child_birth_date"], local_today()),
        child_id_number=(data.get("child_id_number") or "").strip().upper() or None,
        contacts=[Contact(kind=r["kind"], name=r["name"].strip(), relation=r.get("relation") or "",
                          phone=r.get("phone") or "", is_suspect=bool(r.get("is_suspect")),
                          absent=bool(r.get("absent"))) for r in data["contacts"]],
        team=[TeamMember(role=creator_role, user=actor, user_id=actor.id)],
    )
    db.session.add(case)
    ctx = engine.Context(subject=case, actor=actor, transition=definition.CREATE, data=data, now=utcnow())
    try:
        db.session.flush()
        engine.open_tasks(case, ctx)
        engine.record_event(case, ctx, from_state=None, to_state=states.INITIAL,
                            changes={"child_name": case.child_name, "referral_source": case.referral_source,
                                     "incident": incident.number},
                            reason=None)
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise WorkflowError(_("The case could not be numbered; please submit again."), status=409,
                            code="conflict") from exc
    return case


def fire(actor: User | None, case: Case, trigger: str, version, form) -> Case:
    return engine.fire(case, trigger, actor, version, form)
