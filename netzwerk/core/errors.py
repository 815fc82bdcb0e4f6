"""German error pages; no stack trace ever reaches a user."""

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Ungültige Anfrage", "Die Anfrage konnte nicht verarbeitet werden."),
    403: ("Kein Zugriff", "Für diese Seite fehlt Ihnen die Berechtigung."),
    404: (
        "Seite nicht gefunden",
        "Diese Seite gibt es nicht (mehr). Bitte prüfen Sie die Adresse.",
    ),
    405: ("Nicht erlaubt", "Diese Aktion ist auf diesem Weg nicht möglich."),
    413: (
        "Datei zu groß",
        "Die gesendeten Daten sind zu groß. Bitte wählen Sie eine kleinere Datei.",
    ),
    429: ("Zu viele Anfragen", "Bitte warten Sie einen Moment und versuchen Sie es dann erneut."),
    500: (
        "Ein Fehler ist aufgetreten",
        "Das hätte nicht passieren dürfen. Bitte versuchen Sie es später erneut; "
        "die Koordinierungsstelle hilft Ihnen gerne weiter.",
    ),
}


def render_error(code: int, message: str | None = None):
    title, default_message = MESSAGES.get(code, MESSAGES[500 if code >= 500 else 400])
    return render_template(
        "errors/error.html", code=code, title=title, message=message or default_message
    ), code


def init_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            "Das Formular ist abgelaufen oder wurde nicht vollständig gesendet. "
            "Bitte laden Sie die Seite neu und versuchen Sie es noch einmal.",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code in (302, 303) or getattr(error, "response", None) is not None:
            return error.get_response()
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        from netzwerk.db import db

        db.session.rollback()
        log.exception("Unhandled error", exc_info=error)
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return render_error(InternalServerError.code)
