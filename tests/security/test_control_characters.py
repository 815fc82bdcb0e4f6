"""NUL characters, which PostgreSQL cannot store or compare, end in a German message
wherever they come in: the URL of any page, or a form field."""

import re

import pytest

from netzwerk.security.input_guard import NUL_IN_URL
from tests.factories import get_group
from tests.security.fuzz import field_errors

QUERY = "?q=%00&suche=%00&gruppe=%00&art=%00&page=%00"


def urls_with_nul(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = re.sub(r"<int:[^>]+>", "1", rule.rule)
        with_text_argument = re.sub(r"<(?:[a-z]+:)?[^>]+>", "a%00b", url)
        if with_text_argument != url:
            urls.append(with_text_argument)
        urls.append(url + QUERY)
    return urls


def test_a_nul_anywhere_in_a_url_gives_a_german_400_page(app, coordinator_client):
    app.config["PROPAGATE_TEST_ERRORS"] = False  # a 500 must show up as one, not as a raise
    urls = urls_with_nul(app)
    assert len(urls) > 50

    answers = {url: coordinator_client.get(url) for url in urls}

    assert {url: r.status_code for url, r in answers.items() if r.status_code != 400} == {}
    page = answers["/verteiler/a%00b"].get_data(as_text=True)
    assert NUL_IN_URL in page
    assert f"Vorgangsnummer {answers['/verteiler/a%00b'].headers['X-Request-ID']}" in page


def test_urls_without_nul_are_not_affected(client):
    assert client.get("/veranstaltungen/?art=fachtag").status_code == 200


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_a_nul_in_a_form_field_is_named_at_that_field(client, field):
    form = {
        "first_name": "Lena",
        "last_name": "Neu",
        "email": "lena.neu@example.org",
        "group": str(get_group("schuso").id),
        "consent": "y",
    }
    form[field] = "Le\x00na"

    response = client.post("/mitmachen", data=form)

    errors = field_errors(response.get_data(as_text=True))
    assert errors == {field: "Bitte entfernen Sie Steuerzeichen aus der Eingabe."}
