"""HTTP for messages: the inbox, a conversation (read, reply with files, poll for new messages), attachments,
archiving and blocking. Members only: for everyone else every conversation URL is a 404."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from ..domain.actor import Actor
from ..domain.errors import DomainError
from ..web.access import login_required, session_state, with_session_state
from ..web.caching import private_cache
from ..web.errors import error_response
from ..web.filters import moment
from ..web.forms import safe_next
from ..web.inputs import parse_id
from ..web.ratelimit import TOO_MANY, limiter
from . import attachments, thread
from .inbox import page as inbox_page
from .linkify import linkify

bp = Blueprint("messages", __name__)
bp.add_app_template_filter(linkify, "linkify")
POLL_QUERY = "messages.poll_session"
ACTIONS = {
    "archive": "Archived. It comes back to your inbox when a new message arrives.",
    "unarchive": "Back in your inbox.",
    "block": "Blocked: neither of you can send messages to the other any more.",
    "unblock": "Unblocked: you can write to each other again.",
}


@bp.record_once
def _upload_limit(state: Any) -> None:
    """A reply may carry three files of 10 MB: its own request limit, set before anything reads the form (CSRF and
    the input checks read it in the app's first request hooks, so this one goes before them)."""

    def allow_attachments() -> None:
        if request.endpoint == "messages.send":
            request.max_content_length = attachments.MAX_FILES * attachments.MAX_BYTES + 1024 * 1024

    state.app.before_request_funcs.setdefault(None, []).insert(0, allow_attachments)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc: RequestEntityTooLarge) -> Response:
    """A reply over the request limit, refused before anything was read: say what fits."""
    return error_response(
        413, f"This message is too large: attach at most {attachments.MAX_FILES} files of 10 MB each.", "attachment"
    )


@bp.get("/messages")
@login_required
def inbox() -> str:
    """The member's conversations, newest message first, 30 a page (``cursor``); ``view=archived`` for the archive."""
    view = request.args.get("view", "inbox")
    cursor = request.args.get("cursor")
    rows, next_cursor = inbox_page(view, cursor, actor=Actor.from_request())
    return render_template(
        "messages/inbox.html", conversations=rows, next_cursor=next_cursor, view=view, first_page=not cursor
    )


def _before() -> int | None:
    raw = request.args.get("before")
    return parse_id(raw, "before") if raw else None


def _page(conversation_id: int, *, read: bool, body: str = "", error: DomainError | None = None):
    page = thread.open_page(conversation_id, before=_before() if read else None, actor=Actor.from_request(), read=read)
    # The header's count came with the account, before this page read the conversation.
    unread = current_user.unread
    unread["messages"] = max(0, unread.get("messages", 0) - (page.unread_before - page.unread_after))
    conversation = page.conversation
    html = render_template(
        "messages/show.html",
        conversation=conversation,
        drives=page.drives,
        messages=page.messages,
        earlier=page.earlier,
        older=request.args.get("before") is not None and read,
        body=body,
        error=error,
        etag=_etag(conversation["last_message_id"], conversation["other_read_id"], conversation["last_message_id"]),
        max_files=attachments.MAX_FILES,
    )
    return html, (error.status if error else 200)


@bp.get("/messages/<int:conversation_id>")
@login_required
def show(conversation_id: int) -> tuple[str, int]:
    """The conversation: its car, the last 50 messages (``before`` for earlier ones), the reply form. Opening it
    marks what it shows as read."""
    return _page(conversation_id, read=True)


@bp.post("/messages/<int:conversation_id>")
@login_required
@limiter.limit(
    "20 per minute;300 per hour",
    key_func=lambda: f"messages:{getattr(current_user, 'id', None)}",
    methods=["POST"],
    error_message=TOO_MANY,
)
def send(conversation_id: int) -> Response | tuple[str, int]:
    """Send ``body`` with up to three ``attachment`` files; 303 to the new message. A refusal (empty, too long, a
    file that is not what it claims, a block) shows the page again with the text kept and the reason, storing
    nothing. Scripts asking for JSON get {id, url} or the error."""
    body = request.form.get("body", "")
    files = [f for f in request.files.getlist("attachment") if f and f.filename]
    uploads = [(f.filename or "", f.read(attachments.MAX_BYTES + 1)) for f in files[: attachments.MAX_FILES + 1]]
    try:
        message = thread.send(conversation_id, body, uploads, actor=Actor.from_request())
    except DomainError as exc:
        if exc.status == 404 or _wants_json():
            raise
        return _page(conversation_id, read=False, body=body, error=exc)
    url = url_for("messages.show", conversation_id=conversation_id, _anchor=f"message-{message['id']}")
    if _wants_json():
        return jsonify({"id": message["id"], "url": url})
    return redirect(url, code=303)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _etag(last_message_id: int | None, read_up_to: int | None, after: int | None) -> str:
    return f"m{last_message_id or 0}-r{read_up_to or 0}-a{after or 0}"


@bp.get("/messages/<int:conversation_id>/poll")
@with_session_state(POLL_QUERY, conversation_id="conversation_id")
@login_required
def poll(conversation_id: int) -> Response:
    """New messages after ``after`` as JSON {messages: [{id, html}], read_up_to, read_at, unread_total, reload},
    read as they are handed over. Its ETag is the conversation's state (newest message, how far the other member
    read); a matching If-None-Match is a 304 after one query in all: the session's, which reads that state too."""
    raw = request.args.get("after", "")
    after = 0 if raw == "0" else parse_id(raw, "after")
    actor = Actor.from_request()
    state = session_state(POLL_QUERY)
    if state is None:  # the account was loaded before this view ran: read the state on its own
        conversation, _drives = thread.header(conversation_id, actor=actor)
        last, read_up_to, read_at = (
            conversation["last_message_id"],
            conversation["other_read_id"],
            conversation["other_read_at"],
        )
    elif not state["poll_member"]:
        abort(404, "No such conversation.")
    else:
        last, read_up_to, read_at = state["poll_last_message_id"], state["poll_read_up_to"], state["poll_read_at"]
    etag = _etag(last, read_up_to, after)
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    else:
        rows, more, marked = thread.poll(conversation_id, after, actor=actor)
        if rows:  # the browser asks after the newest it got next: the ETag it gets back is that request's
            etag = _etag(last, read_up_to, rows[-1]["id"])
        unread = max(0, current_user.unread.get("messages", 0) - marked)
        me = current_user.id
        response = jsonify(
            {
                "messages": [
                    {
                        "id": m["id"],
                        "html": render_template(
                            "messages/_message.html",
                            message=m,
                            me=me,
                            conversation_id=conversation_id,
                            read_mark_id=None,  # messages.js moves the mark from read_up_to
                            read_at=read_at,
                        ),
                    }
                    for m in rows
                ],
                "read_up_to": read_up_to,
                "read_at": read_at.isoformat() if read_at else None,
                "read_label": f"Read {moment(read_at)}" if read_at else "Read",
                "unread_total": unread,
                "reload": more,
            }
        )
    response.set_etag(etag, weak=True)
    return response


@bp.post("/messages/<int:conversation_id>/<any(archive, unarchive, block, unblock):action>")
@login_required
def act(conversation_id: int, action: str) -> Response:
    """Archive or bring back the conversation, block or unblock its other member; back to ``next`` (the
    conversation by default)."""
    actor = Actor.from_request()
    if action in ("archive", "unarchive"):
        thread.set_archived(conversation_id, action == "archive", actor=actor)
    else:
        thread.set_blocked(conversation_id, action == "block", actor=actor)
    flash(ACTIONS[action], "success")
    target = safe_next(request.form.get("next")) or url_for("messages.show", conversation_id=conversation_id)
    return redirect(target, code=303)


@bp.get("/messages/<int:conversation_id>/attachments/<int:attachment_id>")
@login_required
def attachment(conversation_id: int, attachment_id: int) -> Response:
    """A file of the conversation, for its members only (404 otherwise): always a download under its original
    name, never run or shown as a page (nosniff, a sandboxing CSP), kept by the member's browser only."""
    row = attachments.for_download(conversation_id, attachment_id, actor=Actor.from_request())
    response = send_from_directory(
        attachments.folder(),
        row["file"],
        mimetype=row["content_type"],
        as_attachment=True,
        download_name=row["original_name"],
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return private_cache(response)
