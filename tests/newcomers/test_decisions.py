"""The coordinator's queue: accept (member and invitation) or decline (polite mail, data gone)."""

import re
from datetime import timedelta

from sqlalchemy import select

from netzwerk.accounts.models import AuditEntry
from netzwerk.db import db
from netzwerk.members.models import Employer, EmployerKind, Member
from netzwerk.newcomers.models import ApplicationState
from tests.conftest import mail_body
from tests.factories import make_employer, make_member, make_school
from tests.helpers import text_of
from tests.newcomers.conftest import count, link_in


def accept(client, application):
    return client.post(f"/verwaltung/bewerbungen/{application.id}/annehmen", follow_redirects=True)


def decline(client, application, reason=""):
    return client.post(
        f"/verwaltung/bewerbungen/{application.id}/ablehnen",
        data={f"bewerbung-{application.id}-reason": reason},
        follow_redirects=True,
    )


def test_queue_lists_waiting_applications_oldest_first(coordinator_client, make_application):
    make_application(ApplicationState.CONFIRMED, first_name="Neuere", age=timedelta(days=1))
    make_application(ApplicationState.CONFIRMED, first_name="Ältere", age=timedelta(days=3))

    page = text_of(coordinator_client.get("/verwaltung/bewerbungen/").text)

    assert page.index("Ältere Weber") < page.index("Neuere Weber")
    assert "Warten auf Entscheidung (2)" in page


def test_queue_only_counts_unconfirmed_requests(coordinator_client, make_application):
    make_application(first_name="Geheim", phone="0171 999")
    make_application(first_name="Auch Geheim")

    page = text_of(coordinator_client.get("/verwaltung/bewerbungen/").text)

    assert "2 Anfragen sind noch nicht bestätigt" in page
    assert "Geheim" not in page and "0171 999" not in page


def test_accepting_makes_a_member_whose_invitation_opens_the_platform(
    client, coordinator, auth, confirmed_application, deliver, smtp, groups
):
    school = make_school("Gesamtschule Buer")
    application = confirmed_application(school_name="gesamtschule buer")
    auth.login(coordinator.email)

    response = accept(client, application)

    assert "Lena Özdemir ist jetzt Mitglied des Netzwerks." in response.text
    assert "Die Einladung zum Festlegen des Passworts ist unterwegs." in response.text
    member = db.session.execute(select(Member)).scalar_one()
    assert (member.first_name, member.last_name) == ("Lena", "Özdemir")
    assert member.email == "lena.oezdemir@example.org"
    assert member.phone == "0209 123456"
    assert member.group == groups[0]
    assert (member.employer.kind, member.employer.name) == (
        EmployerKind.FREIER_TRAEGER,
        "AWO Musterstadt",
    )
    assert member.schools == [school]
    assert application.state == ApplicationState.ACCEPTED
    assert application.member_id == member.id
    assert application.decided_by_id == coordinator.id
    assert application.decided_dt is not None

    auth.logout()
    deliver()
    (invitation,) = [m for m in smtp.to("lena.oezdemir@example.org") if "Einladung" in m["Subject"]]
    link = link_in(invitation)
    assert client.get(link).status_code == 200
    password = "Sommerferien an der Emscher"
    client.post(link, data={"password": password, "confirm": password})
    auth.logout()
    login = auth.login("lena.oezdemir@example.org", password)
    assert login.status_code == 302
    assert "/login" not in login.headers["Location"]


def test_accepting_reuses_a_known_employer_and_notes_an_unknown_school(
    coordinator_client, confirmed_application
):
    awo = make_employer(EmployerKind.FREIER_TRAEGER, "AWO Musterstadt")
    application = confirmed_application(
        employer_name="awo musterstadt", school_name="Grundschule Irgendwo"
    )

    response = accept(coordinator_client, application)

    member = db.session.execute(select(Member)).scalar_one()
    assert member.employer == awo
    assert count(Employer) == 1
    assert member.schools == []
    assert "Schule laut Bewerbung: Grundschule Irgendwo" in member.notes
    assert "steht nicht im Schulverzeichnis" in response.text


def test_accepting_an_address_that_became_a_member_links_instead_of_duplicating(
    coordinator_client, confirmed_application, deliver, smtp
):
    application = confirmed_application()
    existing = make_member(
        email="lena.oezdemir@example.org", first_name="Lena", last_name="Ö.", with_account=True
    )

    response = accept(coordinator_client, application)

    assert "gibt es bereits ein Mitglied (Lena Ö.)" in text_of(response.text)
    assert "ein zweites Mitglied wurde nicht angelegt" in response.text
    assert count(Member) == 1
    assert application.member_id == existing.id
    assert existing.last_name == "Ö."  # the member's data stays as it was
    deliver()
    assert not [m for m in smtp.messages if "Einladung" in m["Subject"]]


def test_accepting_reactivates_an_inactive_member(coordinator_client, confirmed_application):
    existing = make_member(email="lena.oezdemir@example.org", is_active=False)
    application = confirmed_application()

    response = accept(coordinator_client, application)

    assert existing.is_active
    assert "war inaktiv und ist jetzt wieder aktiv" in response.text


def test_declining_sends_a_polite_mail_and_keeps_only_name_and_address(
    coordinator_client, coordinator, confirmed_application, deliver, smtp
):
    application = confirmed_application(school_name="Grundschule Nord")
    smtp.collector.messages.clear()

    response = decline(coordinator_client, application, "Sie arbeiten nicht an einer Schule.")

    assert "ist abgelehnt" in response.text
    assert application.state == ApplicationState.DECLINED
    assert application.decided_by_id == coordinator.id
    assert (application.first_name, application.email) == ("Lena", "lena.oezdemir@example.org")
    assert application.phone == application.message == application.school_name == ""
    assert application.employer_name == "" and application.employer_kind is None
    assert application.group_id is None
    assert count(Member) == 0
    deliver()
    (mail,) = smtp.to("lena.oezdemir@example.org")
    body = mail_body(mail)
    assert "Leider können wir Sie nicht in das Netzwerk aufnehmen." in body
    assert "Sie arbeiten nicht an einer Schule." in body
    assert mail["Reply-To"] == "koordination@example.org"


def test_decisions_are_in_the_audit_log(coordinator_client, confirmed_application):
    first = confirmed_application()
    second = confirmed_application(email="zweite@example.org")

    accept(coordinator_client, first)
    decline(coordinator_client, second)

    actions = db.session.execute(
        select(AuditEntry.action, AuditEntry.object_id).where(
            AuditEntry.object_type == "application"
        )
    ).all()
    assert sorted(actions) == [("newcomer.accept", first.id), ("newcomer.decline", second.id)]


def test_decided_applications_move_to_the_second_section(coordinator_client, confirmed_application):
    application = confirmed_application()
    accept(coordinator_client, application)

    page = text_of(coordinator_client.get("/verwaltung/bewerbungen/").text)

    waiting, _, decided = page.partition("Zuletzt entschieden Die letzten")
    assert "Zurzeit wartet keine Bewerbung auf eine Entscheidung." in waiting
    assert "Lena Özdemir lena.oezdemir@example.org Aufgenommen" in decided
    assert "Karin Koordinatorin" in decided


def test_acting_twice_is_refused_and_changes_nothing(
    coordinator_client, confirmed_application, deliver, smtp
):
    application = confirmed_application()
    accept(coordinator_client, application)
    decided_dt = application.decided_dt

    again = accept(coordinator_client, application)
    declined = decline(coordinator_client, application, "Doch nicht.")

    for response in (again, declined):
        assert "wurde bereits entschieden (Aufgenommen). Es wurde nichts geändert." in response.text
    assert application.state == ApplicationState.ACCEPTED
    assert application.decided_dt == decided_dt
    assert count(Member) == 1
    deliver()
    assert len([m for m in smtp.messages if "Einladung" in m["Subject"]]) == 1
    assert not [m for m in smtp.messages if "Anfrage an das Netzwerk" in m["Subject"]]


def test_an_unconfirmed_application_cannot_be_decided(coordinator_client, make_application):
    application = make_application()

    response = accept(coordinator_client, application)

    assert "noch nicht bestätigt" in response.text
    assert application.state == ApplicationState.PENDING
    assert count(Member) == 0


def test_an_unknown_application_is_not_found(coordinator_client):
    assert coordinator_client.post("/verwaltung/bewerbungen/999/annehmen").status_code == 404


def test_the_forms_on_the_queue_page_carry_their_csrf_tokens(
    app, coordinator_client, confirmed_application
):
    application = confirmed_application()
    app.config["WTF_CSRF_ENABLED"] = True
    page = coordinator_client.get("/verwaltung/bewerbungen/").text
    prefix = f"bewerbung-{application.id}-"
    token = re.search(rf'name="{prefix}csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert f'name="{prefix}reason"' in page

    response = coordinator_client.post(
        f"/verwaltung/bewerbungen/{application.id}/ablehnen",
        data={f"{prefix}csrf_token": token, f"{prefix}reason": ""},
    )

    assert response.status_code == 302
    assert application.state == ApplicationState.DECLINED
