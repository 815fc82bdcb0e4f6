"""Who may register for an event, and when: pure checks without side effects."""

from __future__ import annotations

from datetime import datetime

from netzwerk.events.models import Event, EventState
from netzwerk.members.models import Member


class RegistrationRefused(Exception):
    """A registration (or change) that the rules do not allow; the message is German."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def check_registration_open(event: Event, now: datetime) -> None:
    if event.state == EventState.CANCELLED:
        raise RegistrationRefused("Diese Veranstaltung wurde abgesagt.")
    if event.state != EventState.PUBLISHED:
        raise RegistrationRefused("Für diese Veranstaltung ist keine Anmeldung möglich.")
    if event.registration_opens_dt and now < event.registration_opens_dt:
        raise RegistrationRefused("Die Anmeldung ist noch nicht geöffnet.")
    if event.registration_closes_dt and now > event.registration_closes_dt:
        raise RegistrationRefused("Die Anmeldefrist ist abgelaufen.")
    if now > event.end_dt:
        raise RegistrationRefused("Diese Veranstaltung hat bereits stattgefunden.")


def check_audience(event: Event, member: Member | None) -> None:
    """Members-only events need a member; target groups restrict members, not invited guests."""
    if member is None:
        if not event.is_public:
            raise RegistrationRefused(
                "Diese Veranstaltung ist nur für Mitglieder des Netzwerks. "
                "Bitte melden Sie sich an."
            )
        if not event.allows_guests:
            raise RegistrationRefused(
                "Für diese Veranstaltung können sich nur Mitglieder des Netzwerks anmelden. "
                "Bitte melden Sie sich mit Ihrem Zugang an."
            )
        return
    if not member.is_active:
        raise RegistrationRefused("Ihr Mitgliedsprofil ist nicht aktiv.")
    target_ids = {group.id for group in event.target_groups}
    if target_ids and member.group_id not in target_ids:
        names = ", ".join(group.name for group in event.target_groups)
        raise RegistrationRefused(f"Diese Veranstaltung richtet sich an: {names}.")


def check_cancellation_allowed(event: Event, now: datetime) -> None:
    if event.cancellation_deadline_dt and now > event.cancellation_deadline_dt:
        raise RegistrationRefused(
            "Die Frist für Änderungen und Abmeldungen ist abgelaufen. "
            "Bitte wenden Sie sich an die Koordinierungsstelle."
        )
    if now > event.start_dt:
        raise RegistrationRefused("Die Veranstaltung hat bereits begonnen.")
