"""No form tells a stranger whether an address belongs to the network.

Login, password reset, the newcomer form and a list's subscription form answer a
member's (and subscriber's) address and an unknown address identically: same status,
same redirects, same page, same cookies and headers.
"""

import pytest

from netzwerk.mailing.models import ListVisibility
from tests.factories import get_group, make_mailing_list, make_member, make_subscription

KNOWN = "bekannt@example.org"
UNKNOWN = "unbekannt@example.org"


def login(client, email):
    return client.post("/login", data={"email": email, "password": "ein falsches Passwort"})


def reset(client, email):
    return client.post("/passwort-vergessen", data={"email": email})


def newcomer(client, email):
    data = {
        "first_name": "Eva",
        "last_name": "Neumann",
        "email": email,
        "group": str(get_group("schuso").id),
        "consent": "y",
    }
    return client.post("/mitmachen", data=data)


def list_subscription(client, email):
    data = {"name": "Eva Neumann", "email": email, "consent": "y"}
    return client.post("/verteiler/newsletter", data=data)


def visible_answer(app, form, email) -> tuple:
    """Everything a browser sees, following redirects, with the address itself masked."""
    client = app.test_client()
    response = form(client, email)
    seen = []
    while True:
        page = response.get_data(as_text=True).replace(email, "ADRESSE")
        cookies = sorted(h.partition("=")[0] for h in response.headers.getlist("Set-Cookie"))
        headers = sorted(name for name, _ in response.headers if name != "Set-Cookie")
        seen.append((response.status_code, response.headers.get("Location"), page, cookies))
        seen.append(tuple(headers))
        if response.status_code not in (301, 302, 303):
            return tuple(seen)
        response = client.get(response.headers["Location"])


@pytest.mark.parametrize(
    "form",
    [login, reset, newcomer, list_subscription],
    ids=["login", "reset", "mitmachen", "verteiler"],
)
def test_a_members_address_and_an_unknown_one_get_the_same_answer(app, form):
    make_member(email=KNOWN, with_account=True)
    newsletter = make_mailing_list(slug="newsletter", visibility=ListVisibility.OPEN)
    make_subscription(newsletter, KNOWN)

    known = visible_answer(app, form, KNOWN)
    unknown = visible_answer(app, form, UNKNOWN)

    assert known == unknown
    # A real answer, not a form sent back for a typing error (that would be equal, too).
    assert known[0][0] == (200 if form is login else 302)
