"""Forms for members: list filters and edit form for coordinators, own profile, directory."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, TelField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from netzwerk.core.forms import (
    LeanSelect,
    email_field,
    reject_control_characters,
    strip_filter,
    text_field,
)
from netzwerk.members.models import EmployerKind, SchoolForm
from netzwerk.members.operations import NewEmployer


def _choices(empty_label: str | None, pairs) -> list[SelectChoice]:
    """Options from (value, label) pairs, led by an empty "no choice" option if labelled."""
    leading = [SelectChoice("", empty_label)] if empty_label else []
    return leading + [SelectChoice(str(value), label) for value, label in pairs]


EMPLOYER_KINDS = [(kind.value, kind.label) for kind in EmployerKind]
SCHOOL_FORMS = [(form.value, form.label) for form in SchoolForm]
STATUSES = [("aktiv", "Aktive"), ("inaktiv", "Inaktive"), ("alle", "Alle")]


def _int_or_none(value):
    # Filters come from the address bar: anything that is not a number means "no filter".
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _phone_field():
    return TelField(
        "Telefon (dienstlich)",
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


def school_choices(schools) -> list[SelectChoice]:
    """Schools grouped by Schulform, for a multiple select with optgroups."""
    order = list(SchoolForm)
    ordered = sorted(schools, key=lambda s: (order.index(s.school_form), s.name))
    return [SelectChoice(str(s.id), s.name, optgroup=s.school_form.label) for s in ordered]


def _schools_field():
    return SelectMultipleField(
        "Schulen",
        coerce=int,
        description="Mehrere Schulen wählen Sie mit gedrückter Strg-Taste (Mac: cmd) aus.",
        invalid_choice_message="Bitte wählen Sie Schulen aus der Liste.",
        invalid_value_message="Bitte wählen Sie Schulen aus der Liste.",
        render_kw={"size": 10},
        widget=LeanSelect(multiple=True),  # every school of the network
    )


DIRECTORY_CONSENT_LABEL = "Im Netzwerkverzeichnis für andere Mitglieder sichtbar sein"
DIRECTORY_CONSENT_TEXT = (
    "Angemeldete Mitglieder des Netzwerks sehen dann Ihren Namen, Ihre Berufsgruppe, "
    "Ihre Schulen und Ihre dienstliche E-Mail-Adresse. Ihre Telefonnummer erscheint dort nicht. "
    "Sie können diese Einwilligung jederzeit hier widerrufen."
)


class MemberForm(FlaskForm):
    """The coordinator's form for creating and editing a member."""

    first_name = text_field("Vorname", required=True, max_length=100)
    last_name = text_field("Nachname", required=True, max_length=100)
    email = email_field("E-Mail-Adresse (dienstlich)")
    phone = _phone_field()
    group = SelectField(
        "Berufsgruppe",
        coerce=_int_or_none,
        validate_choice=False,
        validators=[InputRequired("Bitte wählen Sie eine Berufsgruppe.")],
    )
    employer = SelectField(
        "Träger", coerce=_int_or_none, validate_choice=False, widget=LeanSelect()
    )
    new_employer_kind = SelectField(
        "Art des neuen Trägers", choices=_choices("– bitte wählen –", EMPLOYER_KINDS)
    )
    new_employer_name = text_field(
        "Name des neuen Trägers",
        max_length=200,
        description="Nur ausfüllen, wenn der Träger oben fehlt. Er wird dann angelegt "
        "und statt der Auswahl verwendet.",
    )
    schools = _schools_field()
    notes = TextAreaField(
        "Notizen der Koordinierung",
        validators=[Length(max=5000, message="Höchstens 5000 Zeichen."), reject_control_characters],
        filters=[strip_filter],
        description="Nur für die Koordinierungsstelle sichtbar, nie für das Mitglied.",
    )
    is_active = BooleanField("Aktiv im Netzwerk", default=True)
    listed_in_directory = BooleanField(
        "Im Netzwerkverzeichnis sichtbar",
        description="Nur ankreuzen, wenn die Fachkraft eingewilligt hat. Sie kann das auch "
        "selbst in ihrem Profil einstellen.",
    )

    def __init__(self, *args, groups=(), employers=(), schools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._groups = {g.id: g for g in groups}
        self._employers = {e.id: e for e in employers}
        self._schools = {s.id: s for s in schools}
        self.group.choices = _choices("– bitte wählen –", ((g.id, g.name) for g in groups))
        self.employer.choices = _choices(
            "– kein Träger –", ((e.id, f"{e.name} ({e.kind.label})") for e in employers)
        )
        self.schools.choices = school_choices(schools)

    def validate_group(self, field):
        if field.data not in self._groups:
            raise ValidationError("Bitte wählen Sie eine Berufsgruppe aus der Liste.")

    def validate_employer(self, field):
        if field.data is not None and field.data not in self._employers:
            raise ValidationError("Bitte wählen Sie einen Träger aus der Liste.")

    def validate_new_employer_kind(self, field):
        if self.new_employer_name.data and not field.data:
            raise ValidationError("Bitte wählen Sie, welche Art von Träger neu angelegt wird.")

    def member_fields(self) -> dict:
        """The typed values as keyword arguments for create_member / update_member."""
        if self.new_employer_name.data:
            employer = NewEmployer(
                EmployerKind(self.new_employer_kind.data), self.new_employer_name.data
            )
        else:
            employer = self._employers.get(self.employer.data)
        return {
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "email": self.email.data,
            "phone": self.phone.data or "",
            "group": self._groups[self.group.data],
            "employer": employer,
            "schools": [self._schools[i] for i in self.schools.data or ()],
            "notes": self.notes.data or "",
            "is_active": self.is_active.data,
            "listed_in_directory": self.listed_in_directory.data,
        }

    @staticmethod
    def data_of(member) -> dict:
        return {
            "first_name": member.first_name,
            "last_name": member.last_name,
            "email": member.email,
            "phone": member.phone,
            "group": member.group_id,
            "employer": member.employer_id,
            "schools": [s.id for s in member.schools],
            "notes": member.notes,
            "is_active": member.is_active,
            "listed_in_directory": member.listed_in_directory,
        }


class ProfileForm(FlaskForm):
    """What a member changes on their own: phone, schools, directory consent."""

    phone = _phone_field()
    schools = _schools_field()
    listed_in_directory = BooleanField(DIRECTORY_CONSENT_LABEL, description=DIRECTORY_CONSENT_TEXT)

    def __init__(self, *args, schools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._schools = {s.id: s for s in schools}
        self.schools.choices = school_choices(schools)

    def profile_fields(self) -> dict:
        return {
            "phone": self.phone.data or "",
            "schools": [self._schools[i] for i in self.schools.data or ()],
            "listed_in_directory": self.listed_in_directory.data,
        }

    @staticmethod
    def data_of(member) -> dict:
        return {
            "phone": member.phone,
            "schools": [s.id for s in member.schools],
            "listed_in_directory": member.listed_in_directory,
        }


class _GetForm(FlaskForm):
    """Filters change nothing, so they travel in the address bar without a CSRF token."""

    class Meta:
        csrf = False

    suche = text_field("Suche", max_length=200, render_kw={"type": "search"})
    gruppe = SelectField("Berufsgruppe", coerce=_int_or_none, validate_choice=False)

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.gruppe.choices = _choices("Alle Berufsgruppen", ((g.id, g.name) for g in groups))

    @property
    def search_terms(self) -> list[str]:
        return (self.suche.data or "").split()[:8]


class MemberFilterForm(_GetForm):
    # Träger, Sozialräume and schools: hundreds to thousands of options state-wide.
    traeger = SelectField("Träger", coerce=_int_or_none, validate_choice=False, widget=LeanSelect())
    traegerart = SelectField(
        "Art des Trägers",
        choices=_choices("Alle Arten", EMPLOYER_KINDS),
        validate_choice=False,
    )
    schulform = SelectField(
        "Schulform", choices=_choices("Alle Schulformen", SCHOOL_FORMS), validate_choice=False
    )
    sozialraum = SelectField(
        "Sozialraum", coerce=_int_or_none, validate_choice=False, widget=LeanSelect()
    )
    schule = SelectField("Schule", coerce=_int_or_none, validate_choice=False, widget=LeanSelect())
    status = SelectField(
        "Status", choices=_choices(None, STATUSES), default="aktiv", validate_choice=False
    )

    def __init__(self, *args, employers=(), districts=(), schools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.suche.label.text = "Name oder E-Mail enthält"
        self.traeger.choices = _choices("Alle Träger", ((e.id, e.name) for e in employers))
        self.sozialraum.choices = _choices("Alle Sozialräume", ((d.id, d.name) for d in districts))
        self.schule.choices = _choices("Alle Schulen", ((s.id, s.name) for s in schools))

    @property
    def employer_kind(self) -> EmployerKind | None:
        try:
            return EmployerKind(self.traegerart.data)
        except ValueError:
            return None

    @property
    def school_form(self) -> SchoolForm | None:
        try:
            return SchoolForm(self.schulform.data)
        except ValueError:
            return None

    @property
    def active(self) -> bool | None:
        """True for active members only (the default), False for inactive, None for all."""
        return {"inaktiv": False, "alle": None}.get(self.status.data, True)


class DirectoryFilterForm(_GetForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.suche.label.text = "Name oder Schule enthält"
