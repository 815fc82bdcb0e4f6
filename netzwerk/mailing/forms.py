"""Forms for lists, their segments and subscribers, and the public subscribe form."""

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from netzwerk.core.forms import email_field, reject_control_characters, strip_filter, text_field
from netzwerk.mailing.lists import ListSettings, SegmentRule
from netzwerk.mailing.models import LegalBasis, ListVisibility
from netzwerk.members.models import EmployerKind, SchoolForm
from netzwerk.members.school_forms import EMPLOYER_KIND_CHOICES, SCHOOL_FORM_CHOICES

LEGAL_BASIS_LABELS = {
    LegalBasis.CONSENT: "Einwilligung (Art. 6 Abs. 1 a DSGVO)",
    LegalBasis.PUBLIC_TASK: "Öffentliche Aufgabe (Art. 6 Abs. 1 e DSGVO)",
}
LEGAL_BASIS_SHORT = {
    LegalBasis.CONSENT: "Einwilligung",
    LegalBasis.PUBLIC_TASK: "öffentliche Aufgabe",
}
VISIBILITY_SHORT = {
    ListVisibility.OPEN: "offen",
    ListVisibility.MEMBERS: "nur Mitglieder",
    ListVisibility.CLOSED: "geschlossen",
}
VISIBILITY_LABELS = {
    ListVisibility.OPEN: "Offen: jede Person kann sich selbst eintragen",
    ListVisibility.MEMBERS: "Nur Mitglieder: angemeldete Mitglieder tragen sich selbst ein",
    ListVisibility.CLOSED: "Geschlossen: nur die Koordinierungsstelle trägt ein",
}


def _long_text(label: str, max_length: int = 2000, required_message: str | None = None, **kw):
    return TextAreaField(
        label,
        validators=[
            DataRequired(required_message) if required_message else Optional(),
            Length(max=max_length, message=f"Höchstens {max_length} Zeichen."),
            reject_control_characters,
        ],
        filters=[strip_filter],
        **kw,
    )


class ListForm(FlaskForm):
    name = text_field(
        "Name des Verteilers",
        required=True,
        max_length=200,
        description="Steht im Absender und in der Kennung der E-Mails (List-Id).",
    )
    description = _long_text(
        "Beschreibung", description="Was der Verteiler verschickt; Mitglieder lesen das."
    )
    purpose = _long_text(
        "Zweck",
        max_length=1000,
        description="Bei Einwilligung steht der Zweck neben dem Häkchen im Anmeldeformular, "
        "z. B. „Ich möchte den Newsletter der Koordinierungsstelle per E-Mail erhalten.“",
    )
    legal_basis = RadioField(
        "Rechtsgrundlage",
        choices=[SelectChoice(b.value, label) for b, label in LEGAL_BASIS_LABELS.items()],
        validators=[InputRequired("Bitte wählen Sie eine Rechtsgrundlage.")],
        default=LegalBasis.CONSENT.value,
    )
    visibility = RadioField(
        "Sichtbarkeit",
        choices=[SelectChoice(v.value, label) for v, label in VISIBILITY_LABELS.items()],
        validators=[InputRequired("Bitte wählen Sie, wer sich eintragen kann.")],
        default=ListVisibility.CLOSED.value,
    )
    sender_name = text_field(
        "Absendername",
        max_length=200,
        description="Leer lassen für den Namen der Plattform.",
    )
    reply_to = email_field(
        "Antwortadresse (Reply-To)",
        required=False,
        description="Wohin Antworten auf Verteiler-E-Mails gehen, z. B. die Adresse der "
        "Koordinierungsstelle.",
    )
    has_archive = BooleanField("Archiv: gesendete Nachrichten für Mitglieder des Verteilers zeigen")
    consent_text_version = text_field(
        "Fassung des Einwilligungstextes",
        max_length=40,
        description="Ändern Sie die Fassung, wenn sich der Zweck ändert; bestätigte Anmeldungen "
        "behalten die Fassung, der sie zugestimmt haben.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.consent_text_version.data and not self.is_submitted():
            self.consent_text_version.data = current_app.config["CONSENT_TEXT_VERSION"]

    def validate_name(self, field):
        if not field.data:
            raise ValidationError("Bitte füllen Sie dieses Feld aus.")

    def settings(self) -> ListSettings:
        return ListSettings(
            name=self.name.data,
            description=self.description.data or "",
            purpose=self.purpose.data or "",
            legal_basis=LegalBasis(self.legal_basis.data),
            visibility=ListVisibility(self.visibility.data),
            sender_name=self.sender_name.data or "",
            reply_to=self.reply_to.data or "",
            has_archive=self.has_archive.data,
            consent_text_version=self.consent_text_version.data or "",
        )


def _id_or_none(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class SegmentForm(FlaskForm):
    """One rule; every set condition must hold. Nothing set means all active members."""

    gruppe = SelectField("Berufsgruppe", coerce=_id_or_none, validate_choice=False)
    traeger_art = SelectField(
        "Art des Anstellungsträgers",
        choices=[SelectChoice("", "– alle –"), *EMPLOYER_KIND_CHOICES],
        validators=[Optional()],
        invalid_choice_message="Bitte wählen Sie eine Art aus der Liste.",
    )
    schulform = SelectField(
        "Schulform",
        choices=[SelectChoice("", "– alle –"), *SCHOOL_FORM_CHOICES],
        validators=[Optional()],
        invalid_choice_message="Bitte wählen Sie eine Schulform aus der Liste.",
    )
    sozialraum = SelectField("Sozialraum", coerce=_id_or_none, validate_choice=False)
    zirkel = SelectField("Qualitätszirkel", coerce=_id_or_none, validate_choice=False)

    def __init__(self, *args, groups=(), districts=(), circles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._known = {
            "gruppe": {g.id for g in groups},
            "sozialraum": {d.id for d in districts},
            "zirkel": {c.id for c in circles},
        }
        any_choice = [SelectChoice("", "– alle –")]
        self.gruppe.choices = any_choice + [SelectChoice(str(g.id), g.name) for g in groups]
        self.sozialraum.choices = any_choice + [SelectChoice(str(d.id), d.name) for d in districts]
        self.zirkel.choices = any_choice + [SelectChoice(str(c.id), c.name) for c in circles]

    def _check_known(self, field, message):
        if field.data is not None and field.data not in self._known[field.name]:
            raise ValidationError(message)

    def validate_gruppe(self, field):
        self._check_known(field, "Bitte wählen Sie eine Berufsgruppe aus der Liste.")

    def validate_sozialraum(self, field):
        self._check_known(field, "Bitte wählen Sie einen Sozialraum aus der Liste.")

    def validate_zirkel(self, field):
        self._check_known(field, "Bitte wählen Sie einen Qualitätszirkel aus der Liste.")

    def rule(self) -> SegmentRule:
        return SegmentRule(
            group_id=self.gruppe.data,
            employer_kind=EmployerKind(self.traeger_art.data) if self.traeger_art.data else None,
            school_form=SchoolForm(self.schulform.data) if self.schulform.data else None,
            district_id=self.sozialraum.data,
            circle_id=self.zirkel.data,
        )


class SubscribeForm(FlaskForm):
    name = text_field("Name", max_length=200, render_kw={"autocomplete": "name"})
    email = email_field(
        description="Wir schicken Ihnen einen Link, mit dem Sie die Anmeldung bestätigen."
    )
    consent = BooleanField(
        validators=[
            DataRequired(
                "Ohne Ihre Einwilligung dürfen wir Ihnen keine E-Mails dieses Verteilers senden."
            )
        ]
    )

    def __init__(self, *args, consent_text: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.consent.label.text = consent_text


class AddSubscriberForm(FlaskForm):
    email = email_field()
    name = text_field("Name", max_length=200)


class AddressForm(FlaskForm):
    """An address the office takes off the list (an unsubscribe request by mail)."""

    email = email_field()


class ButtonForm(FlaskForm):
    """Only a button: the action takes a POST, so mail scanners that follow links do nothing."""
