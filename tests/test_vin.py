"""VINs: the check digit is required only where the law requires it; what a VIN says is read offline."""

from __future__ import annotations

import pytest

from carsite.selling import vin

from .helpers import sql
from .test_selling import VALID, create


@pytest.mark.parametrize(
    ("typed", "error", "warned"),
    [
        ("1M8GDM9AXKP042788", None, False),  # US, correct check digit
        ("1M8GDM9A1KP042788", "check digit", False),  # US, wrong: refused
        ("LSGPC54U0AS123456", "check digit", False),  # China mandates it too
        ("WVWZZZ1KZAW000001", None, True),  # Germany: no check digit required, so a warning only
        ("wvw-zzz 1kz aw000001", None, True),  # as people type it
        ("WVWZZZ1KZAW00O001", "never contains O", False),
        ("WVWZZZ1KZAW0001", "has 15", False),
        ("WVWZZZ1KZAW0000_1", "letters and digits only", False),
    ],
)
def test_problems_by_region(typed, error, warned):
    normalised, found, warning = vin.problem(typed)
    assert normalised == typed.replace("-", "").replace(" ", "").upper()
    assert (found is None) if error is None else (error in found)
    assert (warning is not None) is warned


def test_decoding_reads_manufacturer_country_and_year_candidates():
    us = vin.decode("1HGCM82633A004352")
    assert (us.make, us.country, us.years, us.check_digit_required, us.check_digit_ok) == (
        "Honda",
        "United States",
        (2003,),
        True,
        True,
    )
    assert us.years_are_certain
    german = vin.decode("WP0ZZZ99ZTS392124")
    assert german.make == "Porsche" and german.country == "Germany"
    assert german.years == (2026, 1996) and not german.years_are_certain and not german.check_digit_required
    assert vin.decode("WDD2050071F123456").make == "Mercedes-Benz"
    unknown = vin.decode("AAAAAAAAAAAAAAAAA")
    assert unknown.make is None


def test_a_european_vin_without_check_digit_is_saved_with_a_warning(app, seller):
    car_id = create(seller, vin="WVWZZZ1KZAW000001")
    assert sql(app, "SELECT vin FROM cars WHERE id = %s", car_id) == [("WVWZZZ1KZAW000001",)]
    page = seller.get(f"/sell/{car_id}").get_data(as_text=True)
    assert "flash-warning" in page and "check the VIN for typos" in page


def test_a_north_american_vin_with_a_wrong_check_digit_is_refused(app, seller):
    from .helpers import post

    response = post(seller, "/sell/new", {**VALID, "vin": "1HGCM82643A004352"}, page="/sell/new")
    assert response.status_code == 400 and "check digit" in response.get_data(as_text=True)
    assert sql(app, "SELECT count(*) FROM cars") == [(0,)]


def test_fill_in_from_the_vin_sets_the_make_and_a_certain_year_and_saves_nothing(app, seller):
    from .helpers import post

    before = sql(app, "SELECT count(*) FROM cars")
    typed = {**VALID, "make": "", "model": "", "year": "", "vin": "1hgcm826-33a004352", "decode_vin": "1"}
    response = post(seller, "/sell/new", typed, page="/sell/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "From the VIN: made by Honda in United States; model year 2003." in html
    honda = sql(app, "SELECT id FROM makes WHERE name = 'Honda'")[0][0]
    assert f'<option selected value="{honda}">Honda</option>' in html
    assert '<input id="year" name="year" required type="number" value="2003">' in html
    assert 'value="1HGCM82633A004352"' in html  # the VIN as it is written
    assert 'value="VW Golf 1.5 TSI Comfortline"' in html  # everything else typed stays
    assert sql(app, "SELECT count(*) FROM cars") == before


def test_fill_in_from_a_european_vin_names_the_year_candidates_and_keeps_a_chosen_make(app, seller):
    from .helpers import post

    typed = {**VALID, "year": "", "vin": "WP0ZZZ99ZTS392124", "decode_vin": "1"}  # the form says Volkswagen
    html = post(seller, "/sell/new", typed, page="/sell/new").get_data(as_text=True)
    assert "made by Porsche in Germany" in html and "model year 2026 or 1996 if the maker encodes it" in html
    volkswagen = sql(app, "SELECT id FROM makes WHERE name = 'Volkswagen'")[0][0]
    assert f'<option selected value="{volkswagen}">Volkswagen</option>' in html  # a chosen make is not replaced
    assert '<input id="year" name="year" required type="number" value="">' in html  # the year is left to the seller


def test_fill_in_from_a_malformed_vin_says_why_next_to_the_field(app, seller):
    from .helpers import post

    before = sql(app, "SELECT count(*) FROM cars")
    response = post(seller, "/sell/new", {**VALID, "vin": "WVWZZZ1KZAW00O001", "decode_vin": "1"}, page="/sell/new")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="vin-error"' in html and "never contains O" in html
    assert sql(app, "SELECT count(*) FROM cars") == before
