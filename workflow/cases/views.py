"""Case pages: list and search, new referral, the case page with its actions, and action POSTs."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from workflow.audit.queries import case_readers
from workflow.cases import definition, states
from workflow.cases import operations as case_service
from workflow.cases.history import timeline
from workflow.cases.labels import CHOICES
from workflow.cases.models import Case, Judgment
from workflow.core import engine
from workflow.core.access import can, compartments_seen
from workflow.core.api import int_arg
from workflow.core.clocks import local_today
from workflow.core.errors import WorkflowError
from workflow.core.extensions import db
from workflow.core.forms import attach_errors
from workflow.core.models import utcnow
from workflow.core.money import yuan
from workflow.core.pages import action_forms, error_page, fire_from_page, svg

bp = Blueprint("cases", __name__)


def _load(case_id: int) -> Case:
    try:
        return case_service.get_case(current_user, case_id)
    except WorkflowError as exc:
        abort(404 if exc.status == 404 else exc.status)


# --- list, search, create -----------------------------------------------------------------------

@bp.route("/cases")
@login_required
def index():
    query, state = request.args.get("q", "")[:100], request.args.get("state", "")
    try:
        result = case_service.search_cases(current_user, query, state, int_arg("page", 1),
                                           current_app.config.get("CASES_PER_PAGE", 50))
    except WorkflowError as exc:
        return error_page(exc)
    return render_template("cases/index.html", pagination=result, q=query, state=state, today=local_today())


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new():
    allowed, reason = can(current_user, "create_case")
    if not allowed:
        return render_template("error.html", status=reason.status, message=str(reason)), reason.status
    if request.method == "GET":
        return render_template("cases/new.html", form=engine.build_form(definition.CREATE, None, None))
    g.canonical_url = url_for("cases.new")
    form = engine.build_form(definition.CREATE, None, request.form)
    try:
        case = case_service.create_case(current_user, form)
    except WorkflowError as exc:
        messages = [exc.message, *attach_errors(form, exc.fields)]
        return render_template("cases/new.html", form=form, messages=messages), exc.status
    flash(_("Case %(number)s was created.", number=case.number), "success")
    return redirect(url_for("cases.show", case_id=case.id))


def judgments_of(case: Case) -> list[Judgment]:
    """The judgments recorded on the case (the page shows court, number, date, ban and the proposed
    entry's status; never the defendant's ID number, which only the sealed entry keeps)."""
    return list(db.session.scalars(select(Judgment).where(Judgment.case_id == case.id).order_by(Judgment.id)))


def _render_case(case: Case, *, failed: dict | None = None, status: int = 200):
    """The case page. `failed`: the action that was just refused (trigger, form, message, fields)."""
    actions, forms = action_forms(case, failed)
    see = compartments_seen(current_user, case)
    others = [(other, can(current_user, "view_case", other)[0]) for other in case.incident.cases
              if other.id != case.id]
    readers = case_readers(case.id) if can(current_user, "see_case_readers", case)[0] else None
    return render_template(
        "cases/show.html", case=case, actions=actions, forms=forms, failed=failed or {}, see=see,
        others=others, timeline=timeline(case, case.events, current_user), state=states.STATE_BY_NAME[case.state],
        today=local_today(), now=utcnow(), choices=CHOICES, yuan=yuan, judgments=judgments_of(case), readers=readers,
    ), status


@bp.route("/cases/<int:case_id>")
@login_required
def show(case_id: int):
    return _render_case(_load(case_id))


@bp.route("/cases/<int:case_id>/actions/<trigger>", methods=["POST"])
@login_required
def action(case_id: int, trigger: str):
    transition = definition.TRANSITION_BY_TRIGGER.get(trigger)
    case = _load(case_id)
    if transition is None or transition.automatic:
        abort(404)
    g.canonical_url = url_for("cases.show", case_id=case.id)
    return fire_from_page(case, transition, case_service.fire, _render_case, g.canonical_url)


@bp.route("/cases/<int:case_id>/diagram.svg")
@login_required
def diagram(case_id: int):
    return svg(_load(case_id).state, definition.CASE)


@bp.route("/workflow/diagram.svg")
@login_required
def workflow_diagram():
    return svg(None, definition.CASE)
