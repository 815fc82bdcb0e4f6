"""Choosing the yearly report's period: a calendar year or a school year."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from netzwerk.reports.report import CALENDAR_YEAR, MIN_YEAR, PERIOD_KINDS, Period, max_year

NOT_A_YEAR = "Bitte geben Sie das Jahr als Zahl mit vier Ziffern an, z. B. 2025."


class YearField(IntegerField):
    """An IntegerField that says in German when "abc" or "20.25" is not a year."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip()
        if not text:
            self.data = None  # validate_jahr asks for a year
        elif text.isascii() and text.isdigit() and len(text) <= 6:
            self.data = int(text)
        else:
            self.data = None
            raise ValueError(NOT_A_YEAR)


class PeriodForm(FlaskForm):
    """GET form: ?zeitraum=jahr|schuljahr&jahr=2025 (a school year by the year it starts)."""

    class Meta:
        csrf = False

    zeitraum = SelectField(
        "Zeitraum",
        choices=[SelectChoice(value, label) for value, label in PERIOD_KINDS.items()],
        validate_choice=False,  # the German message below instead of WTForms' English one
    )
    jahr = YearField(
        "Jahr",
        description="Beim Schuljahr das Jahr, in dem es beginnt: 2025 für 2025/26.",
        render_kw={"inputmode": "numeric", "autocomplete": "off", "size": 6},
    )

    def __init__(self, formdata, *, today: date, **kwargs):
        super().__init__(formdata, **kwargs)
        self.today = today

    def validate_zeitraum(self, field):
        if field.data not in PERIOD_KINDS:
            raise ValidationError("Bitte wählen Sie Kalenderjahr oder Schuljahr.")

    def validate_jahr(self, field):
        if field.errors:  # not a number at all: that message is enough
            raise StopValidation()
        if field.data is None:
            raise ValidationError("Bitte geben Sie ein Jahr an.")
        latest = max_year(self.today)
        if not MIN_YEAR <= field.data <= latest:
            raise ValidationError(f"Bitte wählen Sie ein Jahr zwischen {MIN_YEAR} und {latest}.")

    def period(self) -> Period:
        return Period(self.zeitraum.data or CALENDAR_YEAR, self.jahr.data)
