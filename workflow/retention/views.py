"""Legal hold pages: the section of the case page (templates/retention/_hold.html, fed by the
template global `retention_of`), placing a hold with its reason and releasing it. The audit trail
records both (the request hook); the section shows who did what and when."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forms.retention import LegalHoldForm, ReleaseHoldForm
from workflow.cases import operations as case_service
from workflow.core.access import can
from workflow.core.errors import WorkflowError
from workflow.core.forms import attach_errors
from workflow.retention import operations

bp = Blueprint("retention", __name__, url_prefix="/cases/<int:case_id>/legal-hold")


def retention_of(case) -> dict:
    """What the case page's retention section shows the current user (a template global)."""
    holds = operations.holds_of(case)
    may_hold = can(current_user, "place_legal_hold", case)[0]
    return {"hold": next((h for h in holds if h.live), None), "holds": holds, "may_hold": may_hold,
            "form": LegalHoldForm(formdata=None) if may_hold else None,
            "release_form": ReleaseHoldForm(formdata=None) if may_hold else None}


@bp.app_context_processor
def _template_globals() -> dict:
    return {"retention_of": retention_of}


def _load(case_id: int):
    try:
        return case_service.get_case(current_user, case_id)
    except WorkflowError as exc:
        abort(exc.status)


def _case_page(case):
    return redirect(url_for("cases.show", case_id=case.id, _anchor="legal-hold"))


def _hold_page(case, form, messages=(), status: int = 200):
    return render_template("retention/hold.html", case=case, form=form, messages=list(messages)), status


@bp.route("", methods=["GET", "POST"])
@login_required
def place(case_id: int):
    """The hold form (GET), or placing the hold; bad input comes back here beside the field."""
    case = _load(case_id)
    allowed, reason = can(current_user, "place_legal_hold", case)
    if not allowed:
        return render_template("error.html", status=reason.status, message=str(reason)), reason.status
    form = LegalHoldForm()
    if not form.is_submitted():
        return _hold_page(case, LegalHoldForm(formdata=None))
    if not form.validate():
        return _hold_page(case, form, status=422)
    try:
        operations.place_hold(current_user, case, form.reason.data)
    except WorkflowError as exc:
        return _hold_page(case, form, [exc.message, *attach_errors(form, exc.fields)], exc.status)
    flash(_("The case is under a legal hold: it will not be anonymised until the hold is released."), "success")
    return _case_page(case)


@bp.post("/release")
@login_required
def release(case_id: int):
    case = _load(case_id)
    form = ReleaseHoldForm()
    if not form.validate():
        abort(400)
    try:
        operations.release_hold(current_user, case)
    except WorkflowError as exc:
        return render_template("error.html", status=exc.status, message=exc.message), exc.status
    flash(_("The legal hold was released: the case's retention period applies again."), "success")
    return _case_page(case)
