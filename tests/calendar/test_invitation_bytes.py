"""The .ics of a registration mail is written with the shared VTIMEZONE as ready bytes:
the same bytes icalendar writes for the whole calendar, for every method and state."""

from datetime import timedelta

import icalendar
import pytest
from flask import current_app

from netzwerk.calendar import ical
from netzwerk.db import db, utcnow
from netzwerk.events.models import RegistrationState
from tests import factories


def icalendar_reference(component, event, method):
    """What registration_invitation returned before: icalendar serialising it all."""
    return ical.make_calendar(
        [component],
        name=event.title,
        description=f"{event.kind.label} – {current_app.config['OFFICE_NAME']}",
        method=method,
    ).to_ical()


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL", "PUBLISH"])
@pytest.mark.parametrize(
    "state", [RegistrationState.CONFIRMED, RegistrationState.WAITING, RegistrationState.OFFERED]
)
def test_invitation_bytes_equal_icalendars_own(app, monkeypatch, method, state):
    event = factories.make_event(
        title="Fachtag „Übergänge“; Kinderschutz, Teil 2 — mit einem Titel, der länger ist "
        "als eine Zeile im Kalender",
        description="Ablauf:\n1. Begrüßung\n2. Workshops, Pause; Abschluss",
        groups=("schuso", "sofa"),
        workshops=[("Gesprächsführung mit Eltern", 1, 10)],
    )
    member = factories.make_member(first_name="Zoë", last_name="Müller-Łukasz, Jr.")
    registration = factories.make_registration(event, member, picks={1: [event.workshops[0].id]})
    registration.state = state
    if state == RegistrationState.OFFERED:
        registration.offer_expires_dt = utcnow() + timedelta(hours=48)
    db.session.commit()
    with app.test_request_context():
        fast = ical.registration_invitation(registration, method)
        monkeypatch.setattr(ical, "_invitation_calendar", icalendar_reference)
        reference = ical.registration_invitation(registration, method)

    assert fast == reference
    parsed = icalendar.Calendar.from_ical(fast)
    assert str(parsed["METHOD"]) == method
    assert [c.name for c in parsed.subcomponents] == ["VTIMEZONE", "VEVENT"]
