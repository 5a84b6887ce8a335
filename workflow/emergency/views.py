"""Break-the-glass pages: the emergency form (a case number and a reason), the banner on the case
page while a grant lasts, and the supervisors' review list. The bell's break-the-glass notices
lead to the review list."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forms.emergency import BreakGlassForm, ReviewForm
from workflow.core.access import acting_roles, can, roles_text
from workflow.core.errors import Invalid, NotFound, WorkflowError
from workflow.core.forms import attach_errors
from workflow.core.models import utcnow
from workflow.core.pages import Banner, banner
from workflow.emergency import operations
from workflow.emergency.permissions import live_grant
from workflow.inbox.notifications import notice_link

bp = Blueprint("emergency", __name__, url_prefix="/cases/emergency")


def _refused(action: str, obj=None):
    """The error page of `can`'s refusal, or None when allowed."""
    allowed, reason = can(current_user, action, obj)
    if allowed:
        return None
    return render_template("error.html", status=reason.status, message=str(reason)), reason.status


# --- breaking the glass ---------------------------------------------------------------------------

def _index_page(form, messages=(), status: int = 200):
    return render_template("emergency/index.html", form=form, messages=list(messages),
                           grants=operations.my_grants(current_user), minutes=operations.grant_minutes(),
                           now=utcnow()), status


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    refused = _refused("break_glass")
    if refused:
        return refused
    if request.method == "GET":
        return _index_page(BreakGlassForm(formdata=None))
    form = BreakGlassForm()
    try:
        grant = operations.break_glass(current_user, form)
    except operations.AlreadyOpen as exc:
        flash(exc.message, "info")
        return redirect(url_for("cases.show", case_id=exc.case_id))
    except WorkflowError as exc:
        # An unknown number and another centre's case read the same: "Case not found." by the field.
        return _index_page(form, [exc.message, *attach_errors(form, exc.fields)], exc.status)
    flash(_("Emergency access to case %(number)s until %(time)s. The centre's supervisors have been told.",
            number=grant.case.number, time=format_datetime(grant.expires_at, "short")), "warning")
    return redirect(url_for("cases.show", case_id=grant.case_id))


@banner
def emergency_banner(user, subject) -> Banner | None:
    """On a case page read through a live grant: until when, in which roles, and that it is read only."""
    if subject.process_name != "case" or acting_roles(user, subject):
        return None
    grant = live_grant(user, subject)
    if grant is None:
        return None
    left = format_timedelta(grant.expires_at - utcnow(), threshold=1.0)
    return Banner("danger", _(
        "Emergency access (break-the-glass): you read this case as %(roles)s until %(time)s (%(left)s left). "
        "You cannot act on it. The centre's supervisors were told and review this use.",
        roles=roles_text(sorted(set(grant.roles) & user.roles)), time=format_datetime(grant.expires_at, "short"),
        left=left), _("Your emergency accesses"), url_for("emergency.index"), "break_glass")


# --- the supervisors' review ----------------------------------------------------------------------

@notice_link("break_glass")
def notice_target(notification) -> str:
    return url_for("emergency.review_list", _anchor="pending")


def _review_page(failed_id: int | None = None, failed_form=None, messages=(), status: int = 200):
    listing = operations.review_list(current_user)

    def form_for(grant):
        if grant.id == failed_id:
            return failed_form
        return ReviewForm(formdata=None, prefix=f"review-{grant.id}")

    return render_template("emergency/review.html", listing=listing, form_for=form_for, failed_id=failed_id,
                           messages=list(messages), reason_of=operations.reason_of, note_of=operations.note_of,
                           now=utcnow()), status


@bp.get("/review")
@login_required
def review_list():
    refused = _refused("review_break_glass")
    if refused:
        return refused
    return _review_page()


@bp.post("/review/<int:grant_id>")
@login_required
def review(grant_id: int):
    refused = _refused("review_break_glass")
    if refused:
        return refused
    form = ReviewForm(prefix=f"review-{grant_id}")
    try:
        grant = operations.review(current_user, grant_id, form)
    except NotFound:
        abort(404)
    except Invalid as exc:
        return _review_page(grant_id, form, [exc.message, *attach_errors(form, exc.fields)], exc.status)
    except WorkflowError as exc:
        if exc.status in (403, 404):
            abort(exc.status)
        flash(exc.message, "warning")
        return redirect(url_for("emergency.review_list"))
    message = _("Emergency access confirmed.") if grant.review_state == "confirmed" else \
        _("Emergency access flagged; a grant that still lasted has ended.")
    flash(message, "success")
    return redirect(url_for("emergency.review_list", _anchor=f"use-{grant.id}"))
