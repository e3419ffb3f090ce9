"""Selling: listings from draft to live, photos, moderation, withdrawal and deletion; only owners reach them."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from .helpers import csrf, login, make_car, make_user, post, sql

VALID = {
    "title": "VW Golf 1.5 TSI Comfortline",
    "make": "Volkswagen",
    "model": "Golf",
    "year": "2019",
    "price": "17450",
    "mileage_km": "48200",
    "fuel": "petrol",
    "transmission": "manual",
    "body": "hatchback",
    "colour": "Blue",
    "condition": "used",
    "vin": "",
    "city": "Leipzig",
    "postcode": "04109",
    "description": "One owner, full service history.",
    "features": ["Navigation", "Heated seats"],
    "specs": "Engine: 1.5 TSI 150 hp\nOwners: 1",
    "seo_title": "",
    "seo_description": "",
}


def jpeg(colour=(30, 90, 160), size=(1200, 900)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def create(client, **changes) -> int:
    response = post(client, "/sell/new", {**VALID, **changes}, page="/sell/new")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/sell/(\d+)", response.headers["Location"]).group(1))


def upload(client, car_id: int, *files: tuple[bytes, str]):
    token = csrf(client, f"/sell/{car_id}")
    fields = [("csrf_token", token)] + [("photos", FileStorage(io.BytesIO(d), n)) for d, n in files]
    from werkzeug.datastructures import MultiDict

    boundary, body = encode_multipart(MultiDict(fields))
    return client.post(f"/sell/{car_id}/photos", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_listing_goes_from_draft_through_review_to_search(app, seller, admin):
    car_id = create(seller)
    assert sql(app, "SELECT status, features, specs->0->>'label' FROM cars WHERE id = %s", car_id) == [
        ("draft", ["Navigation", "Heated seats"], "Engine")
    ]
    assert app.test_client().get(f"/cars/{car_id}").status_code == 404  # drafts are not public
    assert upload(seller, car_id, (jpeg(), "front.jpg"), (jpeg((200, 0, 0)), "back.jpg")).status_code == 303
    assert post(seller, f"/sell/{car_id}/submit", page=f"/sell/{car_id}").status_code == 303
    queue = admin.get("/admin/moderation").get_data(as_text=True)
    assert "VW Golf 1.5 TSI Comfortline" in queue
    assert post(admin, f"/admin/moderation/{car_id}/approve", page="/admin/moderation").status_code == 303
    found = app.test_client().get("/api/v1/cars?q=golf&city=leipzig").json["items"]
    assert [i["id"] for i in found] == [car_id]
    page = app.test_client().get(f"/cars/{car_id}", follow_redirects=True).get_data(as_text=True)
    assert "Heated seats" in page and "1.5 TSI 150 hp" in page and 'aria-label="Next photo"' in page
    assert sql(app, "SELECT action FROM audit_log WHERE action LIKE 'listing.%%' ORDER BY id") == [
        ("listing.submit",),
        ("listing.approve",),
    ]


def test_rejected_listing_shows_the_remark_and_can_be_resubmitted(app, seller, admin):
    car_id = create(seller)
    post(seller, f"/sell/{car_id}/submit", page=f"/sell/{car_id}")
    no_remark = post(admin, f"/admin/moderation/{car_id}/reject", {"remark": " "}, page="/admin/moderation")
    assert no_remark.status_code == 400
    post(
        admin,
        f"/admin/moderation/{car_id}/reject",
        {"remark": "Please add photos of the interior."},
        page="/admin/moderation",
    )
    assert "Please add photos of the interior." in seller.get(f"/sell/{car_id}").get_data(as_text=True)
    assert post(seller, f"/sell/{car_id}/submit", page=f"/sell/{car_id}").status_code == 303
    assert sql(app, "SELECT status, rejection_remark FROM cars WHERE id = %s", car_id) == [("pending", None)]
    assert post(admin, "/admin/moderation/999999/approve", page="/admin/moderation").status_code == 404


def test_photos_are_reordered_with_plain_buttons_and_the_first_is_the_cover(app, seller):
    car_id = create(seller)
    upload(seller, car_id, (jpeg((255, 0, 0)), "a.jpg"), (jpeg((0, 255, 0)), "b.jpg"), (jpeg((0, 0, 255)), "c.jpg"))
    photos = sql(app, "SELECT id, file FROM car_photos WHERE car_id = %s ORDER BY position", car_id)
    (a, fa), (b, _), (c, fc) = photos
    assert sql(app, "SELECT cover_photo FROM cars WHERE id = %s", car_id) == [(fa,)]
    post(seller, f"/sell/{car_id}/photos/{c}/first", page=f"/sell/{car_id}")
    assert [r[0] for r in sql(app, "SELECT id FROM car_photos WHERE car_id = %s ORDER BY position", car_id)] == [
        c,
        a,
        b,
    ]
    assert sql(app, "SELECT cover_photo FROM cars WHERE id = %s", car_id) == [(fc,)]
    post(seller, f"/sell/{car_id}/photos/{a}/later", page=f"/sell/{car_id}")
    assert [r[0] for r in sql(app, "SELECT id FROM car_photos WHERE car_id = %s ORDER BY position", car_id)] == [
        c,
        b,
        a,
    ]
    post(seller, f"/sell/{car_id}/photos/{c}/delete", page=f"/sell/{car_id}")
    assert sql(app, "SELECT id, position FROM car_photos WHERE car_id = %s ORDER BY position", car_id) == [
        (b, 0),
        (a, 1),
    ]
    folder = Path(app.config["UPLOAD_DIR"]) / "photos"
    assert not (folder / f"{fc}-large.webp").exists()
    with Image.open(folder / f"{fa}-thumb.webp") as thumb:
        assert thumb.size == (640, 480)
    served = app.test_client().get(f"/media/photos/{fa}-large.webp")
    assert served.mimetype == "image/webp" and served.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in served.headers["Cache-Control"]
    served.close()


def test_fake_photos_are_refused_with_a_reason(app, seller):
    car_id = create(seller)
    response = upload(seller, car_id, (b"<html>not an image</html>", "evil.jpg"), (jpeg(), "ok.jpg"))
    assert response.status_code == 303
    page = seller.get(f"/sell/{car_id}").get_data(as_text=True)
    assert "evil.jpg: This file is not an image we can read" in page
    assert sql(app, "SELECT count(*) FROM car_photos WHERE car_id = %s", car_id) == [(1,)]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("year", "1850", "Enter a year between"),
        ("year", "abc", "Enter the year"),
        ("price", "-5", "Price must not be negative"),
        ("price", "", "Enter a price"),
        ("price", "   ", "Enter a price"),
        ("price", "0", "Price must be at least"),
        ("price", "18.90", "Did you mean €\u202f18,900?"),
        ("price", "eighteen", "Price must be a number"),
        ("price", "$18900", "Price is in euros"),
        ("mileage_km", "150,5 km", "Mileage is a whole number"),
        ("mileage_km", "-1", "Mileage must not be negative"),
        ("vin", "1M8GDM9A1KP042788", "check digit"),
        ("vin", "ABC", "17 characters"),
        ("vin", "WVWZZZ1KZAW00O001", "never contains O"),
        ("specs", "no colon here", "Line 1 needs"),
        ("fuel", "coal", "Not a valid choice"),
        ("title", "", "This field"),
    ],
)
def test_bad_listing_values_are_named_next_to_the_field(app, seller, field, value, message):
    response = post(seller, "/sell/new", {**VALID, field: value}, page="/sell/new")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in html
    assert sql(app, "SELECT count(*) FROM cars") == [(0,)]


def test_a_valid_vin_is_accepted_and_stored_upper_case(app, seller):
    car_id = create(seller, vin="1m8gdm9axkp042788")
    assert sql(app, "SELECT vin FROM cars WHERE id = %s", car_id) == [("1M8GDM9AXKP042788",)]


def test_price_edit_is_recorded_and_withdrawn_cars_keep_their_page(app, seller, admin):
    car_id = create(seller)
    post(seller, f"/sell/{car_id}/submit", page=f"/sell/{car_id}")
    post(admin, f"/admin/moderation/{car_id}/approve", page="/admin/moderation")
    post(seller, f"/sell/{car_id}", {**VALID, "price": "16900"}, page=f"/sell/{car_id}")
    assert [p for (p,) in sql(app, "SELECT price FROM car_price_history WHERE car_id = %s ORDER BY id", car_id)] == [
        17450,
        16900,
    ]
    post(seller, f"/sell/{car_id}/withdraw", page=f"/sell/{car_id}")
    page = app.test_client().get(f"/cars/{car_id}", follow_redirects=True)
    assert page.status_code == 200 and b"withdrawn by the seller" in page.data
    assert app.test_client().get("/api/v1/cars").json["items"] == []
    post(seller, f"/sell/{car_id}/delete", {"confirm": "yes"}, page=f"/sell/{car_id}")
    assert app.test_client().get(f"/cars/{car_id}").status_code == 404


def test_other_people_get_404_on_every_listing_url(app, seller):
    car_id = create(seller)
    upload(seller, car_id, (jpeg(), "a.jpg"))
    (photo_id,) = sql(app, "SELECT id FROM car_photos WHERE car_id = %s", car_id)[0]
    make_user(app, "rival@example.com", role="seller")
    rival = app.test_client()
    login(rival, "rival@example.com")
    assert rival.get(f"/sell/{car_id}").status_code == 404
    for path in (
        f"/sell/{car_id}",
        f"/sell/{car_id}/submit",
        f"/sell/{car_id}/withdraw",
        f"/sell/{car_id}/delete",
        f"/sell/{car_id}/photos/{photo_id}/delete",
        f"/sell/{car_id}/photos/{photo_id}/first",
    ):
        assert post(rival, path, VALID, page="/sell").status_code == 404, path
    assert sql(app, "SELECT status, deleted_at FROM cars WHERE id = %s", car_id) == [("draft", None)]
    assert sql(app, "SELECT count(*) FROM car_photos") == [(1,)]


def test_plain_users_and_unconfirmed_sellers_cannot_list(app):
    make_user(app, "buyer@example.com")
    buyer = app.test_client()
    login(buyer, "buyer@example.com")
    assert buyer.get("/sell/new").headers["Location"] == "/account/become-seller?next=/sell/new"  # led, not refused
    assert post(buyer, "/sell/new", VALID, page="/account").status_code == 403
    make_user(app, "new@example.com", role="seller", verified=False)
    fresh = app.test_client()
    login(fresh, "new@example.com")
    response = fresh.get("/sell/new")
    assert response.status_code == 403 and b"Confirm your email address" in response.data


def test_admin_features_cars_on_the_home_page(app, seller, admin):
    car_id = create(seller)
    post(seller, f"/sell/{car_id}/submit", page=f"/sell/{car_id}")
    post(admin, f"/admin/moderation/{car_id}/approve", page="/admin/moderation")
    assert post(admin, f"/admin/cars/{car_id}/feature", page="/admin/moderation").status_code == 303
    home = app.test_client().get("/").get_data(as_text=True)
    assert "Featured cars" in home and f'href="/cars/{car_id}"' in home.split("Featured cars", 1)[1]


def test_your_listings_come_fifty_a_page_newest_first(app):
    seller = make_user(app, "many@example.com", role="seller")
    ids = [make_car(app, seller, title=f"Listing {n:02d}") for n in range(51)]
    sql(app, "UPDATE cars SET created_at = now() - make_interval(mins => 100 - id::int)")  # higher id: newer
    client = app.test_client()
    login(client, "many@example.com")
    first = client.get("/sell").get_data(as_text=True)
    assert first.count('class="car-cell"') == 50 and "Listing 50" in first and "Listing 00" not in first
    older = re.search(r'href="(/sell\?cursor=[^"]+)"[^>]*>Older listings', first)
    assert older, "no link to the older listings"
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert second.count('class="car-cell"') == 1 and "Listing 00" in second and "Older listings" not in second
    assert len(ids) == 51
    bad = client.get("/sell?cursor=forged")
    assert bad.status_code == 400 and "start again from the first page" in bad.get_data(as_text=True)
