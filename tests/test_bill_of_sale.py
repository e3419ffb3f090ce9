"""The bill of sale PDF: read back with pypdf, as a buyer's PDF viewer or a search index would read it."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import cache

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from carsite.documents.bill_of_sale import FONTS, BillOfSale, Party, Payment, money, render

MM = 72 / 25.4
RIGHT_EDGE_PT = (210 - 18) * MM

SELLER = Party(
    name="Autohaus Müller & Söhne GmbH",
    address="Königstraße 12\n70173 Stuttgart\nGermany",
    email="verkauf@mueller-autohaus.de",
    phone="+49 711 123456",
)
BUYER = Party(
    name="Łukasz Żółć",
    address="ul. Świętokrzyska 18 m. 4\n00-050 Warszawa\nPolska",
    email="lukasz@example.pl",
    phone="+48 600 100 200",
)
FINANCE = Payment(
    kind="finance",
    deposit=Decimal("5000"),
    apr=Decimal("6.90"),
    term_months=48,
    monthly_payment=Decimal("465.32"),
    total_payable=Decimal("27335.36"),
)
SALE = BillOfSale(
    deal_number="KS-2026-0042",
    sale_date=date(2026, 12, 7),
    seller=SELLER,
    buyer=BUYER,
    title="BMW 320d Touring M Sport, one owner",
    make="BMW",
    model="320d Touring",
    year=2019,
    vin="WBA8J11040A123456",
    mileage_km=48200,
    first_registration="03/2019",
    colour="Mineral grey metallic",
    price=Decimal("24500"),
    currency="EUR",
    payment=FINANCE,
    site_name="carsite",
    order_reference="ORD-000981",
)


def read(pdf: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(pdf), strict=True)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in read(pdf).pages)


def flat(text: str) -> str:
    """Whitespace collapsed, so text that wrapped onto several lines compares as one line."""
    return " ".join(text.split())


def test_renders_a_pdf_that_pypdf_opens_with_its_metadata():
    pdf = render(SALE)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    reader = read(pdf)
    assert len(reader.pages) == 1
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width / MM), round(height / MM)) == (210, 297)
    meta = reader.metadata
    assert meta.title == "Bill of sale KS-2026-0042"
    assert meta.author == "carsite"
    assert meta.creation_date.date() == date(2026, 12, 7)


@pytest.mark.parametrize("payment", [FINANCE, Payment(kind="cash"), None])
def test_nothing_overflows_or_overlaps(payment):
    pdf = render(replace(SALE, payment=payment))
    assert overflowing(pdf) == []
    assert overlapping(pdf) == []


def test_the_text_is_set_in_the_bundled_font():
    page = read(render(SALE)).pages[0]
    fonts = {font["/BaseFont"].split("+")[-1] for font in page["/Resources"]["/Font"].values()}
    assert fonts == {"DejaVuSansBook", "DejaVuSansBold"}
    assert (FONTS / "LICENSE").read_text().count("Bitstream Vera Fonts Copyright") == 1


@pytest.mark.parametrize(
    ("seller", "buyer"),
    [
        ("Łukasz Żółć", "Grzegorz Brzęczyszczykiewicz"),
        ("Jürgen Müller-Straßburger", "Ærø Bilsalg ApS"),
        ("Çağlar Öztürk", "Şule Yıldız Işık"),
    ],
)
def test_names_and_deal_particulars_print_exactly(seller, buyer):
    sale = replace(SALE, seller=replace(SELLER, name=seller), buyer=replace(BUYER, name=buyer))
    text = text_of(render(sale))
    for expected in (
        seller,
        buyer,
        "KS-2026-0042",
        "7 December 2026",
        "WBA8J11040A123456",
        "€24,500.00",
        "48,200 km",
        "03/2019",
        "Mineral grey metallic",
        "Königstraße 12",
        "ul. Świętokrzyska 18 m. 4",
    ):
        assert expected in text, expected


def test_decomposed_input_prints_as_composed_letters():
    """A name typed as "Z" plus a combining dot prints as "Ż": the font has no glyph for the lone combining dot."""
    decomposed = unicodedata.normalize("NFD", "Łukasz Żółć")
    assert decomposed != "Łukasz Żółć"
    text = text_of(render(replace(SALE, buyer=replace(BUYER, name=decomposed))))
    assert "Łukasz Żółć" in text


def test_a_very_long_address_wraps_and_stays_on_one_page():
    address = (
        "Wohnanlage Sonnenhof, Treppenhaus C, dritter Stock links, bei Familie Schwarzenberger-Oberhuber, "
        "Große Ulrichstraße 123–125, Hinterhaus, Zugang über den Parkplatz der Gärtnerei, "
        "06108 Halle (Saale), Sachsen-Anhalt, Bundesrepublik Deutschland"
    )
    pdf = render(replace(SALE, buyer=replace(BUYER, address=address)))
    assert len(read(pdf).pages) == 1
    assert flat(address) in flat(text_of(pdf))
    assert overflowing(pdf) == []
    assert overlapping(pdf) == []


def test_long_unbroken_values_wrap_inside_the_page():
    """No space to break at (an email, a deal number, a name with no spaces): the text still wraps, never overflows."""
    long = "x" * 120
    sale = replace(
        SALE,
        deal_number="D" * 40,
        seller=replace(SELLER, name="N" * 90, email=f"{long}@example.com"),
        buyer=replace(BUYER, name="Kowalska-Wiśniewska-Zielińska-Wójcik-Kamińska-Lewandowska-Dąbrowska"),
        title="T" * 150,
        model="M" * 80,
        colour="C" * 80,
        site_name="S" * 150,
        order_reference="O" * 80,
    )
    pdf = render(sale)
    assert overflowing(pdf) == []
    assert overlapping(pdf) == []
    assert long in flat(text_of(pdf)).replace(" ", "")


def test_a_second_page_keeps_declarations_and_signatures_together_and_numbers_the_pages():
    address = "\n".join(f"Line {n} of a very long address" for n in range(1, 61))
    pdf = render(replace(SALE, seller=replace(SELLER, address=address)))
    pages = [page.extract_text() for page in read(pdf).pages]
    assert len(pages) > 1
    closing = [p for p in pages if "SELLER'S SIGNATURE" in p]
    assert closing == [p for p in pages if "Place and date" in p]
    assert closing == [p for p in pages if "The seller declares" in p and "is not legal advice" in p]
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page
    assert "Łukasz Żółć" in flat("".join(pages))
    assert overflowing(pdf) == []
    assert overlapping(pdf) == []


@pytest.mark.parametrize("vin", [None, "", "   "])
def test_a_missing_vin_prints_not_stated(vin):
    text = text_of(render(replace(SALE, vin=vin)))
    assert "VIN not stated" in flat(text)


def test_finance_prints_its_figures():
    text = flat(text_of(render(SALE)))
    for expected in (
        "Payment Finance",
        "Deposit €5,000.00",
        "APR 6.9%",
        "Term 48 months",
        "Monthly payment €465.32",
        "Total payable €27,335.36",
        "the finance agreement itself is a separate document",
    ):
        assert expected in text, expected


def test_finance_leaves_out_figures_it_was_not_given():
    text = flat(text_of(render(replace(SALE, payment=Payment(kind="finance", monthly_payment=Decimal("399"))))))
    assert "Monthly payment €399.00" in text
    assert "Deposit" not in text and "APR" not in text and "Total payable" not in text


def test_a_one_month_term_is_singular():
    text = flat(text_of(render(replace(SALE, payment=replace(FINANCE, term_months=1)))))
    assert "Term 1 month " in text


@pytest.mark.parametrize("payment", [Payment(kind="cash"), None])
def test_cash_or_no_payment_prints_no_finance_block(payment):
    text = flat(text_of(render(replace(SALE, payment=payment))))
    for finance_only in ("Finance", "Deposit", "APR", "Monthly payment", "Total payable", "finance agreement"):
        assert finance_only not in text
    assert ("Cash: the price is paid in full" in text) == (payment is not None)
    assert "€24,500.00" in text


def test_an_unknown_payment_kind_is_refused():
    with pytest.raises(ValueError, match="Unknown payment kind 'lease'"):
        render(replace(SALE, payment=Payment(kind="lease")))


def test_footer_names_the_site_the_deal_the_order_and_the_page():
    text = flat(text_of(render(SALE)))
    assert "carsite · Bill of sale KS-2026-0042 · Order ORD-000981" in text
    assert "Page 1 of 1" in text
    assert "Order" not in flat(text_of(render(replace(SALE, order_reference=""))))


def test_declarations_and_signature_lines_are_there():
    text = flat(text_of(render(SALE)))
    assert "The seller declares that they own the vehicle" in text
    assert "sold as seen and as described" in text
    assert "The buyer confirms receiving the vehicle" in text
    assert "is not legal advice" in text
    assert "SELLER'S SIGNATURE" in text and "BUYER'S SIGNATURE" in text
    assert text.count("Place and date") == 2


def test_the_same_sale_gives_the_same_bytes():
    assert render(SALE) == render(SALE)
    assert render(replace(SALE, sale_date=date(2026, 12, 8))) != render(SALE)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("24500", "EUR", "€24,500.00"),
        ("1234567.891", "GBP", "£1,234,567.89"),
        ("0.005", "USD", "$0.01"),
        ("99", "CHF", "CHF 99.00"),
        ("24500", "pln", "PLN 24,500.00"),
        ("-12.5", "EUR", "-€12.50"),
    ],
)
def test_money(amount, currency, expected):
    assert money(Decimal(amount), currency) == expected


@cache
def font_widths(bold: bool) -> tuple[dict[int, str], dict[str, tuple[int, int]], int]:
    font = TTFont(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"))
    return font.getBestCmap(), dict(font["hmtx"].metrics), font["head"].unitsPerEm


def fragments(pdf: bytes) -> list[tuple[int, str, float, float, float, float]]:
    """(page, text, left, bottom, right, top) in points for every piece of text, measured with the bundled font."""
    found = []
    for number, page in enumerate(read(pdf).pages, start=1):

        def visit(text, cm, tm, font, size, number=number):
            if not text.strip():
                return
            cmap, hmtx, units = font_widths("Bold" in font["/BaseFont"])
            scale = size * tm[0]
            width = sum(hmtx[cmap[ord(char)]][0] for char in text) / units * scale
            x, baseline = tm[4], tm[5]
            found.append((number, text, x, baseline - 0.2 * scale, x + width, baseline + 0.75 * scale))

        page.extract_text(visitor_text=visit)
    return found


def overflowing(pdf: bytes) -> list[str]:
    """Every line of text whose right end lies past the right margin."""
    return [text for _page, text, _left, _bottom, right, _top in fragments(pdf) if right > RIGHT_EDGE_PT + 0.5]


def overlapping(pdf: bytes) -> list[tuple[str, str]]:
    """Every pair of text pieces printed over each other on one page."""
    pieces = fragments(pdf)
    return [
        (a[1], b[1])
        for i, a in enumerate(pieces)
        for b in pieces[i + 1 :]
        if a[0] == b[0] and a[2] < b[4] - 0.5 and b[2] < a[4] - 0.5 and a[3] < b[5] - 0.5 and b[3] < a[5] - 0.5
    ]
