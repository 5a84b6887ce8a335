"""Helpers of the escalation tests (fixtures are in conftest.py): the frozen start time, reading the
notifications escalation made, and a real SMTP server (aiosmtpd on 127.0.0.1 and a free port) that
stores what really went over the wire (smtplib is not mocked). A plain module, since every test
directory's conftest is named `conftest`.
"""
from __future__ import annotations

import datetime as dt
import email
import email.message
import email.policy
import socket
from dataclasses import dataclass

from aiosmtpd.controller import Controller

from workflow.core.extensions import db
from workflow.core.models import Task
from workflow.inbox.models import Notification

UTC = dt.timezone.utc
N0 = dt.datetime(2026, 10, 12, 2, 0)  # Monday 10:00 in Beijing, as stored (naive UTC)
MINUTE, HOUR, DAY = dt.timedelta(minutes=1), dt.timedelta(hours=1), dt.timedelta(days=1)
MAIL_DOMAIN = "staff.onestop.test"


def address(username: str) -> str:
    return f"{username}@{MAIL_DOMAIN}"


class FrozenClock:
    """The frozen clock of a test (time_machine); `move_to` takes a stored (naive UTC) time."""

    def __init__(self, traveller):
        self._traveller = traveller

    def move_to(self, moment: dt.datetime) -> None:
        self._traveller.move_to(moment.replace(tzinfo=UTC))


# --- reading what escalation did -------------------------------------------------------------------

def notices(task: Task | None = None, kind: str | None = None) -> list[Notification]:
    """Notifications (of one task, of one kind), oldest first, read fresh from the database."""
    db.session.expire_all()
    stmt = db.select(Notification).order_by(Notification.id)
    if task is not None:
        stmt = stmt.where(Notification.task_id == task.id)
    if kind is not None:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt))


def told(task: Task | None = None, kind: str | None = None) -> list[tuple[str, str]]:
    """(kind, username) of each notification, oldest first."""
    return [(n.kind, n.user.username) for n in notices(task, kind)]


# --- the SMTP server -------------------------------------------------------------------------------

@dataclass
class Mail:
    """One message as the SMTP server received it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_content()

    @property
    def text(self) -> str:
        """Every decoded header and the decoded body: what a reader of the e-mail sees."""
        message = self.message
        headers = "\n".join(f"{name}: {value}" for name, value in message.items())
        return headers + "\n\n" + message.get_content()


class _Handler:
    """aiosmtpd handler: refuses the server's `refuse` addresses, stores every message."""

    def __init__(self, server: LocalSmtp):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.server.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.server.received.append(Mail(envelope.mail_from, tuple(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    """A port nothing listens on (bound once to port 0, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalSmtp:
    """An aiosmtpd server on 127.0.0.1; `received` holds the messages in arrival order, `refuse`
    the recipient addresses it answers with 550."""

    host = "127.0.0.1"

    def __init__(self, app, port: int | None = None):
        self.app = app
        self.port = port or free_port()
        self.received: list[Mail] = []
        self.refuse: set[str] = set()
        self._controller: Controller | None = None

    def start(self) -> LocalSmtp:
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def configure(self) -> None:
        """Point the app's SMTP settings at this server."""
        self.app.config.update(SMTP_HOST=self.host, SMTP_PORT=self.port, SMTP_USERNAME="", SMTP_STARTTLS=False,
                               SMTP_SSL=False, SMTP_TIMEOUT=10)

    def recipients(self) -> list[tuple[str, ...]]:
        """The envelope recipients of each message received, in arrival order."""
        return [m.rcpt_tos for m in self.received]
