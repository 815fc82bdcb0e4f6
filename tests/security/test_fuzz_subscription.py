"""Subscribing to an open list with arbitrary names and addresses: a pending request whose
confirmation mail really goes out, or a German error at the field, never a 500; and one
subscription per address and list, however often the form is sent."""

from hypothesis import event as hypothesis_event
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select

from netzwerk.db import db
from netzwerk.mailing.delivery import deliver_all
from netzwerk.mailing.lists import confirm_token
from netzwerk.mailing.models import LegalBasis, ListVisibility, Subscription, SubscriptionState
from tests import factories
from tests.security.fuzz import FUZZ, email_addresses, field_errors, hostile_text, stored

ADDRESSES = ["erika.extern@example.org", "jonas.neu@example.org"]


def subscriptions(mailing_list) -> list[Subscription]:
    db.session.expire_all()
    return list(
        db.session.execute(
            select(Subscription).where(Subscription.list_id == mailing_list.id)
        ).scalars()
    )


@FUZZ
@given(
    field=st.sampled_from(["name", "email"]),
    name=hostile_text,
    email=email_addresses(ADDRESSES),
)
# C1 controls and Unicode line separators: str.splitlines() breaks lines at them.
@example(field="name", name="Erika\x85Bcc: x@evil.example", email=ADDRESSES[0])
@example(field="name", name="Erika\u2028To: x@evil.example", email=ADDRESSES[0])
@example(field="name", name="\u202eEmpfänger \U0001f469\u200d\U0001f3eb", email=ADDRESSES[0])
def test_a_subscription_request_is_stored_as_typed_or_refused_in_german(
    app, client, smtp, field, name, email
):
    mailing_list = factories.make_mailing_list(
        visibility=ListVisibility.OPEN, legal_basis=LegalBasis.CONSENT, purpose="Newsletter"
    )
    form = {"name": "Erika Extern", "email": ADDRESSES[0], "consent": "y"}
    form[field] = name if field == "name" else email
    url = f"/verteiler/{mailing_list.slug}"

    response = client.post(url, data=form)
    hypothesis_event(f"status {response.status_code}")

    if response.status_code != 302:
        assert response.status_code == 200
        assert set(field_errors(response.get_data(as_text=True))) == {field}
        assert subscriptions(mailing_list) == []
        return
    (pending,) = subscriptions(mailing_list)
    assert pending.state == SubscriptionState.PENDING
    assert pending.email == stored(form["email"]).lower()
    assert pending.name == stored(form["name"])

    earlier = len(smtp.to(pending.email))  # the server stays up for all examples
    deliver_all()
    (mail,) = smtp.to(pending.email)[earlier:]
    (recipient,) = mail["To"].addresses  # a name cannot smuggle in a second recipient
    assert recipient.addr_spec == pending.email
    assert client.post(f"/verteiler/bestaetigen/{confirm_token(pending)}").status_code == 302
    assert client.post(url, data=form).status_code == 302  # the same request once more

    (subscription,) = subscriptions(mailing_list)
    assert subscription.state == SubscriptionState.ACTIVE
    earlier = len(smtp.to(pending.email))
    deliver_all()
    (note,) = smtp.to(pending.email)[earlier:]
    assert note["Subject"].startswith("Sie sind bereits angemeldet")
