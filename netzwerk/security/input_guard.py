"""Refuse NUL characters in the URL with a German 400 page.

PostgreSQL can neither store nor compare text that holds NUL, so a slug, token or search
term with one would end in a 500. Form fields refuse control characters one by one
(netzwerk/core/forms.py, reject_control_characters); the path and the query string reach
lookups and filters without a form, so they are checked here, once, for every request.
"""

from flask import Flask, request

NUL_IN_URL = (
    "Die aufgerufene Adresse enthält ein unzulässiges Steuerzeichen. Bitte prüfen Sie den "
    "Link oder geben Sie die Adresse erneut ein."
)


def _has_nul(text: str) -> bool:
    return "\x00" in text


def _query_needs_parsing() -> bool:
    # Decoded, the query holds a NUL only where the raw one has %00 or a NUL itself: an
    # ASCII query without either needs no parsing here, which most requests are spared.
    # Any other is parsed as always (raw bytes that are not UTF-8 fail there, as before).
    query = request.query_string
    return not query.isascii() or b"%00" in query or b"\x00" in query


def refuse_nul_in_url():
    arguments = request.args.items(multi=True) if _query_needs_parsing() else ()
    if _has_nul(request.path) or any(_has_nul(k) or _has_nul(v) for k, v in arguments):
        from netzwerk.core.errors import render_error  # core.errors imports this package

        return render_error(400, NUL_IN_URL)
    return None


def init_input_guard(app: Flask) -> None:
    app.before_request(refuse_nul_in_url)
