"""Registration rules, tested on the operations directly (no HTTP)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from netzwerk.db import db, utcnow
from netzwerk.events import operations
from netzwerk.events.models import (
    Event,
    EventKind,
    EventState,
    Registration,
    RegistrationState,
    WaitlistMode,
    Workshop,
)
from netzwerk.events.operations import Applicant
from netzwerk.events.rules import RegistrationRefused
from netzwerk.mailing.models import OutboxMessage
from tests import factories


def make_event(capacity=2, **kwargs) -> Event:
    start = kwargs.pop("start", utcnow() + timedelta(days=30))
    event = Event(
        title=kwargs.pop("title", "Fachtag Übergänge"),
        kind=kwargs.pop("kind", EventKind.FACHTAG),
        start_dt=start,
        end_dt=start + timedelta(hours=6),
        state=kwargs.pop("state", EventState.PUBLISHED),
        capacity=capacity,
        **kwargs,
    )
    db.session.add(event)
    db.session.commit()
    return event


def add_workshop(event, title, slot=1, capacity=None) -> Workshop:
    workshop = Workshop(event=event, title=title, slot=slot, capacity=capacity)
    db.session.add(workshop)
    db.session.commit()
    return workshop


def register_member(event, picks=None, **member_kwargs):
    member = factories.make_member(**member_kwargs)
    registration = operations.register(event.id, Applicant.from_member(member), picks)
    db.session.commit()
    return registration


def guest(email="gast@example.org"):
    return Applicant(email=email, first_name="Gerda", last_name="Gast", employer_name="AWO")


def states(event):
    rows = db.session.execute(
        select(Registration.state)
        .where(Registration.event_id == event.id)
        .order_by(Registration.id)
    )
    return [state.value for state in rows.scalars()]


def test_places_fill_then_the_waiting_list_in_order(app):
    event = make_event(capacity=2)
    for _ in range(4):
        register_member(event)
    assert states(event) == ["confirmed", "confirmed", "waiting", "waiting"]


def test_cancellation_promotes_the_next_in_line_and_mails_them(app):
    event = make_event(capacity=1)
    first = register_member(event)
    second = register_member(event)
    third = register_member(event)

    operations.cancel_registration(first)
    db.session.commit()

    assert [second.state, third.state] == [RegistrationState.CONFIRMED, RegistrationState.WAITING]
    subjects = (
        db.session.execute(
            select(OutboxMessage.subject).where(OutboxMessage.to_email == second.email)
        )
        .scalars()
        .all()
    )
    assert any("Platz ist frei geworden" in s for s in subjects)

    # The chain goes on: the promoted person cancels, the third moves up.
    operations.cancel_registration(second)
    db.session.commit()
    assert third.state == RegistrationState.CONFIRMED


def test_one_registration_per_person_and_event(app):
    event = make_event(capacity=5)
    member = factories.make_member()
    operations.register(event.id, Applicant.from_member(member))
    db.session.commit()
    with pytest.raises(RegistrationRefused, match="bereits angemeldet"):
        operations.register(event.id, Applicant.from_member(member))
    db.session.rollback()
    # A guest using the member's address in other letter case is the same person.
    with pytest.raises(RegistrationRefused, match="bereits angemeldet"):
        event.allows_guests = True
        db.session.commit()
        operations.register(event.id, guest(email=member.email.upper()))
    db.session.rollback()
    assert len(states(event)) == 1


def test_a_cancelled_person_may_register_again_at_the_end_of_the_line(app):
    event = make_event(capacity=1)
    member = factories.make_member()
    first = operations.register(event.id, Applicant.from_member(member))
    db.session.commit()
    operations.cancel_registration(first)
    register_member(event)
    again = operations.register(event.id, Applicant.from_member(member))
    db.session.commit()
    assert again.id == first.id
    assert again.state == RegistrationState.WAITING


def test_guest_holds_no_place_until_the_address_is_confirmed(app):
    event = make_event(capacity=1, allows_guests=True)
    registration = operations.register(event.id, guest())
    db.session.commit()
    assert registration.state == RegistrationState.UNCONFIRMED
    assert operations.free_places(event, utcnow()) == 1

    register_member(event)  # takes the only place meanwhile
    operations.confirm_guest(registration)
    db.session.commit()
    assert registration.state == RegistrationState.WAITING


def test_guests_are_refused_where_the_event_does_not_allow_them(app):
    event = make_event(allows_guests=False)
    with pytest.raises(RegistrationRefused, match="nur Mitglieder"):
        operations.register(event.id, guest())


def test_registration_period_is_respected(app):
    event = make_event(registration_opens_dt=utcnow() + timedelta(days=1))
    with pytest.raises(RegistrationRefused, match="noch nicht geöffnet"):
        register_member(event)
    db.session.rollback()
    event.registration_opens_dt = None
    event.registration_closes_dt = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(RegistrationRefused, match="Anmeldefrist ist abgelaufen"):
        register_member(event)
    db.session.rollback()
    assert states(event) == []


def test_target_groups_restrict_members(app):
    event = make_event()
    event.target_groups = [factories.get_group("sofa")]
    db.session.commit()
    with pytest.raises(RegistrationRefused, match="richtet sich an: SOFA"):
        register_member(event, group="schuso")
    db.session.rollback()
    assert register_member(event, group="sofa").state == RegistrationState.CONFIRMED


def test_drafts_and_cancelled_events_take_no_registrations(app):
    draft = make_event(state=EventState.DRAFT)
    with pytest.raises(RegistrationRefused):
        register_member(draft)
    db.session.rollback()
    cancelled = make_event(state=EventState.CANCELLED)
    with pytest.raises(RegistrationRefused, match="abgesagt"):
        register_member(cancelled)


def test_workshop_capacity_is_enforced_on_its_own(app):
    event = make_event(capacity=10)
    small = add_workshop(event, "Kinderschutz", slot=1, capacity=1)
    register_member(event, picks={1: [small.id]})
    with pytest.raises(RegistrationRefused, match="„Kinderschutz“ ist leider ausgebucht"):
        register_member(event, picks={1: [small.id]})
    db.session.rollback()
    assert states(event) == ["confirmed"]


def test_second_choice_is_used_when_the_first_is_full(app):
    event = make_event(capacity=10, allows_second_choice=True)
    full = add_workshop(event, "Mediation", slot=1, capacity=1)
    other = add_workshop(event, "Elternarbeit", slot=1, capacity=5)
    register_member(event, picks={1: [full.id]})
    registration = register_member(event, picks={1: [full.id, other.id]})
    assigned = [c.workshop_id for c in registration.workshop_choices if c.is_assigned]
    assert assigned == [other.id]


def test_a_workshop_of_another_slot_is_refused(app):
    event = make_event(capacity=10)
    afternoon = add_workshop(event, "Nachmittag", slot=2)
    with pytest.raises(RegistrationRefused, match="passt nicht zu diesem Zeitfenster"):
        register_member(event, picks={1: [afternoon.id]})


def test_second_choices_are_refused_unless_allowed(app):
    event = make_event(capacity=10, allows_second_choice=False)
    a = add_workshop(event, "A", slot=1)
    b = add_workshop(event, "B", slot=1)
    with pytest.raises(RegistrationRefused):
        register_member(event, picks={1: [a.id, b.id]})


def test_offer_mode_offers_the_place_and_passes_it_on_after_expiry(app):
    event = make_event(capacity=1, waitlist_mode=WaitlistMode.OFFER, offer_hours=24)
    first = register_member(event)
    second = register_member(event)
    third = register_member(event)

    now = utcnow()
    operations.cancel_registration(first, now=now)
    db.session.commit()
    assert second.state == RegistrationState.OFFERED
    assert third.state == RegistrationState.WAITING
    # The offered place is held: nobody else gets it meanwhile.
    assert operations.free_places(event, now) == 0

    passed = operations.expire_offers(now=now + timedelta(hours=25))
    db.session.commit()
    assert passed == 1
    assert second.state == RegistrationState.CANCELLED
    assert third.state == RegistrationState.OFFERED

    operations.accept_offer(third, now=now + timedelta(hours=26))
    db.session.commit()
    assert third.state == RegistrationState.CONFIRMED


def test_an_expired_offer_cannot_be_accepted(app):
    event = make_event(capacity=1, waitlist_mode=WaitlistMode.OFFER, offer_hours=1)
    first = register_member(event)
    second = register_member(event)
    now = utcnow()
    operations.cancel_registration(first, now=now)
    db.session.commit()
    with pytest.raises(RegistrationRefused, match="abgelaufen"):
        operations.accept_offer(second, now=now + timedelta(hours=2))


def test_cancellation_after_the_deadline_is_refused_for_participants_not_the_office(app):
    event = make_event(cancellation_deadline_dt=utcnow() + timedelta(days=1))
    registration = register_member(event)
    later = utcnow() + timedelta(days=2)
    with pytest.raises(RegistrationRefused, match="Frist"):
        operations.cancel_registration(registration, now=later)
    operations.cancel_registration(registration, now=later, by_office=True)
    db.session.commit()
    assert registration.state == RegistrationState.CANCELLED


def test_changing_workshops_frees_the_old_seat(app):
    event = make_event(capacity=10)
    a = add_workshop(event, "A", slot=1, capacity=1)
    b = add_workshop(event, "B", slot=1, capacity=1)
    registration = register_member(event, picks={1: [a.id]})
    operations.change_workshops(registration, {1: [b.id]})
    db.session.commit()
    assert operations.workshop_seats_taken(event) == {b.id: 1}
    # The seat in A is free again for someone else.
    assert register_member(event, picks={1: [a.id]}).state == RegistrationState.CONFIRMED


def test_an_expired_offer_found_by_a_new_registration_passes_on_at_once(app):
    """Without the periodic job having run, the next registration notices the expired
    offer: the place goes to the next in line, not lost, and the newcomer queues behind."""
    event = make_event(capacity=1, waitlist_mode=WaitlistMode.OFFER, offer_hours=24)
    first = register_member(event)
    second = register_member(event)
    third = register_member(event)
    now = utcnow()
    operations.cancel_registration(first, now=now)
    db.session.commit()

    member = factories.make_member()
    late = operations.register(
        event.id, Applicant.from_member(member), now=now + timedelta(hours=25)
    )
    db.session.commit()
    assert second.state == RegistrationState.CANCELLED
    assert third.state == RegistrationState.OFFERED
    assert late.state == RegistrationState.WAITING
    assert operations.free_places(event, now + timedelta(hours=25)) == 0
