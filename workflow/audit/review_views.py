"""The review of bulk reading: the list of suspended (and recently warned) accounts for their
agency's supervisors and the auditors, and the release of one with a note. The bell's bulk-read
notices lead here."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forms.bulk_reads import ReleaseForm
from workflow.audit import detection
from workflow.core.access import can
from workflow.core.errors import Invalid, WorkflowError
from workflow.core.forms import attach_errors
from workflow.inbox.notifications import notice_link

bp = Blueprint("bulk_reads", __name__, url_prefix=detection.REVIEW_PATH)


@bp.after_request
def _no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@notice_link("bulk_read")
@notice_link("reads_suspended")
def notice_target(notification) -> str:
    return url_for("bulk_reads.index", _anchor=f"account-{notification.actor_id}")


def _page(failed_id: int | None = None, failed_form=None, messages=(), status: int = 200):
    def form_for(account):
        if account.id == failed_id:
            return failed_form
        return ReleaseForm(formdata=None, prefix=f"release-{account.id}")

    return render_template("audit/suspended.html", listing=detection.review_list(current_user), form_for=form_for,
                           failed_id=failed_id, messages=list(messages), counts_text=detection.counts_text), status


@bp.get("")
@login_required
def index():
    allowed, reason = can(current_user, "review_reads")
    if not allowed:
        abort(reason.status)
    return _page()


@bp.post("/<int:user_id>/release")
@login_required
def release(user_id: int):
    form = ReleaseForm(prefix=f"release-{user_id}")
    try:
        account = detection.release(current_user, user_id, form)
    except Invalid as exc:
        return _page(user_id, form, [exc.message, *attach_errors(form, exc.fields)], exc.status)
    except WorkflowError as exc:
        if exc.status in (403, 404):
            abort(exc.status)
        flash(exc.message, "warning")  # released meanwhile: the list says so, with the refusal's status
        return _page(status=exc.status)
    flash(_("%(name)s can read again; the release is recorded.", name=account.full_name), "success")
    return redirect(url_for("bulk_reads.index"))
