"""A request id for every request: in flask.g, every log record, a response header and
the error page, so that a user's "Vorgangsnummer" leads straight to the log lines."""

import logging
import re
import uuid

from flask import Flask, Response, g, has_request_context, request, request_started

HEADER = "X-Request-ID"
# A proxy's id is taken over only when it is harmless in a log line.
_SANE = re.compile(r"[A-Za-z0-9._-]{8,64}")
NO_REQUEST = "-"
# For logging.basicConfig(format=LOG_FORMAT) or a deployment's own log configuration.
LOG_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


def current_request_id() -> str | None:
    if not has_request_context():
        return None
    return g.get("request_id")


def request_id_for(incoming: str) -> str:
    """The id of a request that came with this X-Request-ID ("" without one)."""
    return incoming if _SANE.fullmatch(incoming) else uuid.uuid4().hex


def _assign_request_id(sender: Flask, **extra) -> None:
    # request_started comes before every before_request function (CSRF checks too), and
    # every request gets its own id even where requests share an app context (tests).
    g.request_id = request_id_for(request.headers.get(HEADER, ""))


def _expose_request_id(response: Response) -> Response:
    request_id = current_request_id()
    if request_id:
        response.headers[HEADER] = request_id
    return response


def _template_request_id() -> dict:
    return {"request_id": current_request_id()}


def install_log_record_factory() -> None:
    """Give every log record a request_id attribute ("-" outside requests).

    A record factory rather than a logging.Filter: a filter on a logger misses the records
    of its child loggers, and a filter on a handler misses handlers added later (gunicorn's,
    pytest's). Installed once per process.
    """
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = current_request_id() or NO_REQUEST
        return record

    factory.adds_request_id = True
    logging.setLogRecordFactory(factory)


def init_request_id(app: Flask) -> None:
    install_log_record_factory()
    request_started.connect(_assign_request_id, app)
    app.after_request(_expose_request_id)
    app.context_processor(_template_request_id)
