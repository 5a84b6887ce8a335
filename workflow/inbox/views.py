"""The task inbox (the home page), plus page-wide template helpers used by the layout."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, g, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from workflow.core.access import can
from workflow.core.models import utcnow
from workflow.inbox import notifications as notification_service
from workflow.inbox import tasks as task_service

bp = Blueprint("inbox", __name__)


def _lang_url(code: str) -> str:
    """The current page in another language (GET pages keep their query; POST results fall back)."""
    base = g.get("canonical_url")
    if base is None:
        base = request.path if request.method == "GET" else url_for("inbox.index")
    args = request.args.to_dict(flat=False) if request.method == "GET" and "canonical_url" not in g else {}
    args["lang"] = [code]
    return f"{base}?{urlencode(args, doseq=True)}"


def _nav_counts() -> dict[str, int]:
    if not current_user.is_authenticated:
        return {}
    counts = {"unread": notification_service.unread_count(current_user)}
    if can(current_user, "view_tasks")[0]:
        counts.update(task_service.counts(current_user))
    return counts


@bp.app_template_filter("messages")
def error_messages(errors) -> list[str]:
    """A field's own error messages (strings or lazy strings), without its rows' nested errors."""
    if not errors or isinstance(errors, dict):
        return []
    return [str(e) for e in errors if not isinstance(e, (dict, list, tuple))]


@bp.app_context_processor
def layout_helpers():
    locale = get_locale()
    # Babel expands zh_CN to zh_Hans_CN; pages speak of the configured codes (zh_CN, en).
    code = "zh_CN" if locale is None or locale.language == "zh" else str(locale)
    return {"current_locale": code, "html_lang": code.replace("_", "-"), "lang_url": _lang_url,
            "nav_counts": _nav_counts, "now_utc": utcnow}


@bp.route("/")
@bp.route("/inbox")
@login_required
def index():
    works_on_cases = can(current_user, "view_tasks")[0]
    is_supervisor = "supervisor" in current_user.roles
    scopes = [s for s in task_service.SCOPES if s != "centre" or is_supervisor]
    scope = request.args.get("scope", "mine")
    if scope not in scopes:
        scope = "mine"
    tasks = task_service.inbox(current_user, scope) if works_on_cases else []
    return render_template("inbox/index.html", tasks=tasks, scope=scope, scopes=scopes,
                           works_on_cases=works_on_cases, now=utcnow())
