"""Bearer tokens of the JSON API: issuing them, and authenticating every request with one."""
from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from workflow.admin import users as user_service
from workflow.core import serializers
from workflow.core.api import PUBLIC_ENDPOINTS, Unauthorized, bp, json_object
from workflow.core.errors import Invalid


@bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    user = user_service.user_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if user is None:
        raise Unauthorized(_("A valid Bearer token is required."))
    g.api_user = user


# --- endpoints ----------------------------------------------------------------------------------

@bp.post("/tokens")
def issue_token():
    body = json_object()
    username, password, otp = body.get("username"), body.get("password"), body.get("otp")
    fields = {name: [_("Required (a string).")] for name, value in (("username", username), ("password", password))
              if not isinstance(value, str) or not value or "\x00" in value}
    if otp is not None and (not isinstance(otp, str) or "\x00" in otp):
        fields["otp"] = [_("Must be a string.")]
    if fields:
        raise Invalid(_("The submitted data is not valid."), fields)
    user = user_service.authenticate(username, password)
    if user is None:
        raise Unauthorized(_("Wrong username, password or one-time code."))
    token, expires = user_service.issue_token(user)
    return jsonify(token=token, token_type="Bearer", expires_at=serializers.utc(expires)), 201
