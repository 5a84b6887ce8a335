"""The register's pages: employers' entry inquiries (single and batch) with their results and
re-checks; maintainers' dashboard, entries under four-eyes, reviews, re-checks and alerts; the
inquiry log. An employer's page shows the answer (record, no record, under review), never anything
about an entry."""
from __future__ import annotations

import math
from urllib.parse import quote

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forms.registry import (
    BatchForm,
    DecisionForm,
    EntryForm,
    EntrySearchForm,
    InquiryForm,
    RecheckForm,
    RemovalForm,
    ResolveRecheckForm,
    ReviewForm,
)
from workflow.core import identity
from workflow.core.access import can
from workflow.core.api import int_arg
from workflow.core.errors import Invalid, WorkflowError
from workflow.core.forms import attach_errors
from workflow.registry import entries, operations, screening
from workflow.registry.labels import INQUIRY_RESULT_LABELS
from workflow.registry.operations import RateLimited

bp = Blueprint("registry", __name__, url_prefix="/registry")
PER_PAGE = 50
LOG_PER_PAGE = 100
# Form fields of an entry, as the services name them.
ENTRY_FIELDS = ("name", "id_type", "id_number", "birth_date", "category", "ban_lifelong", "ban_until",
                "source_document", "source_date")


def _guard(action: str, obj=None) -> None:
    allowed, reason = can(current_user, action, obj)
    if not allowed:
        abort(reason.status if reason.status in (401, 403, 404) else 403)


def _paged(load, per_page: int) -> tuple[list, dict]:
    """The rows of `load(user, page=, per_page=)` on the requested page, and its pager; a page
    number that is no positive integer is a 400, a page after the last a 404."""
    try:
        page = int_arg("page", 1)
        rows, total = load(current_user, page=page, per_page=per_page)
    except WorkflowError as exc:
        abort(exc.status)
    pages = max(math.ceil(total / per_page), 1)
    return rows, {"page": page, "pages": pages, "total": total, "has_prev": page > 1, "has_next": page < pages}


def _masked_id(inquiry) -> str:
    person = operations.person_of(inquiry)
    return identity.masked(person["id_number"]) if person else ""


def _or_abort(load, object_id: int):
    """An object the user may open (get_inquiry, get_entry), else the page's HTTP error."""
    try:
        return load(current_user, object_id)
    except WorkflowError as exc:
        abort(exc.status)


def _submit(form, action, rerender, target: str, done):
    """The register's POST forms: a form error re-renders the page (`rerender(messages, status)`)
    with the errors beside their fields; a refusal that is no form error (409, 403) says why on
    `target`; success flashes `done` (text, or a function of what `action` returned) and goes to
    `target`."""
    if not form.validate():
        return rerender([], 422)
    try:
        result = action()
    except Invalid as exc:
        return rerender([exc.message, *attach_errors(form, exc.fields)], exc.status)
    except WorkflowError as exc:
        return _refused(exc, target)
    flash(done(result) if callable(done) else done, "success")
    return redirect(target)


def _refused(exc: WorkflowError, target: str):
    """A refusal that is no form error (stale version, pending change, four-eyes, already decided):
    say why on the page the user came from."""
    if exc.status == 404:
        abort(404)
    flash(exc.message, "warning" if exc.status == 409 else "danger")
    return redirect(target)


# --- employers: single inquiries, batches, results ------------------------------------------------

def _inquiry_index(form=None, batch_form=None, messages=None, status: int = 200):
    rows, paging = _paged(operations.inquiries_of, PER_PAGE)
    return render_template(
        "registry/index.html", form=form or InquiryForm(formdata=None), batch_form=batch_form or BatchForm(formdata=None),
        messages=messages or [], jobs=operations.batch_jobs(current_user), inquiries=rows,
        paging=paging, masked_id=_masked_id, number_of=operations.inquiry_number), status


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    if not can(current_user, "registry_inquire")[0]:
        if can(current_user, "registry_maintain")[0]:
            return redirect(url_for("registry.maintain"))
        if can(current_user, "registry_log")[0]:
            return redirect(url_for("registry.log"))
        abort(403)
    if request.method == "GET":
        return _inquiry_index()
    form = InquiryForm()
    if not form.validate():
        return _inquiry_index(form=form, status=422)
    data = {k: form[k].data for k in ("name", "id_type", "id_number", "birth_date", "post")}
    try:
        inquiry = operations.inquire(current_user, data, form.consent.data)
    except RateLimited as exc:
        return _inquiry_index(form=form, messages=[exc.message], status=exc.status)
    except WorkflowError as exc:
        return _inquiry_index(form=form, messages=[exc.message, *attach_errors(form, exc.fields)], status=exc.status)
    return redirect(url_for("registry.inquiry", inquiry_id=inquiry.id))


@bp.get("/template.csv")
@login_required
def template():
    _guard("registry_inquire")
    return Response(screening.template_csv(), mimetype="text/csv", headers={
        "Content-Disposition": "attachment; filename=\"screening-template.csv\"; "
                               f"filename*=UTF-8''{quote('入职查询批量模板.csv', safe='')}"})


def _render_inquiry(inquiry, recheck_form=None, messages=None, status: int = 200):
    may_recheck = can(current_user, "registry_recheck", inquiry)[0]
    return render_template(
        "registry/inquiry.html", inquiry=inquiry, person=operations.person_of(inquiry),
        number=operations.inquiry_number(inquiry), masked=identity.masked, may_recheck=may_recheck,
        recheck_form=recheck_form or (RecheckForm(formdata=None) if may_recheck else None),
        messages=messages or []), status


@bp.get("/inquiries/<int:inquiry_id>")
@login_required
def inquiry(inquiry_id: int):
    return _render_inquiry(_or_abort(operations.get_inquiry, inquiry_id))


@bp.get("/inquiries/<int:inquiry_id>/notice.pdf")
@login_required
def notice(inquiry_id: int):
    inquiry = _or_abort(operations.get_inquiry, inquiry_id)
    try:
        document, content = operations.notice_for(current_user, inquiry.id)
    except WorkflowError as exc:
        return _refused(exc, url_for("registry.inquiry", inquiry_id=inquiry.id))
    filename = f"入职查询结果告知书-{operations.inquiry_number(inquiry)}-v{document.version}.pdf"
    return Response(content, mimetype="application/pdf", headers={
        "Content-Disposition": f"attachment; filename=\"inquiry-notice-{inquiry.id}-v{document.version}.pdf\"; "
                               f"filename*=UTF-8''{quote(filename, safe='')}",
        "Cache-Control": "no-store"})


@bp.post("/inquiries/<int:inquiry_id>/recheck")
@login_required
def recheck(inquiry_id: int):
    inquiry = _or_abort(operations.get_inquiry, inquiry_id)
    form = RecheckForm()
    return _submit(form, lambda: operations.request_recheck(current_user, inquiry.id, form.reason.data),
                   lambda messages, status: _render_inquiry(inquiry, recheck_form=form, messages=messages,
                                                            status=status),
                   url_for("registry.inquiry", inquiry_id=inquiry.id),
                   _("The re-check was requested; a registry maintainer will reply here."))


@bp.post("/batches")
@login_required
def batch():
    _guard("registry_inquire")
    form = BatchForm()
    if not form.validate():
        return _inquiry_index(batch_form=form, status=422)
    try:
        job = screening.submit_batch(current_user, form.file.data.read(), form.consent.data)
    except WorkflowError as exc:
        leftover = attach_errors(form, exc.fields)
        if not exc.fields or leftover:
            form.file.errors = [*form.file.errors, *(leftover or [exc.message])]
        return _inquiry_index(batch_form=form, status=exc.status)
    return redirect(url_for("documents.job", job_id=job.id))


@bp.get("/batches/<int:job_id>/result.csv")
@login_required
def batch_result(job_id: int):
    try:
        content = screening.result_csv(current_user, job_id)
    except WorkflowError:
        abort(404)
    return Response(content, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=\"screening-{job_id}.csv\"; "
                               f"filename*=UTF-8''{quote(f'筛查结果-{job_id}.csv', safe='')}",
        "Cache-Control": "no-store"})


# --- maintainers: dashboard and queues --------------------------------------------------------------

def _change_values(change):
    """(proposed, previous) values of a change to show: a correction's both, the entry's otherwise."""
    if change.kind == "correct":
        return entries.change_values(change)
    return entries.values_of(change.entry), None


def _render_maintain(failed: dict | None = None, status: int = 200):
    """The dashboard. `failed`: {"kind": ..., "id": ..., "form": ...} of a form refused just now."""
    failed = failed or {}
    user = current_user
    changes = operations.open_changes(user)
    reviews = operations.reviews(user)
    rechecks = operations.open_rechecks(user)

    def form_for(kind: str, item_id: int, factory):
        if failed.get("kind") == kind and failed.get("id") == item_id:
            return failed["form"]
        return factory(formdata=None, prefix=f"{kind}-{item_id}")

    return render_template(
        "registry/maintain.html", counts=operations.maintainer_counts(user),
        changes=[{"change": c, "values": _change_values(c), "may_decide": can(user, "registry_decide", c)[0],
                  "form": form_for("change", c.id, DecisionForm)} for c in changes],
        reviews=[{"inquiry": i, "person": operations.person_of(i),
                  "candidates": [(e, entries.values_of(e)) for e in operations.candidates(user, i)],
                  "form": form_for("review", i.id, ReviewForm)} for i in reviews],
        rechecks=[{"recheck": r, "form": form_for("recheck", r.id, ResolveRecheckForm)} for r in rechecks],
        alerts=operations.alerts(user), masked=identity.masked, number_of=operations.inquiry_number,
        messages=failed.get("messages", [])), status


def _rerender_maintain(kind: str, item_id: int, form):
    return lambda messages, status: _render_maintain(
        {"kind": kind, "id": item_id, "form": form, "messages": messages}, status=status)


@bp.get("/maintain")
@login_required
def maintain():
    _guard("registry_maintain")
    return _render_maintain()


@bp.post("/changes/<int:change_id>/decide")
@login_required
def decide(change_id: int):
    _guard("registry_maintain")
    form = DecisionForm(prefix=f"change-{change_id}")
    decision = request.form.get("decision")
    entry_id = request.form.get("entry", type=int)  # decided on the entry's page: back there
    target = url_for("registry.entry", entry_id=entry_id) if entry_id else url_for("registry.maintain",
                                                                                   _anchor="changes")
    if decision not in ("approve", "reject") or not form.validate():
        flash(_("Choose to approve or reject the change."), "danger")
        return redirect(target)
    try:
        change = operations.decide_change(current_user, change_id, decision == "approve", form.note.data or "")
    except WorkflowError as exc:
        return _refused(exc, target)
    flash(_("The change was approved and is in force.") if change.status == "approved"
          else _("The change was rejected."), "success")
    return redirect(target)


@bp.post("/reviews/<int:inquiry_id>")
@login_required
def review(inquiry_id: int):
    _guard("registry_maintain")
    form = ReviewForm(prefix=f"review-{inquiry_id}")
    return _submit(form, lambda: operations.resolve_review(current_user, inquiry_id, form.result.data),
                   _rerender_maintain("review", inquiry_id, form), url_for("registry.maintain", _anchor="reviews"),
                   lambda inquiry: _("Inquiry %(number)s answered: %(result)s.",
                                     number=operations.inquiry_number(inquiry),
                                     result=INQUIRY_RESULT_LABELS[inquiry.result]))


@bp.post("/rechecks/<int:recheck_id>/resolve")
@login_required
def resolve(recheck_id: int):
    _guard("registry_maintain")
    form = ResolveRecheckForm(prefix=f"recheck-{recheck_id}")
    return _submit(form, lambda: operations.resolve_recheck(current_user, recheck_id, form.outcome.data,
                                                            form.resolution.data),
                   _rerender_maintain("recheck", recheck_id, form), url_for("registry.maintain", _anchor="rechecks"),
                   _("The re-check was resolved; the employer sees your reply."))


@bp.post("/alerts/<int:alert_id>/acknowledge")
@login_required
def acknowledge(alert_id: int):
    _guard("registry_maintain")
    target = url_for("registry.maintain", _anchor="alerts")
    try:
        operations.acknowledge_alert(current_user, alert_id)
    except WorkflowError as exc:
        return _refused(exc, target)
    flash(_("The alert was acknowledged."), "success")
    return redirect(target)


# --- maintainers: entries ---------------------------------------------------------------------------

@bp.get("/entries")
@login_required
def entry_list():
    _guard("registry_maintain")
    form = EntrySearchForm(request.args)
    searched = any(request.args.get(k) for k in ("id_number", "name", "birth_date"))
    found = []
    if not searched:
        found = operations.find_entries(current_user)
    elif form.validate():
        found = operations.find_entries(current_user, id_number=form.id_number.data or "",
                                        name=(form.name.data or "").strip(), birth_date=form.birth_date.data)
    return render_template("registry/entries.html", form=form, searched=searched,
                           rows=[(e, entries.values_of(e)) for e in found], masked=identity.masked), \
        200 if not form.errors else 422


def _entry_data(form, entry=None) -> dict:
    data = {k: form[k].data for k in ENTRY_FIELDS}
    data["incident_id"] = entry.incident_id if entry is not None else None
    return data


@bp.route("/entries/new", methods=["GET", "POST"])
@login_required
def new_entry():
    _guard("registry_maintain")
    if request.method == "GET":
        return render_template("registry/entry_new.html", form=EntryForm(formdata=None))
    form = EntryForm()
    if not form.validate():
        return render_template("registry/entry_new.html", form=form), 422
    try:
        change = operations.propose_entry(current_user, _entry_data(form), form.reason.data)
    except WorkflowError as exc:
        messages = [exc.message, *attach_errors(form, exc.fields)]
        return render_template("registry/entry_new.html", form=form, messages=messages), exc.status
    flash(_("The entry was proposed; it awaits a second maintainer's approval before it matches."), "success")
    return redirect(url_for("registry.entry", entry_id=change.entry_id))


def _render_entry(entry, correction=None, removal=None, messages=None, status: int = 200):
    values = entries.values_of(entry)
    open_change = next((c for c in entry.changes if c.status == "open"), None)
    may_change = entry.status == "active" and open_change is None
    if may_change and correction is None:
        correction = EntryForm(formdata=None, prefix="correct",
                               data={**{k: values[k] for k in ENTRY_FIELDS}, "version": entry.version})
    if may_change and removal is None:
        removal = RemovalForm(formdata=None, prefix="remove", data={"version": entry.version})
    history = [{"change": c, "values": entries.change_values(c) if c.kind == "correct" else (None, None)}
               for c in entry.changes]
    decision_form = None
    if open_change is not None and can(current_user, "registry_decide", open_change)[0]:
        decision_form = DecisionForm(formdata=None, prefix=f"change-{open_change.id}")
    return render_template(
        "registry/entry.html", entry=entry, values=values, history=history, open_change=open_change,
        decision_form=decision_form, correction=correction if may_change else None,
        removal=removal if may_change else None, masked=identity.masked, messages=messages or []), status


@bp.get("/entries/<int:entry_id>")
@login_required
def entry(entry_id: int):
    return _render_entry(_or_abort(operations.get_entry, entry_id))


@bp.post("/entries/<int:entry_id>/correct")
@login_required
def correct(entry_id: int):
    entry_ = _or_abort(operations.get_entry, entry_id)
    form = EntryForm(prefix="correct")
    return _submit(form, lambda: operations.propose_correction(current_user, entry_.id, _entry_data(form, entry_),
                                                               form.reason.data, form.version.data),
                   lambda messages, status: _render_entry(entry_, correction=form, messages=messages, status=status),
                   url_for("registry.entry", entry_id=entry_.id),
                   _("The correction was proposed; it awaits a second maintainer's approval."))


@bp.post("/entries/<int:entry_id>/remove")
@login_required
def remove(entry_id: int):
    entry_ = _or_abort(operations.get_entry, entry_id)
    form = RemovalForm(prefix="remove")
    return _submit(form, lambda: operations.propose_removal(current_user, entry_.id, form.reason.data,
                                                            form.version.data),
                   lambda messages, status: _render_entry(entry_, removal=form, messages=messages, status=status),
                   url_for("registry.entry", entry_id=entry_.id),
                   _("The removal was proposed; it awaits a second maintainer's approval."))


# --- the inquiry log (maintainers, auditors) ----------------------------------------------------------

@bp.get("/log")
@login_required
def log():
    _guard("registry_log")
    rows, paging = _paged(operations.inquiry_log, LOG_PER_PAGE)
    return render_template("registry/log.html", rows=rows, paging=paging)
