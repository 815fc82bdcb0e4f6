"""Forms at the coordinator's desk: the check-in search and the attendance button."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField
from wtforms.validators import AnyOf

from netzwerk.core.forms import text_field


class CheckinSearchForm(FlaskForm):
    """A search changes nothing, so it travels in the address bar without a CSRF token."""

    class Meta:
        csrf = False

    q = text_field(
        "Name suchen",
        max_length=100,
        render_kw={"type": "search", "autocomplete": "off", "spellcheck": "false"},
    )
    offen = BooleanField("Nur noch nicht Anwesende zeigen")


class AttendanceForm(FlaskForm):
    """One button: "1" records attendance, "0" takes it back, so a double tap changes nothing."""

    anwesend = HiddenField(validators=[AnyOf(["0", "1"])])

    @property
    def attended(self) -> bool:
        return self.anwesend.data == "1"
