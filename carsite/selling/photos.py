"""A listing's photos: add several at once (each decoded, stripped of metadata, stored in two sizes), reorder,
delete. The actor must own the listing (NotFound otherwise)."""

from __future__ import annotations

import threading

from flask import current_app

from .. import db, demo_photos, images
from ..domain.actor import Actor
from ..domain.errors import Invalid, NotFound
from . import listings, revisions

MAX_PHOTOS = 20
PHOTO_MAX_BYTES = 10 * 1024 * 1024
# Decoded pixels one upload request may cost: 20 camera JPEGs (decoded at a quarter: 6 MP each) fit; six 25-MP PNGs
# (about 1 CPU-second each) do too, and no more, so one request stays within a few CPU-seconds.
REQUEST_PIXEL_BUDGET = 150_000_000
MOVES = ("earlier", "later", "first", "delete")
DRAWING = threading.BoundedSemaphore(2)


def drawn(name: str, size: str) -> str | None:
    """The file under ``uploads/demo`` that shows demo photo ``name`` (drawn on its first request, see
    ``carsite.demo_photos``); None in production, for an uploaded photo's name, and for a demo name no car has."""
    shot = None if current_app.config["PRODUCTION"] else demo_photos.parse(name)
    if shot is None:
        return None
    if (images.upload_dir("photos") / f"{name}-{size}.webp").exists():
        return None
    folder, file = images.upload_dir("demo"), demo_photos.file_name(name, size)
    if not (folder / file).exists():
        if not db.scalar("selling.photo_exists", car_id=demo_photos.car_of(shot), file=name):
            return None
        # Two drawings at a time per process (each holds some 50 MB at the large size); a first page of results asks
        # for two dozen at once, so they wait longer than uploads do for a worker.
        if not DRAWING.acquire(timeout=60):
            raise images.Busy()
        try:
            demo_photos.draw(folder, name, size)
        finally:
            DRAWING.release()
    return file


def photos(car_id: int) -> list[dict]:
    return db.all("selling.photos", car_id=car_id)


def add(car_id: int, uploads: list[tuple[str, bytes]], *, actor: Actor) -> tuple[int, list[str]]:
    """Store (filename, bytes) uploads up to the listing's limit; returns how many were added and, for the person,
    why each refused one was refused. The insert decides the limit (concurrent uploads cannot pass it), and a
    photo's files exist exactly when its row does: written first, removed again when the insert refuses or fails."""
    listings.own_listing(car_id, actor=actor)
    room = MAX_PHOTOS - db.scalar("selling.photo_count", car_id=car_id)  # only to skip decoding what cannot fit
    added, refused, full, work = 0, [], False, 0
    for index, (filename, data) in enumerate(uploads):
        if index >= room:
            full = True
            break
        if len(data) > PHOTO_MAX_BYTES:
            refused.append(f"{filename}: larger than 10 MB")
            continue
        try:
            work += images.photo_decode_pixels(data)
            if work > REQUEST_PIXEL_BUDGET:
                refused.append(
                    f"{filename} and the {len(uploads) - index - 1} after it: this upload holds more image data than "
                    "one upload may; add them in another upload"
                )
                break
            name, width, height = images.save_photo(data)
        except images.ImageRejected as exc:
            refused.append(f"{filename}: {exc}")
            continue
        except images.Busy as exc:
            refused.append(f"{filename} and the {len(uploads) - index - 1} after it: {exc.description}")
            break
        try:
            db.scalar("selling.add_photo", car_id=car_id, file=name, width=width, height=height)
        except db.CheckViolation as exc:
            images.remove_photo(name)
            if exc.constraint != "car_photos_limit":
                raise
            full = True
            break
        except BaseException:
            images.remove_photo(name)
            raise
        added += 1
    if full:
        refused.append(f"a listing holds at most {MAX_PHOTOS} photos")
    db.one("selling.refresh_cover", car_id=car_id)
    revisions.photos_added(car_id, added, actor=actor)
    return added, refused


def arrange(car_id: int, photo_id: int, action: str, *, actor: Actor) -> None:
    """Move a photo earlier, later or to the front (the cover), or delete it."""
    if action not in MOVES:
        raise Invalid("The action is earlier, later, first or delete.", field="action")
    listings.own_listing(car_id, actor=actor)
    removed = None
    with db.transaction():
        if action == "delete":
            row = db.optional("selling.delete_photo", car_id=car_id, photo_id=photo_id)
            if row is None:
                raise NotFound("There is no such photo.")
            removed = row["file"]
        else:
            db.execute(
                "selling.move_photo",
                car_id=car_id,
                photo_id=photo_id,
                to_front=action == "first",
                step=-1 if action == "earlier" else 1,
            )
        db.one("selling.refresh_cover", car_id=car_id)
    images.remove_photo(removed)
