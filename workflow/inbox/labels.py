"""Labels of notification kinds (clock notifications, notices about cases and about accounts)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

NOTIFICATION_LABELS = {"due_soon": _l("Task due soon"), "overdue": _l("Task overdue"),
                       "escalated": _l("Overdue task escalated to you"),
                       "break_glass": _l("Emergency access to a case"),
                       "bulk_read": _l("Unusual amount of reading"),
                       "reads_suspended": _l("Account's reading suspended")}
