"""Listing details as sellers enter them: the form, VIN check digits, specifications, SEO defaults."""

from __future__ import annotations

import json
import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..domain.vocabulary import (
    BODIES,
    CONDITIONS,
    EMISSION_CLASSES,
    FEATURES,
    FUELS,
    SELLER_TYPES,
    TRANSMISSIONS,
    label,
)
from ..web.forms import collapse, strip

VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
MAX_SPECS = 40
# The form's fields that go to the named queries as they are (features and specs are converted in values()).
# selling.revisions classifies every one of them as waiting for review or applying at once (a test checks).
PLAIN_FIELDS = (
    "title",
    "make",
    "model",
    "year",
    "price",
    "mileage_km",
    "fuel",
    "transmission",
    "body",
    "colour",
    "condition",
    "vin",
    "city",
    "postcode",
    "description",
    "seo_title",
    "seo_description",
    "seller_type",
    "power_kw",
    "owners",
    "registration_month",
    "accident_free",
    "doors",
    "seats",
    "emission_class",
)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def optional_int(value: object) -> int | None:
    return int(value) if value not in (None, "", "None") else None  # type: ignore[call-overload]


def optional_bool(value: object) -> bool | None:
    """'yes'/'no' from the form, or the stored boolean (None: not stated)."""
    if isinstance(value, bool):
        return value
    return {"yes": True, "no": False, "True": True, "False": False}.get(str(value))


def optional_text(value: object) -> str | None:
    return str(value) if value not in (None, "", "None") else None


def vin_check_digit(vin: str) -> str:
    """The ISO 3779 check digit (position 9) a 17-character VIN should carry."""
    total = sum(VIN_VALUES[c] * w for c, w in zip(vin, VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def valid_vin(form: FlaskForm, field: StringField) -> None:
    vin = (field.data or "").upper()
    if not vin:
        return
    if not re.fullmatch(r"[A-HJ-NPR-Z0-9]{17}", vin):
        raise ValidationError("A VIN has 17 letters and digits (never I, O or Q).")
    if vin[8] != vin_check_digit(vin):
        raise ValidationError("This VIN's check digit (9th character) does not match; please check it.")
    field.data = vin


def parse_specs(text: str | None) -> list[dict[str, str]]:
    """'Label: value' lines into a list of specifications; ValueError naming the line that has no colon."""
    specs = []
    for number, line in enumerate((text or "").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        label_text, sep, value = line.partition(":")
        if not sep or not label_text.strip() or not value.strip():
            raise ValueError(f"Line {number} needs the form 'Label: value'.")
        specs.append({"label": label_text.strip()[:60], "value": value.strip()[:200]})
    if len(specs) > MAX_SPECS:
        raise ValueError(f"At most {MAX_SPECS} specifications.")
    return specs


def specs_text(specs: list[dict[str, str]] | None) -> str:
    return "\n".join(f"{s['label']}: {s['value']}" for s in specs or [])


def choices(values: tuple[str, ...]) -> list[SelectChoice]:
    return [SelectChoice(v, label(v)) for v in values]


class ListingForm(FlaskForm):
    title = StringField("Title", filters=[collapse], validators=[DataRequired(), Length(min=3, max=120)])
    make = StringField("Make", filters=[collapse], validators=[DataRequired(), Length(max=40)])
    model = StringField("Model", filters=[collapse], validators=[DataRequired(), Length(max=60)])
    year = IntegerField("First registration year", validators=[DataRequired(message="Enter the year.")])
    price = DecimalField(
        "Price (€)", places=2, validators=[DataRequired(message="Enter a price."), NumberRange(min=1, max=99_999_999)]
    )
    mileage_km = IntegerField("Mileage (km)", validators=[Optional(), NumberRange(min=0, max=3_000_000)])
    fuel = SelectField("Fuel", choices=choices(FUELS))
    transmission = SelectField("Gearbox", choices=choices(TRANSMISSIONS))
    body = SelectField("Body type", choices=choices(BODIES))
    colour = StringField("Colour", filters=[collapse], validators=[DataRequired(), Length(max=30)])
    condition = SelectField("Condition", choices=choices(CONDITIONS), default="used")
    vin = StringField("VIN (optional)", filters=[strip], validators=[Optional(), valid_vin])
    city = StringField("City", filters=[collapse], validators=[DataRequired(), Length(max=80)])
    postcode = StringField(
        "Postcode",
        filters=[strip],
        validators=[
            Optional(),
            Length(max=12),
            Regexp(r"^[A-Za-z0-9 -]+$", message="Letters, digits, spaces and - only."),
        ],
    )
    seller_type = SelectField("Sold by", choices=choices(SELLER_TYPES), default="private")
    power_kw = IntegerField(
        "Power (kW)", validators=[Optional(), NumberRange(min=1, max=2000, message="Enter the power in kW (1–2,000).")]
    )
    registration_month = SelectField(
        "First registration month",
        choices=[SelectChoice("", "Not stated"), *(SelectChoice(str(i), m) for i, m in enumerate(MONTHS, 1))],
        coerce=optional_int,
        validate_choice=False,
    )
    owners = IntegerField(
        "Owners so far", validators=[Optional(), NumberRange(min=0, max=99, message="Enter a number from 0 to 99.")]
    )
    accident_free = SelectField(
        "Accident free",
        choices=[SelectChoice("", "Not stated"), SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        coerce=optional_bool,
        validate_choice=False,
    )
    doors = IntegerField("Doors", validators=[Optional(), NumberRange(min=1, max=9, message="Enter 1 to 9 doors.")])
    seats = IntegerField("Seats", validators=[Optional(), NumberRange(min=1, max=9, message="Enter 1 to 9 seats.")])
    emission_class = SelectField(
        "Emission class",
        choices=[SelectChoice("", "Not stated (or electric)"), *choices(EMISSION_CLASSES)],
        coerce=optional_text,
    )
    description = TextAreaField("Description", filters=[strip], validators=[Optional(), Length(max=20000)])
    features = SelectMultipleField(
        "Features",
        choices=[SelectChoice(f, f) for f in FEATURES],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    specs = TextAreaField(
        "Specifications (one 'Label: value' per line)", filters=[strip], validators=[Optional(), Length(max=8000)]
    )
    seo_title = StringField(
        "Search engine title (optional)", filters=[collapse], validators=[Optional(), Length(max=70)]
    )
    seo_description = TextAreaField(
        "Search engine description (optional)", filters=[collapse], validators=[Optional(), Length(max=160)]
    )

    def validate_year(self, field: IntegerField) -> None:
        if field.data is not None and not (1886 <= field.data <= date.today().year + 1):
            raise ValidationError(f"Enter a year between 1886 and {date.today().year + 1}.")

    def validate_specs(self, field: TextAreaField) -> None:
        try:
            parse_specs(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def values(self) -> dict:
        """The form's data as named-query parameters (specs as JSON, sensible SEO defaults)."""
        data = {name: self[name].data for name in PLAIN_FIELDS}
        data["mileage_km"] = data["mileage_km"] or 0
        data["vin"] = data["vin"] or None
        data["postcode"] = data["postcode"] or None
        data["description"] = data["description"] or ""
        data["colour"] = data["colour"].lower()
        data["features"] = [f for f in FEATURES if f in (self.features.data or [])]
        data["specs"] = json.dumps(parse_specs(self.specs.data))
        data["seo_title"] = data["seo_title"] or None
        data["seo_description"] = data["seo_description"] or None
        return data

    def validate_registration_month(self, field: SelectField) -> None:
        if field.data is not None and not 1 <= field.data <= 12:
            raise ValidationError("Choose a month.")
