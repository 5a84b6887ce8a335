"""A supervisor extends one clock of a case."""
from __future__ import annotations

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from workflow.core.forms import ActionForm
from workflow.core.process import task_title


class ExtendClockForm(ActionForm):
    task_id = SelectField(_l("Task"), coerce=int, validators=[InputRequired()])
    new_due = DateField(_l("New due day (until the end of that day)"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])

    def bind_case(self, case, choices=None) -> None:
        super().bind_case(case, choices)
        self.task_id.choices = [(t.id, f"{task_title(t)} · {format_datetime(t.due_at, 'short')}")
                                for t in case.tasks if t.is_open]
