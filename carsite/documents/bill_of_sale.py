"""The bill of sale: one A4 PDF recording a completed deal between a seller and a buyer.

`render(sale)` takes plain values and returns the PDF's bytes; it reads no database and stores nothing. The same
input gives the same bytes (the creation date is the sale date, and fpdf2 derives the file id from the content).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from fpdf import FPDF, FontFace, XPos, YPos
from fpdf.enums import MethodReturnValue, TableBordersLayout, WrapMode

from ..domain import numbers

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVuSans"

INK = (20, 23, 31)
MUTED = (91, 98, 114)
LINE = (208, 213, 221)
BRAND = (31, 94, 255)
PANEL = (244, 246, 249)

MARGIN = 18.0
PAGE_WIDTH = 210.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
GAP = 8.0
HALF = (CONTENT_WIDTH - GAP) / 2
SECTION_HEIGHT = 4.5 + 5 + 2  # space above, the heading, space under its rule

CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}
MONTHS = numbers.MONTH_NAMES
PAYMENT_KINDS = ("cash", "finance")


@dataclass(frozen=True)
class Party:
    """A seller or a buyer as the bill names them; email and phone are printed when given."""

    name: str
    address: str
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Payment:
    """How the price is paid: "cash" (paid outright) or "finance" with the figures agreed with the lender."""

    kind: str
    deposit: Decimal | None = None
    apr: Decimal | None = None
    term_months: int | None = None
    monthly_payment: Decimal | None = None
    total_payable: Decimal | None = None


@dataclass(frozen=True)
class BillOfSale:
    """Everything the bill prints. `first_registration` is already formatted ("03/2019" or "2019")."""

    deal_number: str
    sale_date: date
    seller: Party
    buyer: Party
    title: str
    make: str
    model: str
    year: int
    vin: str | None
    mileage_km: int
    first_registration: str
    colour: str
    price: Decimal
    currency: str
    payment: Payment | None = None
    site_name: str = "carsite"
    order_reference: str = ""


def render(sale: BillOfSale) -> bytes:
    """Return the bill of sale as a complete PDF; ValueError for a payment kind other than cash or finance."""
    if sale.payment is not None and sale.payment.kind not in PAYMENT_KINDS:
        raise ValueError(f"Unknown payment kind {sale.payment.kind!r}: expected one of {', '.join(PAYMENT_KINDS)}.")
    pdf = _Document(footer_text=_footer_text(sale))
    pdf.set_title(_clean(f"Bill of sale {sale.deal_number}"))
    pdf.set_author(_clean(sale.site_name))
    pdf.set_creator(_clean(sale.site_name))
    pdf.set_subject(_clean(f"{sale.year} {sale.make} {sale.model}, sold {sale.sale_date.isoformat()}"))
    pdf.set_lang("en")
    pdf.set_creation_date(datetime.combine(sale.sale_date, time(12, 0), tzinfo=UTC))
    pdf.add_page()

    _heading(pdf, sale)
    _parties(pdf, sale.seller, sale.buyer)
    _section(pdf, "Vehicle")
    _vehicle(pdf, sale)
    _section(pdf, "Price and payment")
    _price(pdf, sale)
    _declarations_and_signatures(pdf, sale)
    return bytes(pdf.output())


class _Document(FPDF):
    """An A4 page in the bundled font, with the site, order and page number in every footer."""

    def __init__(self, *, footer_text: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.set_margins(MARGIN, 14, MARGIN)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_font(FAMILY, size=10)
        self.set_text_color(*INK)
        self.set_draw_color(*LINE)
        self.set_line_width(0.25)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_draw_color(*LINE)
        self.line(MARGIN, self.get_y(), PAGE_WIDTH - MARGIN, self.get_y())
        self.set_y(-11.5)
        self.set_font(FAMILY, size=7.5)
        self.set_text_color(*MUTED)
        pages = f"Page {self.page_no()} of {{nb}}"
        pages_width = 26.0
        self.cell(CONTENT_WIDTH - pages_width, 4, _fit(self, self.footer_text, CONTENT_WIDTH - pages_width - 2))
        self.cell(pages_width, 4, pages, align="R")


def _heading(pdf: _Document, sale: BillOfSale) -> None:
    """The site, the title and, on the right, the deal number and date in a panel."""
    pdf.set_fill_color(*BRAND)
    pdf.rect(0, 0, PAGE_WIDTH, 3, style="F")

    top = 14.0
    panel_width = 62.0
    left_width = CONTENT_WIDTH - panel_width - GAP
    panel_x = PAGE_WIDTH - MARGIN - panel_width

    pdf.set_xy(MARGIN, top)
    pdf.set_font(FAMILY, "B", 10)
    pdf.set_text_color(*BRAND)
    pdf.multi_cell(left_width, 5, _clean(sale.site_name), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.ln(2.5)
    pdf.set_font(FAMILY, "B", 22)
    pdf.set_text_color(*INK)
    pdf.cell(left_width, 10, "Bill of sale", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, size=9.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(left_width, 5, "Record of the sale of a used vehicle", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_bottom = pdf.get_y()

    inner = panel_width - 10
    pdf.set_font(FAMILY, "B", 14)
    panel_height = 3.5 + 4.5 + 6.5 * _line_count(pdf, inner, _clean(sale.deal_number)) + 1.5 + 4.5 + 6 + 3.5
    pdf.set_fill_color(*PANEL)
    pdf.rect(panel_x, top, panel_width, panel_height, style="F", round_corners=True, corner_radius=2)
    pdf.set_xy(panel_x + 5, top + 3.5)
    _label(pdf, "Deal number", inner)
    pdf.set_x(panel_x + 5)
    pdf.set_font(FAMILY, "B", 14)
    pdf.set_text_color(*INK)
    pdf.multi_cell(inner, 6.5, _clean(sale.deal_number), new_x=XPos.LEFT, new_y=YPos.NEXT, align="L")
    pdf.ln(1.5)
    pdf.set_x(panel_x + 5)
    _label(pdf, "Date of sale", inner)
    pdf.set_x(panel_x + 5)
    pdf.set_font(FAMILY, "B", 11)
    pdf.set_text_color(*INK)
    pdf.cell(inner, 6, _long_date(sale.sale_date))

    pdf.set_y(max(left_bottom, top + panel_height) + 5)
    _rule(pdf)


def _parties(pdf: _Document, seller: Party, buyer: Party) -> None:
    """Seller and buyer side by side, the taller column setting the next line; one under the other at full width
    when a column would not fit on the rest of the page (two columns cannot both continue on the next one)."""
    top = pdf.get_y() + 4
    side_by_side = max(_party_height(pdf, party, HALF) for party in (seller, buyer))
    if top + side_by_side <= pdf.page_break_trigger:
        for x, heading, party in ((MARGIN, "Seller", seller), (MARGIN + HALF + GAP, "Buyer", buyer)):
            pdf.set_xy(x, top)
            _party(pdf, heading, party, HALF)
        pdf.set_y(top + side_by_side)
        return
    pdf.set_y(top)
    _party(pdf, "Seller", seller, CONTENT_WIDTH)
    pdf.ln(4)
    _party(pdf, "Buyer", buyer, CONTENT_WIDTH)


def _party(pdf: _Document, heading: str, party: Party, width: float) -> None:
    """One party's block from the current position: a label, the name in bold, then address, email and phone."""
    x = pdf.get_x()
    _label(pdf, heading, width)
    pdf.set_x(x)
    pdf.set_font(FAMILY, "B", 11)
    pdf.set_text_color(*INK)
    pdf.multi_cell(width, 5.5, _clean(party.name), new_x=XPos.LEFT, new_y=YPos.NEXT, align="L")
    pdf.set_font(FAMILY, size=9.5)
    for line in _party_lines(party):
        pdf.set_x(x)
        pdf.multi_cell(width, 4.5, line, new_x=XPos.LEFT, new_y=YPos.NEXT, align="L")


def _party_height(pdf: _Document, party: Party, width: float) -> float:
    """The height `_party` will take at this width."""
    pdf.set_font(FAMILY, "B", 11)
    height = 4.5 + 5.5 * _line_count(pdf, width, _clean(party.name))
    pdf.set_font(FAMILY, size=9.5)
    return height + sum(4.5 * _line_count(pdf, width, line) for line in _party_lines(party))


def _party_lines(party: Party) -> list[str]:
    return [_clean(line) for line in (party.address, party.email, party.phone) if _clean(line)]


def _vehicle(pdf: _Document, sale: BillOfSale) -> None:
    """The car's title, then a table of its particulars, two to a row."""
    pdf.set_font(FAMILY, "B", 11.5)
    pdf.set_text_color(*INK)
    pdf.multi_cell(CONTENT_WIDTH, 5.6, _clean(sale.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    pdf.ln(1.5)
    _pairs(
        pdf,
        [
            ("Make", sale.make, "Model", sale.model),
            ("Year", str(sale.year), "First registration", sale.first_registration),
            ("Mileage", f"{sale.mileage_km:,} km", "Colour", sale.colour),
            ("VIN", sale.vin if sale.vin and sale.vin.strip() else "not stated", "", ""),
        ],
    )


def _price(pdf: _Document, sale: BillOfSale) -> None:
    """The agreed price in a panel, then how it is paid."""
    top = pdf.get_y()
    height = 12.0
    pdf.set_fill_color(*PANEL)
    pdf.rect(MARGIN, top, CONTENT_WIDTH, height, style="F", round_corners=True, corner_radius=2)
    pdf.set_xy(MARGIN + 5, top)
    pdf.set_font(FAMILY, size=10)
    pdf.set_text_color(*MUTED)
    pdf.cell(70, height, "Agreed sale price")
    pdf.set_xy(MARGIN + 75, top)
    pdf.set_font(FAMILY, "B", 16)
    pdf.set_text_color(*INK)
    pdf.cell(CONTENT_WIDTH - 80, height, money(sale.price, sale.currency), align="R")
    pdf.set_y(top + height + 2)

    payment = sale.payment
    if payment is None:
        return
    if payment.kind == "cash":
        _pairs(pdf, [("Payment", "Cash: the price is paid in full, with no finance")])
        return
    figures = [
        ("Deposit", money(payment.deposit, sale.currency) if payment.deposit is not None else None),
        ("APR", f"{_plain(payment.apr)}%" if payment.apr is not None else None),
        ("Term", _months(payment.term_months) if payment.term_months is not None else None),
        (
            "Monthly payment",
            money(payment.monthly_payment, sale.currency) if payment.monthly_payment is not None else None,
        ),
        ("Total payable", money(payment.total_payable, sale.currency) if payment.total_payable is not None else None),
    ]
    cells = ["Payment", "Finance"]
    for label, value in figures:
        if value is not None:
            cells += [label, value]
    if len(cells) % 4:
        cells += ["", ""]
    _pairs(pdf, [tuple(cells[i : i + 4]) for i in range(0, len(cells), 4)])


def _declarations_and_signatures(pdf: _Document, sale: BillOfSale) -> None:
    """The declarations and the signature lines under them, on one page: nobody signs under half a declaration."""
    paragraphs = [
        "The seller declares that they own the vehicle described above, or are entitled to sell it, and that it is "
        "sold as seen and as described in this document.",
        "The buyer confirms receiving the vehicle, with its keys and documents, on the date of sale.",
    ]
    if sale.payment is not None and sale.payment.kind == "finance":
        paragraphs.append(
            "The finance figures are those agreed with the lender; the finance agreement itself is a separate document."
        )
    paragraphs.append(
        f"This document records the agreement between the seller and the buyer. It was prepared by "
        f"{_clean(sale.site_name)} from the details of the sale and is not legal advice."
    )
    pdf.set_font(FAMILY, size=8.5)
    text_height = sum(4.2 * _line_count(pdf, CONTENT_WIDTH, text) + 0.8 for text in paragraphs)
    name_lines = max(_line_count(pdf, HALF, _clean(party.name)) for party in (sale.seller, sale.buyer))
    signatures_height = 5 + 14 + 1.2 + 4.2 * name_lines + 8 + 5.2
    needed = SECTION_HEIGHT + text_height + signatures_height
    fresh_page = pdf.page_break_trigger - pdf.t_margin
    if pdf.get_y() + needed > pdf.page_break_trigger and needed <= fresh_page:
        pdf.add_page()

    _section(pdf, "Declarations")
    pdf.set_font(FAMILY, size=8.5)
    pdf.set_text_color(*INK)
    for text in paragraphs:
        pdf.multi_cell(CONTENT_WIDTH, 4.2, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
        pdf.ln(0.8)

    if pdf.get_y() + signatures_height > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y() + 5
    bottoms = []
    for x, heading, party in ((MARGIN, "Seller", sale.seller), (MARGIN + HALF + GAP, "Buyer", sale.buyer)):
        pdf.set_xy(x, top)
        _label(pdf, f"{heading}'s signature", HALF)
        line_y = top + 14
        pdf.set_draw_color(*MUTED)
        pdf.line(x, line_y, x + HALF, line_y)
        pdf.set_xy(x, line_y + 1.2)
        pdf.set_font(FAMILY, size=8.5)
        pdf.set_text_color(*INK)
        pdf.multi_cell(HALF, 4.2, _clean(party.name), new_x=XPos.LEFT, new_y=YPos.NEXT, align="L")
        place_y = line_y + 1.2 + 4.2 * name_lines + 8
        pdf.line(x, place_y, x + HALF, place_y)
        pdf.set_xy(x, place_y + 1.2)
        pdf.set_font(FAMILY, size=7.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(HALF, 4, "Place and date", new_x=XPos.LEFT, new_y=YPos.NEXT)
        bottoms.append(pdf.get_y())
    pdf.set_draw_color(*LINE)
    pdf.set_y(max(bottoms))


def _section(pdf: _Document, title: str) -> None:
    """A small upper-case heading with a rule under it; starts a new page rather than end one with a heading."""
    if pdf.get_y() + SECTION_HEIGHT + 12 > pdf.page_break_trigger:
        pdf.add_page()
    pdf.ln(4.5)
    pdf.set_font(FAMILY, "B", 8.5)
    pdf.set_text_color(*BRAND)
    pdf.cell(CONTENT_WIDTH, 5, title.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _rule(pdf)
    pdf.ln(2)


def _pairs(pdf: _Document, rows: Sequence[tuple[str, ...]]) -> None:
    """A table of label/value pairs, two pairs to a row; a row with one pair lets its value span the row."""
    label_style = FontFace(family=FAMILY, emphasis="", size_pt=8.5, color=MUTED)
    value_style = FontFace(family=FAMILY, emphasis="", size_pt=10, color=INK)
    pdf.set_draw_color(*LINE)
    pdf.set_fill_color(255)
    with pdf.table(
        width=CONTENT_WIDTH,
        col_widths=(32, 55, 36, 51),
        first_row_as_headings=False,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        text_align="LEFT",
        v_align="MIDDLE",
        line_height=4.8,
        padding=(1.3, 1.5, 1.3, 0),
        wrapmode=WrapMode.WORD,
    ) as table:
        for cells in rows:
            row = table.row()
            row.cell(cells[0], style=label_style)
            if len(cells) == 2:
                row.cell(_clean(cells[1]), style=value_style, colspan=3)
                continue
            row.cell(_clean(cells[1]), style=value_style)
            row.cell(cells[2], style=label_style)
            row.cell(_clean(cells[3]), style=value_style)
    pdf.set_font(FAMILY, size=10)


def _label(pdf: _Document, text: str, width: float) -> None:
    pdf.set_font(FAMILY, "B", 7.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(width, 4.5, text.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _rule(pdf: _Document) -> None:
    pdf.set_draw_color(*LINE)
    pdf.line(MARGIN, pdf.get_y(), PAGE_WIDTH - MARGIN, pdf.get_y())


def money(amount: Decimal, currency: str) -> str:
    """Format an amount with its currency: "€24,500.00"; codes without a symbol go first ("CHF 24,500.00")."""
    cents = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    figure = f"{abs(cents):,.2f}"
    sign = "-" if cents < 0 else ""
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{figure}" if symbol else f"{sign}{currency.upper()} {figure}"


def _plain(number: Decimal) -> str:
    """A rate without trailing zeros: 4.90 → "4.9", 5.00 → "5"."""
    return f"{number.normalize():f}"


def _months(count: int) -> str:
    return "1 month" if count == 1 else f"{count} months"


def _long_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _footer_text(sale: BillOfSale) -> str:
    parts = [sale.site_name, f"Bill of sale {sale.deal_number}"]
    if sale.order_reference:
        parts.append(f"Order {sale.order_reference}")
    return _clean(" · ".join(parts))


def _clean(text: str) -> str:
    """Composed Unicode (NFC): the font has glyphs for "ż", not for "z" plus a separate combining dot."""
    return unicodedata.normalize("NFC", text).strip()


def _line_count(pdf: FPDF, width: float, text: str) -> int:
    """How many lines multi_cell will wrap the text into at this width, in the current font."""
    lines = pdf.multi_cell(width, 1, text, dry_run=True, output=MethodReturnValue.LINES)
    assert isinstance(lines, list)
    return len(lines)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Shorten one line of text with an ellipsis until it fits the width in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"
