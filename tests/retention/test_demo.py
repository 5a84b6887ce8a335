"""The demo data shows retention: one case anonymised (its document's copy destroyed, /verify still
answers for it) and one closed case under a legal hold."""
from __future__ import annotations

from sqlalchemy import select

from workflow import demo
from workflow.cases.models import Case
from workflow.core.extensions import db
from workflow.documents.models import Document, DocumentTombstone
from workflow.retention.models import LegalHold


def test_the_demo_has_an_anonymised_case_and_a_held_one(app, client):
    demo.seed("demo-password-1")
    (anonymised,) = db.session.scalars(select(Case).where(Case.anonymised_at.is_not(None))).all()
    assert anonymised.state == "closed" and anonymised.child_name == "" and anonymised.child_age_band
    (document,) = db.session.scalars(select(Document).where(Document.case_id == anonymised.id)).all()
    assert db.session.get(DocumentTombstone, document.id) is not None
    assert 'data-verdict="destroyed"' in client.get(f"/verify/{document.code}").get_data(as_text=True)
    (hold,) = db.session.scalars(select(LegalHold).where(LegalHold.released_at.is_(None))).all()
    assert hold.case.state == "closed" and hold.case.anonymised_at is None and hold.reason
