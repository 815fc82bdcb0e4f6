"""Jinja filters and globals: German dates in Europe/Berlin, the site's names."""

from datetime import UTC, date, datetime
from functools import lru_cache

from babel.dates import format_datetime as babel_format_datetime
from babel.dates import get_timezone
from flask import Flask, current_app
from flask_babel import format_date


def datetime_de(value: datetime | None, style: str = "full") -> str:
    if value is None:
        return ""
    patterns = {
        "full": "EEEE, d. MMMM y, HH:mm 'Uhr'",
        "short": "dd.MM.y, HH:mm",
        "time": "HH:mm",
    }
    return _in_berlin(value, patterns.get(style, style))


def _in_berlin(value: datetime, pattern: str) -> str:
    config = current_app.config
    return _formatted(
        value, pattern, config["BABEL_DEFAULT_LOCALE"], config["BABEL_DEFAULT_TIMEZONE"]
    )


@lru_cache(maxsize=8192)
def _formatted(value: datetime, pattern: str, locale: str, timezone: str) -> str:
    """What flask_babel.format_datetime gives (no locale or timezone selector is set),
    kept: list pages show the same few dates on every request, and formatting one costs
    more than a database row."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return babel_format_datetime(value, pattern, tzinfo=get_timezone(timezone), locale=locale)


def date_de(value: date | datetime | None, style: str = "medium") -> str:
    if value is None:
        return ""
    patterns = {"medium": "d. MMMM y", "short": "dd.MM.y", "weekday": "EEEE, d. MMMM y"}
    if isinstance(value, datetime):
        return _in_berlin(value, patterns.get(style, style))
    return format_date(value, patterns.get(style, style))


def init_templating(app: Flask) -> None:
    app.add_template_filter(datetime_de)
    app.add_template_filter(date_de)

    @app.context_processor
    def site_names():
        return {
            "site_name": current_app.config["SITE_NAME"],
            "office_name": current_app.config["OFFICE_NAME"],
            "office_email": current_app.config["OFFICE_EMAIL"],
        }
