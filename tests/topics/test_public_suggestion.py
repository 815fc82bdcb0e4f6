"""The public suggests with name, address and consent; only the button behind the mailed link
makes the suggestion visible (double opt-in)."""

from sqlalchemy import select

from netzwerk.db import db
from netzwerk.privacy.models import ConsentPurpose, ConsentRecord
from netzwerk.topics.models import TopicComment, TopicState, TopicSuggestion
from netzwerk.topics.operations import set_public_suggestions
from tests import factories
from tests.helpers import text_of
from tests.topics.conftest import count, link_in, make_topic


def public_data(suggestion_data, **overrides):
    return suggestion_data(
        name="Jana Berger", email="Jana.Berger@example.org", consent="y", **overrides
    )


def only_topic() -> TopicSuggestion:
    db.session.expire_all()
    return db.session.execute(select(TopicSuggestion)).scalar_one()


def test_public_suggestion_appears_only_after_confirmation(
    public_suggestions, client, suggestion_data, deliver, smtp
):
    response = client.post("/themen/vorschlagen", data=public_data(suggestion_data))
    assert response.status_code == 302
    assert only_topic().state == TopicState.UNCONFIRMED
    assert only_topic().suggester_email == "jana.berger@example.org"
    assert "Cybermobbing" not in client.get("/themen/").text

    deliver()
    link = link_in(smtp.to("jana.berger@example.org")[-1])
    page = client.get(link)
    assert page.status_code == 200
    assert ">Vorschlag bestätigen</button>" in page.text
    assert only_topic().state == TopicState.UNCONFIRMED  # GET changes nothing

    confirmed = client.post(link)
    assert "Ihr Vorschlag ist bestätigt" in confirmed.text
    topic = only_topic()
    assert topic.state == TopicState.SUBMITTED
    consent = db.session.execute(select(ConsentRecord)).scalar_one()
    assert consent.purpose == ConsentPurpose.TOPIC_SUGGESTION
    assert consent.email == "jana.berger@example.org"
    assert consent.subject_ref == str(topic.id)
    assert "Cybermobbing in der Grundschule" in client.get("/themen/").text

    again = client.post(link)
    assert "bereits bestätigt" in again.text
    assert count(ConsentRecord) == 1


def test_public_form_requires_name_address_and_consent(public_suggestions, client, suggestion_data):
    response = client.post(
        "/themen/vorschlagen",
        data=suggestion_data(name="", email="keine-adresse", consent=None),
    )
    assert response.status_code == 422
    page = text_of(response.text)
    assert "Ihr Name: Bitte füllen Sie dieses Feld aus." in page
    assert "Bitte geben Sie eine gültige E-Mail-Adresse an" in page
    assert "Ohne Ihre Einwilligung können wir Ihren Vorschlag nicht speichern." in page
    assert count(TopicSuggestion) == 0


def test_a_damaged_link_is_refused(public_suggestions, client):
    response = client.get("/themen/bestaetigen/kaputt")
    assert response.status_code == 400
    assert "Dieser Bestätigungslink gilt nicht" in response.text


def test_unconfirmed_suggestions_stay_hidden_even_by_address(
    public_suggestions, client, suggestion_data
):
    client.post("/themen/vorschlagen", data=public_data(suggestion_data))
    assert client.get(f"/themen/{only_topic().id}").status_code == 404


def test_the_public_sees_suggestions_but_not_comments_while_enabled(public_suggestions, client):
    topic = make_topic()
    commenter = factories.make_member(first_name="Ilse", last_name="Krämer")
    db.session.add(TopicComment(topic_id=topic.id, member_id=commenter.id, text="Geheim"))
    db.session.commit()
    assert "Cybermobbing in der Grundschule" in client.get("/themen/").text
    page = client.get(f"/themen/{topic.id}").text
    assert "Ilse Krämer" not in page and "Geheim" not in page
    assert "Abstimmen können Mitglieder des Netzwerks nach der" in text_of(page)


def test_the_coordinator_opens_and_closes_the_box_to_the_public(app, coordinator_client):
    visitor = app.test_client()
    assert visitor.get("/themen/vorschlagen").status_code == 302  # to the login

    page = coordinator_client.get("/verwaltung/themen/")
    assert "Auch Personen ohne Konto dürfen Themen vorschlagen" in page.text
    response = coordinator_client.post(
        "/verwaltung/themen/oeffentlich", data={"enabled": "y"}, follow_redirects=True
    )
    assert "Auch Personen ohne Konto können jetzt Themen vorschlagen." in text_of(response.text)
    form = visitor.get("/themen/vorschlagen")
    assert form.status_code == 200
    assert "E-Mail" in form.text

    coordinator_client.post("/verwaltung/themen/oeffentlich", data={})
    assert visitor.get("/themen/vorschlagen").status_code == 302


def test_the_coordinators_choice_outranks_the_configuration(public_suggestions, client):
    assert client.get("/themen/vorschlagen").status_code == 200
    set_public_suggestions(False)
    db.session.commit()
    assert client.get("/themen/vorschlagen").status_code == 302


def test_members_cannot_open_the_box_to_the_public(client, auth):
    member = factories.make_member(with_account=True)
    auth.login(member.email)

    assert client.post("/verwaltung/themen/oeffentlich", data={"enabled": "y"}).status_code == 403
    auth.logout()
    assert client.get("/themen/vorschlagen").status_code == 302
