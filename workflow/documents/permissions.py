"""Reading and generating documents (`read_document:<name>`, `generate_document:<name>` of `can`)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from workflow.core.access import ALLOWED, Answer, acting_roles, deny, prefix_rule, roles_text, see_compartment, view
from workflow.core.process import process_of
from workflow.documents.data import compartments_of


@prefix_rule("read_document:")
@prefix_rule("generate_document:")
def document_rule(user, action: str, subject) -> Answer:
    """Reading a document needs access to its subject (and compartment); generating it also one of
    the document's roles on the subject and the document being ready (422 until then)."""
    if subject is None:
        raise ValueError(f"{action} needs a case or an aid application")
    verb, _sep, name = action.partition(":")
    spec = process_of(subject).by_document.get(name)
    if spec is None:
        return deny(_l("Unknown document: %(name)s.", name=name), 404, "not_found")
    allowed, reason = view(user, subject)
    for compartment in compartments_of(spec):
        if allowed:
            allowed, reason = see_compartment(user, subject, compartment)
    if not allowed or verb != "generate_document":
        return allowed, reason
    if not acting_roles(user, subject) & set(spec.roles):
        return deny(_l("Only %(roles)s may generate this document.", roles=roles_text(spec.roles)),
                    403, "forbidden")
    if subject.case.anonymised_at is not None:  # its data and key are erased (workflow/retention)
        return deny(_l("The case was anonymised under retention: no document can be generated."), 409, "anonymised")
    unmet = spec.ready(subject)
    if unmet:
        return deny(unmet, 422, "not_ready")
    return ALLOWED
