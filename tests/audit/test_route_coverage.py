"""Every route is recorded or declared public: walking Flask's URL map, a route whose view is not
marked `public` must be one the request hooks record, and every id in its URL must name an object
the record can carry (or be known to name none)."""
from __future__ import annotations

from audit_helpers import last_record

from workflow.audit.trail import OBJECT_ARGS, PLAIN_ARGS, is_public

# The routes declared public, and why: signing in and out (recorded by the sign-in itself), checking
# a document's hash (no sign-in; shows no personal data), the API's description, static files.
PUBLIC = {"auth.login", "auth.code", "auth.enrol", "auth.logout", "api.issue_token", "documents.verify",
          "documents.verify_code", "api.openapi", "static"}


def test_every_route_is_audited_or_declared_public(app):
    public = set()
    for rule in app.url_map.iter_rules():
        if is_public(app, rule.endpoint):
            public.add(rule.endpoint)
            continue
        unknown = set(rule.arguments) - set(OBJECT_ARGS) - PLAIN_ARGS
        assert not unknown, f"{rule.rule} ({rule.endpoint}): the audit record cannot name {sorted(unknown)}"
    assert public == PUBLIC, f"public routes changed: {sorted(public ^ PUBLIC)} (declare why above)"


def test_every_audited_get_route_leaves_one_record(app, pages, make_case, users):
    """Each page and API read without URL arguments, as a signed-in user: one record, named after
    the endpoint (that the hooks run for every route, not just for the ones tested elsewhere)."""
    client = pages.as_("supervisor")
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or is_public(app, rule.endpoint):
            continue
        if rule.rule.startswith("/api/"):
            continue  # bearer tokens: the API walk below
        client.get(rule.rule)
        assert last_record().action == rule.endpoint, rule.rule


def test_every_audited_api_read_leaves_one_record(app, api):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or is_public(app, rule.endpoint):
            continue
        if not rule.rule.startswith("/api/"):
            continue
        api.client.get(rule.rule, headers=api.headers("supervisor"))
        record = last_record()
        assert (record.action, record.session_ref[:2]) == (rule.endpoint, "t:"), rule.rule
