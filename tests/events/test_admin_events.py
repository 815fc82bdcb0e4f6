"""The coordinator plans events: create, edit, publish, copy, cancel, delete, workshops."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update

from netzwerk.core.timeutil import utc_to_berlin
from netzwerk.db import db
from netzwerk.events import admin_operations
from netzwerk.events.models import (
    Event,
    EventKind,
    EventState,
    Registration,
    RegistrationState,
    WaitlistMode,
    Workshop,
)
from netzwerk.events.operations import Applicant, register
from netzwerk.events.rules import RegistrationRefused
from netzwerk.mailing.models import OutboxMessage
from tests import factories
from tests.helpers import text_of

BASE = "/verwaltung/veranstaltungen"


def form_data(**overrides) -> dict:
    data = {
        "title": "Fachtag Schulsozialarbeit 2031",
        "kind": "fachtag",
        "description": "Ein Tag für das **ganze** Netzwerk.",
        "programme": "",
        "start_date": "2031-03-24",
        "start_time": "09:00",
        "end_date": "",
        "end_time": "16:00",
        "venue": "Rathaus, Saal 2",
        "address": "Markt 1, 12345 Musterstadt",
        "online_url": "",
        "organiser_name": "Karin Koordinatorin",
        "organiser_email": "koordination@example.org",
        "organiser_phone": "",
        "visibility": "public",
        "capacity": "80",
        "registration_opens": "",
        "registration_closes": "2031-03-10T23:59",
        "cancellation_deadline": "",
        "waitlist_mode": "auto",
        "offer_hours": "48",
        "reminder_days": "2",
        "certificate_hours": "6,5",
        "suggestions_open": "",
        "suggestions_close": "",
        "question_1_key": "diet",
        "question_1_label": "Ernährung (z. B. vegetarisch)",
        "question_2_key": "",
        "question_2_label": "Welche Schule vertreten Sie?",
        "question_2_required": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def event_count() -> int:
    return db.session.execute(select(func.count()).select_from(Event)).scalar_one()


@contextmanager
def count_statements():
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)


def test_a_new_event_is_saved_as_a_draft_in_berlin_time(coordinator_client):
    response = coordinator_client.post(f"{BASE}/neu", data=form_data())

    event = db.session.execute(select(Event)).scalar_one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{BASE}/{event.id}")
    assert event.state == EventState.DRAFT
    assert event.kind == EventKind.FACHTAG
    # 9:00 in Berlin in March (CET) is 8:00 UTC.
    assert event.start_dt == datetime(2031, 3, 24, 8, 0, tzinfo=UTC)
    assert event.end_dt == datetime(2031, 3, 24, 15, 0, tzinfo=UTC)
    assert event.capacity == 80
    assert event.certificate_hours == 6.5
    assert event.questions == [
        {"key": "diet", "label": "Ernährung (z. B. vegetarisch)", "required": False},
        {"key": "q1", "label": "Welche Schule vertreten Sie?", "required": True},
    ]


def test_a_new_event_offers_the_common_questions(coordinator_client):
    page = coordinator_client.get(f"{BASE}/neu").get_data(as_text=True)
    assert "Ernährung (z. B. vegetarisch)" in page
    assert "Barrierefreiheit / Unterstützungsbedarf" in page


def test_an_empty_capacity_means_unlimited_and_no_groups_means_everyone(coordinator_client):
    coordinator_client.post(f"{BASE}/neu", data=form_data(capacity=""))
    event = db.session.execute(select(Event)).scalar_one()
    assert event.capacity is None
    assert event.target_groups == []


def test_target_groups_are_checkboxes(coordinator_client):
    sofa, mpt = factories.get_group("sofa"), factories.get_group("mpt")
    coordinator_client.post(
        f"{BASE}/neu", data=form_data() | {"target_groups": [str(sofa.id), str(mpt.id)]}
    )
    event = db.session.execute(select(Event)).scalar_one()
    assert {g.slug for g in event.target_groups} == {"sofa", "mpt"}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"end_time": "08:00"}, "end_time", "Das Ende muss nach dem Beginn liegen."),
        (
            {"end_date": "2031-03-23", "end_time": "18:00"},
            "end_date",
            "Das Ende muss nach dem Beginn liegen.",
        ),
        ({"online_url": "meet.example.org/fachtag"}, "online_url", "mit https:// beginnt"),
        ({"online_url": "javascript:alert(1)"}, "online_url", "mit https:// beginnt"),
        ({"capacity": "-5"}, "capacity", "Die Platzzahl darf nicht negativ sein."),
        ({"start_date": "31.02.2031"}, "start_date", "gültiges Datum"),
        ({"title": ""}, "title", "Bitte füllen Sie dieses Feld aus."),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_saved(
    coordinator_client, overrides, field, message
):
    response = coordinator_client.post(f"{BASE}/neu", data=form_data(**overrides))

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in page
    error = page.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert event_count() == 0
    typed = next(iter(overrides.values()))
    if typed:
        assert f'value="{typed}"' in page  # what the coordinator typed is still there


def test_multi_day_events_are_allowed(coordinator_client):
    coordinator_client.post(f"{BASE}/neu", data=form_data(end_date="2031-03-26", end_time="13:00"))
    event = db.session.execute(select(Event)).scalar_one()
    assert event.end_dt - event.start_dt == timedelta(days=2, hours=4)


def test_the_edit_form_shows_berlin_times(coordinator_client):
    event = factories.make_event(start_dt=datetime(2031, 7, 1, 7, 30, tzinfo=UTC), hours=3)
    page = coordinator_client.get(f"{BASE}/{event.id}/bearbeiten").get_data(as_text=True)
    assert 'value="2031-07-01"' in page
    assert 'value="09:30"' in page  # summer time: UTC+2
    assert 'value="12:30"' in page


def _edit(client, event, **overrides):
    data = form_data(**overrides)
    return client.post(f"{BASE}/{event.id}/bearbeiten", data=data)


def _saved(client) -> Event:
    client.post(f"{BASE}/neu", data=form_data())
    return db.session.execute(select(Event)).scalar_one()


def test_editing_the_text_keeps_the_calendar_sequence(coordinator_client):
    event = _saved(coordinator_client)
    response = _edit(
        coordinator_client, event, version=str(event.version), title="Fachtag 2031: Übergänge"
    )
    db.session.refresh(event)
    assert response.status_code == 302
    assert event.title == "Fachtag 2031: Übergänge"
    assert event.ical_sequence == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"start_time": "10:00"},
        {"end_time": "17:00"},
        {"venue": "Bürgerhaus"},
        {"address": "Hauptstraße 5"},
        {"online_url": "https://meet.example.org/fachtag"},
    ],
)
def test_changing_time_or_place_raises_the_calendar_sequence(coordinator_client, overrides):
    event = _saved(coordinator_client)
    _edit(coordinator_client, event, version=str(event.version), **overrides)
    db.session.refresh(event)
    assert event.ical_sequence == 1


def test_two_coordinators_do_not_overwrite_each_other(coordinator_client):
    event = _saved(coordinator_client)
    loaded_version = str(event.version)  # both opened the form now

    first = _edit(coordinator_client, event, version=loaded_version, title="Titel von Anna")
    second = _edit(coordinator_client, event, version=loaded_version, title="Titel von Bernd")

    db.session.refresh(event)
    assert first.status_code == 302
    assert second.status_code == 409
    page = second.get_data(as_text=True)
    assert "Diese Veranstaltung wurde inzwischen von jemand anderem geändert" in page
    assert 'value="Titel von Bernd"' in page  # the second one's input is not lost
    assert event.title == "Titel von Anna"


def test_a_change_only_to_target_groups_still_counts_as_a_new_version(coordinator_client):
    event = _saved(coordinator_client)
    version = event.version
    sofa = factories.get_group("sofa")
    coordinator_client.post(
        f"{BASE}/{event.id}/bearbeiten",
        data=form_data(version=str(version)) | {"target_groups": [str(sofa.id)]},
    )
    db.session.refresh(event)
    assert [g.slug for g in event.target_groups] == ["sofa"]
    assert event.version == version + 1


def test_a_save_racing_another_is_refused_by_the_database(app):
    event = factories.make_event(title="Netzwerktreffen")
    version = event.version
    # Someone else saves between loading and flushing: the row's version moves on.
    db.session.execute(
        update(Event)
        .where(Event.id == event.id)
        .values(version=version + 1)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(admin_operations.EditConflict):
        admin_operations.update_event(event, version, title="Überschrieben?")
    db.session.rollback()
    assert db.session.get(Event, event.id).title == "Netzwerktreffen"


def test_publishing_makes_the_draft_public_and_raises_the_sequence(coordinator_client):
    event = _saved(coordinator_client)
    response = coordinator_client.post(f"{BASE}/{event.id}/veroeffentlichen")
    db.session.refresh(event)
    assert response.status_code == 302
    assert event.state == EventState.PUBLISHED
    assert event.ical_sequence == 1
    coordinator_client.post(f"{BASE}/{event.id}/veroeffentlichen")  # double click
    db.session.refresh(event)
    assert event.ical_sequence == 1


def test_the_list_shows_upcoming_and_past_events_with_their_counts(coordinator_client):
    upcoming = factories.make_event(title="Netzwerktreffen Herbst", capacity=2)
    factories.make_registration(upcoming)
    factories.make_registration(upcoming)
    factories.make_registration(upcoming)  # waiting
    factories.make_event(title="Entwurf Frühjahr", state=EventState.DRAFT)
    factories.make_event(title="Fachtag vom letzten Jahr", days_ahead=-300)

    page = coordinator_client.get(f"{BASE}/").get_data(as_text=True)
    assert "Netzwerktreffen Herbst" in page
    assert "Entwurf" in page and "Veröffentlicht" in page
    assert "2 / 2" in page
    assert "Fachtag vom letzten Jahr" not in page

    past = coordinator_client.get(f"{BASE}/?zeit=vergangen").get_data(as_text=True)
    assert "Fachtag vom letzten Jahr" in past
    assert "Netzwerktreffen Herbst" not in past


def test_the_list_costs_the_same_statements_for_few_or_many_events(coordinator_client):
    def statements_for_list():
        with count_statements() as statements:
            assert coordinator_client.get(f"{BASE}/").status_code == 200
        return len(statements)

    event = factories.make_event()
    factories.make_registration(event)
    few = statements_for_list()
    for _ in range(5):
        factories.make_registration(factories.make_event())
    assert statements_for_list() == few


# --- copy ---------------------------------------------------------------------------


def test_copy_as_next_years_fachtag(coordinator_client):
    start = datetime(2030, 3, 19, 8, 0, tzinfo=UTC)  # a Tuesday, 9:00 in Berlin
    event = factories.make_event(
        title="Fachtag Schulsozialarbeit 2030",
        start_dt=start,
        hours=7,
        groups=("schuso", "sofa"),
        workshops=[("Forum A", 1, 20), ("Forum B", 2, None)],
        registration_closes_dt=start - timedelta(days=14),
        questions=[{"key": "diet", "label": "Ernährung", "required": False}],
    )
    factories.make_registration(event)

    response = coordinator_client.post(f"{BASE}/{event.id}/kopieren", data={"weeks": "52"})

    copy = db.session.execute(select(Event).where(Event.id != event.id)).scalar_one()
    assert response.headers["Location"].endswith(f"{BASE}/{copy.id}")
    assert copy.title == "Fachtag Schulsozialarbeit 2031"
    assert copy.state == EventState.DRAFT
    assert copy.copied_from_id == event.id
    new_start = utc_to_berlin(copy.start_dt)
    assert (new_start.year, new_start.weekday(), new_start.hour) == (2031, 1, 9)
    assert copy.end_dt - copy.start_dt == timedelta(hours=7)
    assert copy.registration_closes_dt == copy.start_dt - timedelta(days=14)
    assert [(w.title, w.slot, w.capacity) for w in copy.workshops] == [
        ("Forum A", 1, 20),
        ("Forum B", 2, None),
    ]
    assert {g.slug for g in copy.target_groups} == {"schuso", "sofa"}
    assert copy.questions == event.questions
    assert copy.ical_sequence == 0
    registrations = select(func.count()).where(Registration.event_id == copy.id)
    assert db.session.execute(registrations).scalar_one() == 0


def test_copy_keeps_the_wall_clock_across_summer_time(app):
    winter = datetime(2030, 1, 15, 8, 0, tzinfo=UTC)  # 9:00 CET
    event = factories.make_event(title="Fortbildung", start_dt=winter, hours=2)
    copy = admin_operations.copy_event(event, weeks=26)  # mid-July: CEST
    assert utc_to_berlin(copy.start_dt).hour == 9
    assert copy.title == "Fortbildung"


def test_copy_with_a_bad_number_of_weeks_is_explained(coordinator_client):
    event = factories.make_event()
    response = coordinator_client.post(f"{BASE}/{event.id}/kopieren", data={"weeks": "-3"})
    assert response.status_code == 422
    assert "ganze Zahl von 0 bis 520" in response.get_data(as_text=True)
    assert event_count() == 1


# --- cancel and delete --------------------------------------------------------------


def test_cancelling_an_event_cancels_every_registration_and_tells_everyone(
    coordinator_client,
):
    event = factories.make_event(title="Netzwerktreffen Nord", capacity=1)
    confirmed = factories.make_registration(event)
    waiting = factories.make_registration(event)
    sequence = event.ical_sequence
    mails_so_far = select(func.count()).select_from(OutboxMessage)
    before = db.session.execute(mails_so_far).scalar_one()

    page = coordinator_client.get(f"{BASE}/{event.id}/absagen")
    assert "2 Personen erhalten" in page.get_data(as_text=True)
    response = coordinator_client.post(
        f"{BASE}/{event.id}/absagen", data={"message": "Die Referentin ist erkrankt."}
    )

    assert response.status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.state == EventState.CANCELLED
    assert event.cancelled_dt is not None
    assert event.ical_sequence == sequence + 1
    for registration in (confirmed, waiting):
        assert db.session.get(Registration, registration.id).state == RegistrationState.CANCELLED
    mails = (
        db.session.execute(select(OutboxMessage).order_by(OutboxMessage.id).offset(before))
        .scalars()
        .all()
    )
    assert sorted(m.to_email for m in mails) == sorted([confirmed.email, waiting.email])
    for mail in mails:
        assert mail.subject == "Abgesagt: Netzwerktreffen Nord"
        assert "Die Referentin ist erkrankt." in mail.body_text
        assert b"METHOD:CANCEL" in mail.attachments[0].data


def test_cancelling_twice_sends_nothing_more(app):
    event = factories.make_event()
    factories.make_registration(event)
    admin_operations.cancel_event(event)
    db.session.commit()
    assert admin_operations.cancel_event(event) == []


def test_the_cancellation_mail_reaches_the_participant(coordinator_client, deliver):
    event = factories.make_event(title="Fortbildung Kinderschutz")
    registration = factories.make_registration(event)
    coordinator_client.post(f"{BASE}/{event.id}/absagen", data={"message": ""})

    messages = [m for m in deliver() if registration.email in m["To"]]
    cancellation = [m for m in messages if m["Subject"].startswith("Abgesagt")]
    assert len(cancellation) == 1
    body = cancellation[0].get_body(preferencelist=("plain",)).get_content()
    assert "leider müssen wir „Fortbildung Kinderschutz“ absagen" in body


def test_only_drafts_without_registrations_can_be_deleted(coordinator_client):
    draft = factories.make_event(state=EventState.DRAFT)
    published = factories.make_event()

    refused = coordinator_client.post(f"{BASE}/{published.id}/loeschen", follow_redirects=True)
    assert "Nur Entwürfe können gelöscht werden" in refused.get_data(as_text=True)

    coordinator_client.post(f"{BASE}/{draft.id}/loeschen")
    db.session.expire_all()
    assert db.session.get(Event, draft.id) is None
    assert db.session.get(Event, published.id) is not None


def test_a_draft_with_workshops_can_be_deleted(app):
    draft = factories.make_event(state=EventState.DRAFT, workshops=[("Forum", 1, None)])
    admin_operations.delete_event(draft)
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(Workshop)).scalar_one() == 0


# --- detail and workshops -----------------------------------------------------------


def test_the_detail_page_shows_facts_and_workshops(coordinator_client):
    event = factories.make_event(
        title="Fachtag Übergänge",
        description="Mit <script>alert(1)</script> und **Foren**.",
        workshops=[("Forum Kinderschutz", 1, 2)],
        venue="Rathaus",
    )
    workshop = event.workshops[0]
    factories.make_registration(event, picks={1: [workshop.id]})

    page = coordinator_client.get(f"{BASE}/{event.id}").get_data(as_text=True)
    assert "Fachtag Übergänge" in page
    assert "Rathaus" in page
    assert "<strong>Foren</strong>" in page
    assert "<script>" not in page
    assert "Forum Kinderschutz" in page
    assert "1 / 2" in page  # assigned / capacity


def test_a_workshop_is_added_with_its_slot_time_and_capacity(coordinator_client):
    event = factories.make_event(start_dt=datetime(2031, 3, 24, 8, 0, tzinfo=UTC))
    response = coordinator_client.post(
        f"{BASE}/{event.id}/foren/neu",
        data={
            "title": "Forum Elternarbeit",
            "facilitator": "Dr. Sommer",
            "room": "A 101",
            "slot": "2",
            "start_time": "13:30",
            "end_time": "15:00",
            "capacity": "",
        },
    )
    assert response.status_code == 302
    workshop = db.session.execute(select(Workshop)).scalar_one()
    assert (workshop.slot, workshop.capacity, workshop.room) == (2, None, "A 101")
    assert workshop.start_dt == datetime(2031, 3, 24, 12, 30, tzinfo=UTC)


def test_a_workshop_with_bad_times_is_explained(coordinator_client):
    event = factories.make_event()
    response = coordinator_client.post(
        f"{BASE}/{event.id}/foren/neu",
        data={"title": "Forum", "slot": "1", "start_time": "15:00", "end_time": "14:00"},
    )
    page = response.get_data(as_text=True)
    assert "Das Ende muss nach dem Beginn liegen." in page
    assert db.session.execute(select(func.count()).select_from(Workshop)).scalar_one() == 0


def test_moving_a_workshop_raises_its_calendar_sequence(coordinator_client):
    event = factories.make_event(workshops=[("Forum", 1, 10)])
    workshop = event.workshops[0]
    coordinator_client.post(
        f"{BASE}/{event.id}/foren/{workshop.id}/bearbeiten",
        data={"title": "Forum", "slot": "1", "room": "B 2", "capacity": "10"},
    )
    db.session.refresh(workshop)
    assert workshop.room == "B 2"
    assert workshop.ical_sequence == 1


def test_a_workshop_with_participants_cannot_be_deleted(coordinator_client):
    event = factories.make_event(workshops=[("Forum voll", 1, 10), ("Forum leer", 1, 10)])
    full, empty = sorted(event.workshops, key=lambda w: w.title != "Forum voll")
    factories.make_registration(event, picks={1: [full.id]})

    response = coordinator_client.post(
        f"{BASE}/{event.id}/foren/{full.id}/loeschen", follow_redirects=True
    )
    assert "Dem Forum „Forum voll“ ist noch eine Person zugeteilt" in response.get_data(
        as_text=True
    )
    coordinator_client.post(f"{BASE}/{event.id}/foren/{empty.id}/loeschen")
    db.session.expire_all()
    assert db.session.get(Workshop, full.id) is not None
    assert db.session.get(Workshop, empty.id) is None


def test_a_workshop_of_another_event_is_not_found(coordinator_client):
    one = factories.make_event(workshops=[("Forum", 1, None)])
    other = factories.make_event()
    response = coordinator_client.get(f"{BASE}/{other.id}/foren/{one.workshops[0].id}/bearbeiten")
    assert response.status_code == 404


def test_raising_the_capacity_moves_people_up_from_the_waiting_list(app):
    event = factories.make_event(capacity=1, waitlist_mode=WaitlistMode.AUTO)
    factories.make_registration(event)
    waiting = factories.make_registration(event)
    assert waiting.state == RegistrationState.WAITING

    admin_operations.update_event(event, event.version, capacity=2)
    db.session.commit()
    db.session.refresh(waiting)
    assert waiting.state == RegistrationState.CONFIRMED


def test_registering_is_refused_after_the_office_cancelled(app):
    event = factories.make_event()
    admin_operations.cancel_event(event)
    db.session.commit()
    member = factories.make_member()
    with pytest.raises(RegistrationRefused, match="abgesagt"):
        register(event.id, Applicant.from_member(member))


def test_moving_a_published_event_tells_the_registered_people(coordinator_client):
    event = _saved(coordinator_client)
    admin_operations.publish_event(event)
    db.session.commit()
    registration = factories.make_registration(event)

    response = coordinator_client.post(
        f"{BASE}/{event.id}/bearbeiten",
        data=form_data(version=str(event.version), start_time="10:00"),
        follow_redirects=True,
    )

    assert "erhalten eine E-Mail mit dem aktualisierten Kalendereintrag" in text_of(
        response.get_data(as_text=True)
    )
    subjects = db.session.execute(
        select(OutboxMessage.subject).where(OutboxMessage.to_email == registration.email)
    ).scalars()
    assert f"Zeit oder Ort geändert: {event.title}" in list(subjects)


def test_a_new_room_for_a_workshop_is_mailed_to_its_participants_only(
    coordinator_client, deliver
):
    event = factories.make_event(workshops=[("Forum A", 1, 10), ("Forum B", 1, 10)])
    forum_a, forum_b = event.workshops
    in_a = factories.make_registration(event, picks={1: [forum_a.id]})
    in_b = factories.make_registration(event, picks={1: [forum_b.id]})
    before = len(deliver())

    response = coordinator_client.post(
        f"{BASE}/{event.id}/foren/{forum_a.id}/bearbeiten",
        data={"title": "Forum A", "slot": "1", "room": "Aula", "capacity": "10"},
        follow_redirects=True,
    )

    assert "Alle Teilnehmenden des Forums erhalten" in text_of(response.get_data(as_text=True))
    (mail,) = deliver()[before:]
    assert in_a.email in mail["To"] and in_b.email not in mail["To"]
    assert "Raum Aula" in mail.get_body(preferencelist=("plain",)).get_content()
    (part,) = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST"
    assert "Aula" in part.get_payload(decode=True).decode()
