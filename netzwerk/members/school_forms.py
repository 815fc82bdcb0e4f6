"""Forms for schools, Berufsgruppen, Träger, Sozialräume and the coverage filters."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, ValidationError

from netzwerk.core.forms import text_field
from netzwerk.members.models import (
    EMPLOYER_KIND_LABELS,
    SCHOOL_FORM_LABELS,
    EmployerKind,
    SchoolForm,
)

SCHOOL_FORM_CHOICES = [
    SelectChoice(form.value, label) for form, label in SCHOOL_FORM_LABELS.items()
]
EMPLOYER_KIND_CHOICES = [
    SelectChoice(kind.value, label) for kind, label in EMPLOYER_KIND_LABELS.items()
]


def _optional_int(value):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def district_choices(districts, empty_label: str) -> list[SelectChoice]:
    return [SelectChoice("", empty_label)] + [SelectChoice(str(d.id), d.name) for d in districts]


class _NamedForm(FlaskForm):
    def validate_name(self, field):
        # InputRequired looks at the raw input, so a name of only spaces would pass it.
        if not field.data:
            raise ValidationError("Bitte füllen Sie dieses Feld aus.")


class SchoolEditForm(_NamedForm):
    name = text_field("Name der Schule", required=True, max_length=200)
    school_form = SelectField(
        "Schulform",
        choices=SCHOOL_FORM_CHOICES,
        validators=[InputRequired("Bitte wählen Sie eine Schulform.")],
    )
    district_id = SelectField(
        "Sozialraum",
        coerce=_optional_int,
        validate_choice=False,
        validators=[Optional()],
    )
    street = text_field("Straße und Hausnummer", max_length=200)
    postal_code = text_field(
        "Postleitzahl",
        max_length=10,
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code"},
    )
    city = text_field("Ort", max_length=120)

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.district_id.choices = district_choices(districts, "– kein Sozialraum –")
        self._district_ids = {d.id for d in districts}

    def validate_district_id(self, field):
        if field.data is not None and field.data not in self._district_ids:
            raise ValidationError("Bitte wählen Sie einen Sozialraum aus der Liste.")

    def validate_postal_code(self, field):
        value = field.data or ""
        if value and not (len(value) == 5 and value.isascii() and value.isdigit()):
            raise ValidationError("Bitte geben Sie eine fünfstellige Postleitzahl an, z. B. 45879.")


class GroupForm(_NamedForm):
    name = text_field("Name", required=True, max_length=40)
    description = text_field("Beschreibung", max_length=200)
    position = IntegerField(
        "Position in Listen", validators=[Optional()], render_kw={"inputmode": "numeric"}
    )

    def validate_position(self, field):
        # Not NumberRange: it would repeat itself after "keine gültige Zahl".
        if field.data is not None and not 0 <= field.data <= 999:
            raise ValidationError("Bitte geben Sie eine Zahl zwischen 0 und 999 an.")


class EmployerForm(_NamedForm):
    kind = SelectField(
        "Art des Trägers",
        choices=EMPLOYER_KIND_CHOICES,
        default=EmployerKind.FREIER_TRAEGER.value,
        validators=[InputRequired("Bitte wählen Sie die Art des Trägers.")],
    )
    name = text_field(
        "Name des Trägers",
        required=True,
        max_length=200,
        description="Z. B. „AWO Musterstadt“, „Land NRW“ oder „Stadt Musterstadt“.",
    )


class DistrictForm(_NamedForm):
    name = text_field("Name des Sozialraums", required=True, max_length=120)


class _FilterForm(FlaskForm):
    """A GET form: filters change nothing, so they carry no CSRF token."""

    class Meta:
        csrf = False

    schulform = SelectField(
        "Schulform",
        choices=[SelectChoice("", "Alle Schulformen"), *SCHOOL_FORM_CHOICES],
        validators=[Optional()],
    )
    sozialraum = SelectField(
        "Sozialraum", coerce=_optional_int, validate_choice=False, validators=[Optional()]
    )

    def __init__(self, *args, districts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sozialraum.choices = district_choices(districts, "Alle Sozialräume")
        self._district_ids = {d.id for d in districts}

    @property
    def school_form_value(self) -> SchoolForm | None:
        # Filters come from the address bar: an unknown value means "no filter".
        try:
            return SchoolForm(self.schulform.data)
        except ValueError:
            return None

    @property
    def district_id(self) -> int | None:
        value = self.sozialraum.data
        return value if value in self._district_ids else None


class SchoolFilterForm(_FilterForm):
    suche = text_field("Name enthält", max_length=200, render_kw={"type": "search"})


class CoverageFilterForm(_FilterForm):
    nur_ohne = BooleanField("Nur Schulen ohne Fachkraft")
