"""Event registration with arbitrary text: a correct record or a German error, never a 500;
places are never overbooked and nobody is registered twice for one event."""

from collections import Counter

from hypothesis import event as hypothesis_event
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from netzwerk.db import db
from netzwerk.events import operations
from netzwerk.events.guests import register_guest
from netzwerk.events.models import Registration, RegistrationState
from netzwerk.events.operations import Applicant
from netzwerk.events.rules import RegistrationRefused
from tests import factories
from tests.security.fuzz import FUZZ, email_addresses, field_errors, hostile_text, stored

GUESTS = ["gerda.gast@example.org", "ali.yilmaz@example.org"]


def registrations(event) -> list[Registration]:
    return list(
        db.session.execute(select(Registration).where(Registration.event_id == event.id)).scalars()
    )


PLAIN_GUEST = {
    "first_name": "Gerda",
    "last_name": "Gast",
    "employer_name": "Caritas Musterstadt",
    "school_name": "Grundschule am Park",
}


@FUZZ
@given(data=st.data(), field=st.sampled_from([*PLAIN_GUEST, "email"]))
def test_a_guest_registration_is_stored_as_typed_or_refused_in_german(app, client, data, field):
    event = factories.make_event(capacity=2, allows_guests=True)
    text = data.draw(email_addresses(GUESTS) if field == "email" else hostile_text, label=field)
    form = PLAIN_GUEST | {"email": GUESTS[0], "consent": "y", field: text}

    response = client.post(f"/veranstaltungen/{event.id}/anmelden", data=form)
    again = client.post(f"/veranstaltungen/{event.id}/anmelden", data=form)
    hypothesis_event(f"status {response.status_code}")

    db.session.expire_all()
    stored_rows = registrations(event)
    if response.status_code == 302:
        (registration,) = stored_rows  # the second submit did not add a second one
        expected = stored(text).lower() if field == "email" else stored(text)
        assert getattr(registration, field) == expected
        assert again.status_code == 302
    else:
        assert response.status_code == 422, response.status_code
        assert set(field_errors(response.get_data(as_text=True))) == {field}
        assert stored_rows == []


@FUZZ
@given(
    capacity=st.integers(min_value=1, max_value=3),
    steps=st.lists(
        st.tuples(
            st.sampled_from(["register", "register", "confirm", "cancel"]),
            st.integers(min_value=0, max_value=5),  # who: members 0-3, guests 4-5
            hostile_text.map(lambda text: text.replace("\x00", "")),  # forms refuse NUL
        ),
        max_size=14,
    ),
)
def test_registrations_never_overbook_nor_double_book(app, capacity, steps):
    event = factories.make_event(capacity=capacity, allows_guests=True)
    members = [factories.make_member() for _ in range(4)]

    for action, who, name in steps:
        email = members[who].email if who < 4 else GUESTS[who - 4]
        existing = db.session.execute(
            select(Registration).where(
                Registration.event_id == event.id, Registration.email == email
            )
        ).scalar_one_or_none()
        try:
            if action == "register" and who < 4:
                operations.register(event.id, Applicant.from_member(members[who]))
            elif action == "register":
                guest = Applicant(email=email, first_name=name[:100], last_name="Gast")
                register_guest(event.id, guest)
            elif action == "confirm" and existing is not None:
                operations.confirm_guest(existing)
            elif action == "cancel" and existing is not None:
                operations.cancel_registration(existing)
            db.session.commit()
        except RegistrationRefused as refused:
            db.session.rollback()
            assert refused.message

        rows = registrations(event)
        confirmed = [r for r in rows if r.state == RegistrationState.CONFIRMED]
        assert len(confirmed) <= capacity
        if len(confirmed) == capacity:
            hypothesis_event("the event was full")
        if len(confirmed) < capacity:  # a free place is never withheld from the waiting list
            assert not [r for r in rows if r.state == RegistrationState.WAITING]
        assert max(Counter(r.email for r in rows).values(), default=0) <= 1
        assert max(Counter(r.member_id for r in rows if r.member_id).values(), default=0) <= 1
