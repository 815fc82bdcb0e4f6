"""Calendar downloads and feeds over HTTP: text/calendar with ETag, Last-Modified and 304.

The blueprint is not registered yet; until then the per-event file lives on the events
blueprint (events.event_ics) and uses calendar_response from here.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from flask import Blueprint, Response, current_app, request

from netzwerk.calendar.ical import DEFAULT_REFRESH

bp = Blueprint("calendar", __name__)

# DTSTAMP alone must not change the ETag: clients would download unchanged feeds again.
_DTSTAMP = re.compile(rb"^DTSTAMP[;:][^\r\n]*\r\n", re.MULTILINE)


def content_etag(data: bytes) -> str:
    return hashlib.sha256(_DTSTAMP.sub(b"", data)).hexdigest()[:32]


def calendar_response(
    data: bytes,
    *,
    last_modified: datetime | None,
    filename: str | None = None,
    private: bool = False,
) -> Response:
    """text/calendar that answers 304 to a matching If-None-Match or If-Modified-Since.

    Werkzeug lets If-None-Match win over If-Modified-Since and ignores malformed dates.
    """
    response = Response(data, content_type="text/calendar; charset=utf-8")
    response.set_etag(content_etag(data))
    if last_modified is not None:
        response.last_modified = last_modified.replace(microsecond=0)
    refresh: timedelta = current_app.config.get("ICAL_REFRESH") or DEFAULT_REFRESH
    response.cache_control.max_age = int(refresh.total_seconds())
    if private:
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response.make_conditional(request)
