"""Errors the workflow reports to its callers; pages and API map them to messages and HTTP codes."""
from __future__ import annotations


class Denial(str):
    """Why an action is not allowed; a plain string for display that also knows its HTTP status."""

    status: int
    code: str

    def __new__(cls, message: str, status: int, code: str) -> Denial:
        obj = super().__new__(cls, str(message))
        obj.status = status
        obj.code = code
        return obj


class WorkflowError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, list[str]] | None = None,
                 status: int | None = None, code: str | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.fields = fields or {}
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code

    @classmethod
    def from_denial(cls, denial: Denial) -> WorkflowError:
        return cls(str(denial), status=denial.status, code=denial.code)


class NotFound(WorkflowError):
    status, code = 404, "not_found"


class StaleVersion(WorkflowError):
    status, code = 409, "stale_version"


class Invalid(WorkflowError):
    """Submitted data failed validation; `fields` maps field names to messages."""

    status, code = 422, "invalid"
