"""iCalendar output: Berlin times across DST with one VTIMEZONE, feed properties, invitations.

Each file is read back by icalendar and by two independent parsers (ical, vobject).
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import vobject
from ical.calendar_stream import IcsCalendarStream

from netzwerk.calendar.ical import (
    event_calendar,
    event_component,
    make_calendar,
    registration_invitation,
    serialize,
    workshop_component,
)
from netzwerk.db import db, utcnow
from netzwerk.events import admin_operations, operations
from netzwerk.events.models import EventKind, EventState
from netzwerk.members.models import Member
from tests import factories

BERLIN = ZoneInfo("Europe/Berlin")
BASE_URL = "http://netzwerk.test"


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


def dst_pair():
    """The Saturday before and the Sunday of the end of summer time, both at 09:00 in Berlin."""
    summer = factories.make_event(
        title="Netzwerktreffen Sommerzeit",
        start_dt=berlin(2026, 10, 24, 9, 0),
        end_dt=berlin(2026, 10, 24, 12, 0),
    )
    winter = factories.make_event(
        title="Fachtag Winterzeit",
        start_dt=berlin(2026, 10, 25, 9, 0),
        end_dt=berlin(2026, 10, 25, 16, 0),
    )
    return summer, winter


def feed(*events) -> bytes:
    components = [event_component(e, base_url=BASE_URL) for e in events]
    return make_calendar(components, "Termine", "Alle Termine des Netzwerks").to_ical()


def test_times_stay_at_nine_in_berlin_across_the_dst_change_in_all_parsers(app):
    summer, winter = dst_pair()
    data = feed(summer, winter)

    assert b"DTSTART;TZID=Europe/Berlin:20261024T090000" in data
    assert b"DTSTART;TZID=Europe/Berlin:20261025T090000" in data

    parsed = icalendar.Calendar.from_ical(data)
    starts = [e.decoded("dtstart") for e in parsed.walk("VEVENT")]
    strict = IcsCalendarStream.calendar_from_ics(data.decode())
    loose = vobject.readOne(data.decode())
    for name, values in (
        ("icalendar", starts),
        ("ical", [e.dtstart for e in strict.events]),
        ("vobject", [e.dtstart.value for e in loose.vevent_list]),
    ):
        assert [v.hour for v in values] == [9, 9], name
        offsets = [v.utcoffset() for v in values]
        assert offsets == [timedelta(hours=2), timedelta(hours=1)], name
        assert [v.astimezone(UTC) for v in values] == [summer.start_dt, winter.start_dt], name


def test_one_vtimezone_for_the_one_tzid(app):
    data = feed(*dst_pair())
    parsed = icalendar.Calendar.from_ical(data)
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert parsed.get_missing_tzids() == set()
    assert len(vobject.readOne(data.decode()).vtimezone_list) == 1


def test_calendar_carries_name_description_and_refresh_interval(app):
    data = feed(factories.make_event())
    text = data.decode()
    for line in (
        "VERSION:2.0",
        "NAME:Termine",
        "X-WR-CALNAME:Termine",
        "X-WR-CALDESC:Alle Termine des Netzwerks",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ):
        assert line in text
    assert "PRODID:" in text

    app.config["ICAL_REFRESH"] = timedelta(hours=6)
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in feed(factories.make_event()).decode()


def test_event_component_has_uid_stamps_sequence_place_categories_and_url(app):
    event = factories.make_event(
        title="Fachtag Übergänge",
        kind=EventKind.FACHTAG,
        venue="Bildungszentrum",
        address="Hauptstraße 1, 12345 Musterstadt",
        groups=["schuso", "sofa"],
        description="Mit Workshops am Nachmittag.",
    )
    event.ical_sequence = 3
    db.session.commit()

    component = event_component(event, base_url=BASE_URL)

    assert str(component["UID"]) == f"event-{event.id}@netzwerk.test"
    assert component.decoded("dtstamp") == event.updated_dt.replace(microsecond=0)
    assert component.decoded("last-modified") == component.decoded("dtstamp")
    assert component["SEQUENCE"] == 3
    assert str(component["LOCATION"]) == "Bildungszentrum, Hauptstraße 1, 12345 Musterstadt"
    assert str(component["URL"]) == f"{BASE_URL}/veranstaltungen/{event.id}"
    assert f"{BASE_URL}/veranstaltungen/{event.id}" in str(component["DESCRIPTION"])
    assert list(component.categories) == ["Fachtag", "SchuSo", "SOFA"]
    assert str(component["STATUS"]) == "CONFIRMED"


def test_online_events_have_the_link_as_location(app):
    event = factories.make_event(online_url="https://meet.example.org/netzwerk")
    component = event_component(event, base_url=BASE_URL)
    assert str(component["LOCATION"]) == "https://meet.example.org/netzwerk"


def test_status_follows_the_event_state(app):
    draft = factories.make_event(state=EventState.DRAFT)
    cancelled = factories.make_event(title="Netzwerktreffen", state=EventState.CANCELLED)
    assert str(event_component(draft, base_url=BASE_URL)["STATUS"]) == "TENTATIVE"
    component = event_component(cancelled, base_url=BASE_URL)
    assert str(component["STATUS"]) == "CANCELLED"
    assert str(component["SUMMARY"]) == "Abgesagt: Netzwerktreffen"


def test_workshops_have_their_own_uid_and_times(app):
    event = factories.make_event(workshops=[("Forum A", 1, 10), ("Forum B", 1, 10)])
    forum_a, forum_b = event.workshops
    forum_a.start_dt = event.start_dt + timedelta(hours=2)
    forum_a.end_dt = event.start_dt + timedelta(hours=4)
    forum_a.room = "Raum 101"
    db.session.commit()

    components = [workshop_component(w, base_url=BASE_URL) for w in (forum_a, forum_b)]
    data = make_calendar(
        [event_component(event, base_url=BASE_URL), *components], "Fachtag", "Workshops"
    ).to_ical()

    uids = [str(c["UID"]) for c in icalendar.Calendar.from_ical(data).walk("VEVENT")]
    assert len(set(uids)) == 3
    assert components[0].decoded("dtstart").astimezone(UTC) == forum_a.start_dt
    assert "Raum 101" in str(components[0]["LOCATION"])
    assert len(IcsCalendarStream.calendar_from_ics(data.decode()).events) == 3


def test_event_calendar_file_parses_in_independent_parsers(app):
    event = factories.make_event(title="Fortbildung Gesprächsführung")
    data = event_calendar(event, base_url=BASE_URL).to_ical()
    strict = IcsCalendarStream.calendar_from_ics(data.decode())
    assert strict.events[0].summary == "Fortbildung Gesprächsführung"
    assert vobject.readOne(data.decode()).vevent.summary.value == "Fortbildung Gesprächsführung"


def registered(event):
    registration = operations.register(
        event.id,
        operations.Applicant.from_member(
            factories.make_member(first_name="Jörg", last_name="Müller", email="jm@example.org")
        ),
    )
    db.session.commit()
    return registration


def test_invitation_requests_with_attendee_and_no_reply_organiser(app):
    # The day summer time begins: 09:00 is already CEST (UTC+2).
    event = factories.make_event(start_dt=berlin(2027, 3, 28, 9, 0))
    data = registration_invitation(registered(event), "REQUEST")

    parsed = icalendar.Calendar.from_ical(data)
    (component,) = parsed.walk("VEVENT")
    assert str(parsed["METHOD"]) == "REQUEST"
    assert str(component["ATTENDEE"]) == "mailto:jm@example.org"
    assert component["ATTENDEE"].params["CN"] == "Jörg Müller"
    assert str(component["ORGANIZER"]).startswith("mailto:no-reply@")
    assert component["ORGANIZER"].params["CN"] == app.config["OFFICE_NAME"]
    assert len(parsed.walk("VTIMEZONE")) == 1
    strict = IcsCalendarStream.calendar_from_ics(data.decode()).events[0].dtstart
    loose = vobject.readOne(data.decode())
    assert loose.method.value == "REQUEST"
    for start in (strict, loose.vevent.dtstart.value):
        assert (start.hour, start.utcoffset()) == (9, timedelta(hours=2))


def test_cancel_has_the_same_uid_a_higher_sequence_and_cancelled_status(app):
    event = factories.make_event()
    event.ical_sequence = 2
    db.session.commit()
    registration = registered(event)

    request = icalendar.Calendar.from_ical(registration_invitation(registration, "REQUEST"))
    data = registration_invitation(registration, "CANCEL")
    cancel = icalendar.Calendar.from_ical(data)

    (requested,) = request.walk("VEVENT")
    (cancelled,) = cancel.walk("VEVENT")
    assert str(cancel["METHOD"]) == "CANCEL"
    assert str(cancelled["UID"]) == str(requested["UID"])
    assert cancelled["SEQUENCE"] == requested["SEQUENCE"] + 1
    assert str(cancelled["STATUS"]) == "CANCELLED"
    loose = vobject.readOne(data.decode())
    assert loose.method.value == "CANCEL"
    assert int(loose.vevent.sequence.value) == cancelled["SEQUENCE"]
    assert IcsCalendarStream.calendar_from_ics(data.decode()).events[0].sequence == int(
        cancelled["SEQUENCE"]
    )


def test_a_new_registration_after_a_cancellation_outranks_the_cancel(app):
    """Outlook and Google keep the entry with the highest SEQUENCE: the invitation of a
    person who cancelled and registered again must beat the cancellation they hold."""
    event = factories.make_event()
    registration = registered(event)
    first = icalendar.Calendar.from_ical(registration_invitation(registration, "REQUEST"))
    operations.cancel_registration(registration, now=utcnow())
    cancel = icalendar.Calendar.from_ical(registration_invitation(registration, "CANCEL"))
    db.session.commit()

    member = db.session.get(Member, registration.member_id)
    again = operations.register(
        event.id, operations.Applicant.from_member(member), now=utcnow() + timedelta(seconds=5)
    )
    db.session.commit()
    request = icalendar.Calendar.from_ical(registration_invitation(again, "REQUEST"))

    (first_event,), (cancel_event,), (request_event,) = (
        c.walk("VEVENT") for c in (first, cancel, request)
    )
    assert str(request_event["UID"]) == str(cancel_event["UID"]) == str(first_event["UID"])
    assert first_event["SEQUENCE"] < cancel_event["SEQUENCE"] < request_event["SEQUENCE"]


def test_the_office_moving_the_event_raises_the_invitation_sequence(app):
    event = factories.make_event()
    registration = registered(event)
    before = icalendar.Calendar.from_ical(registration_invitation(registration, "REQUEST"))
    later = event.start_dt + timedelta(hours=1)
    admin_operations.update_event(event, event.version, start_dt=later)
    db.session.commit()
    after = icalendar.Calendar.from_ical(registration_invitation(registration, "REQUEST"))
    (old,), (new,) = before.walk("VEVENT"), after.walk("VEVENT")
    assert new["SEQUENCE"] == old["SEQUENCE"] + 1


def test_fast_serialization_is_byte_for_byte_icalendars(app):
    event = factories.make_event(
        title="Fachtag „Übergänge gestalten“ – Schulsozialarbeit, SOFA & MPT; Forum\\Raum",
        description="Vormittag: Vortrag über Kinderschutz in der Grundschule. " * 6
        + "Mit Zeichen wie ä, ö, ü, ß, €, 😀 und Backslash \\ am Zeilenende.",
        venue="Bildungszentrum am Hauptbahnhof, Großer Saal (Erdgeschoss, barrierefrei)",
        groups=["schuso", "sofa"],
    )
    component = event_component(event, base_url=BASE_URL)
    assert serialize(component) == component.to_ical()
