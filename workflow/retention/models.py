"""Legal holds on cases, and the case's closing time the retention period runs from.

The case's own retention columns (`closed_at`, `anonymised_at`, `retention_review_on`) are on
`Case` (workflow/cases/models.py), so that the due cases are one indexed range of `cases`;
`closed_at` follows the history here: it is the time of the history event that entered the case's
final state, and an event that leaves it (reopening) clears it.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.admin.models import User
from workflow.cases.models import Case
from workflow.cases.states import STATES
from workflow.core.extensions import db
from workflow.core.models import Event, utcnow
from workflow.core.sealing import Sealed

FINAL_STATES = frozenset(s.name for s in STATES if s.terminal)


class LegalHold(db.Model):
    """A supervisor's hold on a case: while it is not released, the case is never anonymised.
    Released holds stay, with who released them and when."""

    __tablename__ = "legal_holds"
    __table_args__ = (
        # One live hold per case.
        Index("uq_legal_holds_live", "case_id", unique=True,
              sqlite_where=text("released_at IS NULL"), postgresql_where=text("released_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    placed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Sealed("legal_holds.reason"))  # it may name a person
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    case: Mapped[Case] = relationship()
    placed_by: Mapped[User] = relationship(foreign_keys=[placed_by_id])
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])

    @property
    def live(self) -> bool:
        return self.released_at is None


@event.listens_for(db.session, "before_flush")
def _follow_closing(session, flush_context, instances) -> None:  # noqa: ARG001
    """Each new history event that moves a case sets or clears its closing time."""
    for obj in session.new:
        if isinstance(obj, Event) and obj.to_state is not None and obj.aid_application_id is None \
                and obj.aid_application is None and obj.case is not None:
            obj.case.closed_at = (obj.created_at or utcnow()) if obj.to_state in FINAL_STATES else None
