"""Forms for logging in and setting passwords."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import EqualTo, InputRequired, ValidationError

from netzwerk.accounts.passwords import MIN_LENGTH, password_problem
from netzwerk.core.forms import email_field


class LoginForm(FlaskForm):
    email = email_field(render_kw={"autocomplete": "username"})
    password = PasswordField(
        "Passwort",
        validators=[InputRequired("Bitte geben Sie Ihr Passwort ein.")],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Angemeldet bleiben (auf diesem Gerät)")


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class NewPasswordMixin:
    """Adds a new password with repetition; the owner's e-mail is set before validation."""

    owner_email = ""
    owner_name = ""

    def validate_password(self, field):
        problem = password_problem(field.data, email=self.owner_email, name=self.owner_name)
        if problem:
            raise ValidationError(problem)


def _new_password_fields():
    password = PasswordField(
        "Neues Passwort",
        validators=[InputRequired("Bitte wählen Sie ein Passwort.")],
        description=f"Mindestens {MIN_LENGTH} Zeichen. Ein Satz aus mehreren Wörtern ist ideal.",
        render_kw={"autocomplete": "new-password", "minlength": MIN_LENGTH},
    )
    confirm = PasswordField(
        "Passwort wiederholen",
        validators=[
            InputRequired("Bitte wiederholen Sie das Passwort."),
            EqualTo("password", "Die beiden Passwörter stimmen nicht überein."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class SetPasswordForm(NewPasswordMixin, FlaskForm):
    password, confirm = _new_password_fields()


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(
        "Bisheriges Passwort",
        validators=[InputRequired("Bitte geben Sie Ihr bisheriges Passwort ein.")],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = _new_password_fields()
