"""What the list tests share: lists as the office sets them up, links from mails, counts."""

import re

from sqlalchemy import func, select

from netzwerk.db import db
from netzwerk.mailing.models import LegalBasis, ListVisibility, Subscription
from tests import factories
from tests.conftest import mail_body

NEWSLETTER_PURPOSE = "Ich möchte den Newsletter der Koordinierungsstelle per E-Mail erhalten."


def newsletter(**kwargs):
    """An open list that rests on consent, as the public subscribes to it."""
    kwargs.setdefault("name", "Newsletter Schulsozialarbeit")
    kwargs.setdefault("slug", "newsletter")
    return factories.make_mailing_list(
        visibility=kwargs.pop("visibility", ListVisibility.OPEN),
        legal_basis=kwargs.pop("legal_basis", LegalBasis.CONSENT),
        purpose=kwargs.pop("purpose", NEWSLETTER_PURPOSE),
        consent_text_version=kwargs.pop("consent_text_version", "2026-11"),
        **kwargs,
    )


def working_list(**kwargs):
    """A members' working list on the office's public task (no consent asked)."""
    kwargs.setdefault("visibility", ListVisibility.MEMBERS)
    return factories.make_mailing_list(legal_basis=LegalBasis.PUBLIC_TASK, **kwargs)


def link_in(message) -> str:
    return re.search(r"https?://\S+", mail_body(message)).group(0)


def count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def subscription_of(mailing_list, email: str) -> Subscription | None:
    db.session.expire_all()
    return db.session.execute(
        select(Subscription).where(
            Subscription.list_id == mailing_list.id, Subscription.email == email.lower()
        )
    ).scalar_one_or_none()
