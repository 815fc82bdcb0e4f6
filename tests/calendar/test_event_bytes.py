"""The feeds' own VEVENT writer (ical.event_bytes) against icalendar's component for the
same event: the same bytes, and the same event when icalendar reads both back."""

from datetime import UTC, datetime, timedelta

import icalendar
from hypothesis import given, settings
from hypothesis import strategies as st

import netzwerk.models  # noqa: F401  (every mapper known: the events here need no app)
from netzwerk.calendar.ical import (
    calendar_bytes,
    event_bytes,
    event_component,
    serialize,
)
from netzwerk.events.models import Event, EventKind, EventState
from netzwerk.members.models import ProfessionalGroup
from tests import factories
from tests.calendar.support import berlin

BASE_URL = "http://netzwerk.test"
# No example database: the tests must not write .hypothesis/ into the working tree.
PROPERTIES = settings(max_examples=300, deadline=None, database=None)

# What titles and descriptions hold: umlauts, the characters TEXT escapes, line breaks of
# every kind, icalendar's "\N", multi-byte signs that folding must not cut.
PIECES = ["ä", "Ö", "ß", "€", ",", ";", ":", "\\", "\\N", "\\n", "\n", "\r\n", "\r", '"', " "]
PIECES += ["😀", "👩\u200d👩\u200d👧", "🏳\ufe0f\u200d🌈", "\u202e", "\t", "^", "Fachtag"]
PIECES += ["\ufeff"]  # a BOM at the start of a value: icalendar drops it
characters = st.one_of(st.sampled_from(PIECES), st.characters(exclude_categories=("Cs",)))
text = st.lists(characters, max_size=60).map("".join)
long_text = st.builds(lambda piece, times: piece * times, text, st.integers(1, 40))
any_text = st.one_of(text, long_text)
moments = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)


@st.composite
def events(draw) -> Event:
    start = draw(moments)
    event = Event(
        id=draw(st.integers(1, 10**9)),
        title=draw(any_text),
        kind=draw(st.sampled_from(EventKind)),
        description=draw(any_text),
        start_dt=start,
        end_dt=start + draw(st.timedeltas(timedelta(0), timedelta(days=400))),
        venue=draw(st.one_of(st.just(""), any_text)),
        address=draw(st.one_of(st.just(""), any_text)),
        online_url=draw(st.sampled_from(["", "https://meet.example.org/raum?id=1,2;3"])),
        state=draw(st.sampled_from(EventState)),
        ical_sequence=draw(st.integers(0, 10**6)),
        updated_dt=draw(moments),
        target_groups=[ProfessionalGroup(name=name) for name in draw(st.lists(text, max_size=3))],
    )
    return event


base_urls = st.sampled_from(
    [BASE_URL, "https://netzwerk.example.org/", "https://schulsozialarbeit.example/netz"]
)


@PROPERTIES
@given(event=events(), base_url=base_urls)
def test_event_bytes_are_icalendars_bytes_for_any_event(event, base_url):
    component = event_component(event, base_url=base_url)

    written = event_bytes(event, base_url=base_url)

    assert written == serialize(component) == component.to_ical()
    assert icalendar.Event.from_ical(written) == icalendar.Event.from_ical(component.to_ical())


def _properties(vevent) -> dict:
    return {name: vevent[name].to_ical() for name in vevent}


def test_feed_reads_back_as_the_feed_icalendar_built(app, client):
    tricky = [
        factories.make_event(
            title="Fachtag „Übergänge“ – SchuSo, SOFA & MPT; Forum\\Raum 😀",
            description="Zeile eins\nZeile zwei\r\n" + "Kinderschutz in der Grundschule. " * 9,
            venue="Bildungszentrum am Hauptbahnhof, Großer Saal",
            address="Bahnhofstraße 1; 12345 Musterstadt",
            groups=["sds", "schuso", "sofa"],  # not in the groups' order
        ),
        factories.make_event(
            title="Online-Forum",
            online_url="https://meet.example.org/forum",
            start_dt=berlin(2026, 10, 25, 9),
            end_dt=berlin(2026, 10, 25, 12),
        ),
        factories.make_event(title="Abgesagt", state=EventState.CANCELLED),
    ]
    app.config["ICAL_PAST"] = timedelta(days=3650)

    served = client.get("/kalender.ics").data
    by_icalendar = calendar_bytes(
        [
            serialize(event_component(e, base_url=BASE_URL))
            for e in sorted(tricky, key=lambda e: (e.start_dt, e.id))
        ],
        app.config["SITE_NAME"],
        f"Öffentliche Veranstaltungen der {app.config['OFFICE_NAME']}",
    )

    new, old = icalendar.Calendar.from_ical(served), icalendar.Calendar.from_ical(by_icalendar)
    new_events = {str(e["UID"]): _properties(e) for e in new.walk("VEVENT")}
    old_events = {str(e["UID"]): _properties(e) for e in old.walk("VEVENT")}
    assert new_events == old_events
    assert len(new_events) == 3
    assert b"CATEGORIES:Fachtag,SchuSo,SOFA,SDS\r\n" in served
    assert served == by_icalendar
