"""The audit trail in words: kinds of record, outcomes, what a record's object is, and what the
common actions (endpoints) did. An action without a label is shown as its endpoint name."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflow.admin.labels import LOGIN_OUTCOME_LABELS

AUDIT_KIND_LABELS = {
    "read": _l("Read"),
    "write": _l("Change"),
    "login": _l("Sign-in"),
    "login_failed": _l("Failed sign-in"),
    "logout": _l("Sign-out"),
    "export": _l("Export"),
    "search": _l("Search"),
    "download": _l("Download"),
    "emergency": _l("Break-the-glass"),
    "alert": _l("Alert"),
    "system": _l("System"),
}
# What the outcome filter offers: a record's own outcome, or any refusal.
AUDIT_OUTCOMES = ("allowed", "refused", "400", "401", "403", "404", "409", "422", "429", "500")
AUDIT_OUTCOME_LABELS = {
    "allowed": _l("Allowed"),
    "refused": _l("Any refusal or error"),
    "400": _l("Bad request (400)"),
    "401": _l("Not signed in (401)"),
    "403": _l("Refused (403)"),
    "404": _l("Not found or no access (404)"),
    "409": _l("Conflict (409)"),
    "422": _l("Invalid (422)"),
    "429": _l("Too many (429)"),
    "500": _l("Server error (500)"),
}
AUDIT_OBJECT_LABELS = {
    "case": _l("Case"),
    "aid_application": _l("Aid application"),
    "document": _l("Document"),
    "job": _l("Job"),
    "registry_inquiry": _l("Register inquiry"),
    "registry_entry": _l("Register entry"),
    "registry_change": _l("Register change"),
    "registry_recheck": _l("Register re-check"),
    "registry_alert": _l("Register alert"),
    "user": _l("User"),
    "admin_request": _l("Admin request"),
    "session": _l("Session"),
    "token": _l("API token"),
    "notification": _l("Notification"),
    "emergency_access": _l("Emergency access"),
    "audit_record": _l("Audit record"),
    "agency": _l("Agency"),
}
AUDIT_ACTION_LABELS = {
    "cases.index": _l("Listed or searched cases"),
    "cases.show": _l("Opened a case page"),
    "cases.new": _l("New case form"),
    "cases.action": _l("Took a case action"),
    "aid.show": _l("Opened an aid application"),
    "aid.action": _l("Took an aid action"),
    "documents.index": _l("Opened the documents of a case"),
    "documents.generate": _l("Issued a document"),
    "documents.batch": _l("Issued documents in a batch"),
    "documents.pdf": _l("Downloaded a document"),
    "documents.archive": _l("Downloaded a document archive"),
    "documents.job": _l("Looked at a background job"),
    "emergency.index": _l("Emergency access (break-the-glass)"),
    "emergency.review_list": _l("Opened the emergency access review"),
    "emergency.review": _l("Reviewed an emergency access"),
    "inbox.index": _l("Opened the inbox"),
    "notifications.index": _l("Opened the notifications"),
    "registry.index": _l("Register entry inquiry"),
    "registry.inquiry": _l("Opened a register inquiry"),
    "registry.entry": _l("Opened a register entry"),
    "registry.entry_list": _l("Listed register entries"),
    "registry.log": _l("Opened the register inquiry log"),
    "registry.batch_result": _l("Downloaded a screening result"),
    "admin.index": _l("Opened the administration"),
    "admin.user": _l("Opened or changed a user"),
    "admin.log": _l("Opened the admin log"),
    "audit.index": _l("Searched the audit trail"),
    "audit.export": _l("Exported audit records"),
    "auth.account_page": _l("Opened own account"),
    "logout": _l("Signed out"),
    "api.list_cases": _l("Listed or searched cases (API)"),
    "api.get_case": _l("Read a case (API)"),
    "api.fire": _l("Took a case action (API)"),
    "api.get_aid": _l("Read an aid application (API)"),
    "api.fire_aid": _l("Took an aid action (API)"),
    "api.get_document": _l("Read a document (API)"),
    "api.document_pdf": _l("Downloaded a document (API)"),
    "api.list_documents": _l("Listed the documents of a case (API)"),
    "api.break_glass": _l("Emergency access (API)"),
    "api.audit_records": _l("Searched the audit trail (API)"),
}


def audit_action_label(action: str) -> str:
    """An action in words: its label, a sign-in's outcome, or else the endpoint's name."""
    if action in AUDIT_ACTION_LABELS:
        return AUDIT_ACTION_LABELS[action]
    if action.startswith("login.") and action[6:] in LOGIN_OUTCOME_LABELS:
        return LOGIN_OUTCOME_LABELS[action[6:]]
    return action
