"""Uploaded images: proven by decoding, bounded, stripped of metadata, re-encoded, stored under server-made names.

Work per upload is bounded before any pixel is decoded: the header's dimensions must fit the kind's limit (25
megapixels for listing photos, 16 for avatars), JPEGs decode at a reduced scale (``Image.draft``: a 24-megapixel
photo decodes as 6), and at most ``IMAGE_WORKERS`` uploads per process decode and encode at once (others wait up
to ``IMAGE_WAIT_SECONDS``, then get 503 with Retry-After). So one upload holds at most about 4 bytes × its limit in
pixels of decoded image (twice that while converting), and a process at most ``IMAGE_WORKERS`` of those.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import current_app, send_from_directory
from PIL import Image, ImageOps, UnidentifiedImageError
from werkzeug.exceptions import ServiceUnavailable
from werkzeug.wrappers import Response

from . import demo_photos

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
PHOTO_MAX_PIXELS = 25_000_000  # a 24-megapixel camera photo (6000 × 4000) fits; a car photo needs far less
AVATAR_MAX_PIXELS = 16_000_000  # a 12-megapixel phone photo (4032 × 3024) fits
MAX_SIDE = 16_384  # no banner-shaped images of a million pixels by 20
NAME = re.compile(r"[0-9a-f]{32}\.webp")


class ImageRejected(ValueError):
    """The upload is not an image we accept; the message says why, for the user."""


class Busy(ServiceUnavailable):
    """Every image worker of this process stayed busy for IMAGE_WAIT_SECONDS (503 with Retry-After)."""

    def __init__(self) -> None:
        super().__init__("The server is busy with other photos. Upload again in a minute.", retry_after=30)


def upload_dir(kind: str) -> Path:
    base = current_app.config["UPLOAD_DIR"] or Path(current_app.instance_path) / "uploads"
    folder = Path(base) / kind
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def worker() -> Iterator[None]:
    """Hold one of the process's image workers while decoding and encoding; Busy when none frees up in time."""
    slots = current_app.extensions.get("carsite.images")
    if slots is None:
        workers = int(current_app.config["IMAGE_WORKERS"])
        slots = current_app.extensions.setdefault("carsite.images", threading.BoundedSemaphore(workers))
    if not slots.acquire(timeout=float(current_app.config["IMAGE_WAIT_SECONDS"])):
        raise Busy()
    try:
        yield
    finally:
        slots.release()


def _unreadable() -> ImageRejected:
    return ImageRejected("This file is not an image we can read; upload a JPEG, PNG, WebP or GIF.")


def check(data: bytes, max_pixels: int) -> tuple[str, int, int]:
    """Refuse from the header alone (nothing is decoded): not a JPEG, PNG, WebP or GIF, or too many pixels.
    Returns the format, width and height the header declares."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise ImageRejected("Upload a JPEG, PNG, WebP or GIF image.")
                width, height = probe.size
                if width * height > max_pixels or max(width, height) > MAX_SIDE:
                    raise _too_large(max_pixels, f"{width} × {height} pixels")
                image_format = probe.format
                probe.verify()
                return image_format, width, height
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_large(max_pixels, "far too many pixels") from exc  # Pillow's own limit, even further off
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise _unreadable() from exc


def _too_large(max_pixels: int, found: str) -> ImageRejected:
    return ImageRejected(
        f"This image has {found}; upload one of at most {max_pixels // 1_000_000} megapixels "
        f"and {MAX_SIDE} pixels a side."
    )


def load(data: bytes, max_pixels: int, at_least: tuple[int, int]) -> Image.Image:
    """Decode an upload completely, upright, in RGB, no larger than needed to make ``at_least``-sized copies;
    ImageRejected for anything that is not a whole JPEG, PNG, WebP or GIF within ``max_pixels``. Call it holding a
    worker()."""
    check(data, max_pixels)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            source = Image.open(io.BytesIO(data))
            if source.format == "JPEG":
                side = max(at_least)  # either orientation, since EXIF may turn the picture a quarter
                source.draft("RGB", (side, side))
            source.load()
            ImageOps.exif_transpose(source, in_place=True)  # in place: a copy would double the peak
            image = source if source.mode == "RGB" else source.convert("RGB")
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise _unreadable() from exc
    factor = min(image.width // at_least[0], image.height // at_least[1]) // 2
    return image.reduce(factor) if factor >= 2 else image


def save_square(data: bytes, kind: str, size: int, max_pixels: int = AVATAR_MAX_PIXELS) -> str:
    """Store a centred square crop as WebP (no metadata survives re-encoding); return the new file name."""
    check(data, max_pixels)  # refuse before waiting for a worker
    with worker():
        image = ImageOps.fit(load(data, max_pixels, (size, size)), (size, size), Image.Resampling.LANCZOS)
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


def serve(kind: str, filename: str, download_name: str, *, private: bool = False) -> Response:
    """An uploaded image: never rendered as HTML (nosniff comes with every response), cached for a year because
    server-made names never change (``private``: by the browser only, never by a shared cache)."""
    response = send_from_directory(upload_dir(kind), filename, mimetype="image/webp", max_age=31536000)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = f"inline; filename={download_name}"
    response.headers["Cache-Control"] = f"{'private' if private else 'public'}, max-age=31536000, immutable"
    return response


def remove(kind: str, name: str | None) -> None:
    if name and NAME.fullmatch(name):
        (upload_dir(kind) / name).unlink(missing_ok=True)


PHOTO_NAME = re.compile(r"[0-9a-f]{32}")
PHOTO_SIZES = {"thumb": (640, 480), "large": (1600, 1200)}


def photo_decode_pixels(data: bytes) -> int:
    """How many pixels storing this photo will decode (a JPEG decodes at a reduced scale, see load()), from the
    header alone; ImageRejected as check(). Lets a caller bound the work of one request, not just of one photo."""
    image_format, width, height = check(data, PHOTO_MAX_PIXELS)
    scale, side = 1, max(PHOTO_SIZES["large"])
    while image_format == "JPEG" and scale < 8 and min(width, height) // (scale * 2) >= side:
        scale *= 2
    return (width // scale) * (height // scale)


def save_photo(data: bytes, kind: str = "photos") -> tuple[str, int, int]:
    """Store a listing photo as WebP in two sizes (a 4:3 thumbnail crop and a large fit) under the upload folder's
    ``kind`` (``photos``: public listing photos; ``trade-ins``: private ones); return the base name and the large
    size's width and height. Metadata does not survive re-encoding. ImageRejected when refused, Busy when no worker
    frees up in time."""
    check(data, PHOTO_MAX_PIXELS)  # refuse before waiting for a worker
    with worker():
        large = load(data, PHOTO_MAX_PIXELS, PHOTO_SIZES["large"])
        large.thumbnail(PHOTO_SIZES["large"], Image.Resampling.LANCZOS)
        thumb = ImageOps.fit(large, PHOTO_SIZES["thumb"], Image.Resampling.LANCZOS)
        name = secrets.token_hex(16)
        folder = upload_dir(kind)
        try:
            for size, picture in (("thumb", thumb), ("large", large)):
                _store(picture, folder / f"{name}-{size}.webp", quality=82)
        except BaseException:
            remove_photo(name, kind)
            raise
    return name, large.width, large.height


def remove_photo(name: str | None, kind: str = "photos") -> None:
    """Remove a photo's files (stored by save_photo under ``kind``): an upload's, or a listing's demo photo's drawn
    ones (each demo car's names are its own)."""
    if name and PHOTO_NAME.fullmatch(name):
        for size in PHOTO_SIZES:
            (upload_dir(kind) / f"{name}-{size}.webp").unlink(missing_ok=True)
        if kind == "photos":
            demo_photos.forget(upload_dir("demo"), name)


# Images sent with a message keep their own format (a JPEG stays a JPEG), at most ATTACHMENT_MAX_SIDE a side.
ATTACHMENT_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
ATTACHMENT_MAX_SIDE = 2560


def reencode(data: bytes) -> tuple[bytes, str, int, int]:
    """Decode an image completely and encode it again in its own format (JPEG, PNG or WebP), scaled to at most
    ATTACHMENT_MAX_SIDE a side: only the pixels survive (no EXIF, GPS, comments or embedded profiles). Returns the
    new bytes, the content type, width and height; ImageRejected for anything else, Busy as save_photo."""
    image_format, _width, _height = check(data, PHOTO_MAX_PIXELS)
    if image_format not in ATTACHMENT_FORMATS:
        raise ImageRejected("Attach a JPEG, PNG or WebP image (or a PDF).")
    side = ATTACHMENT_MAX_SIDE
    with worker():
        image = load(data, PHOTO_MAX_PIXELS, (side, side))
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
        image.info = {}  # what the encoders would carry over (ICC profile, EXIF, text chunks)
        buffer = io.BytesIO()
        if image_format == "JPEG":
            image.save(buffer, "JPEG", quality=85)
        elif image_format == "PNG":
            image.save(buffer, "PNG")
        else:
            image.save(buffer, "WEBP", quality=85, method=4)
    return buffer.getvalue(), ATTACHMENT_FORMATS[image_format], image.width, image.height
