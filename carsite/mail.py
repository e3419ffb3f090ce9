"""Outgoing mail, always through the job queue and the outbox.

``mail.queue(...)`` renders a message from templates (``mail/<name>.txt``, and ``mail/<name>.html`` or the plain text
in the HTML layout), records it in ``mail_outbox`` and defers the job that sends it, in one statement of the
caller's transaction: a change that rolls back sends nothing, one that commits always has its mail queued. The
``deliver`` task sends it over SMTP (production) or writes an ``.eml`` file under ``instance/mail/`` (development
and tests), and records it as sent in the same transaction that held the outbox row locked, so a retried or
duplicated job never sends a message already recorded as sent.

At-least-once remains in one place: when the mail server accepted a message and the worker died (or the database
went away) before the "sent" row committed, the retry sends it again.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
import smtplib
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from jinja2 import TemplateNotFound
from markupsafe import Markup, escape

from . import db, jobs

log = logging.getLogger("carsite.mail")

# Sending is retried with exponential backoff: 30 s, 1, 2, 4 … minutes, at most an hour apart, 10 tries in all
# (about 4.5 hours), then the outbox row says "failed" with the last error. A message the mail server refuses for
# good (a 5xx reply to its sender, recipient or content) is failed at once: trying again cannot change the answer.
RETRY = jobs.Backoff(attempts=10, base=30.0, cap=3600.0)

# Queue and priority by what the mail is for: sign-up, password and login mail have a queue (and a worker) of their
# own, so a flood of alerts never delays them.
ACCOUNT = ("account", 100)
TRANSACTIONAL = ("mail", 50)
NOTIFICATION = ("notify", 20)
BULK = ("alerts", 0)


class MailError(RuntimeError):
    """The message could not be handed to the mail server; ``permanent`` when the server refused it for good."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (a calendar invitation), kept in the outbox row with the rest of it."""

    filename: str
    content_type: str  # e.g. "text/calendar; method=REQUEST"
    content: bytes

    def stored(self) -> dict[str, str]:
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "content": base64.b64encode(self.content).decode("ascii"),
        }


@dataclass(frozen=True)
class Rendered:
    """A message rendered for the outbox, not yet queued (see render and queue_many)."""

    to: str
    subject: str
    kind: str
    user_id: int | None
    text_body: str
    html_body: str
    headers: dict[str, str]
    sensitive: bool
    attachments: tuple[Attachment, ...] = ()


def queue(
    to: str,
    subject: str,
    template: str,
    *,
    kind: str,
    user_id: int | None = None,
    unsubscribe: bool = False,
    sensitive: bool = False,
    channel: tuple[str, int] = TRANSACTIONAL,
    attachments: tuple[Attachment, ...] = (),
    **context: Any,
) -> int:
    """Render ``mail/<template>`` and queue it for ``to``; the outbox row's id.

    ``kind`` names what the mail is (``account.verify``, ``listing.approved`` …) for the outbox and for the
    person's notification settings. ``unsubscribe`` (needs ``user_id``): the mail is not strictly transactional, so
    it carries a footer link and the one-click ``List-Unsubscribe`` headers (RFC 8058) that stop this kind of mail.
    ``sensitive``: the body holds a one-time secret and is blanked once sent. ``attachments`` go with it, stored in
    the outbox row.
    """
    message = render(
        to,
        subject,
        template,
        kind=kind,
        user_id=user_id,
        unsubscribe=unsubscribe,
        sensitive=sensitive,
        attachments=attachments,
        **context,
    )
    return queue_many([message], channel=channel)[0]


def render(
    to: str,
    subject: str,
    template: str,
    *,
    kind: str,
    user_id: int | None = None,
    unsubscribe: bool = False,
    sensitive: bool = False,
    attachments: tuple[Attachment, ...] = (),
    **context: Any,
) -> Rendered:
    """A message of ``mail/<template>`` (its .txt, and its .html or the text as HTML paragraphs), as queue takes it."""
    headers: dict[str, str] = {}
    if unsubscribe:
        if user_id is None:
            raise ValueError("an unsubscribe link needs the recipient's account")
        from .notifications import unsubscribe_url

        url = unsubscribe_url(user_id, kind)
        context["unsubscribe_url"] = url
        headers["List-Unsubscribe"] = f"<{url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    context.setdefault("subject", subject)
    plain = render_template(f"mail/{template}.txt", **context)
    text_body = plain
    if unsubscribe:
        text_body = f"{plain.rstrip()}\n\n--\nStop these mails or change what we send: {context['unsubscribe_url']}\n"
    try:
        html_body = render_template(f"mail/{template}.html", **context)
    except TemplateNotFound:
        # the layout's footer carries the unsubscribe link: the text's signature would say it twice
        html_body = render_template("mail/_layout.html", paragraphs=paragraphs(plain), **context)
    return Rendered(to, subject, kind, user_id, text_body, html_body, headers, sensitive, tuple(attachments))


def queue_many(messages: list[Rendered], *, channel: tuple[str, int] = TRANSACTIONAL) -> list[int]:
    """Queue rendered messages in one statement of the caller's transaction (one outbox row and one job each); the
    outbox ids, in order."""
    if not messages:
        return []
    queue_name, priority = channel
    return [
        int(row["id"])
        for row in db.all(
            "mail.enqueue_many",
            queue_name=queue_name,
            priority=priority,
            user_ids=[m.user_id for m in messages],
            to_addresses=[m.to for m in messages],
            kinds=[m.kind for m in messages],
            subjects=[m.subject for m in messages],
            text_bodies=[m.text_body for m in messages],
            html_bodies=[m.html_body for m in messages],
            headers=[json.dumps(m.headers) for m in messages],
            sensitive=[m.sensitive for m in messages],
            attachments=[json.dumps([a.stored() for a in m.attachments]) for m in messages],
        )
    ]


_LINK = re.compile(r"(https?://[^\s<>\"']+)")


def paragraphs(text: str) -> list[Markup]:
    """Plain text as HTML paragraphs: escaped, lines kept, links made clickable."""
    out = []
    for block in re.split(r"\n\s*\n", text.strip()):
        escaped = str(escape(block))
        linked = _LINK.sub(lambda m: f'<a href="{m.group(1)}">{m.group(1)}</a>', escaped)
        out.append(Markup(linked.replace("\n", "<br>\n")))
    return out


@jobs.task(queue="mail", name="carsite.mail.deliver", retry=RETRY)
def deliver(outbox_id: int) -> None:
    """Send one outbox message, unless it is already sent (then nothing happens)."""
    failure: MailError | None = None
    with db.transaction():
        row = db.optional("mail.claim", outbox_id=outbox_id)
        if row is None:
            log.info("outbox %s: already sent or given up; nothing to do", outbox_id)
            return
        try:
            message_id = transmit(row)
        except MailError as exc:
            failure = exc
            final = exc.permanent or row["attempts"] + 1 >= RETRY.attempts
            db.execute("mail.record_attempt", outbox_id=outbox_id, error=str(exc), final=final)
        else:
            db.execute("mail.mark_sent", outbox_id=outbox_id, message_id=message_id)
    if failure is not None:
        # after the attempt is recorded: procrastinate retries with RETRY's backoff, or not at all when permanent
        if failure.permanent:
            raise jobs.Permanent(str(failure)) from failure
        raise failure


def compose(row: dict[str, Any]) -> EmailMessage:
    """The message of an outbox row: plain text, with the HTML part as its alternative."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = row["to_address"]
    message["Subject"] = row["subject"]
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2].strip(">") or None)
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (row.get("headers") or {}).items():
        message[name] = value
    message.set_content(row["text_body"])
    if row.get("html_body"):
        message.add_alternative(row["html_body"], subtype="html")
    for attachment in row.get("attachments") or []:
        content_type, *options = (part.strip() for part in attachment["content_type"].split(";"))
        maintype, _, subtype = content_type.partition("/")
        params = dict(option.partition("=")[::2] for option in options if "=" in option)
        message.add_attachment(
            base64.b64decode(attachment["content"]),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
            params=params,
        )
    return message


def transmit(row: dict[str, Any]) -> str:
    """Hand an outbox row's message to SMTP, or write it to MAIL_DIR; its Message-ID. MailError when SMTP refuses."""
    config = current_app.config
    message = compose(row)
    to = row["to_address"]
    if config.get("MAIL_SERVER"):
        try:
            with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=10) as smtp:
                if config["MAIL_STARTTLS"]:
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            failure = smtp_failure(exc)
            log.warning("mail to %s (%s) failed: %s", to, row["subject"], failure)
            raise failure from exc
        return str(message["Message-ID"])
    folder = Path(config["MAIL_DIR"] or Path(current_app.instance_path) / "mail")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{time.time_ns()}-{secrets.token_hex(4)}.eml"
    path.write_bytes(bytes(message))
    log.info("mail to %s (%s) written to %s", to, row["subject"], path.name)
    return str(message["Message-ID"])


def smtp_failure(exc: OSError | smtplib.SMTPException) -> MailError:
    """What went wrong, in the server's words, and whether it is for good: a 5xx reply to the sender (MAIL), every
    recipient (RCPT) or the message (DATA) is permanent; 4xx replies, dropped or refused connections, timeouts and
    the session's own troubles (HELO, STARTTLS, login: the site's settings, not this message) are tried again."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        replies = {to: (int(code), _text(text)) for to, (code, text) in exc.recipients.items()}
        said = "; ".join(f"{to}: {code} {text}" for to, (code, text) in replies.items())
        permanent = bool(replies) and all(code >= 500 for code, _ in replies.values())
        return MailError(f"the mail server refused the recipient: {said}", permanent=permanent)
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        code, text = int(exc.smtp_code), _text(exc.smtp_error)
        what = "the sender" if isinstance(exc, smtplib.SMTPSenderRefused) else "the message"
        return MailError(f"the mail server refused {what}: {code} {text}", permanent=500 <= code < 600)
    if isinstance(exc, smtplib.SMTPResponseException):
        return MailError(f"the mail server answered {exc.smtp_code} {_text(exc.smtp_error)}")
    return MailError(f"{type(exc).__name__}: {exc}")


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def link(endpoint: str, **values: Any) -> str:
    """An absolute link for a mail, built from BASE_URL only (never from a request's Host header), so the CLI and
    background jobs make the same links as views."""
    from .web.urls import absolute_url

    return absolute_url(endpoint, **values)
