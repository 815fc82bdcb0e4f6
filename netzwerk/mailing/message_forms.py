"""Coordinator forms for list messages: compose, schedule, report a bounce."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import BooleanField, MultipleFileField, SelectField, TextAreaField, ValidationError
from wtforms.validators import DataRequired, InputRequired, Length

from netzwerk.core.forms import email_field, reject_control_characters, text_field
from netzwerk.core.timeutil import berlin_to_utc, utc_to_berlin
from netzwerk.events.forms import GermanDateField, GermanTimeField
from netzwerk.files import storage


def _optional_int(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _acceptable_files(form, field):
    for upload in field.data or []:
        if upload is None or not getattr(upload, "filename", ""):
            continue
        try:
            storage.check_upload(upload)
        except storage.UploadRefused as refused:
            raise ValidationError(refused.message) from None


class MessageForm(FlaskForm):
    subject = text_field("Betreff", required=True, max_length=300)
    body = TextAreaField(
        "Text",
        validators=[
            DataRequired("Bitte schreiben Sie einen Text."),
            Length(max=50000, message="Der Text ist zu lang (höchstens 50.000 Zeichen)."),
            reject_control_characters,
        ],
        description=(
            "Einfache Formatierung: **fett**, *kursiv*, Listen mit „- “ am Zeilenanfang, "
            "Links als [Text](https://…). Die Empfängerinnen und Empfänger erhalten den Text "
            "auch als reine Textfassung."
        ),
        render_kw={"rows": 14},
    )
    greet_by_name = BooleanField("Persönlich anreden („Hallo Vorname,“)", default=True)
    event_id = SelectField(
        "Hinweis auf eine Veranstaltung",
        coerce=_optional_int,
        validate_choice=True,
        description="Fügt einen Link zur Veranstaltungsseite ein.",
    )
    attachments = MultipleFileField(
        "Anhänge",
        validators=[_acceptable_files],
        description=(
            f"Zum Beispiel ein Flyer. Erlaubt sind {storage.ALLOWED_LABELS}, "
            "je Datei höchstens 10 MB. Mehrere Dateien auf einmal auswählen ist möglich."
        ),
        render_kw={"accept": ".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.odt"},
    )

    def __init__(self, *args, events=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.event_id.choices = [("", "Keine Veranstaltung")] + [
            (event.id, f"{event.title} ({utc_to_berlin(event.start_dt):%d.%m.%Y})")
            for event in events
        ]

    @staticmethod
    def data_of(message) -> dict:
        return {
            "subject": message.subject,
            "body": message.body,
            "greet_by_name": message.greet_by_name,
            "event_id": message.event_id,
        }

    def fields(self) -> dict:
        return {
            "subject": self.subject.data,
            "body": self.body.data.replace("\r\n", "\n"),
            "greet_by_name": self.greet_by_name.data,
            "event_id": self.event_id.data,
            "uploads": [u for u in (self.attachments.data or []) if getattr(u, "filename", "")],
        }


class ScheduleForm(FlaskForm):
    day = GermanDateField(
        "Datum", validators=[InputRequired("Bitte geben Sie ein Datum an, z. B. 24.03.2027.")]
    )
    clock = GermanTimeField(
        "Uhrzeit", validators=[InputRequired("Bitte geben Sie eine Uhrzeit an, z. B. 09:30.")]
    )

    def when(self) -> datetime:
        """The typed Berlin wall-clock time as aware UTC."""
        return berlin_to_utc(datetime.combine(self.day.data, self.clock.data))


class BounceForm(FlaskForm):
    email = email_field("E-Mail-Adresse")
    reason = text_field("Grund", max_length=500)
    suspend_now = BooleanField("Sofort für Verteiler-Mails sperren")


class ConfirmForm(FlaskForm):
    """Only the CSRF token: for POST buttons with a confirmation step."""
