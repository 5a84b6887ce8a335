"""Outgoing e-mail over SMTP (smtplib), configured by the SMTP_* variables; off while SMTP_HOST is empty."""
from __future__ import annotations

import smtplib
import ssl
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app


def configured() -> bool:
    return bool(current_app.config["SMTP_HOST"])


def message(to: str, subject: str, body: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = current_app.config["MAIL_FROM"]
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=current_app.config["MAIL_FROM"].rpartition("@")[2] or None)
    mail.set_content(body)
    return mail


@contextmanager
def connection():
    """One SMTP session for a batch of messages."""
    cfg = current_app.config
    tls = ssl.create_default_context()  # verify the server's certificate and name
    if cfg["SMTP_SSL"]:
        smtp = smtplib.SMTP_SSL(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg["SMTP_TIMEOUT"], context=tls)
    else:
        smtp = smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=cfg["SMTP_TIMEOUT"])
    with smtp:
        if cfg["SMTP_STARTTLS"] and not cfg["SMTP_SSL"]:
            smtp.starttls(context=tls)
        if cfg["SMTP_USERNAME"]:
            smtp.login(cfg["SMTP_USERNAME"], cfg["SMTP_PASSWORD"])
        yield smtp
