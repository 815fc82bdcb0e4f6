"""Jinja filters and globals: German dates in Europe/Berlin, the site's names."""

from datetime import date, datetime

from flask import Flask, current_app
from flask_babel import format_date, format_datetime


def datetime_de(value: datetime | None, style: str = "full") -> str:
    if value is None:
        return ""
    patterns = {
        "full": "EEEE, d. MMMM y, HH:mm 'Uhr'",
        "short": "dd.MM.y, HH:mm",
        "time": "HH:mm",
    }
    return format_datetime(value, patterns.get(style, style))


def date_de(value: date | datetime | None, style: str = "medium") -> str:
    if value is None:
        return ""
    patterns = {"medium": "d. MMMM y", "short": "dd.MM.y", "weekday": "EEEE, d. MMMM y"}
    if isinstance(value, datetime):
        return format_datetime(value, patterns.get(style, style))
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
