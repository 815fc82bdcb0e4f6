"""Forms for /mitmachen, its confirmation button and the coordinator's decisions."""

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TelField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    StopValidation,
)

from netzwerk.core.forms import email_field, reject_control_characters, strip_filter, text_field
from netzwerk.members.models import EmployerKind, ProfessionalGroup
from netzwerk.members.school_forms import EMPLOYER_KIND_CHOICES
from netzwerk.newcomers.operations import ApplicantDetails

OTHER_GROUP = "andere"


def _long_text(label: str, max_length: int = 2000, **kwargs) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            Optional(),
            Length(max=max_length, message=f"Höchstens {max_length} Zeichen."),
            reject_control_characters,
        ],
        filters=[strip_filter],
        **kwargs,
    )


class ApplicationForm(FlaskForm):
    first_name = text_field(
        "Vorname", required=True, max_length=100, render_kw={"autocomplete": "given-name"}
    )
    last_name = text_field(
        "Nachname", required=True, max_length=100, render_kw={"autocomplete": "family-name"}
    )
    email = email_field(
        description="Am besten Ihre dienstliche Adresse. Wir schicken Ihnen einen Link, "
        "mit dem Sie die Adresse bestätigen."
    )
    phone = TelField(
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
        render_kw={"autocomplete": "tel"},
    )
    group = SelectField(
        "Berufsgruppe",
        validators=[InputRequired("Bitte wählen Sie Ihre Berufsgruppe.")],
        invalid_choice_message="Bitte wählen Sie eine Berufsgruppe aus der Liste.",
        description="Wenn keine Gruppe passt, wählen Sie „Weiß ich nicht / andere“.",
    )
    school_name = text_field(
        "Schule",
        max_length=200,
        description="Die Schule, an der Sie arbeiten oder arbeiten werden.",
        render_kw={"list": "bekannte-schulen", "autocomplete": "off"},
    )
    employer_kind = SelectField(
        "Art des Anstellungsträgers",
        choices=[SelectChoice("", "Keine Angabe"), *EMPLOYER_KIND_CHOICES],
        validators=[Optional()],
        invalid_choice_message="Bitte wählen Sie eine Art aus der Liste.",
    )
    employer_name = text_field(
        "Name des Anstellungsträgers",
        max_length=200,
        description="Z. B. „AWO Musterstadt“, „Caritas“ oder „Stadt Musterstadt“.",
        render_kw={"autocomplete": "organization"},
    )
    message = _long_text(
        "Nachricht an die Koordinierungsstelle",
        description="Was sollten wir wissen? Z. B. ab wann Sie an der Schule tätig sind.",
    )
    consent = BooleanField(
        validators=[DataRequired("Ohne Ihre Einwilligung können wir Ihre Angaben nicht speichern.")]
    )

    def __init__(self, *args, groups: list[ProfessionalGroup] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.group.choices = (
            [SelectChoice("", "Bitte auswählen")]
            + [SelectChoice(str(g.id), _group_label(g)) for g in groups]
            + [SelectChoice(OTHER_GROUP, "Weiß ich nicht / andere")]
        )
        self.consent.label.text = consent_text()

    # text_field's InputRequired accepts a name of blanks (it looks at the raw input).
    def validate_first_name(self, field):
        _not_blank(field)

    def validate_last_name(self, field):
        _not_blank(field)

    def details(self) -> ApplicantDetails:
        group, kind = self.group.data, self.employer_kind.data
        return ApplicantDetails(
            first_name=self.first_name.data,
            last_name=self.last_name.data,
            email=self.email.data,
            phone=self.phone.data or "",
            group_id=int(group) if group and group != OTHER_GROUP else None,
            school_name=self.school_name.data or "",
            employer_kind=EmployerKind(kind) if kind else None,
            employer_name=self.employer_name.data or "",
            message=self.message.data or "",
        )


def _not_blank(field) -> None:
    if not field.data:
        raise StopValidation("Bitte füllen Sie dieses Feld aus.")


def _group_label(group: ProfessionalGroup) -> str:
    return f"{group.name} – {group.description}" if group.description else group.name


def consent_text() -> str:
    """The consent the applicant gives; its wording is versioned by CONSENT_TEXT_VERSION."""
    return (
        f"Ich willige ein, dass die {current_app.config['OFFICE_NAME']} meine Angaben "
        "speichert, um mich über das Netzwerk zu informieren und einzubinden."
    )


class ConfirmForm(FlaskForm):
    """Only the button: confirming takes a POST, so link-checking mail scanners confirm nothing."""


class DeclineForm(FlaskForm):
    reason = _long_text(
        "Begründung für die Absage",
        max_length=1000,
        description="Wird der Person in der Absage mitgeteilt.",
    )
