"""Formatted text that people write reaches pages and mails only as harmless markup:
list messages (mail, preview, archive) and circle minutes."""

from html.parser import HTMLParser

import pytest

from netzwerk.circles import operations as circles_operations
from netzwerk.circles import queries as circles_queries
from netzwerk.db import db, utcnow
from netzwerk.mailing import messages
from netzwerk.mailing.models import ListVisibility
from tests import factories

HOSTILE = "\n\n".join(
    [
        "Liebe Kolleginnen, **wichtig**:",
        "<script>alert('skript')</script>",
        "<img src=x onerror=alert('bild')>",
        "[Klick mich](javascript:alert('link'))",
        "<iframe src='https://evil.example/'></iframe>",
        '<a href="https://example.org/" onclick="alert(1)">Link</a>',
        "<svg onload=alert('svg')></svg>",
        "<style>body{display:none}</style>",
        '<p style="position:fixed">Überlagert</p>',
    ]
)
ACTIVE_TAGS = {"script", "iframe", "img", "svg", "object", "embed", "base", "style"}


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.style_text: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.style_text.append(data)


def assert_harmless(html: str, *, page: bool) -> None:
    parsed = Elements()
    parsed.feed(html)
    for tag, attrs in parsed.elements:
        if tag == "iframe" and attrs.get("sandbox") == "" and "srcdoc" in attrs:
            # The coordinator's preview: a sandbox without scripts; what it shows is a mail.
            assert_harmless(attrs["srcdoc"], page=False)
            continue
        if tag == "script" and page and (attrs.get("src") or "").startswith("/static/"):
            continue  # the site's own script file (base.html), allowed by the CSP
        assert tag not in ACTIVE_TAGS or (tag == "style" and not page), tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src", "action"):
            assert not (attrs.get(name) or "").strip().lower().startswith("javascript:"), attrs
        if page:  # mails carry their own template styles; pages never have style attributes
            assert "style" not in attrs, (tag, attrs)
    assert "display:none" not in "".join(parsed.style_text)
    assert "wichtig" in html  # the harmless formatting survives


@pytest.fixture()
def list_message(app, coordinator):
    mailing_list = factories.make_mailing_list(
        name="Alle Fachkräfte", visibility=ListVisibility.OPEN, has_archive=True
    )
    factories.make_subscription(mailing_list, "leserin@example.org", name="Lea Leserin")
    message = messages.create_draft(
        mailing_list,
        author=coordinator,
        subject="Einladung",
        body=HOSTILE,
        greet_by_name=False,
        event_id=None,
    )
    db.session.commit()
    return message


def test_a_list_mail_carries_no_active_content(app, coordinator, list_message):
    outbox = messages.send_test(list_message, coordinator)
    db.session.commit()

    assert_harmless(outbox.body_html, page=False)


def test_the_preview_and_the_archive_show_no_active_content(
    coordinator_client, coordinator, list_message
):
    preview = coordinator_client.get(f"/verwaltung/verteiler/nachrichten/{list_message.id}")
    assert preview.status_code == 200
    assert_harmless(preview.get_data(as_text=True), page=True)

    messages.send_now(list_message)
    db.session.commit()
    slug = list_message.mailing_list.slug
    archive = coordinator_client.get(f"/verteiler/{slug}/archiv/{list_message.id}")
    assert archive.status_code == 200
    assert_harmless(archive.get_data(as_text=True), page=True)


def test_circle_minutes_show_no_active_content(client, auth):
    moderator = factories.make_member(first_name="Mona", with_account=True)
    circle = factories.make_circle(moderators=[moderator])
    meeting = circles_queries.past_meetings(circle, utcnow())[0]
    minutes = circles_operations.save_minutes(
        circle, occurrence_dt=meeting.key, text=HOSTILE, agreed_actions=HOSTILE
    )
    db.session.commit()
    auth.login(moderator.email)

    page = client.get(f"/qualitaetszirkel/{circle.id}/protokolle/{minutes.id}")

    assert page.status_code == 200
    assert_harmless(page.get_data(as_text=True), page=True)
