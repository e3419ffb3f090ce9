"""The finance calculator: exact loan figures (checked against an independent Fraction schedule and textbook
payments), the car page's GET form, the JSON endpoint its script asks, the cards' "from €N / month", the settings."""

from __future__ import annotations

import html
import math
import random
import re
from decimal import Decimal
from fractions import Fraction

import pytest

from carsite import create_app
from carsite.config import ConfigError
from carsite.db import Database
from carsite.domain.errors import Invalid
from carsite.finance import loans

from .conftest import app_config
from .helpers import make_car, make_user, sql

TERMS = loans.Terms(deposit_percent=Decimal(20), apr=Decimal("6.9"), term_months=48)


def half_up(value: Fraction) -> Fraction:
    """A non-negative amount rounded half-up to the cent, in exact arithmetic."""
    assert value >= 0
    return Fraction(math.floor(value * 100 + Fraction(1, 2)), 100)


def reference(price, deposit, apr, n: int) -> tuple[Fraction, Fraction, Fraction]:
    """(level payment, final payment, total interest) by a different route from loans.quote: the annuity formula
    in exact fractions, then the balance carried month by month, the final payment clearing what is left."""
    financed = Fraction(str(price)) - Fraction(str(deposit))
    rate = Fraction(str(apr)) / 1200
    payment = half_up(financed / n) if rate == 0 else half_up(financed * rate / (1 - (1 + rate) ** -n))
    balance = financed
    for _ in range(n - 1):
        balance = balance * (1 + rate) - payment
    final = half_up(balance * (1 + rate))
    return payment, final, payment * (n - 1) + final - financed


def as_fraction(value: Decimal) -> Fraction:
    return Fraction(str(value))


# -- loans.quote ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("financed", "apr", "months", "payment"),
    [
        # published textbook and calculator examples (level payment on a fixed-rate, nominal-APR loan)
        ("20000", "7.5", 60, "400.76"),
        ("10000", "5", 36, "299.71"),
        ("25000", "4", 60, "460.41"),
        ("1000", "12", 12, "88.85"),
    ],
)
def test_textbook_payments(financed, apr, months, payment):
    quote = loans.quote(Decimal(financed), Decimal(0), Decimal(apr), months)
    assert quote.monthly_payment == Decimal(payment)


CASES = [
    ("18900", "3780", "6.9", 48),
    ("5000", "0", "0.01", 1),
    ("5000", "0", "99.99", 120),
    ("99999999", "0", "6.9", 120),
    ("12345.67", "2345.67", "3.45", 37),
    ("0.01", "0", "6.9", 120),  # a cent over ten years: a €0.00 level payment, the final one pays it all
    ("7999", "1", "19.9", 7),
]


@pytest.mark.parametrize(("price", "deposit", "apr", "months"), CASES)
def test_quote_matches_an_independent_month_by_month_schedule(price, deposit, apr, months):
    check(price, deposit, apr, months)


def test_quote_matches_the_schedule_on_random_loans():
    rng = random.Random(14)
    for _ in range(300):
        price = Decimal(rng.randint(100, 20_000_000)) / 100
        deposit = (price * Decimal(rng.randint(0, 100)) / 100).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
        apr = Decimal(rng.randint(0, 9999)) / 100
        check(price, deposit, apr, rng.randint(1, 120))


def check(price, deposit, apr, months) -> None:
    quote = loans.quote(Decimal(price), Decimal(deposit), Decimal(apr), months)
    payment, final, interest = reference(price, deposit, apr, months)
    assert as_fraction(quote.monthly_payment) == payment
    assert as_fraction(quote.final_payment) == final
    assert as_fraction(quote.total_interest) == interest
    assert quote.financed == Decimal(price) - Decimal(deposit)
    assert quote.total_payable == quote.deposit + quote.monthly_payment * (months - 1) + quote.final_payment
    assert quote.total_interest == quote.total_payable - quote.deposit - quote.financed
    for amount in (quote.monthly_payment, quote.final_payment, quote.total_interest, quote.total_payable):
        assert amount == amount.quantize(Decimal("0.01"))


def test_the_final_payment_absorbs_the_rounding():
    # 15,120 at 6.9 % over 48 months: the exact payment is 361.3659…, paid 361.37; the final one is 21 cents less
    quote = loans.quote(Decimal(18900), Decimal(3780), Decimal("6.9"), 48)
    assert (quote.monthly_payment, quote.final_payment) == (Decimal("361.37"), Decimal("361.16"))
    assert quote.total_interest == Decimal("2225.55") and quote.total_payable == Decimal("21125.55")


def test_zero_apr_divides_the_amount_and_charges_no_interest():
    quote = loans.quote(Decimal(1000), Decimal(0), Decimal(0), 3)
    assert (quote.monthly_payment, quote.final_payment) == (Decimal("333.33"), Decimal("333.34"))
    assert quote.total_interest == 0 and quote.total_payable == Decimal(1000)
    even = loans.quote(Decimal(6000), Decimal(1200), Decimal(0), 48)
    assert even.monthly_payment == even.final_payment == Decimal(100) and even.total_interest == 0


def test_a_deposit_of_the_whole_price_finances_nothing():
    quote = loans.quote(Decimal(5000), Decimal(5000), Decimal("6.9"), 48)
    assert quote.financed == 0 and quote.monthly_payment == 0 and quote.final_payment == 0
    assert quote.total_interest == 0 and quote.total_payable == Decimal(5000)


@pytest.mark.parametrize(
    ("price", "deposit", "apr", "months", "field", "message"),
    [
        ("0", "0", "5", 12, "price", "more than €0"),
        ("-1", "0", "5", 12, "price", "more than €0"),
        ("NaN", "0", "5", 12, "price", "more than €0"),
        ("5000", "-1", "5", 12, "deposit", "cannot be negative"),
        ("5000", "5000.01", "5", 12, "deposit", "more than the price"),
        ("5000", "0", "-0.1", 12, "apr", "from 0 to less than 100"),
        ("5000", "0", "100", 12, "apr", "from 0 to less than 100"),
        ("5000", "0", "Infinity", 12, "apr", "from 0 to less than 100"),
        ("5000", "0", "5", 0, "term", "from 1 to 120 months"),
        ("5000", "0", "5", 121, "term", "from 1 to 120 months"),
        ("5000", "0", "5", True, "term", "from 1 to 120 months"),
        ("5000", "0", "5", 12.0, "term", "from 1 to 120 months"),
    ],
)
def test_quote_refuses_values_out_of_range(price, deposit, apr, months, field, message):
    with pytest.raises(Invalid, match=message) as refused:
        loans.quote(Decimal(price), Decimal(deposit), Decimal(apr), months)
    assert refused.value.field == field


# -- parse_terms -----------------------------------------------------------------------------------------------


def test_parse_terms_starts_from_the_defaults():
    shown, quote, errors = loans.parse_terms({}, Decimal(18900), TERMS)
    assert errors == {} and shown == {"deposit": "3,780", "apr": "6.9", "term": "48"}
    assert quote == loans.quote(Decimal(18900), Decimal(3780), Decimal("6.9"), 48)


@pytest.mark.parametrize(
    ("values", "deposit", "apr", "term"),
    [
        ({"deposit": "2,000", "apr": "3.9", "term": "24"}, "2000", "3.9", 24),
        ({"deposit": "2k", "apr": "3,9 %", "term": "24 months"}, "2000", "3.9", 24),
        ({"deposit": "€ 500.50", "apr": "0", "term": "120"}, "500.50", "0", 120),
        ({"deposit": "0", "apr": "", "term": ""}, "0", "6.9", 48),
        ({"deposit": "18900"}, "18900", "6.9", 48),
    ],
)
def test_parse_terms_reads_what_people_type(values, deposit, apr, term):
    shown, quote, errors = loans.parse_terms(values, Decimal(18900), TERMS)
    assert errors == {}
    assert (quote.deposit, quote.apr, quote.term_months) == (Decimal(deposit), Decimal(apr), term)
    for name, typed in values.items():
        if typed:
            assert shown[name] == typed  # the form shows what was typed


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"deposit": "lots"}, "deposit", "Deposit must be a number"),
        ({"deposit": "-500"}, "deposit", "must not be negative"),
        ({"deposit": "20000"}, "deposit", "cannot be more than the price"),
        ({"deposit": "$500"}, "deposit", "in euros"),
        ({"apr": "high"}, "apr", "percentage with at most two decimals"),
        ({"apr": "6.999"}, "apr", "percentage with at most two decimals"),
        ({"apr": "-1"}, "apr", "percentage with at most two decimals"),
        ({"apr": "100"}, "apr", "from 0 to less than 100"),
        ({"term": "0"}, "term", "from 1 to 120 months"),
        ({"term": "121"}, "term", "from 1 to 120 months"),
        ({"term": "4 years"}, "term", "whole number of months"),
        ({"term": "12.5"}, "term", "whole number of months"),
        ({"term": "9" * 200}, "term", "whole number of months"),
        ({"deposit": "\x00", "apr": "\u0663", "term": "١٢"}, "apr", "percentage"),
    ],
)
def test_parse_terms_names_the_field_and_never_raises(values, field, message):
    _, quote, errors = loans.parse_terms(values, Decimal(18900), TERMS)
    assert quote is None
    assert message in errors[field]
    assert set(errors) <= set(loans.FIELDS)


def test_parse_terms_reports_every_bad_field_at_once():
    _, quote, errors = loans.parse_terms({"deposit": "x", "apr": "y", "term": "z"}, Decimal(18900), TERMS)
    assert quote is None and set(errors) == {"deposit", "apr", "term"}


def test_from_per_month_uses_the_default_terms():
    assert loans.from_per_month(Decimal(18900), TERMS) == Decimal("361.37")
    zero = loans.Terms(deposit_percent=Decimal(0), apr=Decimal(0), term_months=10)
    assert loans.from_per_month(Decimal(5000), zero) == Decimal(500)


# -- settings --------------------------------------------------------------------------------------------------


def test_the_default_terms_come_from_the_environment(make_app, monkeypatch):
    app = make_app()
    with app.app_context():
        assert loans.default_terms() == TERMS
    monkeypatch.setenv("CARSITE_FINANCE_APR", "4.5")
    monkeypatch.setenv("CARSITE_FINANCE_TERM_MONTHS", "60")
    monkeypatch.setenv("CARSITE_FINANCE_DEPOSIT_PERCENT", "10")
    app = make_app()
    with app.app_context():
        assert loans.default_terms() == loans.Terms(Decimal(10), Decimal("4.5"), 60)


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("FINANCE_APR", "cheap", "CARSITE_FINANCE_APR must be a percentage from 0 to under 100, got 'cheap'"),
        ("FINANCE_APR", 100, "CARSITE_FINANCE_APR must be a percentage from 0 to under 100, got 100"),
        ("FINANCE_APR", -1, "CARSITE_FINANCE_APR must be"),
        ("FINANCE_APR", "nan", "CARSITE_FINANCE_APR must be"),
        ("FINANCE_TERM_MONTHS", 0, "CARSITE_FINANCE_TERM_MONTHS must be whole months from 1 to 120, got 0"),
        ("FINANCE_TERM_MONTHS", 121, "CARSITE_FINANCE_TERM_MONTHS must be whole months from 1 to 120"),
        ("FINANCE_TERM_MONTHS", 4.5, "CARSITE_FINANCE_TERM_MONTHS must be whole months"),
        ("FINANCE_DEPOSIT_PERCENT", 101, "CARSITE_FINANCE_DEPOSIT_PERCENT must be a percentage from 0 to 100"),
        ("FINANCE_DEPOSIT_PERCENT", "half", "CARSITE_FINANCE_DEPOSIT_PERCENT must be"),
    ],
)
def test_bad_finance_settings_stop_the_app(clean_db, tmp_path, setting, value, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        create_app(app_config(clean_db, tmp_path, **{setting: value}))


# -- the car page ----------------------------------------------------------------------------------------------


@pytest.fixture
def car(app):
    seller = make_user(app, "sam@example.com", role="seller")
    return make_car(app, seller, status="available", title="Fiat Panda 1.2", price=18900)


PAGE = "/cars/{}/fiat-panda-1-2"


def finance_section(response) -> str:
    text = response.get_data(as_text=True)
    match = re.search(r'<section class="finance" id="finance".*?</section>', text, re.S)
    assert match, "no finance section"
    return html.unescape(match.group(0))


def field_value(section: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', section).group(1)


def test_the_car_page_shows_the_default_finance_figures(client, car):
    response = client.get(PAGE.format(car))
    assert response.status_code == 200
    section = finance_section(response)
    payment, final, interest = reference(18900, 3780, "6.9", 48)
    assert (payment, final, interest) == (Fraction("361.37"), Fraction("361.16"), Fraction("2225.55"))
    assert "€\u202f361.37" in section
    assert "47 monthly payments of €\u202f361.37 and a final one of €\u202f361.16" in section
    assert "€\u202f15,120" in section  # financed
    assert "€\u202f2,225.55" in section and "€\u202f21,125.55" in section  # interest, total payable
    assert (field_value(section, "deposit"), field_value(section, "apr"), field_value(section, "term")) == (
        "3,780",
        "6.9",
        "48",
    )
    assert "Example only, not a credit offer" in section and "nominal monthly rate" in section
    assert f'action="/cars/{car}/fiat-panda-1-2#finance"' in section
    assert '<script src="/static/finance.js" defer></script>' in response.get_data(as_text=True)


def test_the_get_form_works_out_the_given_terms(client, car):
    response = client.get(PAGE.format(car) + "?deposit=3900&apr=0&term=60")
    assert response.status_code == 200
    section = finance_section(response)
    assert "60 monthly payments of €\u202f250" in section  # 15,000 over 60 months, no interest
    assert "€\u202f15,000" in section and "€\u202f18,900" in section
    assert (field_value(section, "deposit"), field_value(section, "apr"), field_value(section, "term")) == (
        "3900",
        "0",
        "60",
    )


def test_the_canonical_redirect_keeps_the_finance_parameters(client, car):
    moved = client.get(f"/cars/{car}?deposit=3900&apr=0&term=60&utm_source=mail")
    assert moved.status_code == 301
    assert moved.headers["Location"] == f"/cars/{car}/fiat-panda-1-2?deposit=3900&apr=0&term=60&utm_source=mail"
    section = finance_section(client.get(moved.headers["Location"]))
    assert "60 monthly payments of €\u202f250" in section
    # the form carries the campaign along when it reloads the page
    assert '<input type="hidden" name="utm_source" value="mail">' in section


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("deposit=lots", "deposit", "Deposit must be a number, e.g. €\u202f18,900."),
        ("deposit=99999", "deposit", "The deposit cannot be more than the price (€\u202f18,900)."),
        ("apr=100", "apr", "The APR must be from 0 to less than 100 %."),
        ("apr=%3Cscript%3E", "apr", "The APR is a percentage with at most two decimals, e.g. 6.9."),
        ("term=0", "term", "The term must be from 1 to 120 months."),
        ("term=forever", "term", "The term is a whole number of months, e.g. 48."),
    ],
)
def test_bad_finance_parameters_show_a_message_on_the_page(client, car, query, field, message):
    response = client.get(PAGE.format(car) + "?" + query)
    assert response.status_code == 400  # as the search page: the URL asked for something that was not done
    section = finance_section(response)
    error = re.search(rf'<p class="field-error" id="finance-{field}-error"[^>]*>(.*?)</p>', section).group(1)
    assert error == message
    assert f'id="finance-{field}"' in section and 'aria-invalid="true"' in section
    assert "Correct the values marked to see the payments." in section
    assert "<script>" not in response.get_data(as_text=True).split("</head>")[1]
    assert "Description" in response.get_data(as_text=True)  # the rest of the page is all there


def test_finance_parameters_cost_no_query(client, car):
    client.get(PAGE.format(car))  # the first view warms what is kept in the process
    with Database.record() as plain:
        assert client.get(PAGE.format(car)).status_code == 200
    with Database.record() as financed:
        assert client.get(PAGE.format(car) + "?deposit=1000&apr=4.9&term=36").status_code == 200
    with Database.record() as refused:
        assert client.get(PAGE.format(car) + "?apr=abc").status_code == 400
    assert len(plain) <= 4
    assert list(financed) == list(plain) and list(refused) == list(plain)


def test_a_car_no_longer_for_sale_has_no_calculator(app, client, car):
    sql(app, "UPDATE cars SET status = 'sold' WHERE id = %s", car)
    response = client.get(PAGE.format(car) + "?apr=abc")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'id="finance"' not in text and "finance.js" not in text


# -- the JSON endpoint -----------------------------------------------------------------------------------------


def test_the_quote_endpoint_answers_with_the_server_figures(client):
    response = client.get("/finance/quote?price=18900&deposit=3780&apr=6.9&term=48")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["monthly_payment"] == "361.37" and data["final_payment"] == "361.16"
    assert data["total_interest"] == "2225.55" and data["total_payable"] == "21125.55"
    assert data["financed"] == "15120.00" and data["apr"] == "6.9" and data["term_months"] == 48
    assert data["shown"]["monthly_payment"] == "€\u202f361.37"
    assert data["schedule"] == "47 monthly payments of €\u202f361.37 and a final one of €\u202f361.16"
    assert data["values"] == {"deposit": "3780", "apr": "6.9", "term": "48"}
    defaults = client.get("/finance/quote?price=18900").get_json()
    assert defaults["monthly_payment"] == "361.37" and defaults["values"]["deposit"] == "3,780"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("", "price", "Enter price."),
        ("price=abc", "price", "Price must be a number"),
        ("price=0", "price", "The price must be more than €0."),
        ("price=18900&deposit=x", "deposit", "Deposit must be a number"),
        ("price=18900&deposit=20000", "deposit", "cannot be more than the price"),
        ("price=18900&apr=120", "apr", "The APR must be from 0 to less than 100 %."),
        ("price=18900&term=200", "term", "The term must be from 1 to 120 months."),
        ("price=18900&term=%00", "term", "term must not contain control characters."),
        ("price=1e9999&term=1", "price", "Price must be a number"),
    ],
)
def test_the_quote_endpoint_answers_400_naming_the_field(client, query, field, message):
    response = client.get("/finance/quote?" + query, headers={"Accept": "text/html"})
    assert response.status_code == 400 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["error"]["status"] == 400 and data["error"]["field"] == field
    assert message in data["error"]["message"] and message in data["errors"][field]


def test_the_quote_endpoint_lists_every_bad_field(client):
    data = client.get("/finance/quote?price=18900&deposit=x&apr=y&term=z").get_json()
    assert set(data["errors"]) == {"deposit", "apr", "term"}


# -- result cards ----------------------------------------------------------------------------------------------


def test_result_cards_show_from_per_month_on_the_default_terms(app, client, car):
    text = html.unescape(client.get("/cars?make=Fiat").get_data(as_text=True))
    card = re.search(r'<li class="card".*?</li>', text, re.S).group(0)
    assert "from €\u202f361.37 / month" in card
    assert 'title="Example with a 20 % deposit and 6.9 % APR over 48 months; not a credit offer"' in card


def test_result_cards_follow_the_configured_terms(make_app):
    app = make_app(FINANCE_APR=0, FINANCE_TERM_MONTHS=10, FINANCE_DEPOSIT_PERCENT=0)
    seller = make_user(app, "sam@example.com", role="seller")
    make_car(app, seller, status="available", price=18900)
    text = html.unescape(app.test_client().get("/cars").get_data(as_text=True))
    assert "from €\u202f1,890 / month" in text


def test_the_quote_endpoint_costs_no_query_and_can_be_revalidated(client):
    url = "/finance/quote?price=18900&deposit=3780&apr=6.9&term=48"
    with Database.record() as names:
        first = client.get(url)
    assert first.status_code == 200 and list(names) == []
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_the_calculator_speaks_the_site_locale(make_app):
    app = make_app(LOCALE="de")
    seller = make_user(app, "sam@example.com", role="seller")
    car = make_car(app, seller, status="available", title="Fiat Panda 1.2", price=18900)
    client = app.test_client()
    section = finance_section(client.get(PAGE.format(car)))
    assert field_value(section, "deposit") == "3.780" and "361,37\u00a0€" in section
    data = client.get("/finance/quote?price=18.900&deposit=3.780&apr=6,9&term=48").get_json()
    assert data["monthly_payment"] == "361.37" and data["shown"]["total_payable"] == "21.125,55\u00a0€"
