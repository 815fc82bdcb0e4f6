"""Login, logout, password reset, setting a password from an invitation, own account."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from netzwerk.accounts import operations
from netzwerk.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    SetPasswordForm,
)
from netzwerk.core.net import client_ip
from netzwerk.core.tokens import InvalidToken
from netzwerk.db import db

bp = Blueprint("accounts", __name__)

TOKEN_PURPOSES = {"reset": operations.RESET_PURPOSE, "einladung": operations.INVITE_PURPOSE}


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    # Browsers read a backslash as "/" and drop tabs and line breaks, so "/\evil.example"
    # and "/<tab>/evil.example" would lead to another site.
    if "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _landing_page(user) -> str:
    """Where a login leads without a `next`: coordinators to their overview of the day."""
    return url_for("reports.dashboard") if user.is_coordinator else url_for("core.index")


def _start_session(user, remember: bool = False) -> None:
    # A fresh session on login: nothing from before the login survives.
    session.clear()
    login_user(user, remember=remember)
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_landing_page(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = operations.authenticate(form.email.data, form.password.data, client_ip())
        except operations.LoginThrottled:
            db.session.commit()
            flash(
                "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie 15 Minuten "
                "oder setzen Sie Ihr Passwort zurück.",
                "error",
            )
            return render_template("accounts/login.html", form=form), 429
        db.session.commit()
        if user is None:
            form.password.errors.append("E-Mail-Adresse oder Passwort sind nicht richtig.")
            return render_template("accounts/login.html", form=form), 200
        _start_session(user, remember=form.remember.data)
        flash(f"Willkommen, {user.name}!", "success")
        return redirect(_safe_next(request.args.get("next")) or _landing_page(user))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Ends copies of the session cookie and the remember-me cookie too.
        current_user.end_sessions()
        db.session.commit()
    # Cleared first: logout_user leaves a note in the session that removes the
    # remember-me cookie, and clearing afterwards would lose that note.
    session.clear()
    logout_user()
    flash("Sie sind abgemeldet.", "success")
    return redirect(url_for("core.index"))


@bp.route("/passwort-vergessen", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            "Wenn zu dieser Adresse ein Zugang besteht, haben wir soeben einen Link zum "
            "Zurücksetzen geschickt. Bitte sehen Sie auch im Spam-Ordner nach.",
            "success",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/passwort-setzen/<purpose>/<token>", methods=["GET", "POST"])
def set_password(purpose: str, token: str):
    if purpose not in TOKEN_PURPOSES:
        abort(404)
    try:
        user = operations.user_for_password_token(token, TOKEN_PURPOSES[purpose])
    except InvalidToken as exc:
        return render_template(
            "accounts/token_invalid.html", expired=exc.expired, purpose=purpose
        ), 400
    form = SetPasswordForm()
    form.owner_email, form.owner_name = user.email, user.name
    if form.validate_on_submit():
        operations.set_password_with_token(token, TOKEN_PURPOSES[purpose], form.password.data)
        db.session.commit()
        _start_session(user)
        flash("Ihr Passwort ist gespeichert. Sie sind angemeldet.", "success")
        return redirect(url_for("core.index"))
    return render_template("accounts/set_password.html", form=form, user=user, purpose=purpose)


@bp.route("/konto", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm()
    form.owner_email, form.owner_name = current_user.email, current_user.name
    if form.validate_on_submit():
        if operations.change_password(current_user, form.current_password.data, form.password.data):
            db.session.commit()
            # The real user, not the proxy: Flask-Login keeps what it is given in flask.g.
            _start_session(current_user._get_current_object())
            flash("Ihr Passwort ist geändert.", "success")
            return redirect(url_for("accounts.account"))
        form.current_password.errors.append("Das bisherige Passwort ist nicht richtig.")
    return render_template("accounts/account.html", form=form)
