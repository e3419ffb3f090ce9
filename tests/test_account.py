"""The account pages: profile, avatar uploads (size, content, names, headers), becoming a seller."""

from __future__ import annotations

import io
import os
from pathlib import Path

import psycopg
import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from .helpers import csrf, login, make_user, post


def png_bytes(size=(400, 300), colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (300, 300), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0131] = "SecretSoftware"  # Software
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.fixture
def client(app):
    make_user(app)
    client = app.test_client()
    login(client)
    return client


def upload(client, data: bytes, filename: str = "photo.png"):
    token = csrf(client, "/account")
    # Encoded in memory: the test client would spool a large body to a temporary file it never closes.
    boundary, body = encode_multipart({"csrf_token": token, "avatar": FileStorage(io.BytesIO(data), filename)})
    return client.post("/account/avatar", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def avatar_name(app) -> str | None:
    with psycopg.connect(app.config["DATABASE_URL"]) as conn:
        return conn.execute("SELECT avatar FROM users").fetchone()[0]


def test_profile_is_saved_and_bad_values_are_named(client):
    response = post(
        client,
        "/account",
        {"name": "  Ann   Smith ", "phone": "+49 30 1234567", "address": "Main St 1"},
        page="/account",
    )
    assert response.status_code == 303
    page = client.get("/account").get_data(as_text=True)
    assert 'value="Ann Smith"' in page and "+49 30 1234567" in page and "Main St 1" in page
    bad = post(client, "/account", {"name": "", "phone": "call me <maybe>", "address": "x"}, page="/account")
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert 'id="name-error"' in html and 'id="phone-error"' in html


def test_avatar_is_reencoded_under_a_server_made_name(app, client):
    response = upload(client, png_bytes(), filename="../../evil.png")
    assert response.status_code == 303
    name = avatar_name(app)
    assert name and name.endswith(".webp") and "evil" not in name
    folder = Path(app.config["UPLOAD_DIR"]) / "avatars"
    stored = folder / name
    assert os.path.realpath(stored).startswith(os.path.realpath(folder) + os.sep)
    with Image.open(stored) as image:
        assert image.size == (256, 256)
    served = client.get(f"/media/avatars/{name}")
    assert served.status_code == 200
    assert served.mimetype == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "max-age=31536000" in served.headers["Cache-Control"]
    served.close()
    # a replacement removes the old file
    upload(client, png_bytes(colour=(0, 0, 0)))
    assert not stored.exists()


def test_metadata_is_stripped(app, client):
    assert upload(client, jpeg_with_exif(), "holiday.jpg").status_code == 303
    stored = Path(app.config["UPLOAD_DIR"]) / "avatars" / avatar_name(app)
    assert b"SecretCam" not in stored.read_bytes()
    with Image.open(stored) as image:
        assert not image.getexif()


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"<html><script>alert(1)</script></html>", "evil.png"),
        (png_bytes()[:200], "truncated.png"),
        (b"%PDF-1.4 not an image", "doc.jpg"),
        (b"", "empty.png"),
    ],
)
def test_files_that_only_pretend_to_be_images_are_refused(app, client, data, filename):
    response = upload(client, data, filename)
    assert response.status_code == 400
    assert b'id="avatar-error"' in response.data
    assert avatar_name(app) is None
    folder = Path(app.config["UPLOAD_DIR"]) / "avatars"
    assert not folder.exists() or not any(folder.iterdir())


def test_oversized_upload_is_413(app, client):
    response = upload(client, b"\0" * (3 * 1024 * 1024), "big.png")
    assert response.status_code == 413
    assert avatar_name(app) is None


def test_media_paths_are_not_listable_or_guessable(client):
    assert client.get("/media/avatars/").status_code == 404
    assert client.get("/media/avatars/../../secret_key").status_code == 404
    assert client.get("/media/avatars/" + "0" * 32 + ".webp").status_code == 404


def test_avatar_can_be_removed(app, client):
    upload(client, png_bytes())
    name = avatar_name(app)
    assert post(client, "/account/avatar/remove", page="/account").status_code == 303
    assert avatar_name(app) is None
    assert not (Path(app.config["UPLOAD_DIR"]) / "avatars" / name).exists()


def test_unverified_user_cannot_become_a_seller_until_confirmed(app):
    make_user(app, "new@example.com", verified=False)
    client = app.test_client()
    login(client, "new@example.com")
    refused = post(client, "/account/become-seller", page="/account")
    assert refused.status_code == 403 and b"Confirm your email address first" in refused.data
    with psycopg.connect(app.config["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("UPDATE users SET email_verified_at = now()")
    assert post(client, "/account/become-seller", page="/account").status_code == 303
    with psycopg.connect(app.config["DATABASE_URL"]) as conn:
        assert conn.execute("SELECT role FROM users").fetchone()[0] == "seller"
        assert conn.execute("SELECT action, detail->>'new' FROM audit_log WHERE action = 'role.change'").fetchone() == (
            "role.change",
            "seller",
        )


def test_resend_confirmation_replaces_older_links(app):
    from .helpers import link_in, mails, path_of

    client = app.test_client()
    post(client, "/register", {"name": "N", "email": "n@example.com", "password": "long enough pass"}, page="/register")
    login(client, "n@example.com", "long enough pass")  # signing up does not log in; the password does
    post(client, "/account/confirm/resend", page="/account")
    first, second = mails(app)
    assert client.get(path_of(link_in(first))).status_code == 400  # replaced
    assert client.get(path_of(link_in(second))).status_code == 303


def test_logged_in_pages_are_not_cached(client, app):
    assert client.get("/account").headers["Cache-Control"] == "no-store, private"
    assert client.get("/").headers["Cache-Control"] == "no-store, private"
    anonymous = app.test_client().get("/")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
