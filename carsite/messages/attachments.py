"""Files sent with a message: at most three, each at most 10 MB, proven by their content before anything is stored.

Images (JPEG, PNG, WebP) are decoded and encoded again by ``carsite.images`` (only pixels survive: no EXIF, no GPS,
nothing hidden after the image); PDFs must be PDFs by structure (a ``%PDF-`` header, a ``startxref`` pointing into
the file at a cross-reference, ``%%EOF`` at the end). A file that is not what its name claims is refused with the
reason, and then nothing of the message is stored. Files live under the upload folder's ``attachments/`` with
random names; only the conversation's two members can download them (NotFound for anyone else).
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import db, images
from ..domain.actor import Actor
from ..domain.errors import Invalid, NotFound

MAX_FILES = 3
MAX_BYTES = 10 * 1024 * 1024
FIELD = "attachment"
GONE = "No such attachment."
# What a file's name may claim, by extension: an image (any of the three formats) or a PDF.
IMAGE_EXTENSIONS = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
EXTENSION_OF = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}
PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
STARTXREF = re.compile(rb"startxref\s+([0-9]{1,10})\s+%%EOF\s*$")
XREF_AT = re.compile(rb"xref|[0-9]{1,10}\s+[0-9]{1,5}\s+obj")
ACCEPTED = "Attach photos (JPEG, PNG or WebP) or PDF documents."


@dataclass(frozen=True)
class Prepared:
    """An upload proven and ready to store: the bytes to write and what the row records."""

    data: bytes
    original_name: str
    content_type: str
    width: int | None
    height: int | None

    @property
    def extension(self) -> str:
        return EXTENSION_OF[self.content_type]


def clean_name(raw: str | None) -> str:
    """The sender's file name as a download may offer it: no folders, no control characters, at most 200
    characters (the extension kept); 'attachment' when nothing is left."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C").strip()
    name = name.lstrip(".") or "attachment"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: 199 - len(ext)]}.{ext}" if dot and len(ext) <= 10 else name[:200]
    return name


def _is_pdf(data: bytes) -> bool:
    """Whether the bytes are a PDF by its structure: the header first, and at the end a startxref whose offset
    lands inside the file on a cross-reference table or stream."""
    if not PDF_HEADER.match(data):
        return False
    tail = STARTXREF.search(data[-1024:])
    if tail is None:
        return False
    offset = int(tail.group(1))
    return 0 < offset < len(data) and XREF_AT.match(data, offset) is not None


def prepare(uploads: list[tuple[str, bytes]]) -> list[Prepared]:
    """Prove every (file name, bytes) upload; Invalid (naming ``attachment``) at the first one refused, with its
    name and the reason, so nothing is stored. Images come back re-encoded."""
    if len(uploads) > MAX_FILES:
        raise Invalid(f"Attach at most {MAX_FILES} files to one message.", FIELD)
    prepared = []
    for raw_name, data in uploads:
        name = clean_name(raw_name)
        if len(data) > MAX_BYTES:
            raise Invalid(f"{name} is larger than 10 MB; attach files of at most 10 MB.", FIELD)
        if not data:
            raise Invalid(f"{name} is empty.", FIELD)
        extension = name.rpartition(".")[2].lower() if "." in name else ""
        if extension == "pdf":
            if not _is_pdf(data):
                raise Invalid(
                    f"{name} is not a PDF document (its content is something else), so it was not sent.", FIELD
                )
            prepared.append(Prepared(data, name, "application/pdf", None, None))
        elif extension in IMAGE_EXTENSIONS:
            try:
                encoded, content_type, width, height = images.reencode(data)
            except images.ImageRejected as exc:
                if "not an image we can read" in str(exc):
                    raise Invalid(f"{name} is not an image we can read: {ACCEPTED} It was not sent.", FIELD) from None
                raise Invalid(f"{name} was not sent: {exc}", FIELD) from None
            if content_type != IMAGE_EXTENSIONS[extension]:  # a PNG named .jpg: the name follows the content
                name = f"{name.rpartition('.')[0]}.{EXTENSION_OF[content_type]}"
            prepared.append(Prepared(encoded, name, content_type, width, height))
        else:
            raise Invalid(f"{name}: {ACCEPTED}", FIELD)
    return prepared


def folder() -> Path:
    return images.upload_dir("attachments")


def write(files: list[Prepared]) -> list[str]:
    """Store prepared files under random names (each moved into place whole); their names."""
    names = []
    try:
        for file in files:
            name = f"{secrets.token_hex(16)}.{file.extension}"
            path = folder() / name
            temporary = path.with_name(f".{name}.tmp")
            temporary.write_bytes(file.data)
            os.replace(temporary, path)
            names.append(name)
    except BaseException:
        remove(names)
        raise
    return names


def remove(names: list[str]) -> None:
    for name in names:
        (folder() / name).unlink(missing_ok=True)


def record(message: dict[str, Any], files: list[Prepared], names: list[str]) -> None:
    """The rows of files stored for a message (inside the message's transaction)."""
    for file, name in zip(files, names, strict=True):
        db.scalar(
            "messages.add_attachment",
            message_id=message["id"],
            conversation_id=message["conversation_id"],
            file=name,
            original_name=file.original_name,
            content_type=file.content_type,
            size_bytes=len(file.data),
            width=file.width,
            height=file.height,
        )


def for_download(conversation_id: int, attachment_id: int, *, actor: Actor) -> dict[str, Any]:
    """An attachment a member downloads (its row, with ``path``); NotFound for anyone else, for an attachment of
    another conversation and for a file gone from the disk."""
    if actor.user_id is None:
        raise NotFound(GONE)
    row = db.optional(
        "messages.attachment_for_member",
        conversation_id=conversation_id,
        attachment_id=attachment_id,
        user_id=actor.user_id,
    )
    if row is None or not (folder() / row["file"]).is_file():
        raise NotFound(GONE)
    return row
