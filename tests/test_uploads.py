"""Uploads are bounded in work, not only in bytes: hostile images are refused from their headers within a CPU and
memory budget, image work per process is capped, and the 20-photo limit is the database's."""

from __future__ import annotations

import io
import os
import re
import struct
import threading
import time
from pathlib import Path

import psycopg
import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from carsite import images

from .helpers import csrf, login, make_user, sql
from .test_selling import create


def multipart(client, path: str, page: str, field: str, files: list[tuple[bytes, str]]):
    fields = [("csrf_token", csrf(client, page))] + [(field, FileStorage(io.BytesIO(d), n)) for d, n in files]
    boundary, body = encode_multipart(MultiDict(fields))
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def photo(size=(4000, 3000)) -> bytes:
    """A camera-like JPEG: noise, so it neither compresses to nothing nor decodes for free."""
    small = Image.frombytes("RGB", (size[0] // 50, size[1] // 50), os.urandom(size[0] * size[1] * 3 // 2500))
    return encoded(small.resize(size, Image.Resampling.BILINEAR), "JPEG", quality=85)


def huge_gif(width: int, height: int) -> bytes:
    """A GIF of a few bytes whose header declares width × height (the pixels never follow)."""
    screen = struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\x00\x00\x00\xff\xff\xff"
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00"
    return b"GIF89a" + screen + frame + b"\x3b"


def huge_jpeg(width: int, height: int) -> bytes:
    """A small JPEG with its frame header (SOF0) rewritten to declare width × height."""
    data = bytearray(encoded(Image.new("RGB", (16, 16), (200, 30, 30)), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


@pytest.fixture(scope="module")
def hostile() -> list[tuple[bytes, str]]:
    """20 images that cost seconds of CPU and hundreds of MB to decode, each only a few KB to send."""
    png_40mp = encoded(Image.new("1", (7300, 5440)), "PNG")  # 39.7 megapixels in ~5 KB
    bomb = encoded(Image.new("1", (20000, 20000)), "PNG")  # 400 megapixels, 1 bit deep
    gif_36mp = encoded(Image.new("P", (6000, 6000)), "GIF")
    jpeg_35mp = encoded(Image.new("L", (7000, 5000), 128), "JPEG")
    files = [(png_40mp, f"tiny-{i}.png") for i in range(8)]
    files += [(gif_36mp, f"wide-{i}.gif") for i in range(4)]
    files += [(jpeg_35mp, f"big-{i}.jpg") for i in range(4)]
    files += [(bomb, "bomb-0.png"), (bomb, "bomb-1.png")]
    files += [(huge_gif(65535, 65535), "huge.gif"), (huge_jpeg(60000, 60000), "huge.jpg")]
    assert len(files) == 20 and max(len(d) for d, _ in files) < 500_000
    return files


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakMemory:
    """The process's resident memory sampled every 2 ms: the peak above where it started."""

    def __enter__(self):
        self.start = self.peak = rss()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.sample)
        self.thread.start()
        return self

    def sample(self):
        while not self.done.wait(0.002):
            self.peak = max(self.peak, rss())

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()
        self.peak = max(self.peak, rss())

    @property
    def growth(self) -> int:
        return self.peak - self.start


def test_hostile_images_are_refused_within_a_cpu_and_memory_budget(app, seller, hostile):
    car_id = create(seller)
    token = csrf(seller, f"/sell/{car_id}")
    boundary, body = encode_multipart(
        MultiDict([("csrf_token", token)] + [("photos", FileStorage(io.BytesIO(d), n)) for d, n in hostile])
    )
    cpu = time.process_time()
    with PeakMemory() as memory:
        response = seller.post(
            f"/sell/{car_id}/photos", data=body, content_type=f"multipart/form-data; boundary={boundary}"
        )
    cpu = time.process_time() - cpu
    assert response.status_code == 303
    assert cpu < 2.0, f"{cpu:.2f} CPU-seconds for 20 hostile images"
    assert memory.growth < 200 * 1024 * 1024, f"{memory.growth / 2**20:.0f} MB for 20 hostile images"
    page = seller.get(f"/sell/{car_id}").get_data(as_text=True)
    for _, name in hostile:
        assert re.search(
            re.escape(name) + r": This image has (\d+ × \d+|far too many) pixels; upload one of at most 25 megapixels",
            page,
        ), name
    assert sql(app, "SELECT count(*) FROM car_photos") == [(0,)]
    assert list((Path(app.config["UPLOAD_DIR"]) / "photos").glob("*")) == []

    accepted = multipart(seller, f"/sell/{car_id}/photos", f"/sell/{car_id}", "photos", [(photo(), "car.jpg")])
    assert accepted.status_code == 303
    assert sql(app, "SELECT width, height FROM car_photos") == [(1600, 1200)]


def test_a_24_megapixel_jpeg_decodes_at_reduced_scale(app):
    with app.app_context():
        image = images.load(photo((6000, 4000)), images.PHOTO_MAX_PIXELS, images.PHOTO_SIZES["large"])
    assert image.size == (3000, 2000)  # a quarter of the pixels were decoded


def test_avatars_have_a_lower_pixel_limit(app):
    make_user(app)
    client = app.test_client()
    login(client)
    big = encoded(Image.new("L", (5000, 4000), 90), "JPEG")  # 20 megapixels: a photo, but not an avatar
    response = multipart(client, "/account/avatar", "/account", "avatar", [(big, "me.jpg")])
    assert response.status_code == 400
    assert "upload one of at most 16 megapixels" in response.get_data(as_text=True)
    fine = encoded(Image.new("RGB", (4032, 3024), (10, 120, 40)), "JPEG")
    assert multipart(client, "/account/avatar", "/account", "avatar", [(fine, "me.jpg")]).status_code == 303


def test_image_work_waits_for_a_free_worker_then_answers_busy(make_app):
    app = make_app(IMAGE_WORKERS=1, IMAGE_WAIT_SECONDS=0.3)
    make_user(app, "seller@example.com", role="seller")
    seller = app.test_client()
    login(seller, "seller@example.com")
    car_id = create(seller)
    held, release = threading.Event(), threading.Event()

    def hold_the_only_worker():
        with app.app_context(), images.worker():
            held.set()
            release.wait(30)

    holder = threading.Thread(target=hold_the_only_worker)
    holder.start()
    held.wait(10)
    try:
        small = photo((800, 600))
        response = multipart(
            seller, f"/sell/{car_id}/photos", f"/sell/{car_id}", "photos", [(small, "a.jpg"), (small, "b.jpg")]
        )
        assert response.status_code == 303
        page = seller.get(f"/sell/{car_id}").get_data(as_text=True)
        assert "a.jpg and the 1 after it: The server is busy with other photos. Upload again in a minute." in page
        avatar = multipart(seller, "/account/avatar", "/account", "avatar", [(small, "me.jpg")])
        assert avatar.status_code == 503 and avatar.headers["Retry-After"] == "30"
        assert b"The server is busy with other photos" in avatar.data
    finally:
        release.set()
        holder.join(10)
    assert sql(app, "SELECT count(*) FROM car_photos") == [(0,)]
    again = multipart(seller, f"/sell/{car_id}/photos", f"/sell/{car_id}", "photos", [(small, "a.jpg")])
    assert again.status_code == 303
    assert sql(app, "SELECT count(*) FROM car_photos") == [(1,)]


def test_three_simultaneous_uploads_of_ten_store_exactly_twenty(app):
    make_user(app, "seller@example.com", role="seller")
    clients = [app.test_client() for _ in range(3)]
    for client in clients:
        login(client, "seller@example.com")
    car_id = create(clients[0])
    small = [(encoded(Image.new("RGB", (64, 48), (i * 20, 90, 200)), "JPEG"), f"p{i}.jpg") for i in range(10)]
    bodies = []
    for client in clients:
        fields = [("csrf_token", csrf(client, f"/sell/{car_id}"))]
        fields += [("photos", FileStorage(io.BytesIO(d), n)) for d, n in small]
        bodies.append(encode_multipart(MultiDict(fields)))
    barrier = threading.Barrier(len(clients))
    statuses = []

    def upload(client, boundary, body):
        barrier.wait()
        response = client.post(
            f"/sell/{car_id}/photos", data=body, content_type=f"multipart/form-data; boundary={boundary}"
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=upload, args=(c, *b)) for c, b in zip(clients, bodies, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert statuses == [303, 303, 303]
    rows = sql(app, "SELECT file, position FROM car_photos WHERE car_id = %s ORDER BY position", car_id)
    assert len(rows) == 20
    assert [p for _, p in rows] == list(range(20))
    folder = Path(app.config["UPLOAD_DIR"]) / "photos"
    on_disk = sorted(p.name for p in folder.iterdir())
    assert on_disk == sorted(f"{f}-{size}.webp" for f, _ in rows for size in images.PHOTO_SIZES)
    pages = [c.get(f"/sell/{car_id}").get_data(as_text=True) for c in clients]
    assert any("a listing holds at most 20 photos" in page for page in pages)


def test_the_database_refuses_the_twenty_first_photo(app):
    make_user(app, "seller@example.com", role="seller")
    client = app.test_client()
    login(client, "seller@example.com")
    car_id = create(client)
    sql(
        app,
        "INSERT INTO car_photos (car_id, file, position, width, height)"
        " SELECT %s, lpad(to_hex(i), 32, '0'), 0, 1, 1 FROM generate_series(1, 20) AS i",
        car_id,
    )
    with pytest.raises(psycopg.errors.CheckViolation, match="a listing holds at most 20 photos"):
        sql(
            app,
            "INSERT INTO car_photos (car_id, file, position, width, height) VALUES (%s, %s, 0, 1, 1)",
            car_id,
            "f" * 32,
        )
    assert sql(app, "SELECT count(*), max(position) FROM car_photos") == [(20, 19)]


def test_one_upload_decodes_a_bounded_number_of_pixels(app, seller):
    """Twenty 25-megapixel PNGs of a few KB each pass the per-photo limit; the request's pixel budget stores six and
    refuses the rest before decoding them (each costs about a CPU-second to decode and encode)."""
    car_id = create(seller)
    png_25mp = encoded(Image.new("1", (5000, 5000)), "PNG")
    assert len(png_25mp) < 10_000
    cpu = time.process_time()
    response = multipart(
        seller, f"/sell/{car_id}/photos", f"/sell/{car_id}", "photos", [(png_25mp, f"flat-{i}.png") for i in range(20)]
    )
    cpu = time.process_time() - cpu
    assert response.status_code == 303
    assert sql(app, "SELECT count(*) FROM car_photos") == [(6,)]
    page = seller.get(f"/sell/{car_id}").get_data(as_text=True)
    assert "flat-6.png and the 13 after it: this upload holds more image data than one upload may" in page
    print(f"six 25-megapixel PNGs stored, 14 refused: {cpu:.2f} CPU-seconds")


def test_twenty_camera_jpegs_fit_in_one_upload():
    """The budget is no obstacle to a normal upload: 24-megapixel camera JPEGs decode at a quarter of their pixels."""
    data = huge_jpeg(6000, 4000)
    assert images.photo_decode_pixels(data) == 3000 * 2000
    from carsite.selling.photos import REQUEST_PIXEL_BUDGET

    assert 20 * images.photo_decode_pixels(data) <= REQUEST_PIXEL_BUDGET
