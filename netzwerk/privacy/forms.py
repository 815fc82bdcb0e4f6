"""Forms for data protection: finding a person, confirming an erasure, legal texts, the log."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from netzwerk.core.forms import reject_control_characters, strip_filter, text_field
from netzwerk.events.forms import GermanDateField
from netzwerk.privacy.labels import audit_action_label


def _looks_like_address(form, field):
    # Deliberately lenient: imported addresses that a strict validator would refuse
    # must still be found, erased and exported.
    if field.data and ("@" not in field.data or " " in field.data):
        raise ValidationError("Bitte geben Sie eine vollständige E-Mail-Adresse an.")


def _long_text(label: str, max_length: int, *, required: bool = False, **kwargs):
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


class PersonSearchForm(FlaskForm):
    """A lookup changes nothing, so it travels in the address bar without a CSRF token."""

    class Meta:
        csrf = False

    email = text_field(
        "E-Mail-Adresse",
        required=True,
        max_length=254,
        description="Groß- und Kleinschreibung spielen keine Rolle.",
        render_kw={"type": "search", "autocomplete": "off", "spellcheck": "false"},
    )

    def validate_email(self, field):
        _looks_like_address(self, field)


class ErasureForm(FlaskForm):
    email = HiddenField()
    confirm = BooleanField(
        "Ich habe geprüft, dass keine Aufbewahrungspflicht entgegensteht. "
        "Die Daten sollen endgültig gelöscht werden.",
        validators=[DataRequired("Bitte bestätigen Sie die Löschung.")],
    )
    notify = BooleanField(
        "Der Person die Löschung per E-Mail bestätigen (Art. 12 Abs. 3 DSGVO)", default=True
    )


class CloseRequestForm(FlaskForm):
    reason = _long_text(
        "Begründung",
        500,
        required=True,
        description="Z. B. eine gesetzliche Aufbewahrungspflicht. Sie steht im Protokoll; "
        "teilen Sie sie der Person bitte selbst mit.",
    )


class ErasureRequestForm(FlaskForm):
    note = _long_text(
        "Anmerkung an die Koordinierungsstelle",
        2000,
        description="Z. B. ob nur bestimmte Daten gelöscht werden sollen.",
    )


class LegalPageForm(FlaskForm):
    body = _long_text(
        "Text",
        50000,
        required=True,
        description="Markdown: Leerzeile für einen neuen Absatz, # für eine Überschrift, "
        "- für eine Aufzählung, [Text](https://…) für einen Link.",
        render_kw={"rows": 24},
    )


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    aktion = SelectField("Aktion", validate_choice=False)
    von = GermanDateField("Von (Datum)", validators=[Optional()])
    bis = GermanDateField("Bis (Datum)", validators=[Optional()])

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.aktion.choices = [SelectChoice("", "Alle Aktionen")] + [
            SelectChoice(action, audit_action_label(action)) for action in actions
        ]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and self.von.data and self.bis.data and self.bis.data < self.von.data:
            self.bis.errors.append("Das Enddatum liegt vor dem Anfangsdatum.")
            return False
        return valid
