"""A user's in-app notifications (the bell): listing, unread count, marking read; and notices
about a case or an account that other features send (`notify_about_case`, `notify_about_account`),
each kind with the page it leads to (`notice_link`)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from workflow.admin.models import User
from workflow.core.errors import NotFound
from workflow.core.extensions import db
from workflow.core.models import Task, utcnow
from workflow.inbox.models import ACCOUNT_NOTICE_KINDS, CASE_NOTICE_KINDS, Notification

# Where a notice about a case or an account leads: kind -> fn(notification) -> URL, registered by the
# sending feature.
NOTICE_LINKS: dict[str, Callable[[Notification], str]] = {}


def notice_link(kind: str):
    """Register `fn(notification) -> URL` as the page the case or account notices of `kind` open."""
    assert kind in CASE_NOTICE_KINDS + ACCOUNT_NOTICE_KINDS, f"unknown case or account notice kind {kind}"

    def register(fn: Callable[[Notification], str]) -> Callable[[Notification], str]:
        assert NOTICE_LINKS.setdefault(kind, fn) is fn, f"two links for {kind}"
        return fn
    return register


def link_of(notification: Notification) -> str:
    return NOTICE_LINKS[notification.kind](notification)


def notify_about_case(recipient_ids: Iterable[int], kind: str, case, actor: User | None,
                      now: dt.datetime | None = None) -> list[Notification]:
    """Add a notice of `kind` about `case` for each recipient, in the caller's transaction (the
    caller commits)."""
    assert kind in CASE_NOTICE_KINDS, f"{kind} is not a notice about a case"
    rows = [Notification(user_id=user_id, kind=kind, case_id=case.id, actor_id=actor.id if actor else None,
                         created_at=now or utcnow()) for user_id in recipient_ids]
    db.session.add_all(rows)
    return rows


def notify_about_account(recipient_ids: Iterable[int], kind: str, account: User, details: dict,
                         now: dt.datetime | None = None) -> list[Notification]:
    """Add a notice of `kind` about `account` (what it reports in `details`) for each recipient, in
    the caller's transaction (the caller commits)."""
    assert kind in ACCOUNT_NOTICE_KINDS, f"{kind} is not a notice about an account"
    rows = [Notification(user_id=user_id, kind=kind, actor_id=account.id, details=details,
                         created_at=now or utcnow()) for user_id in recipient_ids]
    db.session.add_all(rows)
    return rows


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def recent(user: User, *, unread_only: bool = False, limit: int = 100) -> list[Notification]:
    stmt = (select(Notification).where(Notification.user_id == user.id)
            .options(joinedload(Notification.task).joinedload(Task.case),
                     joinedload(Notification.task).joinedload(Task.aid_application),
                     joinedload(Notification.case), joinedload(Notification.actor))
            .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit))
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return list(db.session.scalars(stmt))


def get_own(user: User, notification_id: int) -> Notification:
    """One of the user's own notifications; anyone else's is "not found"."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound(_("No such notification."))
    return notification


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one notification (or all of the user's) read; returns how many changed."""
    stmt = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == get_own(user, notification_id).id)
    changed = db.session.execute(stmt.values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return changed
