"""Helpers for the newcomer tests: the form as a newcomer fills it in, links from mails."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from netzwerk.db import db, utcnow
from netzwerk.mailing.models import OutboxMessage
from netzwerk.newcomers.models import Application, ApplicationState
from tests import factories
from tests.conftest import mail_body


def link_in(message) -> str:
    return re.search(r"https?://\S+", mail_body(message)).group(0)


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def only_application() -> Application:
    return db.session.execute(select(Application)).scalar_one()


def nothing_written() -> bool:
    return count(Application) == 0 and count(OutboxMessage) == 0


@pytest.fixture()
def groups(app):
    return [factories.get_group(slug) for slug in ("schuso", "sofa", "mpt", "sds")]


@pytest.fixture()
def form_data(groups):
    def data(**overrides) -> dict:
        values = {
            "first_name": "Lena",
            "last_name": "Özdemir",
            "email": "Lena.Oezdemir@example.org",
            "phone": "0209 123456",
            "group": str(groups[0].id),
            "school_name": "",
            "employer_kind": "frei",
            "employer_name": "AWO Musterstadt",
            "message": "Ich beginne im August.",
            "consent": "y",
        }
        values.update(overrides)
        return {k: v for k, v in values.items() if v is not None}

    return data


@pytest.fixture()
def newcomer(app):
    """The applicant's own browser, separate from any coordinator's."""
    return app.test_client()


@pytest.fixture()
def confirmed_application(newcomer, form_data, deliver, smtp):
    """Apply and confirm through the web, following the link in the mail, as a newcomer does."""

    def make(**overrides) -> Application:
        data = form_data(**overrides)
        newcomer.post("/mitmachen", data=data)
        deliver()
        link = link_in(smtp.to(data["email"])[-1])
        newcomer.post(link)
        application = db.session.execute(
            select(Application)
            .where(Application.email == data["email"].lower())
            .order_by(Application.id.desc())
        ).scalar_one()
        assert application.state == ApplicationState.CONFIRMED
        return application

    return make


@pytest.fixture()
def make_application(app, groups):
    """An application stored directly, for tests about states and ages."""

    def make(state=ApplicationState.PENDING, age=timedelta(0), email=None, **fields):
        sent = utcnow() - age
        application = Application(
            state=state,
            first_name=fields.pop("first_name", "Jonas"),
            last_name=fields.pop("last_name", "Weber"),
            email=email or f"jonas{count(Application) + 1}@example.org",
            consent_text_version="2026-11",
            confirmation_sent_dt=sent,
            created_dt=sent,
            **fields,
        )
        if state != ApplicationState.PENDING:
            application.confirmed_dt = sent
        db.session.add(application)
        db.session.commit()
        return application

    return make
