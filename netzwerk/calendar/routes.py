"""Calendar feeds over HTTP, the page that lists them, and the member's personal feed page.

Feeds answer text/calendar with ETag and Last-Modified. A conditional request is answered
304 from the feed's version alone, before anything is built: If-None-Match wins over
If-Modified-Since; a malformed or future If-Modified-Since is ignored. Feeds go out
gzip-compressed to clients that accept it (Outlook, Google, Apple and Thunderbird all do),
as another representation with an ETag of its own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from werkzeug.http import http_date, quote_etag

from netzwerk.accounts.access import member_required
from netzwerk.calendar import feeds, queries, replay
from netzwerk.calendar.ical import configured_refresh
from netzwerk.calendar.tokens import (
    coordinator_for_calendar_token,
    renew_calendar_token,
    user_for_calendar_token,
)
from netzwerk.circles.models import Circle
from netzwerk.core.memo import remembered
from netzwerk.db import db, utcnow
from netzwerk.members.models import ProfessionalGroup
from netzwerk.members.queries import all_groups

bp = Blueprint("calendar", __name__)

CONTENT_TYPE = "text/calendar; charset=utf-8"
# DTSTAMP alone must not change the ETag: clients would download unchanged feeds again.
_DTSTAMP = re.compile(rb"^DTSTAMP[;:][^\r\n]*\r\n", re.MULTILINE)


@bp.app_template_filter("webcal")
def webcal(url: str) -> str:
    """The feed's address for "subscribe" links: calendar programs open webcal:// URLs."""
    parts = urlsplit(url)
    return urlunsplit(("webcal", *parts[1:]))


# --- HTTP ----------------------------------------------------------------------------------


def content_etag(data: bytes) -> str:
    return hashlib.sha256(_DTSTAMP.sub(b"", data)).hexdigest()[:32]


def _is_fresh(etag: str, last_modified: datetime | None) -> bool:
    """Whether the client's copy is current (RFC 9110, 13.1.1-13.1.3 and 13.2.2)."""
    match = request.headers.get("If-None-Match")
    if match is not None:
        # Calendar programs send back the one ETag they got: equal needs no parsing.
        return match == quote_etag(etag) or request.if_none_match.contains_weak(etag)
    since = request.if_modified_since  # None when the date is malformed
    if since is None or last_modified is None or since > utcnow():
        return False
    return last_modified.replace(microsecond=0) <= since


@lru_cache(maxsize=1024)
def _validators(
    etag: str, last_modified: datetime | None, seconds: int, private: bool, encoding: str | None
) -> tuple[tuple[str, str], ...]:
    """The headers every answer of one feed version carries, as plain strings in the
    order werkzeug's setters gave them: calendar programs poll often, and werkzeug's
    ETag, date and Cache-Control objects cost more than the rest of a 304.
    encoding: None for a file that is only sent as it is; "" or "gzip" for a feed."""
    headers = [("Content-Type", CONTENT_TYPE), ("ETag", quote_etag(etag))]
    if last_modified is not None:
        headers.append(("Last-Modified", http_date(last_modified.replace(microsecond=0))))
    headers.append(("Cache-Control", f"max-age={seconds}, {'private' if private else 'public'}"))
    if encoding is not None:
        # Caches between here and the client must keep the two representations apart.
        headers.append(("Vary", "Accept-Encoding"))
    if encoding:
        headers.append(("Content-Encoding", encoding))
    return tuple(headers)


def _accepts_gzip() -> bool:
    if "gzip" not in request.headers.get("Accept-Encoding", ""):
        return False  # most polls: no need to parse the header
    return request.accept_encodings["gzip"] > 0


def _conditional(
    render: Callable[[], bytes],
    *,
    etag: str,
    last_modified: datetime | None,
    filename: str | None,
    private: bool,
    render_gzip: Callable[[], bytes] | None = None,
) -> Response:
    seconds = int(configured_refresh().total_seconds())
    encoding = None
    if render_gzip is not None:
        encoding = "gzip" if _accepts_gzip() else ""
    if encoding:
        # Another representation needs another strong ETag (RFC 9110, 8.8.3), as nginx
        # and Apache do it; a 304 then always fits the encoding the client holds.
        etag, render = f"{etag}-gzip", render_gzip
    headers = _validators(etag, last_modified, seconds, private, encoding)
    if _is_fresh(etag, last_modified):
        # werkzeug drops Content-Type and Last-Modified from every 304 on the way out.
        return Response(status=304, headers=headers)
    response = Response(render(), headers=headers)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def calendar_response(
    data: bytes,
    *,
    last_modified: datetime | None,
    filename: str | None = None,
    private: bool = False,
) -> Response:
    """A calendar file built already (one event): its ETag hashes the content."""
    return _conditional(
        lambda: data,
        etag=content_etag(data),
        last_modified=last_modified,
        filename=filename,
        private=private,
    )


def feed_response(feed: feeds.Feed) -> Response:
    """A feed: 304 from its version alone, else its bytes from cache or freshly built."""
    return _conditional(
        feed.render,
        etag=feed.etag,
        last_modified=feed.last_modified,
        filename=feed.filename,
        private=feed.private,
        render_gzip=feed.render_gzip,
    )


# --- feeds -----------------------------------------------------------------------------------


# Polls of the public feeds are answered again without Flask while they cannot change.
bp.record_once(lambda state: replay.install(state.app))


@bp.get("/kalender.ics")
def public_feed():
    feed = feeds.public_feed(utcnow())
    response = feed_response(feed)
    replay.offer(feed.remembered)
    return response


@bp.get("/kalender/<slug>.ics")
def group_feed(slug: str):
    key = ("group_by_slug", slug)
    group = remembered(key, lambda: _group_by_slug(slug))
    if group is None:
        abort(404)
    feed = feeds.group_feed(group, utcnow())
    response = feed_response(feed)
    replay.offer([(key, group), *feed.remembered])
    return response


def _group_by_slug(slug: str):
    """What the group feed needs of the Berufsgruppe, as a row: safe to keep across requests."""
    return db.session.execute(
        select(
            ProfessionalGroup.id,
            ProfessionalGroup.slug,
            ProfessionalGroup.name,
            ProfessionalGroup.description,
        ).where(ProfessionalGroup.slug == slug)
    ).one_or_none()


def _may_read_closed_circle(circle_id: int) -> bool:
    if not current_user.is_authenticated:
        return False
    if current_user.is_coordinator:
        return True
    member = current_user.member
    return member is not None and queries.is_active_circle_member(circle_id, member.id)


@bp.get("/kalender/qz/<int:circle_id>.ics")
def circle_feed(circle_id: int):
    """Open circles' feeds are public. A closed circle's meetings reach its members in
    their personal feed; here only a logged-in member of it (or a coordinator) gets them."""
    now = utcnow()
    version = queries.circle_version(circle_id, queries.Window.at(now))
    if version is None or (not version.is_open and not _may_read_closed_circle(circle_id)):
        abort(404)
    return feed_response(feeds.circle_feed(circle_id, now, version))


@bp.get("/kalender/privat/<token>.ics")
def personal_feed(token: str):
    user = user_for_calendar_token(token)
    if user is None:
        abort(404)
    response = feed_response(feeds.personal_feed(user, utcnow()))
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/kalender/planung/<token>.ics")
def planning_feed(token: str):
    """Every event with drafts (TENTATIVE) for a coordinator's calendar program."""
    if coordinator_for_calendar_token(token) is None:
        abort(404)
    response = feed_response(feeds.planning_feed(utcnow()))
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# --- pages -----------------------------------------------------------------------------------


def feed_url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


@bp.get("/kalender")
def overview():
    circles = []
    if current_user.is_authenticated:
        circles = db.session.execute(
            select(Circle).where(Circle.is_open).order_by(Circle.name)
        ).scalars()
    return render_template(
        "calendar/overview.html",
        groups=all_groups(),
        circles=list(circles),
    )


@bp.get("/konto/kalender")
@member_required
def personal():
    token = current_user.calendar_token
    url = feed_url("calendar.personal_feed", token=token) if token else None
    response = Response(render_template("calendar/personal.html", personal_url=url))
    # The page shows a secret address: keep it out of caches and Referer headers.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.post("/konto/kalender/neue-adresse")
@member_required
def renew():
    had_token = current_user.calendar_token is not None
    renew_calendar_token(current_user)
    db.session.commit()
    if had_token:
        flash(
            "Ihre neue Kalenderadresse ist erzeugt; die bisherige gilt nicht mehr. Bitte "
            "tragen Sie die neue Adresse in Ihren Kalenderprogrammen ein.",
            "success",
        )
    else:
        flash("Ihre persönliche Kalenderadresse ist erzeugt.", "success")
    return redirect(url_for("calendar.personal"))
