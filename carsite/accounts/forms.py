"""Account forms. WTForms keeps what the user typed (never passwords) and puts each error next to its field."""

from __future__ import annotations

import re

import email_validator
from flask import current_app
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from ..domain.vocabulary import ROLES, label
from ..web.forms import collapse, strip
from . import passwords


class PhoneNumber:
    """A phone number as people write it: digits, spaces and + ( ) - . / (a + only in front), 6 to 15 digits (the
    most E.164 allows), at most 40 characters in all."""

    SHAPE = re.compile(r"\+?[0-9 ()./-]{1,39}")

    def __call__(self, form: FlaskForm, field: Field) -> None:
        value = field.data or ""
        if not self.SHAPE.fullmatch(value):
            raise ValidationError("Use digits, spaces and + ( ) - . / only (a + only at the start).")
        if not 6 <= sum(ch.isdigit() for ch in value) <= 15:
            raise ValidationError("A phone number has 6 to 15 digits.")


PHONE = PhoneNumber()


class EmailAddress:
    """A syntactically valid address, refused with the reason in words ("The part after the @-sign is not valid…").
    Outside production the reserved ``.test`` domain is allowed, so the demo accounts (``…@demo.carsite.test``) and
    test addresses can sign up and reset passwords; production refuses it like the other special-use domains."""

    def __call__(self, form: FlaskForm, field: Field) -> None:
        try:
            email_validator.validate_email(
                field.data or "",
                check_deliverability=False,
                test_environment=not current_app.config["PRODUCTION"],
            )
        except email_validator.EmailNotValidError as error:
            raise ValidationError(str(error)) from None


class NewPassword:
    """At least 12 characters, not a common password, not the email or name (ASVS 2.1)."""

    def __call__(self, form: FlaskForm, field: PasswordField) -> None:
        email = form.email.data if hasattr(form, "email") else getattr(form, "account_email", "")
        name = form.name.data if hasattr(form, "name") else ""
        problem = passwords.password_problem(field.data or "", email=email or "", name=name or "")
        if problem:
            raise ValidationError(problem)


class RegisterForm(FlaskForm):
    name = StringField("Your name", filters=[collapse], validators=[DataRequired(), Length(max=100)])
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Length(max=254), EmailAddress()])
    password = PasswordField("Password", validators=[DataRequired(), NewPassword()])
    phone = TelField("Phone (optional)", filters=[strip], validators=[Optional(), PHONE])


class LoginForm(FlaskForm):
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=passwords.MAX_PASSWORD)])
    remember = BooleanField("Keep me logged in on this device")


class ReauthenticateForm(FlaskForm):
    password = PasswordField("Password", validators=[DataRequired(), Length(max=passwords.MAX_PASSWORD)])


class ForgotForm(FlaskForm):
    email = EmailField("Email", filters=[strip], validators=[DataRequired(), Length(max=254), EmailAddress()])


class ResetForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), NewPassword()])
    confirm = PasswordField(
        "Repeat the new password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")]
    )


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), Length(max=passwords.MAX_PASSWORD)])
    password = PasswordField("New password", validators=[DataRequired(), NewPassword()])
    confirm = PasswordField(
        "Repeat the new password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")]
    )


class ProfileForm(FlaskForm):
    name = StringField("Name", filters=[collapse], validators=[DataRequired(), Length(max=100)])
    phone = TelField("Phone", filters=[strip], validators=[Optional(), PHONE])
    phone_public = BooleanField("Show my phone number on my car pages")

    def validate_phone_public(self, field: BooleanField) -> None:
        if field.data and not self.phone.data:
            raise ValidationError("Add a phone number above to show it on your car pages.")

    address = TextAreaField("Address", filters=[strip], validators=[Optional(), Length(max=500)])


class AvatarForm(FlaskForm):
    avatar = FileField("New photo", validators=[FileRequired("Choose an image file.")])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(role, label(role)) for role in ROLES])
