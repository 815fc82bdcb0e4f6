"""The .ics of a registration mail is written directly: the same bytes icalendar writes
for the same components in make_calendar, for every method, state and awkward name."""

import re
from datetime import timedelta

import icalendar
import pytest
from flask import Flask, current_app
from hypothesis import given
from hypothesis import strategies as st
from icalendar import vCalAddress, vText

from netzwerk.calendar import ical
from netzwerk.db import db, utcnow
from netzwerk.events.models import (
    EventState,
    Registration,
    RegistrationState,
    Workshop,
    WorkshopChoice,
)
from tests import factories
from tests.calendar.test_event_bytes import PIECES, PROPERTIES, any_text, events, moments

METHODS = ["REQUEST", "CANCEL", "PUBLISH"]


def icalendar_invitation(registration, method):
    """What registration_invitation returned when icalendar built and wrote it all."""
    base_url = current_app.config["BASE_URL"]
    event = registration.event
    if method == "PUBLISH":
        component = ical.registration_component(registration, base_url=base_url)
        _replace(component, "sequence", ical.invitation_sequence(registration))
        component.add("organizer", _organizer(base_url))
    else:
        component = ical.event_component(
            event, base_url=base_url, extra_description=ical._assigned_workshops(registration)
        )
        changed = max(
            ical.stamp(event.updated_dt),
            ical.stamp(registration.updated_dt or event.updated_dt),
            *(
                ical.stamp(c.workshop.updated_dt)
                for c in registration.workshop_choices
                if c.is_assigned
            ),
        )
        _replace(component, "dtstamp", changed)
        component.add("organizer", _organizer(base_url))
        component.add("attendee", _attendee(registration, method))
        sequence = ical.invitation_sequence(registration)
        if method == "CANCEL":
            sequence += 1
            _replace(component, "status", "CANCELLED")
        _replace(component, "sequence", sequence)
    return ical.make_calendar(
        [component],
        name=event.title,
        description=f"{event.kind.label} – {current_app.config['OFFICE_NAME']}",
        method=method,
    ).to_ical()


def _organizer(base_url):
    email = current_app.config.get("ICAL_ORGANIZER_EMAIL") or f"no-reply@{ical.host_of(base_url)}"
    organizer = vCalAddress(f"mailto:{email}")
    organizer.params["CN"] = vText(current_app.config["OFFICE_NAME"])
    return organizer


def _attendee(registration, method):
    attendee = vCalAddress(f"mailto:{registration.email}")
    attendee.params["CN"] = vText(f"{registration.first_name} {registration.last_name}")
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    attendee.params["CUTYPE"] = "INDIVIDUAL"
    confirmed = registration.state == RegistrationState.CONFIRMED and method == "REQUEST"
    attendee.params["PARTSTAT"] = "ACCEPTED" if confirmed else "DECLINED"
    attendee.params["RSVP"] = "FALSE"
    return attendee


def _replace(component, name, value):
    component.pop(name, None)
    component.add(name, value)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("state", list(RegistrationState))
def test_invitation_bytes_equal_icalendars_own(app, method, state):
    event = factories.make_event(
        title="Fachtag „Übergänge“; Kinderschutz, Teil 2 — mit einem Titel, der länger ist "
        "als eine Zeile im Kalender",
        description="Ablauf:\n1. Begrüßung\n2. Workshops, Pause; Abschluss",
        venue="Großer Saal",
        groups=("schuso", "sofa"),
        workshops=[("Gesprächsführung mit Eltern", 1, 10)],
    )
    event.workshops[0].room = "A 1.23; Erdgeschoss"
    member = factories.make_member(first_name="Zoë", last_name="Müller-Łukasz, Jr.")
    registration = factories.make_registration(event, member, picks={1: [event.workshops[0].id]})
    registration.state = state
    if state == RegistrationState.OFFERED:
        registration.offer_expires_dt = utcnow() + timedelta(hours=48)
    db.session.commit()
    with app.test_request_context():
        written = ical.registration_invitation(registration, method)
        reference = icalendar_invitation(registration, method)

    assert written == reference
    parsed = icalendar.Calendar.from_ical(written)
    assert str(parsed["METHOD"]) == method
    assert [c.name for c in parsed.subcomponents] == ["VTIMEZONE", "VEVENT"]


# Names as people and offices type them, and worse: every character parameters quote or
# escape, the curly apostrophe icalendar quotes too, line breaks, emoji, long names.
name_text = st.one_of(
    any_text,
    st.lists(st.sampled_from([*PIECES, "’", "'", "^", "Jr.", "Müller", " "]), max_size=30).map(
        "".join
    ),
)
# Titles and office names go out unescaped in NAME and X-WR-CALDESC, where a line break
# fails; mostly they have none (the forms give one line), so most examples get through.
line_text = st.one_of(name_text.map(lambda text: text.replace("\n", " ")), name_text)
emails = st.builds(
    "{}@{}".format,
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\r\n"), max_size=40),
    st.sampled_from(["example.org", "schule.example", "bücher.example"]),
)


@st.composite
def registrations(draw) -> Registration:
    event = draw(events())
    event.title = draw(line_text)
    choices = [
        WorkshopChoice(
            slot=slot,
            is_assigned=draw(st.booleans()),
            workshop=Workshop(
                title=draw(name_text), room=draw(st.one_of(st.just(""), name_text)), slot=slot
            ),
        )
        for slot in draw(st.lists(st.integers(1, 4), max_size=3))
    ]
    for choice in choices:
        choice.workshop.updated_dt = draw(moments)
    return Registration(
        event=event,
        email=draw(emails),
        first_name=draw(name_text),
        last_name=draw(name_text),
        state=draw(st.sampled_from(RegistrationState)),
        offer_expires_dt=draw(st.one_of(st.none(), moments)),
        created_dt=draw(st.one_of(st.none(), moments)),
        updated_dt=draw(moments),
        workshop_choices=choices,
    )


CONFIGS = st.fixed_dictionaries(
    {
        "BASE_URL": st.sampled_from(["http://netzwerk.test", "https://netzwerk.example.org/"]),
        "OFFICE_NAME": line_text,
        "ICAL_ORGANIZER_EMAIL": st.one_of(st.none(), emails),
        "ICAL_REFRESH": st.sampled_from(
            [None, timedelta(minutes=30), 6, timedelta(days=1, seconds=1)]
        ),
    }
)
# icalendar writes these in parameters and addresses as they are, but its parser drops
# the property for a control character and takes a backslash as an escape.
UNREADABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\\]")
# A bare app: the invitation reads configuration only, so no database is needed.
bare_app = Flask(__name__)


@PROPERTIES
@given(registration=registrations(), method=st.sampled_from(METHODS), config=CONFIGS)
def test_invitation_bytes_are_icalendars_bytes_for_any_registration(registration, method, config):
    bare_app.config.update(config)
    with bare_app.app_context():
        try:
            reference = icalendar_invitation(registration, method)
        # icalendar refuses a line break in NAME and a SEQUENCE beyond 32 bits.
        except (AssertionError, ValueError):
            with pytest.raises(ValueError):
                ical.registration_invitation(registration, method)
            return
        written = ical.registration_invitation(registration, method)

    assert written == reference
    (vevent,) = icalendar.Calendar.from_ical(written).walk("VEVENT")
    if method == "PUBLISH":
        assert "ATTENDEE" not in vevent
        return
    name = f"{registration.first_name} {registration.last_name}"
    # RFC 6868 has one line break, ^n: a CR LF or CR reads back as LF.
    name = name.replace("\r\n", "\n").replace("\r", "\n")
    if not UNREADABLE.search(name.replace("\n", "") + registration.email):
        attendee = vevent["ATTENDEE"]
        assert attendee.params["CN"] == name
        confirmed = method == "REQUEST" and registration.state == RegistrationState.CONFIRMED
        assert attendee.params["PARTSTAT"] == ("ACCEPTED" if confirmed else "DECLINED")
        assert str(attendee) == f"mailto:{registration.email}"
    cancelled = method == "CANCEL" or registration.event.state == EventState.CANCELLED
    assert (str(vevent["STATUS"]) == "CANCELLED") == cancelled
