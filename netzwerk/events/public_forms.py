"""Registration forms built per event: the event's questions and one choice per workshop slot."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, Form, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from netzwerk.core.forms import email_field, reject_control_characters, strip_filter, text_field
from netzwerk.events.models import Event, EventKind, Registration, Workshop
from netzwerk.events.operations import Applicant, Picks
from netzwerk.members.models import ProfessionalGroup

ANSWER_MAX_LENGTH = 1000


class EventFilterForm(Form):
    """The GET filters above the event list; unknown values simply filter nothing."""

    gruppe = SelectField("Berufsgruppe", validators=[Optional()])
    art = SelectField(
        "Art der Veranstaltung",
        choices=[("", "Alle Arten")] + [(kind.value, kind.label) for kind in EventKind],
        validators=[Optional()],
    )

    def __init__(self, formdata, groups: list[ProfessionalGroup] = (), **kwargs):
        super().__init__(formdata, **kwargs)
        self.gruppe.choices = [("", "Alle Berufsgruppen")] + [(g.slug, g.name) for g in groups]


def question_key(question: dict, index: int) -> str:
    return str(question.get("key") or f"frage_{index + 1}")


def _question_field(question: dict):
    """A field for one of the event's questions: {"label", "required", "kind", "choices"}."""
    label = str(question.get("label") or "Frage")
    required = bool(question.get("required"))
    kind = question.get("kind", "text")
    if kind == "checkbox":
        return BooleanField(
            label, validators=[DataRequired("Bitte bestätigen Sie.")] if required else []
        )
    if kind == "choice" and question.get("choices"):
        choices = [("", "Bitte auswählen")] + [(str(c), str(c)) for c in question["choices"]]
        message = "Bitte wählen Sie eine Antwort."
        return SelectField(
            label, choices=choices, validators=[InputRequired(message) if required else Optional()]
        )
    field_class = TextAreaField if kind == "textarea" else StringField
    return field_class(
        label,
        validators=[
            InputRequired("Bitte beantworten Sie diese Frage.") if required else Optional(),
            Length(max=ANSWER_MAX_LENGTH, message=f"Höchstens {ANSWER_MAX_LENGTH} Zeichen."),
            reject_control_characters,
        ],
        filters=[strip_filter],
    )


def workshop_slots(event: Event) -> dict[int, list[Workshop]]:
    slots: dict[int, list[Workshop]] = {}
    for workshop in event.workshops:
        slots.setdefault(workshop.slot, []).append(workshop)
    return dict(sorted(slots.items()))


def _workshop_label(workshop: Workshop, seats_taken: dict[int, int]) -> str:
    details = [d for d in (workshop.facilitator, workshop.room and f"Raum {workshop.room}") if d]
    label = workshop.title + (f" ({', '.join(details)})" if details else "")
    if workshop.capacity is not None:
        free = max(workshop.capacity - seats_taken.get(workshop.id, 0), 0)
        label += f" – noch {free} {'Platz' if free == 1 else 'Plätze'}" if free else " – ausgebucht"
    return label


def _slot_fields(form_class, event: Event, seats_taken: dict[int, int]) -> None:
    for slot, workshops in workshop_slots(event).items():
        choices = [(str(w.id), _workshop_label(w, seats_taken)) for w in workshops]
        any_free = any(
            w.capacity is None or seats_taken.get(w.id, 0) < w.capacity for w in workshops
        )
        # A slot whose workshops are all full may stay empty; otherwise each slot needs a pick.
        first = RadioField(
            f"Workshop im Zeitfenster {slot}",
            choices=choices,
            validators=[
                InputRequired(f"Bitte wählen Sie einen Workshop für Zeitfenster {slot}.")
                if any_free
                else Optional()
            ],
        )
        setattr(form_class, f"slot_{slot}", first)
        if event.allows_second_choice and len(workshops) > 1:
            second = SelectField(
                f"Zweitwahl für Zeitfenster {slot}",
                choices=[("", "Keine Zweitwahl")] + choices,
                validators=[Optional()],
                description="Falls Ihr Wunsch-Workshop voll ist, erhalten Sie diesen.",
            )
            setattr(form_class, f"slot_{slot}_second", second)


class _RegistrationBase(FlaskForm):
    def slot_fields(self) -> list[tuple[int, object, object | None]]:
        """(slot, first choice field, second choice field or None) for the template."""
        fields = []
        for slot in self._slots:
            fields.append((slot, self[f"slot_{slot}"], self._fields.get(f"slot_{slot}_second")))
        return fields

    def question_fields(self) -> list:
        return [self[name] for name in self._question_names]

    def answers(self) -> dict:
        return {
            key: self[name].data
            for key, name in zip(self._question_keys, self._question_names, strict=True)
            if self[name].data not in (None, "", False)
        }

    def picks(self) -> Picks:
        picks: Picks = {}
        for slot, first, second in self.slot_fields():
            ids = [int(f.data) for f in (first, second) if f is not None and f.data]
            picks[slot] = ids
        return picks

    def set_picks(self, registration: Registration) -> None:
        for choice in registration.workshop_choices:
            suffix = "" if choice.priority == 1 else "_second"
            field = self._fields.get(f"slot_{choice.slot}{suffix}")
            if field is not None:
                field.data = str(choice.workshop_id)

    def add_error(self, field_name: str | None, message: str) -> bool:
        """Show a refusal next to its field; False when the form has no such field."""
        field = self._fields.get(field_name) if field_name else None
        if field is None:
            return False
        field.errors = [*field.errors, message]
        return True


class _GuestFields(_RegistrationBase):
    first_name = text_field(
        "Vorname", required=True, max_length=100, render_kw={"autocomplete": "given-name"}
    )
    last_name = text_field(
        "Nachname", required=True, max_length=100, render_kw={"autocomplete": "family-name"}
    )
    email = email_field(
        description="Wir schicken Ihnen einen Link, mit dem Sie die Anmeldung bestätigen."
    )
    employer_name = text_field(
        "Träger",
        required=True,
        max_length=200,
        description="Ihr Anstellungsträger, z. B. „AWO Musterstadt“ oder „Stadt Musterstadt“.",
        render_kw={"autocomplete": "organization"},
    )
    school_name = text_field("Schule", max_length=200)
    group = SelectField("Berufsgruppe", validators=[Optional()])
    consent = BooleanField(
        validators=[
            DataRequired("Ohne Ihre Einwilligung können wir Ihre Anmeldung nicht speichern.")
        ]
    )

    def applicant(self) -> Applicant:
        return Applicant(
            email=self.email.data,
            first_name=self.first_name.data,
            last_name=self.last_name.data,
            group_id=int(self.group.data) if self.group.data else None,
            employer_name=self.employer_name.data or "",
            school_name=self.school_name.data or "",
            answers=self.answers(),
        )


def guest_consent_text(event: Event) -> str:
    return (
        f"Ich willige ein, dass die {current_app.config['OFFICE_NAME']} meine Angaben "
        f"speichert, um meine Teilnahme an „{event.title}“ zu organisieren."
    )


def registration_form(
    event: Event,
    *,
    guest: bool,
    seats_taken: dict[int, int],
    groups: list[ProfessionalGroup] = (),
    **kwargs,
) -> _RegistrationBase:
    """The form for this event; a guest also gives name, address, Träger and consent."""
    form_class = type("RegistrationForm", (_GuestFields if guest else _RegistrationBase,), {})
    names, keys = [], []
    for index, question in enumerate(event.questions or []):
        if not isinstance(question, dict):
            continue
        name = f"question_{index}"
        setattr(form_class, name, _question_field(question))
        names.append(name)
        keys.append(question_key(question, index))
    _slot_fields(form_class, event, seats_taken)
    form = form_class(**kwargs)
    form._question_names, form._question_keys = names, keys
    form._slots = list(workshop_slots(event))
    if guest:
        form.group.choices = [("", "Keine Angabe")] + [(str(g.id), g.name) for g in groups]
        form.consent.label.text = guest_consent_text(event)
    return form


def workshop_form(event: Event, seats_taken: dict[int, int], **kwargs) -> _RegistrationBase:
    """Only the workshop picks: changing them from the personal link."""
    form_class = type("WorkshopForm", (_RegistrationBase,), {})
    _slot_fields(form_class, event, seats_taken)
    form = form_class(**kwargs)
    form._question_names, form._question_keys = [], []
    form._slots = list(workshop_slots(event))
    return form


class ConfirmForm(FlaskForm):
    """Only a button: acting takes a POST, so link-checking mail scanners change nothing."""
