"""The coordinator's member management: list, filters, create, edit, deactivate, invite."""

import re
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import event, func, select

from netzwerk.accounts.models import AuditEntry, User
from netzwerk.db import db
from netzwerk.members import operations
from netzwerk.members.models import Employer, EmployerKind, Member, SchoolForm
from tests import factories
from tests.conftest import mail_body

LIST = "/verwaltung/mitglieder/"


@contextmanager
def count_statements():
    """Collect every SQL statement the engine sends while the block runs."""
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)


def listed_names(response) -> list[str]:
    html = response.get_data(as_text=True)
    return re.findall(r'<th scope="row"><a href="/verwaltung/mitglieder/\d+">([^<]+)</a>', html)


def member_count() -> int:
    return db.session.execute(select(func.count()).select_from(Member)).scalar_one()


@pytest.fixture()
def network(app):
    """Four members who differ in every filtered property."""
    awo = factories.make_employer(EmployerKind.FREIER_TRAEGER, "AWO Musterstadt")
    land = factories.make_employer(EmployerKind.LAND, "Land NRW")
    stadt = factories.make_employer(EmployerKind.KOMMUNE, "Stadt Musterstadt")
    nord = factories.make_school("Grundschule Nord", SchoolForm.GRUNDSCHULE, "Nord")
    sued = factories.make_school("Gymnasium Süd", SchoolForm.GYMNASIUM, "Süd")
    ost = factories.make_school("Realschule Ost", SchoolForm.REALSCHULE, "Ost")
    alpha = factories.make_member(
        first_name="Anna",
        last_name="Alpha",
        email="anna.alpha@example.org",
        group="schuso",
        employer=awo,
        schools=[nord],
    )
    beta = factories.make_member(
        first_name="Bernd", last_name="Beta", group="sofa", employer=land, schools=[sued]
    )
    gamma = factories.make_member(
        first_name="Clara", last_name="Gamma", group="mpt", employer=stadt, schools=[ost]
    )
    delta = factories.make_member(
        first_name="Dieter",
        last_name="Delta",
        group="schuso",
        employer=awo,
        schools=[nord],
        is_active=False,
    )
    return SimpleNamespace(
        awo=awo,
        land=land,
        stadt=stadt,
        nord=nord,
        sued=sued,
        ost=ost,
        alpha=alpha,
        beta=beta,
        gamma=gamma,
        delta=delta,
    )


def form_data(**overrides) -> dict:
    data = {
        "first_name": "Emil",
        "last_name": "Epsilon",
        "email": "emil.epsilon@example.org",
        "phone": "0209 123456",
        "group": str(factories.get_group("schuso").id),
        "employer": "",
        "new_employer_kind": "",
        "new_employer_name": "",
        "notes": "",
        "is_active": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- the list ------------------------------------------------------------------


def test_list_shows_active_members_by_default_with_their_count(coordinator_client, network):
    response = coordinator_client.get(LIST)

    assert listed_names(response) == ["Alpha, Anna", "Beta, Bernd", "Gamma, Clara"]
    html = response.get_data(as_text=True)
    assert "3 Mitglieder" in html
    assert "AWO Musterstadt" in html and "Grundschule Nord" in html and "SOFA" in html


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (lambda n: {"gruppe": n.alpha.group_id}, ["Alpha, Anna"]),
        (lambda n: {"traeger": n.land.id}, ["Beta, Bernd"]),
        (lambda n: {"traegerart": "kommune"}, ["Gamma, Clara"]),
        (lambda n: {"schulform": "gymnasium"}, ["Beta, Bernd"]),
        (lambda n: {"sozialraum": n.ost.district_id}, ["Gamma, Clara"]),
        (lambda n: {"schule": n.nord.id}, ["Alpha, Anna"]),
        (lambda n: {"status": "inaktiv"}, ["Delta, Dieter"]),
        (lambda n: {"status": "alle", "schule": n.nord.id}, ["Alpha, Anna", "Delta, Dieter"]),
    ],
    ids=[
        "group",
        "employer",
        "employer-kind",
        "school-form",
        "district",
        "school",
        "inactive",
        "all",
    ],
)
def test_each_filter_narrows_the_list(coordinator_client, network, params, expected):
    response = coordinator_client.get(LIST, query_string=params(network))

    assert listed_names(response) == expected


def test_filters_keep_their_values(coordinator_client, network):
    html = coordinator_client.get(
        LIST, query_string={"suche": "alp", "traegerart": "land", "status": "alle"}
    ).get_data(as_text=True)

    assert 'value="alp"' in html
    assert '<option selected value="land">' in html
    assert '<option selected value="alle">' in html


def test_nonsense_filter_values_are_ignored(coordinator_client, network):
    response = coordinator_client.get(
        LIST, query_string={"gruppe": "abc", "schulform": "keine", "traegerart": "x"}
    )

    assert response.status_code == 200
    assert len(listed_names(response)) == 3


@pytest.mark.parametrize("term", ["ALPHA", "anna alpha", "Anna.Alpha@Example", "lpH"])
def test_search_finds_name_and_email_ignoring_case(coordinator_client, network, term):
    response = coordinator_client.get(LIST, query_string={"suche": term})

    assert listed_names(response) == ["Alpha, Anna"]


def test_search_treats_percent_and_underscore_literally(coordinator_client, network):
    response = coordinator_client.get(LIST, query_string={"suche": "%"})

    assert listed_names(response) == []
    assert "Kein Mitglied passt zu diesen Filtern." in response.get_data(as_text=True)


def test_the_list_is_paged(app, coordinator_client):
    app.config["MEMBERS_PER_PAGE"] = 2
    for name in ("Abel", "Bauer", "Cramer", "Dietz", "Ernst"):
        factories.make_member(last_name=name)

    first = coordinator_client.get(LIST)
    last = coordinator_client.get(LIST, query_string={"page": 3})

    assert [n.split(",")[0] for n in listed_names(first)] == ["Abel", "Bauer"]
    assert "Seite 1 von 3" in first.get_data(as_text=True)
    assert "5 Mitglieder" in first.get_data(as_text=True)
    assert [n.split(",")[0] for n in listed_names(last)] == ["Ernst"]


def _add_members(count: int, schools, employers) -> None:
    for i in range(count):
        member = factories.make_member(
            last_name=f"Person{i:03d}",
            group=("schuso", "sofa", "mpt", "sds")[i % 4],
            employer=employers[i % len(employers)],
            schools=schools[i % 3 : i % 3 + 2],
        )
        if i % 2 == 0:  # an invited account, without the cost of hashing a password
            member.user = User(email=member.email, name=member.full_name)
    db.session.commit()


def test_the_list_costs_the_same_statements_for_5_and_30_members(coordinator_client):
    schools = [factories.make_school() for _ in range(4)]
    employers = [
        factories.make_employer(EmployerKind.FREIER_TRAEGER, f"Träger {i}") for i in range(3)
    ]

    _add_members(5, schools, employers)
    db.session.expire_all()  # the same cold start for each measurement
    with count_statements() as few:
        assert len(listed_names(coordinator_client.get(LIST))) == 5

    _add_members(25, schools, employers)
    db.session.expire_all()
    with count_statements() as many:
        assert len(listed_names(coordinator_client.get(LIST))) == 30

    assert len(few) == len(many)
    assert len(many) <= 12


# --- create and edit -----------------------------------------------------------


def test_coordinator_creates_a_member_with_schools_and_a_new_employer(coordinator_client):
    school = factories.make_school("Gesamtschule Mitte", SchoolForm.GESAMTSCHULE)

    response = coordinator_client.post(
        "/verwaltung/mitglieder/neu",
        data=form_data(
            email="Emil.Epsilon@Example.org",
            schools=[str(school.id)],
            new_employer_kind="frei",
            new_employer_name="Caritas Musterstadt",
            notes="Telefonisch ab 9 Uhr.",
            listed_in_directory="y",
        ),
    )

    assert response.status_code == 302
    member = db.session.execute(select(Member)).scalar_one()
    assert response.headers["Location"].endswith(f"/verwaltung/mitglieder/{member.id}")
    assert member.email == "emil.epsilon@example.org"
    assert member.employer.name == "Caritas Musterstadt"
    assert member.employer.kind == EmployerKind.FREIER_TRAEGER
    assert [s.name for s in member.schools] == ["Gesamtschule Mitte"]
    assert member.notes == "Telefonisch ab 9 Uhr."
    assert member.listed_in_directory and member.directory_consent_dt is not None
    actions = db.session.execute(select(AuditEntry.action)).scalars().all()
    assert "member.create" in actions


def test_typing_an_existing_employer_reuses_it(coordinator_client, network):
    coordinator_client.post(
        "/verwaltung/mitglieder/neu",
        data=form_data(new_employer_kind="frei", new_employer_name="awo musterstadt"),
    )

    member = db.session.execute(select(Member).where(Member.last_name == "Epsilon")).scalar_one()
    assert member.employer_id == network.awo.id
    assert db.session.execute(select(func.count()).select_from(Employer)).scalar_one() == 3


def test_a_new_employer_needs_its_kind(coordinator_client):
    response = coordinator_client.post(
        "/verwaltung/mitglieder/neu", data=form_data(new_employer_name="Diakonie")
    )

    assert "Bitte wählen Sie, welche Art von Träger neu angelegt wird." in response.get_data(
        as_text=True
    )
    assert member_count() == 0


def test_a_duplicate_email_in_other_case_is_refused_and_nothing_written(
    coordinator_client, network
):
    members_before = member_count()
    audits_before = db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()

    response = coordinator_client.post(
        "/verwaltung/mitglieder/neu",
        data=form_data(
            email="ANNA.Alpha@example.ORG", new_employer_kind="frei", new_employer_name="Neu e.V."
        ),
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Diese E-Mail-Adresse gehört bereits zu Anna Alpha." in html
    assert f'href="/verwaltung/mitglieder/{network.alpha.id}"' in html
    assert 'value="Emil"' in html  # what was typed stays
    db.session.rollback()  # what the request did not commit is gone
    assert member_count() == members_before
    assert db.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == (
        audits_before
    )
    assert db.session.execute(select(Employer).where(Employer.name == "Neu e.V.")).first() is None


def test_missing_fields_get_german_messages(coordinator_client, network):
    response = coordinator_client.post(
        "/verwaltung/mitglieder/neu", data=form_data(first_name="", email="kaputt", group="")
    )

    html = response.get_data(as_text=True)
    assert "Bitte füllen Sie dieses Feld aus." in html
    assert "Bitte geben Sie eine gültige E-Mail-Adresse an" in html
    assert "Bitte wählen Sie eine Berufsgruppe." in html
    assert member_count() == 4


def test_edit_keeps_typed_values_on_error_and_changes_nothing(coordinator_client, network):
    url = f"/verwaltung/mitglieder/{network.beta.id}/bearbeiten"

    response = coordinator_client.post(
        url,
        data=form_data(
            first_name="Bernhard", last_name="Beta", email="keine adresse", phone="0171 / 12"
        ),
    )

    html = response.get_data(as_text=True)
    assert 'value="Bernhard"' in html
    assert 'value="keine adresse"' in html
    assert "Bitte geben Sie eine gültige E-Mail-Adresse an" in html
    db.session.rollback()  # what the request did not commit is gone
    beta = db.session.get(Member, network.beta.id)
    assert beta.first_name == "Bernd"


def test_edit_form_shows_current_values(coordinator_client, network):
    html = coordinator_client.get(f"/verwaltung/mitglieder/{network.alpha.id}/bearbeiten").get_data(
        as_text=True
    )

    assert 'value="anna.alpha@example.org"' in html
    assert f'<option selected value="{network.nord.id}">Grundschule Nord</option>' in html
    assert f'<option selected value="{network.awo.id}">' in html


def test_edit_saves_and_keeps_the_login_in_step(coordinator_client):
    member = factories.make_member(first_name="Jana", last_name="Alt", with_account=True)
    school = factories.make_school("Berufskolleg West", SchoolForm.BERUFSKOLLEG)

    response = coordinator_client.post(
        f"/verwaltung/mitglieder/{member.id}/bearbeiten",
        data=form_data(
            first_name="Jana",
            last_name="Neu",
            email="Jana.Neu@example.org",
            employer=str(member.employer_id),
            schools=[str(school.id)],
            notes="Elternzeit bis März",
        ),
    )

    assert response.status_code == 302
    db.session.rollback()  # what the request did not commit is gone
    member = db.session.get(Member, member.id)
    assert member.last_name == "Neu"
    assert member.email == "jana.neu@example.org"
    assert member.user.email == "jana.neu@example.org"
    assert member.user.name == "Jana Neu"
    assert [s.name for s in member.schools] == ["Berufskolleg West"]
    entry = db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "member.update")
    ).scalar_one()
    assert "Nachname" in entry.summary and "Notizen" in entry.summary


def test_login_email_is_not_synced_onto_another_account(app):
    member = factories.make_member(with_account=True)
    other = factories.make_user(email="vergeben@example.org")

    operations.update_member(member, email="vergeben@example.org")
    db.session.commit()

    assert member.email == "vergeben@example.org"
    assert member.user.email != other.email


def test_editing_to_another_members_email_is_refused(coordinator_client, network):
    response = coordinator_client.post(
        f"/verwaltung/mitglieder/{network.beta.id}/bearbeiten",
        data=form_data(first_name="Bernd", last_name="Beta", email="Anna.Alpha@example.org"),
    )

    assert "Diese E-Mail-Adresse gehört bereits zu Anna Alpha." in response.get_data(as_text=True)
    db.session.rollback()  # what the request did not commit is gone
    assert db.session.get(Member, network.beta.id).email != "anna.alpha@example.org"


# --- detail, deactivate, invite --------------------------------------------------


def test_detail_shows_everything_with_german_dates(coordinator_client, network):
    network.alpha.notes = "Vertretung für Ost"
    network.alpha.phone = "0209 4711"
    db.session.commit()

    html = coordinator_client.get(f"/verwaltung/mitglieder/{network.alpha.id}").get_data(
        as_text=True
    )

    for text in (
        "Anna Alpha",
        "anna.alpha@example.org",
        "0209 4711",
        "SchuSo",
        "AWO Musterstadt",
        "Freier Träger",
        "Grundschule Nord",
        "Vertretung für Ost",
        "kein Zugang",
    ):
        assert text in html
    assert re.search(r"\d{1,2}\. \w+ \d{4}, \d\d:\d\d Uhr", html)


def test_unknown_member_is_404(coordinator_client):
    assert coordinator_client.get("/verwaltung/mitglieder/999").status_code == 404


def test_deactivating_closes_the_login_and_reactivating_opens_it(coordinator_client, auth):
    member = factories.make_member(first_name="Lena", last_name="Lot", with_account=True)
    member_id, email = member.id, member.email

    response = coordinator_client.post(f"/verwaltung/mitglieder/{member_id}/deaktivieren")
    assert response.status_code == 302
    assert "inaktiv" in coordinator_client.get(response.headers["Location"]).get_data(as_text=True)

    auth.logout()
    assert auth.login(email).status_code == 200  # refused: the form again

    db.session.rollback()  # what the request did not commit is gone
    member = db.session.get(Member, member_id)
    assert member.is_active is False and member.user.is_enabled is False
    operations.reactivate_member(member)
    db.session.commit()
    assert auth.login(email).status_code == 302


def test_deactivating_ends_the_members_running_session(member_client, member):
    operations.deactivate_member(member)
    db.session.commit()

    response = member_client.get("/profil")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_deactivated_members_leave_the_default_list(coordinator_client, network):
    coordinator_client.post(f"/verwaltung/mitglieder/{network.beta.id}/deaktivieren")

    assert "Beta, Bernd" not in listed_names(coordinator_client.get(LIST))


def test_a_coordinators_own_login_survives_deactivating_their_member_profile(app):
    user = factories.make_coordinator()
    member = factories.make_member()
    member.user = user
    db.session.commit()

    operations.deactivate_member(member)
    db.session.commit()

    assert user.is_enabled is True


def test_invitation_mail_lets_the_member_set_a_password_and_log_in(
    coordinator_client, network, deliver
):
    invite_url = f"/verwaltung/mitglieder/{network.alpha.id}/einladen"

    response = coordinator_client.post(invite_url, follow_redirects=True)

    html = response.get_data(as_text=True)
    assert "Einladung an Anna Alpha (anna.alpha@example.org) verschickt." in html
    assert "eingeladen" in html
    messages = deliver()
    assert [m["To"] for m in messages] == ["Anna Alpha <anna.alpha@example.org>"]
    link = re.search(
        r"http://netzwerk\.test(/passwort-setzen/einladung/\S+)", mail_body(messages[0])
    )
    assert link

    coordinator_client.post("/logout")
    assert coordinator_client.get(link.group(1)).status_code == 200
    response = coordinator_client.post(
        link.group(1),
        data={"password": "Sonnenblumen am Schulhof", "confirm": "Sonnenblumen am Schulhof"},
    )
    assert response.status_code == 302
    profile = coordinator_client.get("/profil").get_data(as_text=True)
    assert "anna.alpha@example.org" in profile


def test_invitation_can_be_sent_again(coordinator_client, network, deliver):
    url = f"/verwaltung/mitglieder/{network.gamma.id}/einladen"
    coordinator_client.post(url)
    coordinator_client.post(url)

    assert len(deliver()) == 2
    db.session.rollback()  # what the request did not commit is gone
    users = db.session.execute(select(User).where(User.email == network.gamma.email)).all()
    assert len(users) == 1


def test_inactive_members_get_no_invitation(coordinator_client, network, deliver):
    response = coordinator_client.post(
        f"/verwaltung/mitglieder/{network.delta.id}/einladen", follow_redirects=True
    )

    assert "Inaktive Mitglieder erhalten keine Einladung." in response.get_data(as_text=True)
    assert deliver() == []
