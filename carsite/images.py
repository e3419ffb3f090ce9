"""Uploaded images: proven by decoding, bounded, stripped of metadata, re-encoded, stored under server-made names."""

from __future__ import annotations

import io
import os
import re
import secrets
import warnings
from pathlib import Path

from flask import current_app, send_from_directory
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.wrappers import Response

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PIXELS = 40_000_000  # larger inputs are refused before decoding (decompression bombs)
NAME = re.compile(r"[0-9a-f]{32}\.webp")


class ImageRejected(ValueError):
    """The upload is not an image we accept; the message says why, for the user."""


def upload_dir(kind: str) -> Path:
    base = current_app.config["UPLOAD_DIR"] or Path(current_app.instance_path) / "uploads"
    folder = Path(base) / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def load(data: bytes) -> Image.Image:
    """Decode an upload completely; ImageRejected for anything that is not a whole JPEG, PNG, WebP or GIF."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                raise ImageRejected("Upload a JPEG, PNG, WebP or GIF image.")
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRejected("This image has too many pixels; upload one under 40 megapixels.")
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except ImageRejected:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise ImageRejected("This file is not an image we can read; upload a JPEG, PNG, WebP or GIF.") from exc
    return ImageOps.exif_transpose(image)


def save_square(data: bytes, kind: str, size: int) -> str:
    """Store a centred square crop as WebP (no metadata survives re-encoding); return the new file name."""
    image = ImageOps.fit(load(data).convert("RGB"), (size, size), Image.Resampling.LANCZOS)
    return _write(image, kind)


def _write(image: Image.Image, kind: str) -> str:
    name = f"{secrets.token_hex(16)}.webp"
    _store(image, upload_dir(kind) / name, quality=85)
    return name


def _store(image: Image.Image, path: Path, quality: int) -> None:
    """Encode as WebP and move into place in one step, so readers never see half a file."""
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=quality, method=4)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(buffer.getvalue())
    os.replace(temporary, path)


def serve(kind: str, filename: str, download_name: str) -> Response:
    """An uploaded image: never rendered as HTML (nosniff comes with every response), cached for a year because
    server-made names never change."""
    response = send_from_directory(upload_dir(kind), filename, mimetype="image/webp", max_age=31536000)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = f"inline; filename={download_name}"
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def remove(kind: str, name: str | None) -> None:
    if name and NAME.fullmatch(name):
        (upload_dir(kind) / name).unlink(missing_ok=True)


PHOTO_NAME = re.compile(r"[0-9a-f]{32}")
PHOTO_SIZES = {"thumb": (640, 480), "large": (1600, 1200)}


def save_photo(data: bytes) -> tuple[str, int, int]:
    """Store a listing photo as WebP in two sizes (a 4:3 thumbnail crop and a large fit); return the base name and
    the large size's width and height. Metadata does not survive re-encoding."""
    image = load(data).convert("RGB")
    name = secrets.token_hex(16)
    folder = upload_dir("photos")
    thumb = ImageOps.fit(image, PHOTO_SIZES["thumb"], Image.Resampling.LANCZOS)
    large = image.copy()
    large.thumbnail(PHOTO_SIZES["large"], Image.Resampling.LANCZOS)
    for size, picture in (("thumb", thumb), ("large", large)):
        _store(picture, folder / f"{name}-{size}.webp", quality=82)
    return name, large.width, large.height


def remove_photo(name: str | None) -> None:
    if name and PHOTO_NAME.fullmatch(name):
        for size in PHOTO_SIZES:
            (upload_dir("photos") / f"{name}-{size}.webp").unlink(missing_ok=True)
