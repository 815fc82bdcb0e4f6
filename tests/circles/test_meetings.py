"""Single meetings: skipped, moved, one-off, restored; members say whether they come."""

from datetime import timedelta

from sqlalchemy import select

from netzwerk.circles import queries
from netzwerk.circles.forms import occurrence_key
from netzwerk.circles.models import AttendanceAnswer, CircleMeeting, MeetingResponse
from netzwerk.core.timeutil import utc_to_berlin
from netzwerk.db import db, utcnow
from tests.helpers import text_of


def upcoming(circle, n=3):
    return queries.upcoming_meetings(circle, utcnow(), limit=n)


def starts(circle, n=3):
    return [o.start_dt for o in upcoming(circle, n) if not o.is_skipped]


def url(circle, occurrence, action=""):
    return f"/qualitaetszirkel/{circle.id}/termine/{occurrence_key(occurrence.key)}" + action


def test_a_skipped_meeting_leaves_the_next_meetings(people, login):
    circle = people.circle
    first, second, third = upcoming(circle)

    response = login(people.moderator).post(
        url(circle, first, "/absagen"), data={"note": "Herbstferien"}
    )

    assert response.status_code == 302
    db.session.expire_all()
    assert starts(circle, 3) == [second.start_dt, third.start_dt]
    page = text_of(
        login(people.member).get(f"/qualitaetszirkel/{circle.id}").get_data(as_text=True)
    )
    assert "Fällt aus" in page
    assert "Herbstferien" in page


def test_a_moved_meeting_shows_at_its_new_time(people, login):
    circle = people.circle
    first, second, _ = upcoming(circle)
    new_day = utc_to_berlin(first.start_dt).date() + timedelta(days=2)

    login(people.moderator).post(
        url(circle, first, "/verschieben"),
        data={
            "day": new_day.isoformat(),
            "start_time": "15:00",
            "end_time": "17:30",
            "location": "Schule am Park, Aula",
            "note": "wegen der Zeugniskonferenz",
        },
    )

    db.session.expire_all()
    moved = upcoming(circle)[0]
    assert moved.key == first.key  # still the same meeting for answers and minutes
    assert utc_to_berlin(moved.start_dt).date() == new_day
    assert utc_to_berlin(moved.start_dt).strftime("%H:%M") == "15:00"
    assert moved.location == "Schule am Park, Aula"
    assert upcoming(circle)[1].start_dt == second.start_dt


def test_answers_survive_a_move(people, login):
    circle = people.circle
    first = upcoming(circle)[0]
    login(people.member).post(url(circle, first, "/antwort/ja"))
    new_day = utc_to_berlin(first.start_dt).date() + timedelta(days=1)

    login(people.moderator).post(
        url(circle, first, "/verschieben"),
        data={"day": new_day.isoformat(), "start_time": "14:00", "end_time": "16:00"},
    )

    answers = queries.answers_for(circle, [first.key], people.member)
    assert answers.mine[first.key] == AttendanceAnswer.YES


def test_restoring_a_skipped_meeting_brings_it_back(people, login):
    circle = people.circle
    first = upcoming(circle)[0]
    client = login(people.moderator)
    client.post(url(circle, first, "/absagen"), data={"note": ""})

    client.post(url(circle, first, "/wiederherstellen"))

    db.session.expire_all()
    assert upcoming(circle)[0].start_dt == first.start_dt
    assert db.session.execute(select(CircleMeeting)).first() is None


def test_a_one_off_meeting_joins_the_list(people, login):
    circle = people.circle
    first = upcoming(circle)[0]
    day = utc_to_berlin(first.start_dt).date() - timedelta(days=1)

    response = login(people.moderator).post(
        f"/qualitaetszirkel/{circle.id}/termine/neu",
        data={"day": day.strftime("%d.%m.%Y"), "start_time": "10:00", "end_time": "12:00"},
    )

    assert response.status_code == 302
    db.session.expire_all()
    extra = upcoming(circle)[0]
    assert extra.is_one_off
    assert utc_to_berlin(extra.start_dt).date() == day
    assert extra.location == circle.default_location


def test_a_one_off_cannot_take_the_time_of_another_meeting(people, login):
    circle = people.circle
    first = upcoming(circle)[0]
    local = utc_to_berlin(first.start_dt)

    response = login(people.moderator).post(
        f"/qualitaetszirkel/{circle.id}/termine/neu",
        data={"day": local.date().isoformat(), "start_time": "14:00", "end_time": "15:00"},
    )

    assert "Zu dieser Zeit ist bereits ein Treffen geplant." in response.get_data(as_text=True)


def test_changes_raise_the_calendar_sequence(people, login):
    circle = people.circle
    first, second, _ = upcoming(circle)
    before = circle.ical_sequence
    client = login(people.moderator)

    client.post(url(circle, first, "/absagen"), data={"note": ""})
    db.session.expire_all()
    assert circle.ical_sequence == before + 1

    day = utc_to_berlin(second.start_dt).date()

    def move(clock):
        client.post(
            url(circle, second, "/verschieben"),
            data={"day": day.isoformat(), "start_time": clock, "end_time": "18:00"},
        )
        return db.session.execute(
            select(CircleMeeting.ical_sequence).where(CircleMeeting.recurrence_dt == second.key)
        ).scalar_one()

    first_move = move("16:00")
    assert first_move > circle.ical_sequence  # the override outranks the series
    assert move("16:30") == first_move + 1


def test_members_cannot_skip_or_move_meetings(people, login):
    circle = people.circle
    first = upcoming(circle)[0]
    client = login(people.member)

    assert client.post(url(circle, first, "/absagen"), data={"note": ""}).status_code == 403
    assert client.get(f"/qualitaetszirkel/{circle.id}/termine").status_code == 403
    assert db.session.execute(select(CircleMeeting)).first() is None


def test_an_unknown_meeting_is_not_found(people, login):
    client = login(people.moderator)
    first = upcoming(people.circle)[0]
    wrong = occurrence_key(first.start_dt + timedelta(hours=1))

    response = client.post(
        f"/qualitaetszirkel/{people.circle.id}/termine/{wrong}/absagen", data={"note": ""}
    )

    assert response.status_code == 404


# --- answers ------------------------------------------------------------------------------


def test_members_say_whether_they_come_and_see_the_counts(people, login):
    circle = people.circle
    first = upcoming(circle)[0]
    login(people.moderator).post(url(circle, first, "/antwort/vielleicht"))
    client = login(people.member)

    response = client.post(url(circle, first, "/antwort/ja"), follow_redirects=True)

    page = text_of(response.get_data(as_text=True))
    assert "Ihre Antwort für den" in page
    assert "Ihre Antwort: Ich komme" in page
    assert "1 kommen, 1 vielleicht, 0 kommen nicht" in page


def test_changing_the_answer_keeps_one_answer(people, login):
    circle = people.circle
    first = upcoming(circle)[0]
    client = login(people.member)

    client.post(url(circle, first, "/antwort/ja"))
    client.post(url(circle, first, "/antwort/nein"))

    (response,) = db.session.execute(select(MeetingResponse)).scalars().all()
    assert response.answer == AttendanceAnswer.NO
    assert response.occurrence_dt == first.key


def test_no_answers_for_a_skipped_meeting(people, login):
    circle = people.circle
    first = upcoming(circle)[0]
    login(people.moderator).post(url(circle, first, "/absagen"), data={"note": ""})

    response = login(people.member).post(url(circle, first, "/antwort/ja"), follow_redirects=True)

    assert "Dieses Treffen fällt aus." in response.get_data(as_text=True)
    assert db.session.execute(select(MeetingResponse)).first() is None


def test_outsiders_cannot_answer(people, login):
    first = upcoming(people.circle)[0]

    response = login(people.outsider).post(url(people.circle, first, "/antwort/ja"))

    assert response.status_code == 403
    assert db.session.execute(select(MeetingResponse)).first() is None


def test_the_moderator_sees_who_comes(people, login):
    first = upcoming(people.circle)[0]
    login(people.member).post(url(people.circle, first, "/antwort/ja"))

    page = login(people.moderator).get(url(people.circle, first)).get_data(as_text=True)

    assert "Kommen (1)" in page
    assert people.member.full_name in page


def _day(occurrence) -> str:
    return f"{utc_to_berlin(occurrence.start_dt):%d.%m.%Y}"


def test_the_holidays_cancel_every_meeting_in_them_at_once(people, login, client):
    circle = people.circle
    first, second, third, fourth = upcoming(circle, 4)

    response = login(people.moderator).post(
        f"/qualitaetszirkel/{circle.id}/termine/zeitraum-absagen",
        data={"first_day": _day(first), "last_day": _day(second), "note": "Schulferien"},
        follow_redirects=True,
    )

    assert "Diese Treffen fallen aus" in text_of(response.get_data(as_text=True))
    db.session.expire_all()
    assert starts(circle, 4)[:2] == [third.start_dt, fourth.start_dt]
    skipped = db.session.execute(select(CircleMeeting).where(CircleMeeting.is_skipped)).scalars()
    assert sorted(m.recurrence_dt for m in skipped) == [first.key, second.key]
    feed = client.get(f"/kalender/qz/{circle.id}.ics").get_data(as_text=True)
    assert feed.count("EXDATE") >= 1
    assert f"{utc_to_berlin(first.start_dt):%Y%m%d}" in feed.split("EXDATE", 1)[1]


def test_a_period_without_meetings_or_backwards_is_explained(people, login):
    circle = people.circle
    first, second = upcoming(circle, 2)
    client = login(people.moderator)
    url_ = f"/qualitaetszirkel/{circle.id}/termine/zeitraum-absagen"
    day_after_first = f"{utc_to_berlin(first.start_dt) + timedelta(days=1):%d.%m.%Y}"

    empty = client.post(url_, data={"first_day": day_after_first, "last_day": day_after_first})
    backwards = client.post(url_, data={"first_day": _day(second), "last_day": _day(first)})

    assert "kein kommendes Treffen geplant" in empty.get_data(as_text=True)
    assert "darf nicht vor dem ersten liegen" in backwards.get_data(as_text=True)
    assert db.session.execute(select(CircleMeeting)).first() is None


def test_members_cannot_cancel_a_period(people, login):
    first, second = upcoming(people.circle, 2)
    response = login(people.member).post(
        f"/qualitaetszirkel/{people.circle.id}/termine/zeitraum-absagen",
        data={"first_day": _day(first), "last_day": _day(second)},
    )
    assert response.status_code == 403
    assert db.session.execute(select(CircleMeeting)).first() is None
