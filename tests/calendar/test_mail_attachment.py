"""The .ics in registration mails, as delivered: METHOD:REQUEST, then METHOD:CANCEL with the
same UID and a higher SEQUENCE, read by three parsers."""

from datetime import timedelta

from netzwerk.db import db, utcnow
from netzwerk.events import admin_operations, operations
from netzwerk.events.models import WaitlistMode
from netzwerk.events.reminders import send_reminders
from tests import factories
from tests.calendar.support import Parsed, berlin


def attachments(messages, method):
    found = []
    for message in messages:
        for part in message.iter_attachments():
            if part.get_content_type() == "text/calendar" and part.get_param("method") == method:
                found.append(Parsed(part.get_payload(decode=True)))
    return found


def test_request_and_cancel_mails_carry_matching_invitations(app, deliver):
    # The morning after summer time began: 09:00 is CEST.
    event = factories.make_event(
        title="Fachtag Übergänge", start_dt=berlin(2031, 3, 31, 9), end_dt=berlin(2031, 3, 31, 16)
    )
    member = factories.make_member(with_account=True)
    factories.make_registration(event, member)
    admin_operations.cancel_event(event, message="Der Saal ist nicht verfügbar.")
    db.session.commit()

    messages = deliver()
    (request,) = attachments(messages, "REQUEST")
    (cancel,) = attachments(messages, "CANCEL")

    for parsed, method in ((request, "REQUEST"), (cancel, "CANCEL")):
        assert str(parsed.calendar["METHOD"]) == method
        assert parsed.loose.method.value == method
        (strict,) = parsed.strict.events
        start = parsed.loose.vevent.dtstart.value
        for value in (strict.dtstart, start, parsed.events[0].decoded("dtstart")):
            assert (value.hour, value.utcoffset()) == (9, timedelta(hours=2))
        assert [tz["TZID"] for tz in parsed.calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    (invited,), (cancelled,) = request.events, cancel.events
    assert str(cancelled["UID"]) == str(invited["UID"])
    assert cancelled["SEQUENCE"] > invited["SEQUENCE"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert str(invited["ATTENDEE"]) == f"mailto:{member.email}"
    assert invited["ATTENDEE"].params["RSVP"] == "FALSE"


def calendar_parts(message):
    return [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]


def test_every_mail_of_a_registration_carries_the_event_with_the_fitting_method(app, deliver):
    """Waiting list (PUBLISH, tentative), offer (PUBLISH), offer expired (CANCEL); and for
    a place: confirmation, workshop change, reminder (REQUEST), own cancellation (CANCEL)."""
    event = factories.make_event(
        capacity=1,
        days_ahead=1,
        reminder_days=2,
        waitlist_mode=WaitlistMode.OFFER,
        offer_hours=1,
        workshops=[("Forum A", 1, None), ("Forum B", 1, None)],
    )
    a, b = event.workshops
    holder = factories.make_registration(event, picks={1: [a.id]})
    waiting = factories.make_registration(event)
    operations.change_workshops(holder, {1: [b.id]})
    send_reminders()
    now = utcnow()
    operations.cancel_registration(holder, now=now)
    operations.expire_offers(now=now + timedelta(hours=2))
    db.session.commit()

    methods = {}
    for message in deliver():
        (part,) = calendar_parts(message)
        parsed = Parsed(part.get_payload(decode=True))
        (component,) = parsed.events
        method = str(parsed.calendar["METHOD"])
        assert part.get_param("method") == method == parsed.loose.method.value
        assert str(component["UID"]) == f"event-{event.id}@netzwerk.test"
        assert len(parsed.strict.events) == 1
        methods.setdefault(message["To"].split("<")[-1].rstrip(">"), []).append(
            (message["Subject"].split(":")[0], method, str(component["STATUS"]))
        )

    assert methods[holder.email] == [
        ("Anmeldebestätigung", "REQUEST", "CONFIRMED"),
        ("Ihre Anmeldung wurde geändert", "REQUEST", "CONFIRMED"),
        ("Erinnerung", "REQUEST", "CONFIRMED"),
        ("Abmeldung bestätigt", "CANCEL", "CANCELLED"),
    ]
    assert methods[waiting.email] == [
        ("Warteliste", "PUBLISH", "TENTATIVE"),
        ("Ein Platz für Sie", "PUBLISH", "TENTATIVE"),
        ("Ihr Platzangebot ist abgelaufen", "CANCEL", "CANCELLED"),
    ]


def test_a_new_time_reaches_every_participants_calendar(app, deliver):
    event = factories.make_event(
        capacity=1, start_dt=berlin(2031, 3, 28, 9), end_dt=berlin(2031, 3, 28, 16)
    )
    holder = factories.make_registration(event)
    waiting = factories.make_registration(event)
    before = len(deliver())  # the confirmation and the waiting-list notice

    # Only the text changes: nobody is mailed.
    admin_operations.update_event(event, event.version, title=event.title + " (Programm neu)")
    db.session.commit()
    assert len(deliver()) == before

    # Moved past the start of summer time: 09:00 is now CEST.
    admin_operations.update_event(
        event, event.version, start_dt=berlin(2031, 3, 31, 9), end_dt=berlin(2031, 3, 31, 16)
    )
    db.session.commit()

    sent = {m["To"].split("<")[-1].rstrip(">"): m for m in deliver()[before:]}
    assert set(sent) == {holder.email, waiting.email}
    for email, method, status in (
        (holder.email, "REQUEST", "CONFIRMED"),
        (waiting.email, "PUBLISH", "TENTATIVE"),
    ):
        (part,) = calendar_parts(sent[email])
        parsed = Parsed(part.get_payload(decode=True))
        (component,) = parsed.events
        assert part.get_param("method") == method
        assert str(component["STATUS"]) == status
        start = parsed.loose.vevent.dtstart.value
        for value in (parsed.strict.events[0].dtstart, start, component.decoded("dtstart")):
            assert (value.day, value.hour, value.utcoffset()) == (31, 9, timedelta(hours=2))
    assert "Zeit oder Ort" in sent[holder.email]["Subject"]
