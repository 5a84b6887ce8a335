"""Outgoing e-mail over SMTP (smtplib), configured by the SMTP_* variables; off while SMTP_HOST is empty."""
from __future__ import annotations

import smtplib
from contextlib import contextmanager
from email.message import EmailMessage

from flask import current_app


def configured() -> bool:
    return bool(current_app.config["SMTP_HOST"])


def message(to: str, subject: str, body: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = current_app.config["MAIL_FROM"]
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(body)
    return mail


@contextmanager
def connection():
    """One SMTP session for a batch of messages."""
    cfg = current_app.config
    smtp_class = smtplib.SMTP_SSL if cfg["SMTP_SSL"] else smtplib.SMTP
    with smtp_class(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg["SMTP_TIMEOUT"]) as smtp:
        if cfg["SMTP_STARTTLS"]:
            smtp.starttls()
        if cfg["SMTP_USERNAME"]:
            smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
        yield smtp
