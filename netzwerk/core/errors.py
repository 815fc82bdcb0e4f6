"""German error pages; no stack trace ever reaches a user.

Every unexpected error is logged with the request id, and the page names it as the
"Vorgangsnummer", so the office can find the log lines a user reports.
"""

import errno
import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from netzwerk.security.request_id import current_request_id

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
    503: (
        "Vorübergehend nicht verfügbar",
        "Die Plattform ist gerade nicht erreichbar. Es wurde nichts gespeichert. "
        "Bitte versuchen Sie es in einigen Minuten erneut.",
    ),
}

STORAGE_PROBLEM = (
    "Der Speicher des Servers ist voll oder schreibgeschützt, daher konnte nichts "
    "gespeichert werden; Ihre Änderung wurde nicht übernommen. Bitte versuchen Sie es "
    "später erneut und sagen Sie der Koordinierungsstelle Bescheid."
)
# Errors of the disk, not of the program: full, read-only, or not ours to write.
STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


def render_error(code: int, message: str | None = None):
    title, default_message = MESSAGES.get(code, MESSAGES[500 if code >= 500 else 400])
    return render_template(
        "errors/error.html", code=code, title=title, message=message or default_message
    ), code


def _rollback() -> None:
    from netzwerk.db import db

    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection is gone; the pool replaces it next time
        log.warning("Rollback failed (request %s)", current_request_id(), exc_info=True)


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

    @app.errorhandler(OSError)
    def storage_error(error: OSError):
        if error.errno not in STORAGE_ERRNOS:
            return unexpected_error(error)
        _rollback()
        log.error("Storage unavailable (request %s)", current_request_id(), exc_info=error)
        return render_error(503, STORAGE_PROBLEM)

    @app.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError):
        # The database is down, locked for too long, or its disk is full: say so, log it.
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            return unexpected_error(error)  # on SQLite a wrong query is an OperationalError too
        _rollback()
        log.exception("Database unavailable (request %s)", current_request_id(), exc_info=error)
        return render_error(503)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        _rollback()
        log.exception("Unhandled error (request %s)", current_request_id(), exc_info=error)
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return render_error(InternalServerError.code)
