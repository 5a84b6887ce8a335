"""Labels of notification kinds."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

NOTIFICATION_LABELS = {"due_soon": _l("Task due soon"), "overdue": _l("Task overdue"),
                       "escalated": _l("Overdue task escalated to you")}
