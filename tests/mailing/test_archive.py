"""The archive of a list: sent messages as pages, for the right readers, nothing personal."""

import pytest

from netzwerk.db import db
from netzwerk.mailing.messages import send_now
from netzwerk.mailing.models import ListVisibility
from tests import factories
from tests.helpers import statements_for, text_of
from tests.mailing.support import (
    pdf_upload,
    write_message,
)


def _sent(mailing_list, subject="Rundbrief März", **kwargs):
    message = write_message(mailing_list, subject=subject, **kwargs)
    send_now(message)
    db.session.commit()
    return message


def _open_list(**kwargs):
    kwargs.setdefault("visibility", ListVisibility.OPEN)
    kwargs.setdefault("has_archive", True)
    return factories.make_mailing_list(
        name="Newsletter Schulsozialarbeit", slug="newsletter", **kwargs
    )


def test_open_list_archive_lists_sent_messages_for_everyone(client):
    mailing_list = _open_list()
    factories.make_subscription(mailing_list, "leserin@example.org", name="Lea Leserin")
    _sent(mailing_list, subject="Rundbrief Februar")
    _sent(mailing_list, subject="Rundbrief März")
    write_message(mailing_list, subject="Noch ein Entwurf")

    page = client.get("/verteiler/newsletter/archiv")
    assert page.status_code == 200
    text = text_of(page.get_data(as_text=True))
    assert "Archiv: Newsletter Schulsozialarbeit" in text
    assert text.index("Rundbrief März") < text.index("Rundbrief Februar")  # newest first
    assert "Entwurf" not in text


def test_archived_message_shows_the_text_without_anything_personal(client):
    mailing_list = _open_list()
    factories.make_subscription(mailing_list, "leserin@example.org", name="Lea Leserin")
    body = "Liebe Kolleginnen,\n\n**wichtig**: der Fachtag.<script>alert(1)</script>"
    message = _sent(mailing_list, body=body, uploads=[pdf_upload()])

    page = client.get(f"/verteiler/newsletter/archiv/{message.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<strong>wichtig</strong>" in html
    assert "<script>alert" not in html  # sanitised
    assert "Hallo" not in html and "Lea" not in html and "leserin@" not in html
    assert "/verteiler/abmelden/" not in html
    assert "Flyer Fachtag.pdf" in html

    download = client.get(
        f"/verteiler/newsletter/archiv/{message.id}/anhaenge/{message.files[0].id}"
    )
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.data.startswith(b"%PDF")


def test_drafts_and_lists_without_archive_are_not_shown(client):
    mailing_list = _open_list()
    draft = write_message(mailing_list)
    assert client.get(f"/verteiler/newsletter/archiv/{draft.id}").status_code == 404
    closed_archive = factories.make_mailing_list(
        slug="ohne-archiv", visibility=ListVisibility.OPEN, has_archive=False
    )
    assert client.get(f"/verteiler/{closed_archive.slug}/archiv").status_code == 404


def test_members_only_archive_needs_a_member_login(client, auth, member):
    factories.make_mailing_list(slug="intern", visibility=ListVisibility.MEMBERS, has_archive=True)
    response = client.get("/verteiler/intern/archiv")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    auth.login(member.email)
    assert client.get("/verteiler/intern/archiv").status_code == 200


@pytest.mark.parametrize(
    ("who", "status"), [("recipient", 200), ("other", 403), ("coordinator", 200)]
)
def test_closed_list_archive_is_for_its_recipients_and_coordinators(client, auth, who, status):
    sofa = factories.get_group("sofa")
    recipient = factories.make_member(group="sofa", with_account=True)
    other = factories.make_member(group="schuso", with_account=True)
    coordinator = factories.make_coordinator()
    mailing_list = factories.make_mailing_list(
        slug="sofa-intern",
        visibility=ListVisibility.CLOSED,
        has_archive=True,
        segments=[{"group_id": sofa.id}],
    )
    message = _sent(mailing_list)
    email = {"recipient": recipient.email, "other": other.email, "coordinator": coordinator.email}
    auth.login(email[who])
    assert client.get("/verteiler/sofa-intern/archiv").status_code == status
    assert client.get(f"/verteiler/sofa-intern/archiv/{message.id}").status_code == status


def test_archive_page_costs_the_same_for_many_messages(client):
    mailing_list = _open_list()
    factories.make_subscription(mailing_list, "leserin@example.org")
    _sent(mailing_list, subject="Erster")
    one = statements_for(client, "/verteiler/newsletter/archiv")
    for n in range(5):
        _sent(mailing_list, subject=f"Nummer {n}")
    assert statements_for(client, "/verteiler/newsletter/archiv") == one


def test_demo_network_has_sent_messages_in_its_archives_and_nothing_waiting(app, client):
    from sqlalchemy import func, select

    from netzwerk.demo.mailing import build_lists
    from netzwerk.demo.mailing_messages import build_messages
    from netzwerk.demo.network import build_network
    from netzwerk.mailing.models import ListMessage, MailingList, OutboxMessage, OutboxState

    ctx = build_network(1)
    # Until both builders are in BUILDERS, run them here (after the lists, as there).
    if db.session.execute(select(func.count(MailingList.id))).scalar_one() == 0:
        build_lists(ctx)
    if db.session.execute(select(func.count(ListMessage.id))).scalar_one() == 0:
        build_messages(ctx)
    db.session.commit()

    page = client.get("/verteiler/newsletter/archiv")
    assert "Ausgabe Winter" in text_of(page.get_data(as_text=True))
    waiting = db.session.execute(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.state != OutboxState.SENT)
    ).scalar_one()
    assert waiting == 1  # only the one bounced copy, as FAILED, nothing queued
