"""Every kind of signed link: forged ones are refused, old ones expire where they should,
and a used or renewed one stops working (or, for confirmations, does nothing twice).

| kind                     | expires after                  | after use or renewal          |
| ------------------------ | ------------------------------ | ----------------------------- |
| password reset           | PASSWORD_RESET_MAX_AGE (2 h)   | refused once a password is set|
| invitation               | INVITATION_MAX_AGE (14 days)   | refused once a password is set|
| newcomer confirmation    | APPLICATION_CONFIRM_MAX_AGE    | "already confirmed", no effect|
| list subscription confirm| MAILING_CONFIRM_DAYS           | "already confirmed", no effect|
| topic confirmation       | TOPIC_CONFIRM_MAX_AGE          | "already confirmed", no effect|
| registration link        | never: needed until the event  | refused once renewed          |
| unsubscribe link         | never: old mails must work     | harmless when used again      |

The personal calendar feed uses a random secret instead (see test_object_access.py).
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from netzwerk.accounts import operations as accounts
from netzwerk.db import db
from netzwerk.events import operations as events
from netzwerk.events.models import Registration, RegistrationState
from netzwerk.events.tokens import registration_token
from netzwerk.mailing import lists
from netzwerk.mailing.models import (
    ListVisibility,
    OutboxMessage,
    Subscription,
    SubscriptionState,
)
from netzwerk.mailing.tokens import UNSUBSCRIBE_PURPOSE, unsubscribe_token
from netzwerk.members.models import Member
from netzwerk.newcomers import operations as newcomers
from netzwerk.privacy.models import ConsentRecord
from netzwerk.topics import operations as topics
from tests import factories

NEW_PASSWORD = "Herbstlaub am Rheinufer"
REFUSED = "refused"  # the link no longer opens anything
ONCE = "once"  # a confirmation: says "already confirmed" and changes nothing
HARMLESS = "harmless"  # unsubscribing again is allowed and changes nothing


@dataclass
class Issued:
    path: str  # what the mail links to
    token: str
    payload: object  # what the token carries, to forge one with another key

    @property
    def prefix(self) -> str:
        return self.path[: -len(self.token)]


@dataclass(frozen=True)
class Kind:
    purpose: str
    max_age: Callable[[object], timedelta] | None  # from the app's configuration
    issue: Callable[[object], Issued]
    use: Callable[[object, Issued], None]  # spends or renews the token, as a user would
    after_use: str


def last_link(path_prefix: str) -> tuple[str, str]:
    message = db.session.execute(
        select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1)
    ).scalar_one()
    pattern = r"https?://[^/\s]+(" + re.escape(path_prefix) + r"([^\s/]+))"
    match = re.search(pattern, message.body_text)
    assert match, message.body_text
    return match.group(1), match.group(2)


def _stamp(user) -> str:
    return user.password_changed_dt.isoformat() if user.password_changed_dt else ""


def issue_reset(app) -> Issued:
    member = factories.make_member(with_account=True)
    accounts.request_password_reset(member.email)
    db.session.commit()
    path, token = last_link("/passwort-setzen/reset/")
    return Issued(path, token, {"user": member.user.id, "stamp": _stamp(member.user)})


def issue_invitation(app) -> Issued:
    member = factories.make_member()
    user = accounts.invite_member(member)
    db.session.commit()
    path, token = last_link("/passwort-setzen/einladung/")
    return Issued(path, token, {"user": user.id, "stamp": ""})


def set_password(client, issued: Issued) -> None:
    response = client.post(issued.path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    client.post("/logout")


def issue_newcomer_confirmation(app) -> Issued:
    details = newcomers.ApplicantDetails(
        first_name="Lena", last_name="Neu", email="lena.neu@example.org"
    )
    application = newcomers.submit_application(details)
    db.session.commit()
    path, token = last_link("/mitmachen/bestaetigen/")
    return Issued(path, token, application.id)


def issue_list_confirmation(app) -> Issued:
    mailing_list = factories.make_mailing_list(visibility=ListVisibility.OPEN)
    lists.request_subscription(mailing_list, "eva.neu@example.org", "Eva Neu")
    db.session.commit()
    path, token = last_link("/verteiler/bestaetigen/")
    subscription = db.session.execute(select(Subscription)).scalar_one()
    return Issued(path, token, [subscription.id, subscription.email])


def issue_topic_confirmation(app) -> Issued:
    app.config["TOPICS_PUBLIC_SUGGESTIONS"] = True
    topic = topics.suggest_topic_publicly(
        topics.TopicDetails(title="Medienkompetenz", description="Ein Forum dazu."),
        topics.PublicSuggester(name="Eva Neu", email="eva.neu@example.org"),
    )
    db.session.commit()
    path, token = last_link("/themen/bestaetigen/")
    return Issued(path, token, topic.id)


def press_the_button(client, issued: Issued) -> None:
    assert client.post(issued.path).status_code in (200, 302)


def issue_registration(app) -> Issued:
    registration = factories.make_registration(factories.make_event())
    token = registration_token(registration)
    return Issued(f"/anmeldung/{token}", token, [registration.id, registration.token_nonce])


def cancel_and_register_again(client, issued: Issued) -> None:
    assert client.post(issued.path + "/abmelden").status_code == 302
    registration = db.session.get(Registration, issued.payload[0])
    assert registration.state == RegistrationState.CANCELLED
    member = db.session.get(Member, registration.member_id)
    events.register(registration.event_id, events.Applicant.from_member(member))
    db.session.commit()


def issue_unsubscribe(app) -> Issued:
    mailing_list = factories.make_mailing_list()
    factories.make_subscription(mailing_list, "eva.neu@example.org")
    token = unsubscribe_token(mailing_list.id, "eva.neu@example.org")
    return Issued(f"/verteiler/abmelden/{token}", token, [mailing_list.id, "eva.neu@example.org"])


def config_age(name: str) -> Callable[[object], timedelta]:
    return lambda app: app.config[name]


KINDS = {
    "passwort-zuruecksetzen": Kind(
        accounts.RESET_PURPOSE,
        config_age("PASSWORD_RESET_MAX_AGE"),
        issue_reset,
        set_password,
        REFUSED,
    ),
    "einladung": Kind(
        accounts.INVITE_PURPOSE,
        config_age("INVITATION_MAX_AGE"),
        issue_invitation,
        set_password,
        REFUSED,
    ),
    "mitmachen-bestaetigen": Kind(
        newcomers.CONFIRM_PURPOSE,
        config_age("APPLICATION_CONFIRM_MAX_AGE"),
        issue_newcomer_confirmation,
        press_the_button,
        ONCE,
    ),
    "verteiler-bestaetigen": Kind(
        lists.CONFIRM_PURPOSE,
        lambda app: timedelta(days=lists.confirm_days()),
        issue_list_confirmation,
        press_the_button,
        ONCE,
    ),
    "thema-bestaetigen": Kind(
        topics.CONFIRM_PURPOSE,
        lambda app: topics.confirm_max_age(),
        issue_topic_confirmation,
        press_the_button,
        ONCE,
    ),
    "anmeldung": Kind("registration", None, issue_registration, cancel_and_register_again, REFUSED),
    "verteiler-abmelden": Kind(
        UNSUBSCRIBE_PURPOSE, None, issue_unsubscribe, press_the_button, HARMLESS
    ),
}


def names(after_use: str | None = None, expiring: bool | None = None) -> list[str]:
    return [
        name
        for name, kind in KINDS.items()
        if (after_use is None or kind.after_use == after_use)
        and (expiring is None or (kind.max_age is not None) == expiring)
    ]


def refused(response) -> bool:
    text = response.get_data(as_text=True)
    return response.status_code == 400 and ("gilt nicht" in text or "ungültig" in text)


def travel(monkeypatch, seconds: float) -> None:
    """Read tokens as if this many seconds had passed since they were made."""
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time() + seconds))


def consents() -> int:
    return db.session.execute(select(func.count()).select_from(ConsentRecord)).scalar_one()


@pytest.fixture(params=list(KINDS))
def kind(request, app) -> Kind:
    return KINDS[request.param]


def test_a_genuine_link_opens(app, client, kind):
    issued = kind.issue(app)
    assert client.get(issued.path).status_code == 200


def test_a_made_up_or_damaged_link_is_refused(app, client, kind):
    issued = kind.issue(app)

    for token in ("abc", issued.token[:-4] + "AAAA", issued.token + "x", "." * 40):
        assert refused(client.get(issued.prefix + token)), token
        assert refused(client.post(issued.prefix + token)), token


def test_a_link_signed_with_another_key_is_refused(app, client, kind):
    issued = kind.issue(app)
    forged = URLSafeTimedSerializer("geratener-schluessel", salt=f"netzwerk.{kind.purpose}").dumps(
        issued.payload
    )

    assert refused(client.get(issued.prefix + forged))


def test_a_token_of_another_kind_opens_nothing_here(app, client, kind):
    issued = kind.issue(app)
    for other in KINDS.values():
        if other.purpose == kind.purpose:
            continue
        borrowed = URLSafeTimedSerializer(
            app.config["SECRET_KEY"], salt=f"netzwerk.{other.purpose}"
        ).dumps(issued.payload)
        assert refused(client.get(issued.prefix + borrowed)), other.purpose


@pytest.mark.parametrize("name", names(expiring=True))
def test_an_old_link_expires(app, client, monkeypatch, name):
    kind = KINDS[name]
    issued = kind.issue(app)
    max_age = kind.max_age(app).total_seconds()

    travel(monkeypatch, max_age - 60)
    assert client.get(issued.path).status_code == 200
    travel(monkeypatch, max_age + 60)
    response = client.get(issued.path)

    assert refused(response)
    assert "abgelaufen" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", names(expiring=False))
def test_links_that_must_keep_working_do_not_expire(app, client, monkeypatch, name):
    issued = KINDS[name].issue(app)
    travel(monkeypatch, 3 * 365 * 24 * 3600)

    assert client.get(issued.path).status_code == 200


@pytest.mark.parametrize("name", names(after_use=REFUSED))
def test_a_used_or_renewed_link_is_refused(app, client, name):
    kind = KINDS[name]
    issued = kind.issue(app)

    kind.use(client, issued)

    assert refused(client.get(issued.path))
    assert refused(client.post(issued.path))


@pytest.mark.parametrize("name", names(after_use=ONCE))
def test_a_used_confirmation_link_confirms_nothing_twice(app, client, name):
    kind = KINDS[name]
    issued = kind.issue(app)
    kind.use(client, issued)
    proofs = consents()

    again = client.post(issued.path)

    assert again.status_code == 200
    assert "bereits bestätigt" in again.get_data(as_text=True)
    assert consents() == proofs


def test_unsubscribing_again_with_a_used_link_changes_nothing(app, client):
    issued = issue_unsubscribe(app)
    press_the_button(client, issued)

    assert client.post(issued.path).status_code == 200
    states = db.session.execute(select(Subscription.state)).scalars().all()
    assert SubscriptionState.ACTIVE not in states
