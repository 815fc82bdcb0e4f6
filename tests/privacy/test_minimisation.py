"""Data minimisation: on every form where people give their own data, each field they
may leave empty says "(optional)", and no field marked optional is demanded."""

import re
from html.parser import HTMLParser

import pytest

from netzwerk.mailing.models import LegalBasis, ListVisibility
from tests import factories

TEXT_INPUTS = {"text", "email", "tel", "url", "number", "date", "password", None}
OPTIONAL_MARK = re.compile(
    r'<label for="([^"]+)"[^>]*>(?:(?!</label>).)*</label>\s*<span class="optional">', re.S
)


class _FormFields(HTMLParser):
    """The text fields inside POST forms: id -> required?"""

    def __init__(self):
        super().__init__()
        self.in_post_form = False
        self.fields: dict[str, bool] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.in_post_form = (attributes.get("method") or "").lower() == "post"
        elif self.in_post_form and (
            tag == "textarea" or (tag == "input" and attributes.get("type") in TEXT_INPUTS)
        ):
            self.fields[attributes["id"]] = "required" in attributes

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_post_form = False


def fields_of(page: str) -> tuple[dict[str, bool], set[str]]:
    parser = _FormFields()
    parser.feed(page)
    return parser.fields, set(OPTIONAL_MARK.findall(page))


def event_with_questions():
    return factories.make_event(
        allows_guests=True,
        questions=[
            {"label": "Ernährung", "kind": "text", "required": False},
            {"label": "Ihre Frage an das Podium", "kind": "textarea", "required": True},
        ],
    )


PUBLIC_FORMS = {
    "mitmachen": lambda: "/mitmachen",
    "gastanmeldung": lambda: f"/veranstaltungen/{event_with_questions().id}",
    "verteiler": lambda: (
        "/verteiler/"
        + factories.make_mailing_list(
            visibility=ListVisibility.OPEN, legal_basis=LegalBasis.CONSENT
        ).slug
    ),
    "passwort-vergessen": lambda: "/passwort-vergessen",
}
MEMBER_FORMS = {
    "profil": lambda: "/profil",
    "konto": lambda: "/konto",
    "meine-daten": lambda: "/konto/daten",
    "anmeldung": lambda: f"/veranstaltungen/{event_with_questions().id}",
    "themenvorschlag": lambda: "/themen/vorschlagen",
}


def assert_marked(page: str) -> None:
    fields, marked = fields_of(page)
    assert fields, "no form fields found"
    unmarked = [name for name, required in fields.items() if not required and name not in marked]
    assert unmarked == [], "optional fields without (optional)"
    demanded = [name for name, required in fields.items() if required and name in marked]
    assert demanded == [], "required fields marked (optional)"


@pytest.mark.parametrize("form", sorted(PUBLIC_FORMS))
def test_public_forms_mark_every_optional_field(client, form):
    response = client.get(PUBLIC_FORMS[form]())
    assert response.status_code == 200
    assert_marked(response.get_data(as_text=True))


@pytest.mark.parametrize("form", sorted(MEMBER_FORMS))
def test_member_forms_mark_every_optional_field(member_client, form):
    response = member_client.get(MEMBER_FORMS[form]())
    assert response.status_code == 200
    assert_marked(response.get_data(as_text=True))


def test_the_newcomer_form_marks_the_phone_optional_and_the_name_not(client):
    fields, marked = fields_of(client.get("/mitmachen").get_data(as_text=True))

    assert fields["first_name"] is True and "first_name" not in marked
    assert fields["phone"] is False and "phone" in marked
