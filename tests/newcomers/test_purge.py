"""Unconfirmed requests expire: nothing is kept beyond the pending request's lifetime."""

from datetime import timedelta

from sqlalchemy import select

from netzwerk.db import db, utcnow
from netzwerk.newcomers.cli import register
from netzwerk.newcomers.models import Application, ApplicationState
from netzwerk.newcomers.operations import purge_expired_applications

WEEK = timedelta(days=7)


def remaining() -> set[str]:
    return set(db.session.execute(select(Application.first_name)).scalars())


def test_purge_removes_only_expired_unconfirmed_requests(make_application):
    make_application(first_name="Abgelaufen", age=WEEK + timedelta(minutes=1))
    make_application(first_name="Frisch", age=WEEK - timedelta(minutes=1))
    for state in (ApplicationState.CONFIRMED, ApplicationState.ACCEPTED, ApplicationState.DECLINED):
        make_application(state, first_name=state.label, age=timedelta(days=60))

    removed = purge_expired_applications()
    db.session.commit()

    assert removed == 1
    assert remaining() == {"Frisch", "Wartet auf Entscheidung", "Aufgenommen", "Abgelehnt"}


def test_purge_measures_from_the_latest_link(make_application):
    application = make_application(first_name="Erneut gesendet", age=timedelta(days=10))
    application.confirmation_sent_dt = utcnow() - timedelta(days=1)  # asked again yesterday
    db.session.commit()

    assert purge_expired_applications() == 0
    assert purge_expired_applications(now=utcnow() + WEEK) == 1


def test_purge_command(app, runner, make_application):
    register(app)
    make_application(first_name="Abgelaufen", age=timedelta(days=8))

    result = runner.invoke(args=["newcomers", "purge"])

    assert result.exit_code == 0, result.output
    assert "1 unbestätigte Bewerbung(en) gelöscht." in result.output
    db.session.expire_all()
    assert remaining() == set()


def test_a_new_request_clears_out_expired_ones(client, form_data, make_application):
    make_application(first_name="Abgelaufen", age=timedelta(days=8))

    client.post("/mitmachen", data=form_data())

    assert remaining() == {"Lena"}
