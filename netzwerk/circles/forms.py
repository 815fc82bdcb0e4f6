"""Forms for quality circles: the circle, its schedule, single meetings, minutes, members.

Times are typed in Europe/Berlin wall-clock time. The schedule form writes the RRULE
itself from a pattern chosen in plain German; experts may type a rule of their own.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    MultipleFileField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from netzwerk.circles.models import Circle, CircleKind
from netzwerk.circles.schedule import ScheduleError, check_rule, next_meetings
from netzwerk.core.forms import reject_control_characters, strip_filter, text_field
from netzwerk.core.timeutil import combine_berlin, utc_to_berlin
from netzwerk.events.forms import GermanDateField, GermanTimeField
from netzwerk.files.storage import UploadRefused, check_upload
from netzwerk.members.models import SchoolForm

DESCRIPTION_MAX_LENGTH = 10_000
MINUTES_MAX_LENGTH = 50_000

WEEKDAYS = [
    ("MO", "Montag"),
    ("TU", "Dienstag"),
    ("WE", "Mittwoch"),
    ("TH", "Donnerstag"),
    ("FR", "Freitag"),
    ("SA", "Samstag"),
    ("SU", "Sonntag"),
]
WEEKDAY_NAMES = dict(WEEKDAYS)
ORDINALS = [("1", "1."), ("2", "2."), ("3", "3."), ("4", "4."), ("-1", "letzten")]
ORDINAL_NAMES = dict(ORDINALS)
MONTH_NAMES = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
               "September", "Oktober", "November", "Dezember")  # fmt: skip

MONTHLY, WEEKLY, FORTNIGHTLY, CUSTOM, NONE = (
    "monatlich",
    "woechentlich",
    "zweiwoechentlich",
    "eigene",
    "keine",
)
PATTERNS = [
    (MONTHLY, "Einmal im Monat: jeden 1., 2., 3., 4. oder letzten Wochentag"),
    (WEEKLY, "Jede Woche am gewählten Wochentag"),
    (FORTNIGHTLY, "Alle zwei Wochen am gewählten Wochentag"),
    (CUSTOM, "Eigene Regel (RRULE nach RFC 5545, für Fachleute)"),
    (NONE, "Keine regelmäßigen Treffen (nur einzelne Termine)"),
]
MAX_RULE_LENGTH = 300

_UNTIL = r"(?:;UNTIL=(?P<until>\d{8}T\d{6}Z))?"
_SIMPLE_RULES = {
    MONTHLY: re.compile(r"^FREQ=MONTHLY;BYDAY=(?P<ordinal>-1|[1-4])(?P<weekday>[A-Z]{2})" + _UNTIL),
    WEEKLY: re.compile(r"^FREQ=WEEKLY;BYDAY=(?P<weekday>[A-Z]{2})" + _UNTIL),
    FORTNIGHTLY: re.compile(r"^FREQ=WEEKLY;INTERVAL=2;BYDAY=(?P<weekday>[A-Z]{2})" + _UNTIL),
}


def _choices(empty_label: str | None, pairs) -> list[SelectChoice]:
    leading = [SelectChoice("", empty_label)] if empty_label else []
    return leading + [SelectChoice(str(value), label) for value, label in pairs]


def _int_or_none(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _long_text(label: str, *, required=False, max_length: int, **kwargs):
    return TextAreaField(
        label,
        validators=[
            InputRequired("Bitte füllen Sie dieses Feld aus.") if required else Optional(),
            Length(max=max_length, message=f"Höchstens {max_length:,} Zeichen.".replace(",", ".")),
            reject_control_characters,
        ],
        filters=[strip_filter],
        **kwargs,
    )


# --- the RRULE from plain choices ------------------------------------------------------


def until_utc(until: date) -> str:
    """The end of the until day in Berlin, as the UTC form RFC 5545 asks for with a TZID."""
    end = combine_berlin(until, time(23, 59, 59)).astimezone(UTC)
    return end.strftime("%Y%m%dT%H%M%SZ")


def build_rrule(pattern: str, *, weekday: str, ordinal: str = "1", until: date | None = None):
    """FREQ=MONTHLY;BYDAY=2TU and friends, written from the form's choices."""
    if pattern == MONTHLY:
        rule = f"FREQ=MONTHLY;BYDAY={ordinal}{weekday}"
    elif pattern == WEEKLY:
        rule = f"FREQ=WEEKLY;BYDAY={weekday}"
    elif pattern == FORTNIGHTLY:
        rule = f"FREQ=WEEKLY;INTERVAL=2;BYDAY={weekday}"
    else:
        raise ValueError(pattern)
    return rule + (f";UNTIL={until_utc(until)}" if until else "")


def describe_rrule(rule: str) -> str:
    """The schedule in German, as the schedule form offers it; other rules as they are.

    A BYMONTH that leaves months out (the summer holidays) is named as an exception.
    """
    if not rule:
        return "keine regelmäßigen Treffen"
    months = re.search(r";BYMONTH=([0-9,]+)", rule)
    parsed = parse_simple_rrule(rule.replace(months.group(0), "") if months else rule)
    if parsed is None:
        return f"eigene Regel: {rule}"
    pattern, weekday, ordinal, until = parsed
    day = WEEKDAY_NAMES.get(weekday, weekday)
    text = {
        MONTHLY: f"jeden {ORDINAL_NAMES.get(ordinal, ordinal)} {day} im Monat",
        WEEKLY: f"jede Woche am {day}",
        FORTNIGHTLY: f"alle zwei Wochen am {day}",
    }[pattern]
    if months:
        kept = {int(m) for m in months.group(1).split(",") if m}
        left_out = [name for n, name in enumerate(MONTH_NAMES, start=1) if n not in kept]
        if left_out:
            text += ", außer im " + " und ".join(
                filter(None, (", ".join(left_out[:-1]), left_out[-1]))
            )
    if until:
        text += f"{',' if months else ''} bis {until:%d.%m.%Y}"
    return text


def describe_schedule(circle) -> str:
    """ "Jeden 2. Dienstag im Monat, 14:00–16:00 Uhr": the rhythm and the time of day."""
    text = describe_rrule(circle.schedule_rrule)
    if circle.schedule_rrule and circle.schedule_start_dt is not None:
        start = utc_to_berlin(circle.schedule_start_dt)
        end = start + timedelta(minutes=circle.schedule_minutes)
        text += f", {start:%H:%M}–{end:%H:%M} Uhr"
    return text[:1].upper() + text[1:]


def parse_simple_rrule(rule: str):
    """(pattern, weekday, ordinal, until date) for a rule the form writes, else None."""
    for pattern, regex in _SIMPLE_RULES.items():
        match = regex.fullmatch(rule)
        if match and match["weekday"] in WEEKDAY_NAMES:
            until = None
            if match["until"]:
                until_dt = datetime.strptime(match["until"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
                until = utc_to_berlin(until_dt).date()
            return pattern, match["weekday"], match.groupdict().get("ordinal") or "1", until
    return None


def first_meeting(rule: str, start_dt: datetime, minutes: int) -> datetime | None:
    """The rule's first meeting at or after start_dt (UTC), expanded as the feed will be.

    The schedule is stored from that meeting on: RFC 5545 counts DTSTART as the first
    occurrence, so a start that the rule itself would not produce must not be stored.
    """
    probe = Circle(schedule_rrule=rule, schedule_start_dt=start_dt, schedule_minutes=minutes)
    found = next_meetings(probe, start_dt, limit=1, meetings=[])
    return found[0].start_dt if found else None


# --- circles -----------------------------------------------------------------------------


class CircleForm(FlaskForm):
    """The coordinator's form for a circle; moderators are chosen when it is created."""

    name = text_field("Name", required=True, max_length=200)
    kind = SelectField(
        "Art des Zirkels",
        choices=_choices(None, ((k.value, k.label.capitalize()) for k in CircleKind)),
        validators=[InputRequired("Bitte wählen Sie die Art des Zirkels.")],
    )
    school_form = SelectField(
        "Schulform",
        choices=_choices("– keine –", ((f.value, f.label) for f in SchoolForm)),
        default="",
        description="Nur für schulformbezogene Zirkel.",
    )
    district_id = SelectField(
        "Sozialraum",
        coerce=_int_or_none,
        description="Nur für sozialraumorientierte Zirkel.",
    )
    description = _long_text(
        "Beschreibung",
        max_length=DESCRIPTION_MAX_LENGTH,
        description="Worum es im Zirkel geht. Markdown ist möglich, z. B. **fett** oder Listen.",
    )
    is_open = BooleanField(
        "Offen: Mitglieder des Netzwerks können ohne Anfrage beitreten",
        description="Ohne Haken treten Mitglieder nur auf Einladung oder nach einer Anfrage "
        "bei, über die die Moderation entscheidet.",
    )
    default_location = text_field(
        "Üblicher Treffpunkt",
        max_length=300,
        description="Zum Beispiel: Jugendzentrum Nordstadt, Bergstraße 40, Raum 2.",
    )
    # The checks below ask for what is missing; Optional() would stop them early.
    moderator_1 = SelectField("Moderation", coerce=_int_or_none)
    moderator_2 = SelectField("Zweite Moderation", coerce=_int_or_none)

    def __init__(self, *args, districts=(), members=(), with_moderators=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.district_id.choices = _choices("– keiner –", ((d.id, d.name) for d in districts))
        if with_moderators:
            people = [(m.id, f"{m.sort_name} ({m.email})") for m in members]
            self.moderator_1.choices = _choices("Bitte auswählen", people)
            self.moderator_2.choices = _choices("– niemand –", people)
        else:
            del self.moderator_1
            del self.moderator_2

    def validate_school_form(self, field):
        if self.kind.data == CircleKind.SCHOOL_FORM and not field.data:
            raise ValidationError("Bitte wählen Sie die Schulform des Zirkels.")

    def validate_district_id(self, field):
        if self.kind.data == CircleKind.DISTRICT and field.data is None:
            raise ValidationError("Bitte wählen Sie den Sozialraum des Zirkels.")

    def validate_moderator_1(self, field):
        if field.data is None:
            raise ValidationError("Bitte wählen Sie, wer den Zirkel moderiert.")

    def validate_moderator_2(self, field):
        if field.data is not None and field.data == self.moderator_1.data:
            raise ValidationError("Bitte wählen Sie zwei verschiedene Personen.")

    @staticmethod
    def data_of(circle) -> dict:
        return {
            "name": circle.name,
            "kind": circle.kind.value,
            "school_form": circle.school_form.value if circle.school_form else "",
            "district_id": circle.district_id,
            "description": circle.description,
            "is_open": circle.is_open,
            "default_location": circle.default_location,
        }

    def circle_fields(self) -> dict:
        kind = CircleKind(self.kind.data)
        return {
            "name": self.name.data,
            "kind": kind,
            "school_form": SchoolForm(self.school_form.data)
            if kind == CircleKind.SCHOOL_FORM
            else None,
            "district_id": self.district_id.data if kind == CircleKind.DISTRICT else None,
            "description": self.description.data or "",
            "is_open": self.is_open.data,
            "default_location": self.default_location.data or "",
        }

    @property
    def moderator_ids(self) -> list[int]:
        return [i for i in (self.moderator_1.data, self.moderator_2.data) if i is not None]


class CircleSettingsForm(FlaskForm):
    """What a moderator may change about the circle; name and kind are the office's."""

    description = CircleForm.description
    is_open = CircleForm.is_open
    default_location = CircleForm.default_location

    @staticmethod
    def data_of(circle) -> dict:
        return {
            "description": circle.description,
            "is_open": circle.is_open,
            "default_location": circle.default_location,
        }

    def settings(self) -> dict:
        return {
            "description": self.description.data or "",
            "is_open": self.is_open.data,
            "default_location": self.default_location.data or "",
        }


# --- the schedule --------------------------------------------------------------------------


class ScheduleForm(FlaskForm):
    pattern = RadioField(
        "Wie oft trifft sich der Zirkel?",
        choices=_choices(None, PATTERNS),
        default=MONTHLY,
        validators=[InputRequired("Bitte wählen Sie, wie oft sich der Zirkel trifft.")],
    )
    ordinal = SelectField(
        "Welcher im Monat",
        choices=_choices(None, ORDINALS),
        default="2",
        description="Nur für „Einmal im Monat“: z. B. der 2. Dienstag.",
    )
    weekday = SelectField("Wochentag", choices=_choices(None, WEEKDAYS), default="TU")
    start_date = GermanDateField("Ab", validators=[Optional()])
    start_time = GermanTimeField("Beginn", validators=[Optional()])
    end_time = GermanTimeField("Ende", validators=[Optional()])
    until = GermanDateField(
        "Bis", validators=[Optional()], description="Leer lassen, wenn kein Ende feststeht."
    )
    rrule = text_field(
        "Eigene Regel (RRULE)",
        max_length=MAX_RULE_LENGTH,
        description="Nur für „Eigene Regel“, z. B. FREQ=MONTHLY;BYDAY=2TU;BYMONTH=1,2,3,4,5,6,9,"
        "10,11,12 für jeden 2. Dienstag außer in Juli und August.",
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.result: tuple[str, datetime | None, int] | None = None
        # Needed for every pattern but "keine"; validate() asks for them then.
        for name in ("start_date", "start_time", "end_time"):
            self[name].flags.required = True

    @staticmethod
    def data_of(circle) -> dict:
        if not circle.schedule_rrule or circle.schedule_start_dt is None:
            return {}
        start = utc_to_berlin(circle.schedule_start_dt)
        end = start + timedelta(minutes=circle.schedule_minutes)
        data = {
            "start_date": start.date(),
            "start_time": start.time().replace(tzinfo=None),
            "end_time": end.time().replace(tzinfo=None),
        }
        parsed = parse_simple_rrule(circle.schedule_rrule)
        if parsed is None:
            return data | {"pattern": CUSTOM, "rrule": circle.schedule_rrule}
        pattern, weekday, ordinal, until = parsed
        return data | {"pattern": pattern, "weekday": weekday, "ordinal": ordinal, "until": until}

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if self.pattern.data == NONE:
            self.result = ("", None, 0)
            return True
        if not self._times_given():
            return False
        rule = self._rule()
        if rule is None:
            return False
        start = combine_berlin(self._first_day(), self.start_time.data)
        minutes = _minutes_between(self.start_time.data, self.end_time.data)
        first = first_meeting(rule, start, minutes)
        if first is None:
            self.start_date.errors.append(
                "Nach dieser Regel gibt es ab diesem Datum keinen Termin. Bitte prüfen Sie "
                "Beginn, Regel und Enddatum."
            )
            return False
        self.result = (rule, first, minutes)
        return True

    def _times_given(self) -> bool:
        ok = True
        for field, message in (
            (self.start_date, "Bitte geben Sie an, ab wann der Zirkel sich trifft."),
            (self.start_time, "Bitte geben Sie die Uhrzeit an, z. B. 14:00."),
            (self.end_time, "Bitte geben Sie an, wann das Treffen endet, z. B. 16:00."),
        ):
            if field.data is None and not field.errors:
                field.errors.append(message)
                ok = False
        if not ok:
            return False
        if self.end_time.data <= self.start_time.data:
            self.end_time.errors.append("Das Ende muss nach dem Beginn liegen.")
            return False
        if self.until.data and self.until.data < self.start_date.data:
            self.until.errors.append("Das Enddatum darf nicht vor dem Beginn liegen.")
            return False
        return True

    def _first_day(self) -> date:
        """For weekly rhythms the chosen weekday on or after the start date.

        RFC 5545 counts "every other week" from the week of DTSTART: from a Friday, the
        next Monday would not count as the first. People mean that Monday.
        """
        day = self.start_date.data
        if self.pattern.data in (WEEKLY, FORTNIGHTLY):
            wanted = [code for code, _ in WEEKDAYS].index(self.weekday.data)
            day += timedelta(days=(wanted - day.weekday()) % 7)
        return day

    def _rule(self) -> str | None:
        pattern = self.pattern.data
        if pattern != CUSTOM:
            return build_rrule(
                pattern, weekday=self.weekday.data, ordinal=self.ordinal.data, until=self.until.data
            )
        try:
            rule = check_rule(self.rrule.data or "")
        except ScheduleError as error:
            self.rrule.errors.append(str(error))
            return None
        if not rule:
            self.rrule.errors.append("Bitte geben Sie die Regel ein, z. B. FREQ=MONTHLY;BYDAY=2TU.")
            return None
        if self.until.data:
            if re.search(r"(^|;)(UNTIL|COUNT)=", rule):
                self.until.errors.append(
                    "Die Regel nennt schon ein Ende (UNTIL oder COUNT). "
                    "Bitte lassen Sie „Bis“ leer."
                )
                return None
            rule += f";UNTIL={until_utc(self.until.data)}"
        return rule

    @property
    def rule(self) -> str:
        return self.result[0]

    @property
    def start_dt(self) -> datetime | None:
        return self.result[1]

    @property
    def minutes(self) -> int:
        return self.result[2]


def _minutes_between(start: time, end: time) -> int:
    day = date(2000, 1, 1)
    return int((datetime.combine(day, end) - datetime.combine(day, start)).total_seconds() // 60)


# --- single meetings ---------------------------------------------------------------------


class SkipMeetingForm(FlaskForm):
    note = text_field(
        "Hinweis",
        max_length=500,
        description="Zum Beispiel: fällt wegen der Herbstferien aus. Die Mitglieder sehen ihn.",
    )


class SkipPeriodForm(FlaskForm):
    """All meetings in a period fall out: the school holidays, say."""

    first_day = GermanDateField(
        "Vom", validators=[InputRequired("Bitte geben Sie den ersten Tag an, z. B. 13.10.2027.")]
    )
    last_day = GermanDateField(
        "Bis einschließlich",
        validators=[InputRequired("Bitte geben Sie den letzten Tag an, z. B. 25.10.2027.")],
    )
    note = text_field(
        "Hinweis",
        max_length=500,
        description="Zum Beispiel: Herbstferien. Die Mitglieder sehen ihn bei jedem Termin.",
    )

    def validate_last_day(self, field):
        if field.data and self.first_day.data:
            if field.data < self.first_day.data:
                raise ValidationError("Der letzte Tag darf nicht vor dem ersten liegen.")
            if field.data - self.first_day.data > timedelta(days=366):
                raise ValidationError("Bitte wählen Sie höchstens ein Jahr.")


class MeetingForm(FlaskForm):
    """A moved meeting or a one-off meeting: date, time, place."""

    day = GermanDateField("Datum", validators=[InputRequired("Bitte geben Sie das Datum an.")])
    start_time = GermanTimeField(
        "Beginn", validators=[InputRequired("Bitte geben Sie die Uhrzeit an, z. B. 14:00.")]
    )
    end_time = GermanTimeField(
        "Ende", validators=[InputRequired("Bitte geben Sie an, wann das Treffen endet.")]
    )
    location = text_field("Ort", max_length=300, description="Leer: der übliche Treffpunkt.")
    note = text_field("Hinweis", max_length=500)

    def validate_end_time(self, field):
        if self.start_time.data and field.data and field.data <= self.start_time.data:
            raise ValidationError("Das Ende muss nach dem Beginn liegen.")

    @staticmethod
    def data_for(start_dt: datetime, end_dt: datetime, location: str = "", note: str = ""):
        start, end = utc_to_berlin(start_dt), utc_to_berlin(end_dt)
        return {
            "day": start.date(),
            "start_time": start.time().replace(tzinfo=None),
            "end_time": end.time().replace(tzinfo=None),
            "location": location,
            "note": note,
        }

    @property
    def start_dt(self) -> datetime:
        return combine_berlin(self.day.data, self.start_time.data)

    @property
    def end_dt(self) -> datetime:
        return combine_berlin(self.day.data, self.end_time.data)


# --- minutes ------------------------------------------------------------------------------


class MinutesForm(FlaskForm):
    occurrence = SelectField("Treffen", validators=[InputRequired("Bitte wählen Sie das Treffen.")])
    text = _long_text(
        "Protokoll",
        required=True,
        max_length=MINUTES_MAX_LENGTH,
        description="Was besprochen wurde. Markdown ist möglich, z. B. **fett** oder Listen.",
        render_kw={"rows": 14},
    )
    agreed_actions = _long_text(
        "Vereinbarungen",
        max_length=MINUTES_MAX_LENGTH,
        description="Wer macht was bis wann, eine Vereinbarung pro Zeile.",
        render_kw={"rows": 6},
    )
    attachments = MultipleFileField(
        "Anhänge",
        description="Zum Beispiel Präsentationen oder Arbeitsblätter (PDF, Office-Dokumente, "
        "Bilder). Sie können mehrere Dateien auswählen.",
    )

    def __init__(self, *args, occurrences=(), **kwargs):
        """occurrences: (UTC start, label) of the meetings the minutes may belong to."""
        super().__init__(*args, **kwargs)
        self.occurrence.choices = _choices(
            "Bitte auswählen", ((occurrence_key(start), label) for start, label in occurrences)
        )

    def validate_attachments(self, field):
        # Checked here so that a refused file leaves the other fields as typed.
        for upload in self.uploads:
            try:
                check_upload(upload)
            except UploadRefused as refused:
                raise ValidationError(refused.message) from refused

    @property
    def occurrence_dt(self) -> datetime | None:
        return parse_occurrence_key(self.occurrence.data)

    @property
    def uploads(self) -> list:
        return [f for f in (self.attachments.data or []) if f and getattr(f, "filename", "")]


class MinutesSearchForm(FlaskForm):
    """The search over minutes travels in the address bar; it changes nothing."""

    class Meta:
        csrf = False

    suche = text_field("Protokolle durchsuchen", max_length=200, render_kw={"type": "search"})

    @property
    def terms(self) -> list[str]:
        return (self.suche.data or "").split()[:8]


# --- members ------------------------------------------------------------------------------


class AddMemberForm(FlaskForm):
    member_id = SelectField(
        "Mitglied hinzufügen",
        coerce=_int_or_none,
        validators=[InputRequired("Bitte wählen Sie ein Mitglied.")],
    )

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.member_id.choices = _choices(
            "Bitte auswählen", ((m.id, f"{m.sort_name} ({m.email})") for m in candidates)
        )

    def validate_member_id(self, field):
        if field.data is None:
            raise ValidationError("Bitte wählen Sie ein Mitglied.")


# --- occurrences in addresses ---------------------------------------------------------------


def occurrence_key(start_dt: datetime) -> str:
    """A meeting's start as it appears in URLs and forms: 20270309T130000Z (UTC)."""
    return start_dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_occurrence_key(value: str | None) -> datetime | None:
    try:
        return datetime.strptime(value or "", "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
