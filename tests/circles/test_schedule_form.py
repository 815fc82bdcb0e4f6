"""The schedule editor: plain German choices become the right RRULE, typed rules are checked."""

from datetime import datetime
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from netzwerk.circles.forms import describe_rrule, describe_schedule
from netzwerk.db import db
from tests.helpers import text_of

BERLIN = ZoneInfo("Europe/Berlin")


def post_schedule(client, circle, **data):
    form = {
        "pattern": "monatlich",
        "ordinal": "2",
        "weekday": "TU",
        "start_date": "2027-01-01",
        "start_time": "14:00",
        "end_time": "16:00",
        "until": "",
        "rrule": "",
    } | data
    return client.post(f"/qualitaetszirkel/{circle.id}/terminplan", data=form)


def berlin(value: datetime) -> datetime:
    return value.astimezone(BERLIN).replace(tzinfo=None)


def test_every_second_tuesday_of_the_month(people, login):
    response = post_schedule(login(people.moderator), people.circle)

    assert response.status_code == 302
    db.session.expire_all()
    circle = people.circle
    assert circle.schedule_rrule == "FREQ=MONTHLY;BYDAY=2TU"
    # 1 January 2027 is a Friday: the series starts with the first 2nd Tuesday after it.
    assert berlin(circle.schedule_start_dt) == datetime(2027, 1, 12, 14, 0)
    assert circle.schedule_minutes == 120
    assert describe_rrule(circle.schedule_rrule) == "jeden 2. Dienstag im Monat"


def test_the_rule_expands_to_second_tuesdays_in_berlin_time(people, login):
    post_schedule(login(people.moderator), people.circle)
    db.session.expire_all()
    circle = people.circle

    start = berlin(circle.schedule_start_dt)
    dates = list(rrulestr(circle.schedule_rrule, dtstart=start))[:4]

    assert dates == [
        datetime(2027, 1, 12, 14, 0),
        datetime(2027, 2, 9, 14, 0),
        datetime(2027, 3, 9, 14, 0),
        datetime(2027, 4, 13, 14, 0),
    ]


def test_the_last_thursday_of_the_month_until_the_summer(people, login):
    post_schedule(
        login(people.moderator),
        people.circle,
        ordinal="-1",
        weekday="TH",
        start_time="09:30",
        end_time="11:00",
        until="2027-07-15",
    )

    db.session.expire_all()
    circle = people.circle
    assert circle.schedule_rrule == "FREQ=MONTHLY;BYDAY=-1TH;UNTIL=20270715T215959Z"
    assert circle.schedule_minutes == 90
    assert (
        describe_rrule(circle.schedule_rrule) == "jeden letzten Donnerstag im Monat bis 15.07.2027"
    )


def test_every_week_and_every_other_week(people, login):
    client = login(people.moderator)

    post_schedule(client, people.circle, pattern="woechentlich", weekday="WE")
    db.session.expire_all()
    assert people.circle.schedule_rrule == "FREQ=WEEKLY;BYDAY=WE"

    post_schedule(
        client, people.circle, pattern="zweiwoechentlich", weekday="MO", until="15.03.2027"
    )
    db.session.expire_all()
    assert people.circle.schedule_rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;UNTIL=20270315T225959Z"
    assert berlin(people.circle.schedule_start_dt) == datetime(2027, 1, 4, 14, 0)


def test_an_expert_rule_is_checked_and_kept(people, login):
    rule = "FREQ=MONTHLY;BYDAY=2TU;BYMONTH=1,2,3,4,5,6,9,10,11,12"

    post_schedule(login(people.moderator), people.circle, pattern="eigene", rrule=f"RRULE:{rule}")

    db.session.expire_all()
    assert people.circle.schedule_rrule == rule
    assert describe_schedule(people.circle) == (
        "Jeden 2. Dienstag im Monat, außer im Juli und August, 14:00–16:00 Uhr"
    )


def test_a_broken_rule_is_refused_in_german_and_kept_in_the_form(people, login):
    before = people.circle.schedule_rrule

    response = post_schedule(
        login(people.moderator), people.circle, pattern="eigene", rrule="FREQ=MONTLY;BYDAY=2TU"
    )

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="FREQ=MONTLY;BYDAY=2TU"' in page
    assert "Bitte prüfen Sie Ihre Eingaben" in page
    db.session.expire_all()
    assert people.circle.schedule_rrule == before


def test_meetings_every_minute_are_refused(people, login):
    response = post_schedule(
        login(people.moderator), people.circle, pattern="eigene", rrule="FREQ=MINUTELY"
    )

    assert "täglich bis jährlich" in text_of(response.get_data(as_text=True))


def test_the_end_must_come_after_the_start(people, login):
    response = post_schedule(login(people.moderator), people.circle, end_time="13:00")

    assert "Das Ende muss nach dem Beginn liegen." in response.get_data(as_text=True)


def test_without_a_start_date_the_form_asks_for_it(people, login):
    response = post_schedule(login(people.moderator), people.circle, start_date="")

    assert "Bitte geben Sie an, ab wann der Zirkel sich trifft." in response.get_data(as_text=True)


def test_no_regular_meetings_clears_the_schedule(people, login):
    post_schedule(login(people.moderator), people.circle, pattern="keine")

    db.session.expire_all()
    assert people.circle.schedule_rrule == ""
    assert people.circle.schedule_start_dt is None


def test_a_new_schedule_raises_the_calendar_sequence(people, login):
    before = people.circle.ical_sequence

    post_schedule(login(people.moderator), people.circle)

    db.session.expire_all()
    assert people.circle.ical_sequence == before + 1


def test_the_form_shows_the_current_schedule(people, login):
    client = login(people.moderator)
    post_schedule(client, people.circle, ordinal="3", weekday="WE", until="2027-06-30")

    page = client.get(f"/qualitaetszirkel/{people.circle.id}/terminplan").get_data(as_text=True)

    assert '<option selected value="3">' in page
    assert '<option selected value="WE">' in page
    assert 'value="2027-06-30"' in page
    assert "Jeden 3. Mittwoch im Monat bis 30.06.2027, 14:00–16:00 Uhr" in page


def test_only_moderators_and_coordinators_edit_the_schedule(people, login):
    assert post_schedule(login(people.member), people.circle).status_code == 403
    assert post_schedule(login(people.outsider), people.circle).status_code == 403
