"""What the pages of a process subject (a case, an aid application) share: their actions with forms,
an action's POST, banners other features put on them, the workflow diagram and error pages."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from workflow.core import engine
from workflow.core.diagram import workflow_svg
from workflow.core.errors import NotFound, StaleVersion, WorkflowError
from workflow.core.forms import attach_errors

# The diagram only depends on the highlighted state and the language: draw each once per process.
_DIAGRAMS: dict[tuple[str, str | None, str], str] = {}


def error_page(exc: WorkflowError):
    return render_template("error.html", status=exc.status, message=exc.message), exc.status


def action_forms(subject, failed: dict | None):
    """The user's actions on a case or aid application, and a form for each allowed one (the refused
    one keeps what the user typed)."""
    actions = engine.actions_for(current_user, subject)
    forms = {}
    for action in actions:
        if failed and action.trigger == failed["trigger"]:
            if action.allowed or failed.get("keep_form"):
                forms[action.trigger] = failed["form"]
        elif action.allowed:
            forms[action.trigger] = engine.build_form(action.transition, subject)
    for form in forms.values():
        form.version.data = subject.version  # what the user reads now is what they act on
    return actions, forms


def fire_from_page(subject, transition, fire_function, render, show_url: str):
    """POST of an action form: fire it, then redirect, or re-render with the errors beside the fields."""
    form = engine.build_form(transition, subject, request.form)
    try:
        fire_function(current_user, subject, transition.trigger, form.version.data, form)
    except NotFound:
        abort(404)
    except StaleVersion as exc:
        flash(exc.message, "warning")
        return render(subject, failed={"trigger": transition.trigger, "form": form, "messages": [],
                                       "keep_form": True}, status=409)
    except WorkflowError as exc:
        messages = [exc.message, *attach_errors(form, exc.fields)]
        return render(subject, failed={"trigger": transition.trigger, "form": form, "messages": messages},
                      status=exc.status)
    flash(_("%(action)s: done.", action=transition.label), "success")
    return redirect(show_url + f"#action-{transition.trigger}" if transition.internal else show_url)


# --- banners -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Banner:
    """A notice at the top of a subject's page for the user reading it (e.g. "you read this case
    through emergency access until 14:05"). `level` is a Bootstrap alert colour."""

    level: str
    message: str
    link_text: str | None = None
    link_url: str | None = None
    marker: str = ""  # the banner's `data-banner` value, for tests and styling


# Functions of (user, subject) -> Banner | None, registered by features (`banner`).
BANNERS: list[Callable[[Any, Any], Banner | None]] = []


def banner(fn: Callable[[Any, Any], Banner | None]) -> Callable[[Any, Any], Banner | None]:
    """Register `fn(user, subject)` as a source of banners on subjects' pages."""
    assert fn not in BANNERS, f"banner {fn.__name__} registered twice"
    BANNERS.append(fn)
    return fn


def banners_for(subject) -> list[Banner]:
    """The banners the current user sees on the page of `subject` (a template global)."""
    return [shown for fn in BANNERS if (shown := fn(current_user, subject)) is not None]


# --- the workflow diagram -----------------------------------------------------------------------

def svg(state: str | None, process) -> Response:
    key = (process.name, state, str(get_locale()))
    if key not in _DIAGRAMS:
        _DIAGRAMS[key] = workflow_svg(state, process)
    return Response(_DIAGRAMS[key], mimetype="image/svg+xml")
