"""A member keeps their own profile: phone, schools and the directory consent."""

from sqlalchemy import select

from netzwerk.db import db
from netzwerk.members.models import SchoolForm
from netzwerk.privacy.models import ConsentPurpose, ConsentRecord
from tests import factories


def consent_records(member_id: int) -> list[ConsentRecord]:
    return (
        db.session.execute(
            select(ConsentRecord)
            .where(ConsentRecord.subject_ref == str(member_id))
            .order_by(ConsentRecord.id)
        )
        .scalars()
        .all()
    )


def test_profile_shows_the_own_data_and_where_to_report_other_changes(member_client, member):
    html = member_client.get("/profil").get_data(as_text=True)

    assert member.full_name in html
    assert member.email in html
    assert "SchuSo" in html and "AWO Musterstadt" in html
    assert (
        "Änderungen an Name, E-Mail, Berufsgruppe oder Träger teilen Sie bitte der "
        "Koordinierungsstelle mit" in html
    )
    assert 'name="first_name"' not in html and 'name="email"' not in html


def test_member_changes_phone_and_schools(member_client, member):
    school = factories.make_school("Förderschule am Park", SchoolForm.FOERDERSCHULE)

    response = member_client.post(
        "/profil", data={"phone": "02361 50-0", "schools": [str(school.id)]}
    )

    assert response.status_code == 302
    db.session.rollback()
    assert member.phone == "02361 50-0"
    assert [s.name for s in member.schools] == ["Förderschule am Park"]
    assert "Ihr Profil ist gespeichert." in member_client.get("/profil").get_data(as_text=True)


def test_name_and_email_cannot_be_changed_by_the_member(member_client, member):
    old_name, old_email = member.full_name, member.email

    member_client.post(
        "/profil", data={"phone": "", "first_name": "Hacker", "email": "neu@example.org"}
    )

    db.session.rollback()
    assert member.full_name == old_name
    assert member.email == old_email


def test_bad_phone_is_refused_and_kept(member_client, member):
    response = member_client.post("/profil", data={"phone": "ruf mich an"})

    html = response.get_data(as_text=True)
    assert "Bitte verwenden Sie nur Ziffern, Leerzeichen und + / - ( )." in html
    assert 'value="ruf mich an"' in html
    db.session.rollback()
    assert member.phone == ""


def test_giving_directory_consent_is_recorded(member_client, member, app):
    member_client.post(
        "/profil",
        data={"phone": "", "listed_in_directory": "y"},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )

    db.session.rollback()
    assert member.listed_in_directory is True
    assert member.directory_consent_dt is not None
    [record] = consent_records(member.id)
    assert record.purpose == ConsentPurpose.DIRECTORY_LISTING
    assert record.email == member.email
    assert record.text_version == app.config["CONSENT_TEXT_VERSION"]
    assert record.given_ip == "203.0.113.7"
    assert record.withdrawn_dt is None


def test_withdrawing_consent_closes_the_open_record(member_client, member):
    member_client.post("/profil", data={"phone": "", "listed_in_directory": "y"})

    member_client.post("/profil", data={"phone": ""})

    db.session.rollback()
    assert member.listed_in_directory is False
    assert member.directory_consent_dt is None
    [record] = consent_records(member.id)
    assert record.withdrawn_dt is not None


def test_saving_without_changing_consent_writes_no_new_record(member_client, member):
    member_client.post("/profil", data={"phone": "", "listed_in_directory": "y"})
    member_client.post("/profil", data={"phone": "0209 1", "listed_in_directory": "y"})

    db.session.rollback()
    assert len(consent_records(member.id)) == 1


def test_the_member_never_sees_the_coordinators_notes(member_client, member):
    member.notes = "Vertraulich: Gespräch mit Schulleitung"
    other = factories.make_member(first_name="Olga", last_name="Other", listed_in_directory=True)
    other.notes = "Vertraulich: Olga wechselt im Sommer"
    db.session.commit()

    own = member_client.get("/profil").get_data(as_text=True)
    foreign = member_client.get(f"/verwaltung/mitglieder/{other.id}")
    directory = member_client.get("/netzwerk/verzeichnis").get_data(as_text=True)

    assert "Vertraulich" not in own
    assert foreign.status_code == 403
    assert "Vertraulich" not in foreign.get_data(as_text=True)
    assert "Olga" in directory and "Vertraulich" not in directory


def test_an_account_without_member_profile_gets_a_friendly_page(coordinator_client):
    response = coordinator_client.get("/profil")

    assert response.status_code == 200
    assert "kein Fachkraft-Profil" in response.get_data(as_text=True)


def test_visitors_are_sent_to_login(client):
    response = client.get("/profil")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
