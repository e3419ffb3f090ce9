"""Listing details as sellers enter them: the form (make and model from the catalogue, the VIN and what it says),
specifications, SEO defaults."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..cars import makes as catalogue
from ..domain import numbers
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
from ..web.forms import MileageField, PriceField, collapse, strip
from . import vin as vins

OTHER_MODEL = "other"  # the model select's choice for a model the catalogue lacks
MAX_SPECS = 40
# The form's fields that go to the named queries as they are (features and specs are converted in values(); make
# and model become the catalogue's names, with make_id, model_id and model_other beside them).
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
MONTHS = numbers.MONTH_NAMES


def optional_int(value: object) -> int | None:
    return int(value) if value not in (None, "", "None") else None  # type: ignore[call-overload]


def optional_bool(value: object) -> bool | None:
    """'yes'/'no' from the form, or the stored boolean (None: not stated)."""
    if isinstance(value, bool):
        return value
    return {"yes": True, "no": False, "True": True, "False": False}.get(str(value))


def optional_text(value: object) -> str | None:
    return str(value) if value not in (None, "", "None") else None


def valid_vin(form: FlaskForm, field: StringField) -> None:
    """Refuse a VIN of the wrong shape, or with a wrong check digit where one is mandatory (North America, China);
    elsewhere a wrong check digit is only a warning (``form.vin_warning``), shown once the listing is saved."""
    if not field.data:
        return
    vin, error, warning = vins.problem(field.data)
    if error:
        raise ValidationError(error)
    field.data = vin
    form.vin_warning = warning


def filled_from_vin(formdata: Any) -> tuple[Any, str | None, str | None]:
    """The listing form's data with what the typed VIN says filled into empty fields (the make, when the catalogue
    knows the manufacturer; the year where the VIN must encode it), a note in words of what was read, and the
    VIN's problem (None when it is well formed). Nothing else changes: the seller reviews and saves."""
    data = formdata.copy()
    raw = (data.get("vin") or "").strip()
    if not raw:
        return data, None, "Type the VIN first (17 characters, on the registration document or the windscreen)."
    normalised, error, _warning = vins.problem(raw)
    if error:
        return data, None, error
    decoded = vins.decode(normalised)
    data["vin"] = normalised
    read: list[str] = []
    make = catalogue.resolve(decoded.make, "") if decoded.make else None
    if decoded.manufacturer:
        known = make and make["make_id"] is not None
        name = make["make"] if known else decoded.manufacturer  # type: ignore[index]
        read.append(f"made by {name}" + (f" in {decoded.country}" if decoded.country else ""))
        if known and not (data.get("make") or "").strip():
            data["make"] = str(make["make_id"])  # type: ignore[index]
        elif not known:
            read.append("a make we do not list by that name: choose it yourself")
    elif decoded.country:
        read.append(f"made in {decoded.country}")
    if decoded.years_are_certain:
        read.append(f"model year {decoded.years[0]}")
        if not (data.get("year") or "").strip():
            data["year"] = str(decoded.years[0])
    elif decoded.years:
        read.append(
            "model year " + " or ".join(str(y) for y in decoded.years) + " if the maker encodes it (most European"
            " makers need not), so check the first registration year yourself"
        )
    if not read:
        return data, "This VIN is well formed, but its maker is not one we can read from it.", None
    return data, "From the VIN: " + "; ".join(read) + ".", None


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
    vin_warning: str | None = None  # set by valid_vin

    title = StringField("Title", filters=[collapse], validators=[DataRequired(), Length(min=3, max=120)])
    # Make and model come from the catalogue (their values are ids): choosing a make and pressing "Show models"
    # (or, with JavaScript, just choosing it) lists its models; a model the catalogue lacks is typed in
    # model_other and the listing waits for a moderator to map it.
    make = SelectField("Make", validate_choice=False)
    model = SelectField("Model", validate_choice=False)
    model_other = StringField("Model, if not in the list", filters=[collapse], validators=[Optional(), Length(max=60)])
    year = IntegerField("First registration year", validators=[DataRequired(message="Enter the year.")])
    price = PriceField(
        "Price (€)",
        words="Price",
        minimum=1,
        required="Enter a price.",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    mileage_km = MileageField("Mileage (km)", words="Mileage", render_kw={"inputmode": "numeric"})
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

    def __init__(self, *args, live: bool = False, **kwargs) -> None:
        """``live``: the listing is public, so its model must come from the list (a typed one needs moderation
        before anyone sees it). Make and model may also arrive as names or aliases ("vw", "golf gti"), as clients
        without the select send them: they are read through the catalogue (a value is a model's id only when it
        is the id of one of the chosen make's models, so the Peugeot "208" stays a name)."""
        super().__init__(*args, **kwargs)
        self.live = live
        self.makes = catalogue.makes()
        self.make.choices = [SelectChoice("", "Choose a make")] + [
            SelectChoice(str(m["id"]), m["name"]) for m in self.makes
        ]
        make, model = (self.make.data or "").strip(), (self.model.data or "").strip()
        self.chosen_make = next((m for m in self.makes if str(m["id"]) == make), None)
        if self.chosen_make is None and make:
            found = catalogue.resolve(make, model)
            self.chosen_make = next((m for m in self.makes if m["id"] == found["make_id"]), None)
        self.models = catalogue.models_of(self.chosen_make["id"]) if self.chosen_make else []
        self.chosen_model = next((m for m in self.models if str(m["id"]) == model), None)
        if self.chosen_make and self.chosen_model is None and model and model != OTHER_MODEL:
            found = catalogue.resolve(self.chosen_make["name"], model)
            self.chosen_model = next((m for m in self.models if m["id"] == found["model_id"]), None)
            if self.chosen_model is None and model.isdigit():  # another make's model id: the make changed
                model = ""
            elif self.chosen_model is None:  # a model the catalogue lacks, typed where the list would be
                model, self.model_other.data = OTHER_MODEL, self.model_other.data or model
        self.make.data = str(self.chosen_make["id"]) if self.chosen_make else make
        self.model.data = str(self.chosen_model["id"]) if self.chosen_model else model
        self.model.choices = (
            [SelectChoice("", "Choose a model")]
            + [SelectChoice(str(m["id"]), m["name"]) for m in self.models]
            + [SelectChoice(OTHER_MODEL, "Other model (not in the list)")]
            if self.chosen_make
            else [SelectChoice("", "Choose a make first")]
        )

    def validate_make(self, field: SelectField) -> None:
        if self.chosen_make is None:
            raise ValidationError("Choose the make.")

    def validate_model(self, field: SelectField) -> None:
        if self.chosen_make is None:
            return
        if field.data == OTHER_MODEL:
            if self.live:
                raise ValidationError(
                    "A live listing's model must come from the list; write to us if yours is missing."
                )
            if not self.model_other.data:
                raise ValidationError("Type the model below, or choose it from the list.")
        elif self.chosen_model is None:
            raise ValidationError(f"Choose the {self.chosen_make['name']} model, or “Other model” and type it.")

    def validate_year(self, field: IntegerField) -> None:
        if field.data is not None and not (1886 <= field.data <= date.today().year + 1):
            raise ValidationError(f"Enter a year between 1886 and {date.today().year + 1}.")
        if field.data is not None and self.chosen_model is not None:
            problem = catalogue.year_problem(self.chosen_model, field.data)
            if problem:
                raise ValidationError(problem)

    def validate_specs(self, field: TextAreaField) -> None:
        try:
            parse_specs(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def values(self) -> dict:
        """The form's data as named-query parameters (specs as JSON, sensible SEO defaults)."""
        data = {name: self[name].data for name in PLAIN_FIELDS}
        other = self.model.data == OTHER_MODEL or self.chosen_model is None
        data["make_id"] = self.chosen_make["id"] if self.chosen_make else None
        data["make"] = self.chosen_make["name"] if self.chosen_make else ""
        data["model_id"] = None if other else self.chosen_model["id"]  # type: ignore[index]
        data["model_other"] = self.model_other.data if other else None
        data["model"] = self.model_other.data if other else self.chosen_model["name"]  # type: ignore[index]
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
