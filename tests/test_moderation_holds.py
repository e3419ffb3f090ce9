"""Moderation that holds: material edits of a live listing wait for review while the approved version stays public;
small edits apply at once; every edit is audited; decisions race safely; only the seller reaches a listing."""

from __future__ import annotations

import io
import threading

import pytest

from .helpers import csrf, login, make_user, post, sql
from .test_selling import VALID, create, jpeg, upload

SCAM = {
    **VALID,
    "title": "VW Golf: pay the deposit by wire first",
    "description": "Send 500 EUR by wire to IBAN XX00 0000 before viewing.",
    "price": "1",
}


def live_car(seller, admin, *photos: bytes) -> int:
    car_id = create(seller)
    if photos:
        upload(seller, car_id, *[(p, f"{i}.jpg") for i, p in enumerate(photos)])
    post(seller, f"/sell/{car_id}/submit", page=f"/sell/{car_id}")
    assert post(admin, f"/admin/moderation/{car_id}/approve", page="/admin/moderation").status_code == 303
    return car_id


def edit(client, car_id: int, **changes):
    return post(client, f"/sell/{car_id}", {**VALID, **changes}, page=f"/sell/{car_id}")


def pending_revision(app, car_id: int) -> tuple[int, int]:
    return sql(app, "SELECT id, version FROM listing_revisions WHERE car_id = %s AND status = 'pending'", car_id)[0]


def decide(admin, revision: tuple[int, int], decision: str, remark: str = ""):
    revision_id, version = revision
    return post(
        admin,
        f"/admin/moderation/revisions/{revision_id}/{decision}",
        {"version": str(version), "remark": remark},
        page="/admin/moderation",
    )


def public_view(app, car_id: int) -> tuple[str, dict, list[int]]:
    """The car page's HTML, the API's car and the ids a search for the car's words finds."""
    visitor = app.test_client()
    page = visitor.get(f"/cars/{car_id}", follow_redirects=True).get_data(as_text=True)
    api = visitor.get(f"/api/v1/cars/{car_id}").json
    found = [item["id"] for item in visitor.get("/api/v1/cars?q=golf").json["items"]]
    return page, api, found


def listing_events(app, car_id: int) -> list[tuple[str, list[str] | None]]:
    rows = sql(
        app,
        "SELECT action, detail->'fields' FROM audit_log WHERE (detail->>'car_id')::bigint = %s ORDER BY id",
        car_id,
    )
    return [(action, fields) for action, fields in rows if action not in ("listing.submit", "listing.approve")]


def test_a_scam_edit_of_a_live_listing_waits_for_review_and_the_approved_version_stays_public(app, seller, admin):
    car_id = live_car(seller, admin)
    response = edit(seller, car_id, **SCAM)
    assert response.status_code == 303
    assert "wait for review" in seller.get(f"/sell/{car_id}").get_data(as_text=True)

    page, api, found = public_view(app, car_id)
    assert "VW Golf 1.5 TSI Comfortline" in page and "wire" not in page and "IBAN" not in page
    assert (api["title"], api["price"]) == ("VW Golf 1.5 TSI Comfortline", 17450)
    assert found == [car_id]
    assert app.test_client().get("/api/v1/cars?q=iban").json["items"] == []
    assert sql(app, "SELECT title, price, status FROM cars WHERE id = %s", car_id) == [
        ("VW Golf 1.5 TSI Comfortline", 17450, "available")
    ]

    form = seller.get(f"/sell/{car_id}").get_data(as_text=True)
    assert "Your changes are waiting for review: the public page shows the approved version" in form
    assert 'value="VW Golf: pay the deposit by wire first"' in form  # the seller edits the revision, not the live text

    queue = admin.get("/admin/moderation").get_data(as_text=True)
    revision = queue[queue.index('id="revision-') :]
    for text in ("VW Golf 1.5 TSI Comfortline", "VW Golf: pay the deposit by wire first", "IBAN XX00", "Description"):
        assert text in revision, text
    assert "17,450" in revision or "17450" in revision
    assert sql(app, "SELECT proposed->>'price' FROM listing_revisions WHERE car_id = %s", car_id) == [("1",)]

    assert decide(admin, pending_revision(app, car_id), "approve").status_code == 303
    page, api, found = public_view(app, car_id)
    assert "VW Golf: pay the deposit by wire first" in page and "IBAN XX00" in page
    assert (api["title"], api["price"]) == ("VW Golf: pay the deposit by wire first", 1)
    prices = sql(app, "SELECT price FROM car_price_history WHERE car_id = %s ORDER BY seq", car_id)
    assert [p for (p,) in prices] == [17450, 1]
    assert listing_events(app, car_id) == [
        ("listing.revision_submitted", ["title", "price", "description"]),
        ("listing.revision_approved", ["title", "price", "description"]),
    ]
    assert "Your changes are waiting for review" not in seller.get(f"/sell/{car_id}").get_data(as_text=True)


def test_a_rejected_revision_leaves_the_live_version_and_the_seller_sees_the_remark(app, seller, admin):
    car_id = live_car(seller, admin)
    edit(seller, car_id, **SCAM)
    no_remark = decide(admin, pending_revision(app, car_id), "reject", " ")
    assert no_remark.status_code == 400 and b"remark" in no_remark.data
    assert decide(admin, pending_revision(app, car_id), "reject", "No payment instructions, please.").status_code == 303

    page, api, _ = public_view(app, car_id)
    assert "VW Golf 1.5 TSI Comfortline" in page and "wire" not in page
    assert (api["title"], api["price"]) == ("VW Golf 1.5 TSI Comfortline", 17450)
    assert "No payment instructions, please." in seller.get("/sell").get_data(as_text=True)
    form = seller.get(f"/sell/{car_id}").get_data(as_text=True)
    assert "No payment instructions, please." in form and 'value="VW Golf: pay the deposit by wire first"' in form
    assert "No changes to live listings are waiting" in admin.get("/admin/moderation").get_data(as_text=True)

    # Fixing it sends it again (a new pending revision); discarding drops it and the form shows the live values.
    edit(seller, car_id, **{**SCAM, "description": "Viewing in Leipzig; payment on collection."})
    assert sql(app, "SELECT status FROM listing_revisions WHERE car_id = %s ORDER BY id", car_id) == [
        ("rejected",),
        ("pending",),
    ]
    assert post(seller, f"/sell/{car_id}/revision/discard", page=f"/sell/{car_id}").status_code == 303
    form = seller.get(f"/sell/{car_id}").get_data(as_text=True)
    assert 'value="VW Golf 1.5 TSI Comfortline"' in form and "Your changes are waiting for review" not in form
    assert sql(app, "SELECT status FROM listing_revisions WHERE car_id = %s ORDER BY id", car_id) == [
        ("rejected",),
        ("discarded",),
    ]
    assert [action for action, _ in listing_events(app, car_id)] == [
        "listing.revision_submitted",
        "listing.revision_rejected",
        "listing.revision_submitted",
        "listing.revision_discarded",
    ]


def test_non_material_edits_of_a_live_listing_apply_at_once_and_are_audited(app, seller, admin):
    car_id = live_car(seller, admin)
    changes = {"mileage_km": "49100", "colour": "Dark blue", "price": "16900", "city": "Halle", "features": ["Towbar"]}
    assert edit(seller, car_id, **changes).status_code == 303
    assert sql(app, "SELECT mileage_km, colour, price, city, features FROM cars WHERE id = %s", car_id) == [
        (49100, "dark blue", 16900, "Halle", ["Towbar"])
    ]
    assert sql(app, "SELECT count(*) FROM listing_revisions") == [(0,)]
    api = app.test_client().get(f"/api/v1/cars/{car_id}").json
    assert api["price"] == 16900
    assert listing_events(app, car_id) == [("listing.edit", ["price", "mileage_km", "colour", "city", "features"])]
    # A mixed save: the small change applies, the material one waits.
    edit(seller, car_id, **{**changes, "mileage_km": "49200", "title": "VW Golf, new title"})
    assert sql(app, "SELECT mileage_km, title FROM cars WHERE id = %s", car_id) == [
        (49200, "VW Golf 1.5 TSI Comfortline")
    ]
    assert listing_events(app, car_id)[1:] == [
        ("listing.edit", ["mileage_km"]),
        ("listing.revision_submitted", ["title"]),
    ]


@pytest.mark.parametrize(
    ("price", "waits"),
    [("14000", False), ("13900", True), ("499", True), ("30000", False)],
)
def test_a_price_change_waits_when_it_cuts_more_than_a_fifth_or_goes_below_the_floor(app, seller, admin, price, waits):
    car_id = live_car(seller, admin, jpeg())
    edit(seller, car_id, price=price)
    assert sql(app, "SELECT count(*) FROM listing_revisions WHERE status = 'pending'") == [(int(waits),)]
    assert sql(app, "SELECT price FROM cars WHERE id = %s", car_id) == [(17450 if waits else int(price),)]


def test_photos_added_to_a_live_listing_are_not_public_until_approved(app, seller, admin):
    car_id = live_car(seller, admin, jpeg((255, 0, 0)))
    ((old_file,),) = sql(app, "SELECT file FROM car_photos WHERE car_id = %s", car_id)
    assert upload(seller, car_id, (jpeg((0, 255, 0)), "new.jpg")).status_code == 303
    ((new_id, new_file),) = sql(app, "SELECT id, file FROM car_photos WHERE car_id = %s AND position = 1", car_id)
    post(seller, f"/sell/{car_id}/photos/{new_id}/first", page=f"/sell/{car_id}")  # it must not become the cover

    page, _, _ = public_view(app, car_id)
    assert old_file in page and new_file not in page
    assert sql(app, "SELECT cover_photo FROM cars WHERE id = %s", car_id) == [(old_file,)]
    cards = app.test_client().get("/cars?q=golf").get_data(as_text=True)
    assert old_file in cards and new_file not in cards
    assert "Waiting for review" in seller.get(f"/sell/{car_id}").get_data(as_text=True)
    queue = admin.get("/admin/moderation").get_data(as_text=True)
    assert new_file in queue[queue.index('id="revision-') :]

    assert decide(admin, pending_revision(app, car_id), "approve").status_code == 303
    page, _, _ = public_view(app, car_id)
    assert old_file in page and new_file in page
    assert sql(app, "SELECT cover_photo FROM cars WHERE id = %s", car_id) == [(new_file,)]
    assert listing_events(app, car_id) == [
        ("listing.revision_submitted", ["photos"]),
        ("listing.revision_approved", ["photos"]),
    ]


def test_discarding_drops_the_photos_waiting_for_review(app, seller, admin):
    car_id = live_car(seller, admin, jpeg((255, 0, 0)))
    upload(seller, car_id, (jpeg((0, 255, 0)), "new.jpg"), (jpeg((0, 0, 255)), "newer.jpg"))
    post(seller, f"/sell/{car_id}/revision/discard", page=f"/sell/{car_id}")
    assert sql(app, "SELECT position, awaiting_review FROM car_photos WHERE car_id = %s", car_id) == [(0, False)]


def test_two_decisions_on_one_revision_at_once_make_exactly_one_win(app, seller):
    make_user(app, "admin1@example.com", role="admin")
    make_user(app, "admin2@example.com", role="admin")
    admins = [app.test_client(), app.test_client()]
    for client, address in zip(admins, ("admin1@example.com", "admin2@example.com"), strict=True):
        login(client, address)
    car_id = live_car(seller, admins[0])
    for round_number in range(3):
        edit(seller, car_id, title=f"VW Golf, round {round_number}")
        revision_id, version = pending_revision(app, car_id)
        tokens = [csrf(client, "/admin/moderation") for client in admins]
        barrier = threading.Barrier(2)
        statuses = {}

        def decide_now(client, token, decision, barrier=barrier, statuses=statuses, revision=(revision_id, version)):
            barrier.wait()
            response = client.post(
                f"/admin/moderation/revisions/{revision[0]}/{decision}",
                data={"csrf_token": token, "version": str(revision[1]), "remark": "Not like this."},
            )
            statuses[decision] = response.status_code

        threads = [
            threading.Thread(target=decide_now, args=(client, token, decision))
            for client, token, decision in zip(admins, tokens, ("approve", "reject"), strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(statuses.values()) == [303, 409]
        winner = "approve" if statuses["approve"] == 303 else "reject"
        ((status, title),) = sql(
            app,
            "SELECT r.status, c.title FROM listing_revisions r JOIN cars c ON c.id = r.car_id WHERE r.id = %s",
            revision_id,
        )
        assert status == {"approve": "approved", "reject": "rejected"}[winner]
        assert (title == f"VW Golf, round {round_number}") == (winner == "approve")
        decisions = sql(
            app,
            "SELECT count(*) FROM audit_log WHERE action IN ('listing.revision_approved', 'listing.revision_rejected')"
            " AND (detail->>'revision_id')::bigint = %s",
            revision_id,
        )
        assert decisions == [(1,)]


def test_a_decision_on_a_revision_the_seller_changed_since_is_refused(app, seller, admin):
    car_id = live_car(seller, admin)
    edit(seller, car_id, title="VW Golf, first idea")
    seen = pending_revision(app, car_id)
    edit(seller, car_id, title="VW Golf: pay by wire first")
    response = decide(admin, seen, "approve")
    assert response.status_code == 409 and b"changed meanwhile" in response.data
    upload(seller, car_id, (jpeg(), "late.jpg"))  # a photo added after the admin looked also changes the version
    assert decide(admin, (seen[0], seen[1] + 1), "approve").status_code == 409
    assert sql(app, "SELECT title FROM cars WHERE id = %s", car_id) == [("VW Golf 1.5 TSI Comfortline",)]
    assert decide(admin, pending_revision(app, car_id), "approve").status_code == 303


@pytest.mark.parametrize("version", ["", "x", "-1", "99999999999"])
def test_a_decision_needs_the_version_number(app, seller, admin, version):
    car_id = live_car(seller, admin)
    edit(seller, car_id, title="VW Golf, new title")
    revision_id, _ = pending_revision(app, car_id)
    response = decide(admin, (revision_id, version), "approve")
    assert response.status_code == 400 and b"version" in response.data
    assert decide(admin, (999999, 1), "approve").status_code == 404


def test_other_sellers_get_404_on_everything_and_non_admins_cannot_decide(app, seller, admin):
    car_id = live_car(seller, admin, jpeg())
    edit(seller, car_id, **SCAM)
    upload(seller, car_id, (jpeg((0, 255, 0)), "new.jpg"))
    (revision_id, version) = pending_revision(app, car_id)
    ((photo_id,),) = sql(app, "SELECT id FROM car_photos WHERE car_id = %s AND awaiting_review", car_id)
    make_user(app, "rival@example.com", role="seller")
    rival = app.test_client()
    login(rival, "rival@example.com")
    assert rival.get(f"/sell/{car_id}").status_code == 404
    for path in (
        f"/sell/{car_id}",
        f"/sell/{car_id}/revision/discard",
        f"/sell/{car_id}/photos/{photo_id}/first",
        f"/sell/{car_id}/photos/{photo_id}/delete",
    ):
        assert post(rival, path, SCAM, page="/sell").status_code == 404, path
    token = csrf(rival, "/sell")
    files = {"csrf_token": token, "photos": (io.BytesIO(jpeg()), "x.jpg")}
    assert rival.post(f"/sell/{car_id}/photos", data=files, content_type="multipart/form-data").status_code == 404
    for client in (rival, seller):
        response = post(
            client,
            f"/admin/moderation/revisions/{revision_id}/approve",
            {"version": str(version)},
            page="/sell",
        )
        assert response.status_code == 403
    assert sql(app, "SELECT status, version FROM listing_revisions") == [("pending", version)]
    assert sql(app, "SELECT count(*) FROM car_photos WHERE car_id = %s", car_id) == [(2,)]
    assert sql(
        app,
        "SELECT count(*) FROM audit_log WHERE actor_id = (SELECT id FROM users WHERE email = %s)"
        " AND action LIKE 'listing.%%'",
        "rival@example.com",
    ) == [(0,)]


def test_a_relisted_listing_takes_its_open_changes_into_the_full_review(app, seller, admin):
    car_id = live_car(seller, admin, jpeg((255, 0, 0)))
    edit(seller, car_id, title="VW Golf, new title")
    upload(seller, car_id, (jpeg((0, 255, 0)), "new.jpg"))
    post(seller, f"/sell/{car_id}/withdraw", page=f"/sell/{car_id}")
    post(seller, f"/sell/{car_id}/relist", page=f"/sell/{car_id}")
    form = seller.get(f"/sell/{car_id}").get_data(as_text=True)
    assert 'value="VW Golf, new title"' in form
    edit(seller, car_id, title="VW Golf, new title")  # not public now: the save applies, and the revision folds in
    assert sql(app, "SELECT title, status FROM cars WHERE id = %s", car_id) == [("VW Golf, new title", "pending")]
    assert sql(app, "SELECT status FROM listing_revisions") == [("discarded",)]
    assert sql(app, "SELECT count(*) FROM car_photos WHERE awaiting_review") == [(0,)]
    assert "VW Golf, new title" in admin.get("/admin/moderation").get_data(as_text=True)


def test_every_listing_field_is_classified_for_live_edits():
    """A field added to the form must be placed: waiting for review or applying at once, never neither."""
    from carsite.selling import revisions
    from carsite.selling.form import PLAIN_FIELDS

    edited = {*PLAIN_FIELDS, "features", "specs"}
    assert set(revisions.MATERIAL) | set(revisions.IMMEDIATE) == edited
    assert not set(revisions.MATERIAL) & set(revisions.IMMEDIATE)
