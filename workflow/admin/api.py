"""Bearer tokens of the JSON API: issuing them (password and second-factor code), listing and
revoking them, and authenticating every request with one."""
from __future__ import annotations

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _

from workflow.admin import sessions, signin
from workflow.audit.trail import is_public, public, set_session_ref
from workflow.core import serializers
from workflow.core.api import Unauthorized, bp, json_object
from workflow.core.errors import Invalid
from workflow.core.extensions import rate_limit


@bp.before_request
def _authenticate() -> None:
    if is_public(current_app, request.endpoint or ""):
        return
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    row = sessions.token_row(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if row is None:
        raise Unauthorized(_("A valid Bearer token is required."))
    g.api_user, g.api_token = row.user, row
    set_session_ref(f"t:{row.id}")


def _token_json(row, current_id: int | None = None) -> dict:
    return {"id": row.id, "created_at": serializers.utc(row.created_at), "expires_at": serializers.utc(row.expires_at),
            "current": row.id == current_id}


# --- endpoints ----------------------------------------------------------------------------------

@bp.post("/tokens")
@public
@rate_limit("tokens")
def issue_token():
    body = json_object()
    username, password, otp = body.get("username"), body.get("password"), body.get("otp")
    fields = {name: [_("Required (a string).")] for name, value in (("username", username), ("password", password))
              if not isinstance(value, str) or not value or "\x00" in value}
    if otp is not None and (not isinstance(otp, str) or "\x00" in otp):
        fields["otp"] = [_("Must be a string.")]
    if fields:
        raise Invalid(_("The submitted data is not valid."), fields)
    user = signin.check_password(username, password, "api")
    if not user.enrolled:
        raise Unauthorized(_("Set up the second factor first: log in on the web pages once."),
                           code="otp_not_enrolled")
    if not otp:
        raise Unauthorized(_("The one-time code of your authenticator app (otp) is required."), code="otp_required")
    signin.check_code(user, otp, "api")
    token, row = sessions.issue_token(user)
    return jsonify(token=token, token_type="Bearer", id=row.id, expires_at=serializers.utc(row.expires_at)), 201


@bp.get("/tokens")
def list_tokens():
    """My API tokens that have not expired (never their secrets)."""
    return jsonify(tokens=[_token_json(row, g.api_token.id) for row in sessions.tokens_of(g.api_user)])


@bp.delete("/tokens/current")
def revoke_current_token():
    sessions.revoke_token(g.api_user, g.api_token.id)
    return "", 204


@bp.delete("/tokens/<int:token_id>")
def revoke_token(token_id: int):
    sessions.revoke_token(g.api_user, token_id)
    return "", 204


@bp.errorhandler(signin.AccountLocked)
def _locked(exc: signin.AccountLocked):
    response = jsonify(error=exc.code, message=exc.message)
    response.status_code = exc.status
    response.headers["Retry-After"] = str(exc.retry_after)
    return response

