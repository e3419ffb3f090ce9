"""Outgoing mail: SMTP in production; ``.eml`` files under ``instance/mail/`` in development and tests."""

from __future__ import annotations

import logging
import secrets
import smtplib
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app

log = logging.getLogger("carsite.mail")


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


def send(to: str, subject: str, body: str) -> None:
    """Send a plain-text message; MailError when SMTP refuses (the caller decides what the user sees)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2].strip(">") or None)
    message.set_content(body)
    if config.get("MAIL_SERVER"):
        try:
            with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=10) as smtp:
                if config["MAIL_STARTTLS"]:
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("mail to %s (%s) failed: %s", to, subject, exc)
            raise MailError(str(exc)) from exc
        return
    folder = Path(config["MAIL_DIR"] or Path(current_app.instance_path) / "mail")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{time.time_ns()}-{secrets.token_hex(4)}.eml"
    path.write_bytes(bytes(message))
    log.info("mail to %s (%s) written to %s", to, subject, path.name)


def link(endpoint: str, **values: Any) -> str:
    """An absolute link for a mail, built from BASE_URL only (never from a request's Host header), so the CLI and
    background jobs make the same links as views."""
    from .web.urls import absolute_url

    return absolute_url(endpoint, **values)
