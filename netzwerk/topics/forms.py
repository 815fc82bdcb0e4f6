"""Forms for suggesting, commenting and filtering topics, and for the coordinator's decisions."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from netzwerk.core.forms import email_field, reject_control_characters, strip_filter, text_field
from netzwerk.core.templating import date_de
from netzwerk.core.timeutil import berlin_to_utc, utc_to_berlin
from netzwerk.events.forms import GermanDateTimeField
from netzwerk.topics.operations import PublicSuggester, TopicDetails, WorkshopPlan
from netzwerk.topics.queries import GENERAL, SORTS, STATE_FILTERS
from netzwerk.topics.rules import DECISION_STATES

NO_EVENT = ""


def _long_text(label: str, *, required: bool = False, max_length: int = 2000, **kwargs):
    return TextAreaField(
        label,
        validators=[
            DataRequired("Bitte füllen Sie dieses Feld aus.") if required else Optional(),
            Length(max=max_length, message=f"Höchstens {max_length} Zeichen."),
            reject_control_characters,
        ],
        filters=[strip_filter],
        **kwargs,
    )


def _event_label(event) -> str:
    return f"{event.title} ({date_de(event.start_dt, 'short')})"


class SuggestionForm(FlaskForm):
    title = text_field(
        "Thema",
        required=True,
        max_length=200,
        description="Kurz und treffend, z. B. „Cybermobbing in der Grundschule“.",
    )
    description = _long_text(
        "Worum geht es?",
        required=True,
        max_length=5000,
        description="Beschreiben Sie das Thema und warum es für die Praxis wichtig ist.",
    )
    learning_goal = _long_text(
        "Was möchten Sie dazu lernen?",
        description="Fragen, Methoden oder Erfahrungen, die Sie sich von einem Workshop erhoffen.",
    )
    offers_workshop = BooleanField("Ich könnte dazu einen Workshop anbieten")
    # Checked in the operation, not here: a closed phase deserves its own message.
    event = SelectField("Für welche Veranstaltung?", validate_choice=False)

    def __init__(self, *args, events=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.event.choices = [
            SelectChoice(NO_EVENT, "Allgemein, für keine bestimmte Veranstaltung")
        ] + [SelectChoice(str(e.id), _event_label(e)) for e in events]
        if not events:
            self.event.description = (
                "Derzeit sammelt keine Veranstaltung Vorschläge; Ihr Thema geht allgemein an "
                "die Koordinierungsstelle."
            )

    def validate_event(self, field):
        if field.data not in (NO_EVENT, None) and not str(field.data).isdigit():
            raise ValidationError("Bitte wählen Sie eine Veranstaltung aus der Liste.")

    def details(self) -> TopicDetails:
        event = self.event.data
        return TopicDetails(
            title=self.title.data,
            description=self.description.data,
            learning_goal=self.learning_goal.data or "",
            offers_workshop=bool(self.offers_workshop.data),
            event_id=int(event) if event else None,
        )

    def add_refusal(self, refused) -> None:
        target = getattr(self, refused.field or "event", self.event)
        target.errors = [*target.errors, refused.message]


class PublicSuggestionForm(SuggestionForm):
    name = text_field("Ihr Name", required=True, max_length=200, render_kw={"autocomplete": "name"})
    email = email_field(
        description="Wir schicken Ihnen einen Link, mit dem Sie Ihren Vorschlag bestätigen, "
        "und informieren Sie über die Entscheidung."
    )
    consent = BooleanField(
        validators=[
            DataRequired("Ohne Ihre Einwilligung können wir Ihren Vorschlag nicht speichern.")
        ]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent.label.text = consent_text()

    def suggester(self) -> PublicSuggester:
        return PublicSuggester(name=self.name.data, email=self.email.data)


def consent_text() -> str:
    """The consent a public suggester gives; versioned by CONSENT_TEXT_VERSION."""
    return (
        f"Ich willige ein, dass die {current_app.config['OFFICE_NAME']} meinen Namen, meine "
        "E-Mail-Adresse und meinen Vorschlag speichert, um den Vorschlag zu prüfen und mich "
        "über die Entscheidung zu informieren."
    )


class ConfirmForm(FlaskForm):
    """Only the button: confirming takes a POST, so link-checking mail scanners confirm nothing."""


class CommentForm(FlaskForm):
    text = _long_text("Ihr Kommentar", required=True, max_length=2000)


class TopicFilterForm(FlaskForm):
    """The GET filters above the list; unknown values simply filter nothing."""

    class Meta:
        csrf = False

    sortierung = SelectField(
        "Sortierung", choices=[SelectChoice(k, v) for k, v in SORTS.items()], validate_choice=False
    )
    veranstaltung = SelectField("Veranstaltung", validate_choice=False)
    status = SelectField(
        "Status",
        choices=[SelectChoice(k, v) for k, v in [("", "Alle"), *STATE_FILTERS]],
        validate_choice=False,
    )

    def __init__(self, formdata, events=(), **kwargs):
        super().__init__(formdata, **kwargs)
        self.veranstaltung.choices = [
            SelectChoice("", "Alle"),
            SelectChoice(GENERAL, "Allgemein, ohne Veranstaltung"),
        ] + [SelectChoice(str(e.id), _event_label(e)) for e in events]

    @property
    def sort(self) -> str:
        return self.sortierung.data if self.sortierung.data in SORTS else "stimmen"

    @property
    def is_filtered(self) -> bool:
        return bool(self.veranstaltung.data or self.status.data)


# --- the coordinator ------------------------------------------------------------------


class StateForm(FlaskForm):
    state = SelectField(
        "Neuer Status",
        choices=[SelectChoice(s.value, s.label) for s in DECISION_STATES],
        validators=[InputRequired("Bitte wählen Sie einen Status.")],
        invalid_choice_message="Bitte wählen Sie einen Status aus der Liste.",
    )
    reason = _long_text(
        "Öffentliche Begründung",
        max_length=500,
        description="Kurz, für alle sichtbar und in der E-Mail an die vorschlagende Person. "
        "Bei einer Ablehnung ist sie Pflicht.",
    )


class MergeForm(FlaskForm):
    target = SelectField(
        "Zusammenführen mit",
        coerce=int,
        validators=[InputRequired("Bitte wählen Sie den Vorschlag, der bestehen bleibt.")],
        invalid_choice_message="Bitte wählen Sie einen Vorschlag aus der Liste.",
        description="Die Stimmen gehen auf diesen Vorschlag über; wer für beide gestimmt hat, "
        "zählt einmal.",
    )

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.target.choices = [
            SelectChoice(t.id, f"Nr. {t.id}: {t.title} ({t.vote_count} Stimmen)") for t in targets
        ]


class WorkshopFromTopicForm(FlaskForm):
    event = SelectField(
        "Veranstaltung",
        coerce=int,
        validators=[InputRequired("Bitte wählen Sie eine Veranstaltung.")],
        invalid_choice_message="Bitte wählen Sie eine Veranstaltung aus der Liste.",
    )
    slot = IntegerField(
        "Zeitfenster",
        default=1,
        validators=[
            InputRequired("Bitte geben Sie das Zeitfenster an, z. B. 1."),
            NumberRange(min=1, max=20, message="Bitte geben Sie eine Zahl von 1 bis 20 an."),
        ],
        description="Das Forum übernimmt die Zeiten der anderen Foren in diesem Zeitfenster.",
    )
    title = text_field("Titel des Forums", required=True, max_length=200)
    facilitator = text_field("Leitung", max_length=200)
    reason = _long_text(
        "Öffentliche Begründung",
        max_length=500,
        description="Leer lassen: „Eingeplant als Forum bei …“.",
    )

    def __init__(self, *args, events=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.event.choices = [SelectChoice(e.id, _event_label(e)) for e in events]

    def plan(self) -> WorkshopPlan:
        return WorkshopPlan(
            event_id=self.event.data,
            slot=self.slot.data,
            title=self.title.data,
            facilitator=self.facilitator.data or "",
            reason=self.reason.data or "",
        )


class PublicSuggestionsForm(FlaskForm):
    enabled = BooleanField(
        "Auch Personen ohne Konto dürfen Themen vorschlagen",
        description=(
            "Sie bestätigen ihren Vorschlag über einen Link per E-Mail; erst dann erscheint er. "
            "Abstimmen und Kommentieren bleibt den Mitgliedern vorbehalten."
        ),
    )


class PhaseForm(FlaskForm):
    opens = GermanDateTimeField("Vorschläge ab")
    closes = GermanDateTimeField("Vorschläge bis")

    def validate_closes(self, field):
        if field.data and self.opens.data and field.data <= self.opens.data:
            raise ValidationError("Das Ende der Vorschlagsphase muss nach ihrem Beginn liegen.")

    def times(self):
        return (
            berlin_to_utc(self.opens.data) if self.opens.data else None,
            berlin_to_utc(self.closes.data) if self.closes.data else None,
        )

    @staticmethod
    def data_of(event) -> dict:
        def local(value):
            return utc_to_berlin(value).replace(tzinfo=None) if value else None

        return {
            "opens": local(event.suggestions_open_dt),
            "closes": local(event.suggestions_close_dt),
        }
