"""Coordinator forms for events: the event itself, workshops, copy, cancel, manual registration.

Dates and times are typed in Europe/Berlin wall-clock time and leave the form as UTC.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FloatField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TelField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from netzwerk.core.forms import email_field, reject_control_characters, strip_filter, text_field
from netzwerk.core.timeutil import berlin_to_utc, combine_berlin, utc_to_berlin
from netzwerk.events.models import EventKind, RegistrationState, WaitlistMode

MAX_QUESTIONS = 6
QUESTION_KEY = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
# Offered on new events; the coordinator clears what the event does not need.
PRESET_QUESTIONS = [
    {"key": "diet", "label": "Ernährung (z. B. vegetarisch)", "required": False},
    {"key": "accessibility", "label": "Barrierefreiheit / Unterstützungsbedarf", "required": False},
]

WAITLIST_MODE_LABELS = {
    WaitlistMode.AUTO: "Automatisch nachrücken: die nächste Person erhält den Platz sofort",
    WaitlistMode.OFFER: "Platz anbieten mit Frist: die nächste Person muss den Platz annehmen",
}


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _int_or_none(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class GermanDateField(DateField):
    """A date input that also understands 24.03.2027 typed by hand."""

    def __init__(self, label, **kwargs):
        super().__init__(label, format=["%Y-%m-%d", "%d.%m.%Y"], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Bitte geben Sie ein gültiges Datum an, z. B. 24.03.2027.") from None


class GermanTimeField(TimeField):
    def __init__(self, label, **kwargs):
        super().__init__(label, format=["%H:%M", "%H:%M:%S", "%H.%M"], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Bitte geben Sie eine gültige Uhrzeit an, z. B. 09:30.") from None


class GermanDateTimeField(DateTimeLocalField):
    """Date and time in one input (datetime-local), Berlin time."""

    def __init__(self, label, **kwargs):
        kwargs.setdefault("validators", [Optional()])
        super().__init__(
            label,
            format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M"],
            **kwargs,
        )

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(
                "Bitte geben Sie Datum und Uhrzeit an, z. B. 24.03.2027 09:30."
            ) from None


class GermanDecimalField(FloatField):
    """Accepts 4,5 as well as 4.5."""

    def process_formdata(self, valuelist):
        if valuelist and valuelist[0].strip():
            valuelist = [valuelist[0].strip().replace(",", ".")]
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Bitte geben Sie eine Zahl an, z. B. 4,5.") from None


def _whole_number(label: str, *, minimum: int, maximum: int, required=False, **kwargs):
    return IntegerField(
        label,
        validators=[
            InputRequired("Bitte geben Sie eine Zahl an.") if required else Optional(),
            NumberRange(
                min=minimum,
                max=maximum,
                message=f"Bitte geben Sie eine ganze Zahl von {minimum} bis {maximum} an.",
            ),
        ],
        **kwargs,
    )


def _capacity_field(label: str, description: str):
    return IntegerField(
        label,
        validators=[
            Optional(),
            NumberRange(min=0, message="Die Platzzahl darf nicht negativ sein."),
            NumberRange(max=100000, message="Bitte geben Sie eine kleinere Platzzahl an."),
        ],
        description=description,
        render_kw={"inputmode": "numeric", "min": 0},
    )


def web_address(form, field):
    """Only complete http(s) addresses: no javascript: or other schemes in a link."""
    value = field.data or ""
    if not value:
        return
    if any(ch.isspace() for ch in value):
        raise ValidationError("Die Internetadresse darf keine Leerzeichen enthalten.")
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        host, parts = "", None
    if parts is None or parts.scheme not in ("http", "https") or "." not in host:
        raise ValidationError(
            "Bitte geben Sie eine vollständige Internetadresse an, die mit https:// beginnt, "
            "z. B. https://meet.example.org/fachtag."
        )


def _long_text(label: str, description: str = "", max_length: int = 20000):
    return TextAreaField(
        label,
        validators=[
            Length(max=max_length, message=f"Höchstens {max_length} Zeichen."),
            reject_control_characters,
        ],
        filters=[strip_filter],
        description=description,
    )


class EventForm(FlaskForm):
    """Create and edit an event; carries the version it was loaded with."""

    version = HiddenField()
    title = text_field("Titel", required=True, max_length=200)
    kind = SelectField(
        "Art der Veranstaltung",
        choices=_choices((k.value, k.label) for k in EventKind),
        default=EventKind.NETZWERKTREFFEN.value,
    )
    description = _long_text(
        "Beschreibung",
        "Einfacher Text oder Markdown: **fett**, *kursiv*, Listen mit „- “, "
        "Links als [Text](https://…).",
    )
    programme = _long_text("Programm", "Ablauf, z. B. eine Zeile je Programmpunkt.")

    start_date = GermanDateField(
        "Datum (Beginn)", validators=[InputRequired("Bitte geben Sie ein Datum an.")]
    )
    start_time = GermanTimeField(
        "Uhrzeit (Beginn)", validators=[InputRequired("Bitte geben Sie eine Uhrzeit an.")]
    )
    end_date = GermanDateField(
        "Datum (Ende)",
        validators=[Optional()],
        description="Leer lassen, wenn die Veranstaltung am selben Tag endet.",
    )
    end_time = GermanTimeField(
        "Uhrzeit (Ende)", validators=[InputRequired("Bitte geben Sie eine Uhrzeit an.")]
    )

    venue = text_field("Veranstaltungsort", max_length=200, description="z. B. Rathaus, Saal 2")
    address = text_field("Adresse", max_length=300)
    online_url = URLField(
        "Online-Link",
        validators=[Optional(), Length(max=500, message="Höchstens 500 Zeichen."), web_address],
        filters=[strip_filter],
        description="Für Online- oder Hybridveranstaltungen, z. B. https://meet.example.org/….",
        render_kw={"spellcheck": "false"},
    )

    organiser_name = text_field("Name", max_length=200)
    organiser_email = email_field("E-Mail-Adresse", required=False)
    organiser_phone = TelField(
        "Telefon",
        validators=[
            Optional(),
            Length(max=50, message="Höchstens 50 Zeichen."),
            Regexp(
                r"^[0-9 +/()\-.]*$",
                message="Bitte verwenden Sie nur Ziffern, Leerzeichen und + / - ( ).",
            ),
        ],
        filters=[strip_filter],
    )

    target_groups = SelectMultipleField(
        "Zielgruppen",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description="Keine Auswahl bedeutet: für alle Berufsgruppen.",
        invalid_choice_message="Bitte wählen Sie Berufsgruppen aus der Liste.",
        invalid_value_message="Bitte wählen Sie Berufsgruppen aus der Liste.",
    )
    visibility = RadioField(
        "Sichtbarkeit",
        choices=_choices(
            [
                ("public", "Öffentlich: auf der Website und im öffentlichen Kalender"),
                ("members", "Nur für Mitglieder: sichtbar und buchbar nach dem Anmelden"),
            ]
        ),
        default="public",
        validators=[InputRequired("Bitte wählen Sie, wer die Veranstaltung sieht.")],
    )

    capacity = _capacity_field("Plätze", "Leer lassen für unbegrenzt viele Plätze.")
    registration_opens = GermanDateTimeField(
        "Anmeldung ab", description="Leer lassen: ab der Veröffentlichung."
    )
    registration_closes = GermanDateTimeField(
        "Anmeldeschluss", description="Leer lassen: bis zum Ende der Veranstaltung."
    )
    cancellation_deadline = GermanDateTimeField(
        "Abmelden und Ändern bis", description="Leer lassen: bis zum Beginn."
    )
    allows_guests = BooleanField("Gäste ohne Zugang dürfen sich anmelden")
    allows_second_choice = BooleanField("Bei Foren ist eine Zweitwahl möglich")
    waitlist_mode = RadioField(
        "Wenn ein Platz frei wird",
        choices=_choices(WAITLIST_MODE_LABELS.items()),
        default=WaitlistMode.AUTO.value,
        validators=[InputRequired("Bitte wählen Sie, wie die Warteliste nachrückt.")],
    )
    offer_hours = _whole_number(
        "Frist für ein Platzangebot (Stunden)",
        minimum=1,
        maximum=720,
        required=True,
        default=48,
        description="Nur bei „Platz anbieten mit Frist“.",
    )
    reminder_days = _whole_number(
        "Erinnerung (Tage vorher)",
        minimum=0,
        maximum=60,
        default=2,
        description="Leer lassen: keine Erinnerung.",
    )
    certificate_hours = GermanDecimalField(
        "Stunden für die Teilnahmebescheinigung",
        validators=[
            Optional(),
            NumberRange(min=0, max=200, message="Bitte geben Sie 0 bis 200 Stunden an."),
        ],
        description="Zeitstunden, z. B. 6 oder 4,5. Leer lassen: ohne Stundenangabe.",
    )
    suggestions_open = GermanDateTimeField("Themenvorschläge ab")
    suggestions_close = GermanDateTimeField("Themenvorschläge bis")

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.target_groups.choices = _choices((g.id, g.name) for g in groups)

    @property
    def question_rows(self):
        """(key, label, required) fields per row, for the template."""
        return [
            (self[f"question_{i}_key"], self[f"question_{i}_label"], self[f"question_{i}_required"])
            for i in range(1, MAX_QUESTIONS + 1)
        ]

    def _start_end(self) -> tuple[datetime, datetime] | None:
        if None in (self.start_date.data, self.start_time.data, self.end_time.data):
            return None
        end_date = self.end_date.data or self.start_date.data
        return (
            combine_berlin(self.start_date.data, self.start_time.data),
            combine_berlin(end_date, self.end_time.data),
        )

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        times = self._start_end()
        if times and times[1] <= times[0]:
            target = self.end_date if self.end_date.data else self.end_time
            target.errors.append("Das Ende muss nach dem Beginn liegen.")
            valid = False
        for first, second, message in (
            (
                self.registration_opens,
                self.registration_closes,
                "Der Anmeldeschluss muss nach dem Beginn der Anmeldung liegen.",
            ),
            (
                self.suggestions_open,
                self.suggestions_close,
                "Das Ende der Vorschlagsphase muss nach ihrem Beginn liegen.",
            ),
        ):
            if first.data and second.data and second.data <= first.data:
                second.errors.append(message)
                valid = False
        return valid

    def questions_value(self) -> list[dict]:
        """The questions as stored: rows without a label are dropped, keys stay stable."""
        rows = [
            (key.data or "", label.data, bool(required.data))
            for key, label, required in self.question_rows
            if label.data
        ]
        used = {key for key, _, _ in rows if QUESTION_KEY.match(key)}
        taken: set[str] = set()
        questions = []
        number = 0
        for key, label, required in rows:
            if not QUESTION_KEY.match(key) or key in taken:
                number += 1
                while f"q{number}" in used or f"q{number}" in taken:
                    number += 1
                key = f"q{number}"
            taken.add(key)
            questions.append({"key": key, "label": label, "required": required})
        return questions

    def event_fields(self) -> dict:
        """The typed values as keyword arguments for create_event / update_event."""
        start_dt, end_dt = self._start_end()

        def utc(field):
            return berlin_to_utc(field.data) if field.data else None

        return {
            "title": self.title.data,
            "kind": EventKind(self.kind.data),
            "description": self.description.data or "",
            "programme": self.programme.data or "",
            "start_dt": start_dt,
            "end_dt": end_dt,
            "venue": self.venue.data or "",
            "address": self.address.data or "",
            "online_url": self.online_url.data or "",
            "organiser_name": self.organiser_name.data or "",
            "organiser_email": (self.organiser_email.data or "").lower(),
            "organiser_phone": self.organiser_phone.data or "",
            "target_group_ids": list(self.target_groups.data or ()),
            "is_public": self.visibility.data == "public",
            "capacity": self.capacity.data,
            "registration_opens_dt": utc(self.registration_opens),
            "registration_closes_dt": utc(self.registration_closes),
            "cancellation_deadline_dt": utc(self.cancellation_deadline),
            "allows_guests": self.allows_guests.data,
            "allows_second_choice": self.allows_second_choice.data,
            "waitlist_mode": WaitlistMode(self.waitlist_mode.data),
            "offer_hours": self.offer_hours.data,
            "reminder_days": self.reminder_days.data,
            "certificate_hours": self.certificate_hours.data,
            "questions": self.questions_value(),
            "suggestions_open_dt": utc(self.suggestions_open),
            "suggestions_close_dt": utc(self.suggestions_close),
        }

    @staticmethod
    def data_for_new() -> dict:
        return _question_data(PRESET_QUESTIONS)

    @staticmethod
    def data_of(event) -> dict:
        start, end = utc_to_berlin(event.start_dt), utc_to_berlin(event.end_dt)

        def local(value):
            return utc_to_berlin(value).replace(tzinfo=None) if value else None

        return {
            "version": event.version,
            "title": event.title,
            "kind": event.kind.value,
            "description": event.description,
            "programme": event.programme,
            "start_date": start.date(),
            "start_time": start.time(),
            "end_date": end.date() if end.date() != start.date() else None,
            "end_time": end.time(),
            "venue": event.venue,
            "address": event.address,
            "online_url": event.online_url,
            "organiser_name": event.organiser_name,
            "organiser_email": event.organiser_email,
            "organiser_phone": event.organiser_phone,
            "target_groups": [g.id for g in event.target_groups],
            "visibility": "public" if event.is_public else "members",
            "capacity": event.capacity,
            "registration_opens": local(event.registration_opens_dt),
            "registration_closes": local(event.registration_closes_dt),
            "cancellation_deadline": local(event.cancellation_deadline_dt),
            "allows_guests": event.allows_guests,
            "allows_second_choice": event.allows_second_choice,
            "waitlist_mode": event.waitlist_mode.value,
            "offer_hours": event.offer_hours,
            "reminder_days": event.reminder_days,
            "certificate_hours": event.certificate_hours,
            "suggestions_open": local(event.suggestions_open_dt),
            "suggestions_close": local(event.suggestions_close_dt),
        } | _question_data(event.questions or [])


def _question_data(questions: list[dict]) -> dict:
    data = {}
    for i, question in enumerate(questions[:MAX_QUESTIONS], start=1):
        data[f"question_{i}_key"] = question.get("key", "")
        data[f"question_{i}_label"] = question.get("label", "")
        data[f"question_{i}_required"] = bool(question.get("required"))
    return data


# Flat fields instead of a FieldList: every error is a plain list next to its own input.
for _i in range(1, MAX_QUESTIONS + 1):
    setattr(EventForm, f"question_{_i}_key", HiddenField())
    setattr(
        EventForm,
        f"question_{_i}_label",
        text_field(f"Frage {_i}", max_length=200),
    )
    setattr(EventForm, f"question_{_i}_required", BooleanField(f"Frage {_i} ist Pflicht"))


class WorkshopForm(FlaskForm):
    title = text_field("Titel", required=True, max_length=200)
    description = _long_text("Beschreibung", max_length=5000)
    facilitator = text_field("Leitung", max_length=200)
    room = text_field("Raum", max_length=100)
    slot = _whole_number(
        "Zeitfenster",
        minimum=1,
        maximum=20,
        required=True,
        default=1,
        description="Foren im selben Zeitfenster laufen parallel; je Zeitfenster wählt "
        "jede Person ein Forum.",
    )
    day = GermanDateField(
        "Datum",
        validators=[Optional()],
        description="Leer lassen: am ersten Tag der Veranstaltung.",
    )
    start_time = GermanTimeField("Beginn", validators=[Optional()])
    end_time = GermanTimeField("Ende", validators=[Optional()])
    capacity = _capacity_field("Plätze", "Leer lassen für unbegrenzt viele Plätze.")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.end_time.data and not self.start_time.data:
            self.start_time.errors.append("Bitte geben Sie auch den Beginn an.")
            valid = False
        if self.day.data and not self.start_time.data and not self.start_time.errors:
            self.start_time.errors.append("Bitte geben Sie zum Datum auch eine Uhrzeit an.")
            valid = False
        if (
            self.start_time.data
            and self.end_time.data
            and self.end_time.data <= self.start_time.data
        ):
            self.end_time.errors.append("Das Ende muss nach dem Beginn liegen.")
            valid = False
        return valid

    def workshop_fields(self, event) -> dict:
        day = self.day.data or utc_to_berlin(event.start_dt).date()

        def utc(clock: time | None):
            return combine_berlin(day, clock) if clock else None

        return {
            "title": self.title.data,
            "description": self.description.data or "",
            "facilitator": self.facilitator.data or "",
            "room": self.room.data or "",
            "slot": self.slot.data,
            "start_dt": utc(self.start_time.data),
            "end_dt": utc(self.end_time.data),
            "capacity": self.capacity.data,
        }

    @staticmethod
    def data_of(workshop) -> dict:
        start = utc_to_berlin(workshop.start_dt) if workshop.start_dt else None
        end = utc_to_berlin(workshop.end_dt) if workshop.end_dt else None
        event_day = utc_to_berlin(workshop.event.start_dt).date()
        return {
            "title": workshop.title,
            "description": workshop.description,
            "facilitator": workshop.facilitator,
            "room": workshop.room,
            "slot": workshop.slot,
            "day": start.date() if start and start.date() != event_day else None,
            "start_time": start.time() if start else None,
            "end_time": end.time() if end else None,
            "capacity": workshop.capacity,
        }


class CopyEventForm(FlaskForm):
    weeks = _whole_number(
        "Termine verschieben um (Wochen)",
        minimum=0,
        maximum=520,
        required=True,
        default=52,
        description="52 Wochen: der nächstjährige Termin am selben Wochentag. "
        "Jahreszahlen im Titel werden angepasst.",
    )


class CancelEventForm(FlaskForm):
    message = _long_text(
        "Nachricht an die Angemeldeten",
        "Erscheint in der Absage-E-Mail, z. B. der Grund oder ein Ersatztermin.",
        max_length=3000,
    )


class ParticipantAddForm(FlaskForm):
    """The office adds a person: an existing member, or anyone by name and e-mail."""

    member = SelectField("Mitglied", coerce=_int_or_none, validate_choice=False)
    first_name = text_field("Vorname", max_length=100)
    last_name = text_field("Nachname", max_length=100)
    email = email_field("E-Mail-Adresse", required=False)
    group = SelectField("Berufsgruppe", coerce=_int_or_none, validate_choice=False)
    employer_name = text_field("Träger", max_length=200)
    school_name = text_field("Schule", max_length=200)
    override = BooleanField(
        "Auch wenn ausgebucht oder außerhalb der Anmeldefrist",
        description="Die Person wird sofort bestätigt, auch über die Platzzahl hinaus.",
    )

    def __init__(self, *args, members=(), groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._members = {m.id: m for m in members}
        self._groups = {g.id: g for g in groups}
        self.member.choices = _choices(
            [("", "– Person unten eintragen –")]
            + [(m.id, f"{m.last_name}, {m.first_name} ({m.email})") for m in members]
        )
        self.group.choices = _choices([("", "– keine Angabe –")] + [(g.id, g.name) for g in groups])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.member.data is not None and self.member.data not in self._members:
            self.member.errors.append("Bitte wählen Sie ein Mitglied aus der Liste.")
            return False
        if self.member.data is None:
            for field, message in (
                (self.first_name, "Bitte geben Sie den Vornamen an"),
                (self.last_name, "Bitte geben Sie den Nachnamen an"),
                (self.email, "Bitte geben Sie eine E-Mail-Adresse an"),
            ):
                if not field.data and not field.errors:
                    field.errors.append(message + " oder wählen Sie oben ein Mitglied.")
                    valid = False
        if self.group.data is not None and self.group.data not in self._groups:
            self.group.errors.append("Bitte wählen Sie eine Berufsgruppe aus der Liste.")
            valid = False
        return valid

    def add_refusal(self, refused) -> None:
        """Show an operation's refusal next to the field it concerns (e.g. a full workshop)."""
        name = refused.field or "email"
        if name == "email" and self.member.data is not None:
            name = "member"
        field = self._fields.get(name, self.email)
        field.errors = [*field.errors, refused.message]

    @property
    def chosen_member(self):
        return self._members.get(self.member.data)

    @property
    def slot_fields(self) -> dict[int, SelectField]:
        return {
            int(name.removeprefix("slot_")): field
            for name, field in self._fields.items()
            if name.startswith("slot_")
        }

    def picks(self) -> dict[int, list[int]]:
        return {slot: [f.data] for slot, f in self.slot_fields.items() if f.data is not None}


def participant_add_form(event, *, members=(), groups=()) -> ParticipantAddForm:
    """The add form with one workshop select per slot (slots differ between events)."""
    by_slot: dict[int, list] = {}
    for workshop in event.workshops:
        by_slot.setdefault(workshop.slot, []).append(workshop)
    form_class = type("EventParticipantAddForm", (ParticipantAddForm,), {})
    for slot, workshops in sorted(by_slot.items()):
        setattr(
            form_class,
            f"slot_{slot}",
            SelectField(
                f"Forum im Zeitfenster {slot}",
                coerce=_int_or_none,
                choices=_choices([("", "– kein Forum –")] + [(w.id, w.title) for w in workshops]),
            ),
        )
    return form_class(members=members, groups=groups)


REGISTRATION_STATE_FILTERS = [
    ("", "Alle"),
    (RegistrationState.CONFIRMED.value, "Bestätigt"),
    (RegistrationState.WAITING.value, "Warteliste"),
    (RegistrationState.OFFERED.value, "Platz angeboten"),
    (RegistrationState.UNCONFIRMED.value, "Unbestätigt"),
    (RegistrationState.CANCELLED.value, "Abgemeldet"),
    ("attended", "Anwesend"),
]


class ParticipantFilterForm(FlaskForm):
    class Meta:
        csrf = False

    suche = text_field("Name oder E-Mail enthält", max_length=200, render_kw={"type": "search"})
    status = SelectField(
        "Status", choices=_choices(REGISTRATION_STATE_FILTERS), validate_choice=False
    )

    @property
    def search_terms(self) -> list[str]:
        return (self.suche.data or "").split()[:8]

    @property
    def state(self) -> str | None:
        values = {value for value, _ in REGISTRATION_STATE_FILTERS if value}
        return self.status.data if self.status.data in values else None
