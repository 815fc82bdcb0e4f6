"""The e-mails of a registration's life, queued in the outbox with the event as .ics."""

from __future__ import annotations

from netzwerk.core.urls import external_url
from netzwerk.events.models import Registration
from netzwerk.events.tokens import registration_token
from netzwerk.mailing.outbox import Attachment, queue_mail


def _links(registration: Registration) -> dict:
    token = registration_token(registration)
    return {
        "manage_url": external_url("events.registration_manage", token=token),
        "event_url": external_url("events.detail", event_id=registration.event_id),
    }


def _ics(registration: Registration, method: str) -> tuple[Attachment, ...]:
    from netzwerk.calendar.ical import registration_invitation

    data = registration_invitation(registration, method=method)
    return (Attachment("veranstaltung.ics", f"text/calendar; method={method}", data),)


def _send(registration: Registration, template: str, subject: str, method=None, **context):
    queue_mail(
        to_email=registration.email,
        to_name=f"{registration.first_name} {registration.last_name}",
        subject=f"{subject}: {registration.event.title}",
        template=f"events/{template}",
        attachments=_ics(registration, method) if method else (),
        registration=registration,
        event=registration.event,
        **_links(registration),
        **context,
    )


def guest_confirmation(registration: Registration) -> None:
    _send(
        registration,
        "guest_confirm",
        "Bitte bestätigen Sie Ihre Anmeldung",
        confirm_url=external_url("events.guest_confirm", token=registration_token(registration)),
    )


def registration_placed(registration: Registration) -> None:
    """Confirmation or waiting-list notice, depending on where the registration landed."""
    if registration.state.value == "confirmed":
        _send(registration, "confirmed", "Anmeldebestätigung", method="REQUEST")
    else:
        _send(registration, "waiting", "Warteliste", method="PUBLISH")


def registration_changed(registration: Registration) -> None:
    _send(registration, "changed", "Ihre Anmeldung wurde geändert", method="REQUEST")


def registration_cancelled(registration: Registration, by_office: bool = False) -> None:
    _send(registration, "cancelled", "Abmeldung bestätigt", method="CANCEL", by_office=by_office)


def event_changed(registration: Registration) -> None:
    """The office moved the event (time or place): the calendar entry follows."""
    method = "REQUEST" if registration.state.value == "confirmed" else "PUBLISH"
    _send(registration, "event_changed", "Zeit oder Ort geändert", method=method)


def workshop_changed(registration: Registration, workshop) -> None:
    _send(
        registration,
        "workshop_changed",
        f"Workshop „{workshop.title}“ geändert",
        method="REQUEST",
        workshop=workshop,
    )


def promoted(registration: Registration) -> None:
    _send(registration, "promoted", "Ein Platz ist frei geworden", method="REQUEST")


def place_offered(registration: Registration) -> None:
    _send(registration, "offered", "Ein Platz für Sie", method="PUBLISH")


def offer_expired(registration: Registration) -> None:
    # CANCEL takes the tentative entry of the waiting-list and offer mails out again.
    _send(registration, "offer_expired", "Ihr Platzangebot ist abgelaufen", method="CANCEL")


def event_cancelled(registration: Registration, message: str = "") -> None:
    _send(registration, "event_cancelled", "Abgesagt", method="CANCEL", message=message)


def reminder(registration: Registration) -> None:
    _send(registration, "reminder", "Erinnerung", method="REQUEST")
