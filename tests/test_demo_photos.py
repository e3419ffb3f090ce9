"""Demo photos: every demo car has drawn photos that behave like uploads (served, counted, deletable one by one);
cars without photos show their body type's outline."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from PIL import Image

from carsite import demo_photos, seed
from carsite.selling.photos import MAX_PHOTOS

from .helpers import login, make_car, make_user, post, sql
from .test_selling import jpeg, upload

DEMO_SELLER = "seller@demo.carsite.test"


def served_image(client, name: str, size: str = "thumb") -> Image.Image:
    response = client.get(f"/media/photos/{name}-{size}.webp")
    data = response.get_data()
    response.close()
    assert response.status_code == 200, name
    assert response.mimetype == "image/webp"
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_every_demo_car_has_drawn_photos_the_app_serves(demo, client):
    cars = sql(
        demo,
        "SELECT c.id, c.body, c.cover_photo, array_agg(p.file ORDER BY p.position) FROM cars c"
        " LEFT JOIN car_photos p ON p.car_id = c.id GROUP BY c.id ORDER BY c.id",
    )
    assert len(cars) == seed.DEMO_CARS
    for car_id, body, cover, files in cars:
        assert None not in files and 3 <= len(files) <= 4, car_id
        assert cover == files[0], car_id
        shots = [demo_photos.parse(f) for f in files]
        assert all(s is not None and s.body == body for s in shots), car_id
        assert [s.angle for s in shots][:3] == ["front", "side", "rear"]
    assert len({f for *_, files in cars for f in files}) == sum(len(files) for *_, files in cars)  # no sharing
    # Every name is drawn by the same code: a cover of every body type and of every scene goes over HTTP.
    bodies: set[str] = set()
    scenes: set[str] = set()
    for _, body, cover, _files in cars:
        scene = demo_photos.parse(cover).scene
        if body not in bodies or scene not in scenes:
            bodies.add(body)
            scenes.add(scene)
            assert served_image(client, cover).size == demo_photos.SIZES["thumb"]
    assert bodies == {r[1] for r in cars} and scenes == set(demo_photos.SCENES)
    with_interior = next(files for *_, files in cars if len(files) == 4)
    for name in with_interior:
        served_image(client, name)
    assert served_image(client, with_interior[0], "large").size == demo_photos.LARGE
    # the car page and a results page show them
    car_id, _, cover, _ = cars[0]
    assert f"/media/photos/{cover}-large.webp" in client.get(f"/cars/{car_id}", follow_redirects=True).get_data(
        as_text=True
    )
    assert "/media/photos/d0d0ca75" in client.get("/cars").get_data(as_text=True)


def test_drawing_is_the_same_every_time_and_differs_between_cars():
    first = demo_photos.shots_for(17, "suv", "red")[0]
    again = demo_photos.shots_for(17, "suv", "red")[0]
    other = demo_photos.shots_for(18, "suv", "red")[0]
    assert first == again and demo_photos.name_for(first) == demo_photos.name_for(again)
    assert demo_photos.name_for(first) != demo_photos.name_for(other)
    size = (160, 120)
    assert demo_photos.render(first, size).tobytes() == demo_photos.render(again, size).tobytes()
    assert demo_photos.render(first, size).tobytes() != demo_photos.render(other, size).tobytes()


def test_deleting_a_demo_photo_leaves_every_other_car_intact(demo):
    seller = demo.test_client()
    assert login(seller, DEMO_SELLER, seed.DEMO_PASSWORD).status_code == 303
    (seller_id,) = sql(demo, "SELECT id FROM users WHERE email = %s", DEMO_SELLER)[0]
    # two cars of this seller that look alike (same body and colour), and one of another seller
    (car_a, car_b), _look = next(
        ((r[0], r[1]), (r[2], r[3]))
        for r in sql(
            demo,
            "SELECT min(id), max(id), body, colour FROM cars WHERE seller_id = %s GROUP BY body, colour"
            " HAVING count(*) > 1 ORDER BY 1 LIMIT 1",
            seller_id,
        )
    )
    (car_c,) = sql(demo, "SELECT min(id) FROM cars WHERE seller_id <> %s", seller_id)[0]
    photos = lambda car: sql(demo, "SELECT id, file FROM car_photos WHERE car_id = %s ORDER BY position", car)  # noqa: E731
    before = {car: photos(car) for car in (car_a, car_b, car_c)}
    visitor = demo.test_client()
    for car in before:
        for _, file in before[car][:2]:
            served_image(visitor, file)
    drawn = Path(demo.config["UPLOAD_DIR"]) / "demo"
    (deleted_id, deleted), (_, second) = before[car_a][:2]
    assert (drawn / demo_photos.file_name(deleted, "thumb")).exists()

    response = post(seller, f"/sell/{car_a}/photos/{deleted_id}/delete", page=f"/sell/{car_a}")
    assert response.status_code == 303
    assert photos(car_a) == before[car_a][1:]
    assert sql(demo, "SELECT cover_photo FROM cars WHERE id = %s", car_a) == [(second,)]
    assert visitor.get(f"/media/photos/{deleted}-thumb.webp").status_code == 404  # gone, as an upload would be
    assert not (drawn / demo_photos.file_name(deleted, "thumb")).exists()
    served_image(visitor, second)
    for car in (car_b, car_c):
        assert photos(car) == before[car]
        for _, file in before[car]:
            served_image(visitor, file)


def test_demo_photos_count_towards_the_photo_limit(demo):
    seller = demo.test_client()
    assert login(seller, DEMO_SELLER, seed.DEMO_PASSWORD).status_code == 303
    car_id, count = sql(
        demo,
        "SELECT c.id, count(*) FROM cars c JOIN users u ON u.id = c.seller_id JOIN car_photos p ON p.car_id = c.id"
        " WHERE u.email = %s AND c.status = 'available' GROUP BY c.id ORDER BY c.id LIMIT 1",
        DEMO_SELLER,
    )[0]
    room = MAX_PHOTOS - count
    upload(seller, car_id, *[(jpeg(size=(64, 48)), f"p{i}.jpg") for i in range(room + 2)])
    assert sql(demo, "SELECT count(*) FROM car_photos WHERE car_id = %s", car_id) == [(MAX_PHOTOS,)]
    flashes = seller.get(f"/sell/{car_id}").get_data(as_text=True)
    assert f"a listing holds at most {MAX_PHOTOS} photos" in flashes


def test_the_seed_adds_no_photos_twice(demo):
    before = sql(demo, "SELECT count(*), count(DISTINCT car_id) FROM car_photos")
    with demo.app_context():
        assert seed.demo() == 0
    assert sql(demo, "SELECT count(*), count(DISTINCT car_id) FROM car_photos") == before


def test_only_names_of_real_demo_photos_are_drawn(demo, client):
    (car_id, file) = sql(demo, "SELECT car_id, file FROM car_photos ORDER BY id LIMIT 1")[0]
    shot = demo_photos.parse(file)
    assert demo_photos.car_of(shot) == car_id
    other_scene = next(s for s in demo_photos.SCENES if s != shot.scene)
    for seed_value, scene in ((shot.seed, other_scene), (99_999_999, shot.scene)):  # not this car's; no car's
        made_up = demo_photos.name_for(demo_photos.Shot(shot.body, shot.colour, shot.angle, scene, seed_value))
        assert demo_photos.parse(made_up) is not None
        assert client.get(f"/media/photos/{made_up}-thumb.webp").status_code == 404
    tampered = file[:-1] + ("0" if file[-1] != "0" else "1")
    assert demo_photos.parse(tampered) is None
    assert client.get(f"/media/photos/{tampered}-thumb.webp").status_code == 404
    assert client.get(f"/media/photos/{secrets.token_hex(16)}-thumb.webp").status_code == 404
    assert not list((Path(demo.config["UPLOAD_DIR"]) / "demo").glob("*.webp"))


def test_an_upload_is_served_as_uploaded_next_to_demo_photos(demo):
    seller = demo.test_client()
    assert login(seller, DEMO_SELLER, seed.DEMO_PASSWORD).status_code == 303
    car_id = sql(demo, "SELECT c.id FROM cars c JOIN users u ON u.id = c.seller_id WHERE u.email = %s LIMIT 1",
                 DEMO_SELLER)[0][0]  # fmt: skip
    upload(seller, car_id, (jpeg(colour=(200, 10, 10)), "red.jpg"))
    (file,) = sql(demo, "SELECT file FROM car_photos WHERE car_id = %s ORDER BY position DESC LIMIT 1", car_id)[0]
    assert demo_photos.parse(file) is None
    image = served_image(seller, file, "large")
    assert image.convert("RGB").getpixel((10, 10))[0] > 150  # the red upload, not a drawing


def test_cars_without_photos_show_their_body_outline(app, client):
    seller_id = make_user(app, "s@example.com", role="seller")
    make_car(app, seller_id, status="available", body="pickup", title="Ford Ranger")
    html = client.get("/cars").get_data(as_text=True)
    assert "/media/bodies/pickup.svg" in html
    for body in (*demo_photos.BODY_TYPES, "anything-else"):
        response = client.get(f"/media/bodies/{body}.svg")
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        assert response.get_data(as_text=True).startswith("<svg") and "<script" not in response.get_data(as_text=True)
    assert client.get("/media/bodies/van.svg").data != client.get("/media/bodies/coupe.svg").data
