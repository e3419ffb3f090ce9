"""The contact forms. WTForms keeps what was typed, so a refused message (bad input, too many attempts) comes back
in the form with the reason next to it."""

from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm
from wtforms import EmailField, Field, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..accounts.forms import PHONE, EmailAddress
from ..domain.errors import Invalid
from ..messages import conversations
from ..web.forms import collapse, strip

QUICK_PROMPTS = (
    "Is it still available?",
    "Can I come and see it?",
    "What is your best price?",
    "Has it had any accidents?",
)


class PlainText:
    """Refuse control characters (NUL included: PostgreSQL refuses it) and text that was not sent as UTF-8."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        value = field.data or ""
        if any(unicodedata.category(ch) == "Cc" for ch in value):
            raise ValidationError("Remove the control characters from this field.")
        if "\ufffd" in value:
            raise ValidationError("This is not valid text (it was not sent as UTF-8).")


class MessageText:
    """The message as conversations.clean_text takes it: its refusal, in the same words, next to the field."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        try:
            field.data = conversations.clean_text(field.data, field=field.name)
        except Invalid as exc:
            raise ValidationError(exc.message) from None


class AskForm(FlaskForm):
    """A logged-in buyer's question."""

    message = TextAreaField("Your message to the seller", validators=[MessageText()])


class VisitorForm(AskForm):
    """A visitor's message, with who they are; ``website`` is a honeypot: hidden from people by CSS, filled by bots."""

    name = StringField(
        "Your name",
        filters=[collapse],
        validators=[
            PlainText(),
            DataRequired("Tell the seller your name."),
            Length(max=100, message="Your name has at most 100 characters."),
        ],
    )
    email = EmailField(
        "Email",
        filters=[strip],
        validators=[
            PlainText(),
            DataRequired("Give your email address: the link that sends your message goes there."),
            Length(max=254, message="An email address has at most 254 characters."),
            EmailAddress(),
        ],
    )
    phone = TelField("Phone (optional)", filters=[strip], validators=[PlainText(), Optional(), PHONE])
    website = StringField("Leave this field empty", filters=[strip])

    def is_bot(self) -> bool:
        return bool(self.website.data)
