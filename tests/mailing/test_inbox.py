"""`flask mail inbox`: bounce reports and unsubscribe mails read from the platform's mailbox
over POP3 or IMAP; what it does not understand stays there for a person."""

from urllib.parse import unquote

import pytest
from sqlalchemy import select

from netzwerk.db import db
from netzwerk.mailing.cli import mail_cli
from netzwerk.mailing.models import EmailSuppression, ListOptOut, OutboxMessage
from netzwerk.mailing.recipients import list_recipients
from netzwerk.mailing.tokens import unsubscribe_mailto
from tests import factories
from tests.mailing.list_helpers import count, working_list
from tests.mailing.mailboxes import PASSWORD, USER, serve

GONE = "weg@example.org"


def bounce_report(failed: str, delayed: str | None = None) -> bytes:
    """A delivery status notification as Postfix writes it (RFC 3464)."""
    blocks = [
        f"Final-Recipient: rfc822; {failed}\r\nOriginal-Recipient: rfc822;{failed}\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 <weg@example.org>: User unknown\r\n"
    ]
    if delayed:
        blocks.append(f"Final-Recipient: rfc822; {delayed}\r\nAction: delayed\r\nStatus: 4.4.1\r\n")
    return (
        "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\n"
        "To: netzwerk@example.org\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you ...\r\n"
        "\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n" + "\r\n".join(blocks) + "\r\n--B--\r\n"
    ).encode()


def unsubscribe_mail(mailing_list, email: str) -> bytes:
    _, _, query = unsubscribe_mailto(mailing_list, email).partition("?subject=")
    return (
        f"From: {email}\r\nTo: unsubscribe@example.org\r\nSubject: {unquote(query)}\r\n\r\n"
    ).encode()


PERSONAL = b"From: kollegin@example.org\r\nSubject: Frage zum Fachtag\r\n\r\nHallo!\r\n"


@pytest.fixture()
def mailbox(app):
    """mailbox(protocol, mails): serve the mails and point the app at that mailbox."""

    def open_(protocol, mails):
        context = serve(protocol, mails)
        box, port = context.__enter__()
        opened.append(context)
        app.config.update(
            MAIL_INBOX_PROTOCOL=protocol,
            MAIL_INBOX_SERVER="127.0.0.1",
            MAIL_INBOX_PORT=port,
            MAIL_INBOX_USE_SSL=False,
            MAIL_INBOX_USERNAME=USER,
            MAIL_INBOX_PASSWORD=PASSWORD,
            MAIL_BOUNCE_THRESHOLD=2,
            OFFICE_EMAIL="buero@example.org",
        )
        return box

    opened = []
    yield open_
    for context in opened:
        context.__exit__(None, None, None)


def suppression(email):
    db.session.expire_all()
    return db.session.execute(
        select(EmailSuppression).where(EmailSuppression.email == email)
    ).scalar_one_or_none()


def test_pop3_bounces_and_unsubscribes_are_handled_and_deleted(runner, mailbox):
    member = factories.make_member(email="per.mail@example.org")
    mailing_list = working_list(segments=[{}])
    box = mailbox(
        "pop3",
        [
            bounce_report(GONE, delayed="spaeter@example.org"),
            PERSONAL,
            unsubscribe_mail(mailing_list, member.email),
        ],
    )

    result = runner.invoke(mail_cli, ["inbox"])

    assert result.exit_code == 0, result.output
    assert "1 Rückläufer gezählt, 1 Abmeldung(en) ausgeführt" in result.output
    assert "1 andere Mail(s) bleiben ungelesen" in result.output
    gone = suppression(GONE)
    assert gone.bounce_count == 1 and "5.1.1" in gone.reason
    assert gone.suspended_dt is None  # one bounce is below the threshold of two
    assert suppression("spaeter@example.org") is None  # a delay is no bounce
    assert count(ListOptOut) == 1
    assert list_recipients(mailing_list) == []
    assert box.remaining() == [PERSONAL]  # the handled ones are deleted, the rest stays


def test_imap_bounces_up_to_the_threshold_suspend_and_tell_the_office(runner, mailbox):
    factories.make_member(email=GONE)
    factories.make_member(email="da@example.org")
    mailing_list = factories.make_mailing_list(name="Alle", segments=[{}])
    box = mailbox("imap", [bounce_report(GONE), PERSONAL, bounce_report(GONE)])

    result = runner.invoke(mail_cli, ["inbox"])

    assert result.exit_code == 0, result.output
    assert "2 Rückläufer gezählt" in result.output
    assert suppression(GONE).suspended_dt is not None
    assert [r.email for r in list_recipients(mailing_list)] == ["da@example.org"]
    (notice,) = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.to_email == "buero@example.org")
    ).scalars()
    assert GONE in notice.subject
    assert box.seen == {1, 3}  # the personal mail stays unread for a person

    again = runner.invoke(mail_cli, ["inbox"])
    assert "0 Rückläufer gezählt" in again.output
    assert suppression(GONE).bounce_count == 2  # read mails are not counted twice


def test_a_forged_unsubscribe_subject_is_left_for_a_person(runner, mailbox):
    factories.make_member(email="per.mail@example.org")
    working_list(slug="alle", segments=[{}])
    forged = b"From: x@example.org\r\nSubject: Abmelden alle gefaelscht\r\n\r\n"
    box = mailbox("pop3", [forged])

    result = runner.invoke(mail_cli, ["inbox"])

    assert "0 Abmeldung(en) ausgeführt, 1 andere Mail(s)" in result.output
    assert count(ListOptOut) == 0
    assert box.remaining() == [forged]


def test_without_a_mailbox_or_with_a_wrong_password_the_office_is_told_in_german(
    app, runner, mailbox
):
    result = runner.invoke(mail_cli, ["inbox"])
    assert result.exit_code != 0
    assert "Kein Postfach eingerichtet" in result.output

    box = mailbox("pop3", [bounce_report(GONE)])
    app.config["MAIL_INBOX_PASSWORD"] = "falsch"
    result = runner.invoke(mail_cli, ["inbox"])
    assert result.exit_code != 0
    assert "Das Postfach ist nicht erreichbar" in result.output
    assert suppression(GONE) is None
    assert len(box.remaining()) == 1
