"""The feeds' conditional answers build their headers as plain strings; they must be the
headers werkzeug's setters gave, for every kind of conditional request."""

from datetime import UTC, datetime

import pytest
from flask import Response, request

from netzwerk.calendar import routes
from netzwerk.calendar.ical import configured_refresh
from netzwerk.db import utcnow

ETAG = "70618ffc34bf3213c594f448bb2538b0"
CHANGED = datetime(2026, 12, 3, 16, 8, 35, 123456, tzinfo=UTC)


def werkzeug_is_fresh(etag, last_modified):
    """routes._is_fresh as it was: every If-None-Match parsed."""
    if "If-None-Match" in request.headers:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    if since is None or last_modified is None or since > utcnow():
        return False
    return last_modified.replace(microsecond=0) <= since


def werkzeug_conditional(render, *, etag, last_modified, filename, private):
    """routes._conditional as it was written with werkzeug's setters."""
    response = Response(status=304)
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified.replace(microsecond=0)
    response.cache_control.max_age = int(configured_refresh().total_seconds())
    if private:
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    if werkzeug_is_fresh(etag, last_modified):
        return response
    response.status_code = 200
    response.content_type = routes.CONTENT_TYPE
    response.set_data(render())
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


CONDITIONS = [
    {},
    {"If-None-Match": f'"{ETAG}"'},
    {"If-None-Match": f'W/"{ETAG}"'},
    {"If-None-Match": f'"other", "{ETAG}"'},
    {"If-None-Match": "*"},
    {"If-None-Match": '"other"'},
    {"If-None-Match": ""},
    {"If-None-Match": f'"{ETAG}'},
    {"If-None-Match": f"{ETAG}"},
    {"If-Modified-Since": "Thu, 03 Dec 2026 16:08:35 GMT"},
    {"If-Modified-Since": "Thu, 03 Dec 2026 16:08:34 GMT"},
    {"If-Modified-Since": "kein Datum"},
    {"If-None-Match": '"other"', "If-Modified-Since": "Thu, 03 Dec 2026 16:08:35 GMT"},
]


def _answer(build, **kwargs):
    response = build(lambda: b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", **kwargs)
    return response.status_code, response.get_wsgi_headers({}).to_wsgi_list(), response.data


@pytest.mark.parametrize("headers", CONDITIONS)
@pytest.mark.parametrize("private", [False, True])
@pytest.mark.parametrize("last_modified", [CHANGED, None])
@pytest.mark.parametrize("filename", ["kalender.ics", None])
def test_conditional_answers_carry_werkzeugs_headers(
    app, headers, private, last_modified, filename
):
    app.config["ICAL_REFRESH"] = 6
    kwargs = dict(etag=ETAG, last_modified=last_modified, filename=filename, private=private)
    with app.test_request_context("/kalender.ics", headers=headers):
        assert _answer(routes._conditional, **kwargs) == _answer(werkzeug_conditional, **kwargs)
