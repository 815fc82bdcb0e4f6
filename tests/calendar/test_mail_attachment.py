"""The .ics in registration mails, as delivered: METHOD:REQUEST, then METHOD:CANCEL with the
same UID and a higher SEQUENCE, read by three parsers."""

from datetime import timedelta

from netzwerk.db import db
from netzwerk.events import admin_operations
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
