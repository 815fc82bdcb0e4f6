"""A person with data in every domain, built from the models directly."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from netzwerk.accounts.models import AuditEntry, LoginAttempt
from netzwerk.circles.models import (
    AttendanceAnswer,
    Circle,
    CircleKind,
    CircleMembership,
    MeetingResponse,
)
from netzwerk.db import db, utcnow
from netzwerk.events.operations import Applicant, register
from netzwerk.mailing.models import (
    ListOptOut,
    MailingList,
    Subscription,
    SubscriptionState,
)
from netzwerk.mailing.outbox import queue_mail
from netzwerk.newcomers.models import Application, ApplicationState
from netzwerk.privacy.models import ConsentPurpose, ConsentRecord
from netzwerk.topics.models import TopicComment, TopicSuggestion, TopicVote
from tests import factories

EMAIL = "lea.wagner@example.org"


def count(model, *where) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def consent(email, purpose, ref="", ip="198.51.100.7", **fields) -> ConsentRecord:
    record = ConsentRecord(
        email=email,
        purpose=purpose,
        subject_ref=str(ref),
        text_version="2026-11",
        given_dt=fields.pop("given_dt", utcnow() - timedelta(days=30)),
        given_ip=ip,
        **fields,
    )
    db.session.add(record)
    return record


def mailing_list(name: str) -> MailingList:
    mailing_list = MailingList(slug=name.lower().replace(" ", "-"), name=name)
    db.session.add(mailing_list)
    db.session.flush()
    return mailing_list


def past_event(months_ago: int = 13, **kwargs):
    start = utcnow() - timedelta(days=31 * months_ago)
    event = factories.make_event(start_dt=start, **kwargs)
    return event


def register_past(event, applicant: Applicant, *, attended: bool = False):
    """A registration for an event in the past, placed as if it had been open then."""
    from netzwerk.events.desk_operations import mark_attended

    opens = event.start_dt - timedelta(days=60)
    registration = register(event.id, applicant, now=opens)
    if applicant.member is None:
        from netzwerk.events.operations import confirm_guest

        confirm_guest(registration, now=opens)
    if attended:
        mark_attended(registration)
    db.session.commit()
    return registration


def guest(email: str, first="Gerd", last="Gast") -> Applicant:
    return Applicant(
        email=email,
        first_name=first,
        last_name=last,
        employer_name="Caritas",
        school_name="Grundschule Am Park",
        answers={"diet": "vegetarisch"},
    )


@pytest.fixture()
def footprint(app):
    """Lea Wagner: member with a login, and traces in every domain."""
    member = factories.make_member(
        first_name="Lea", last_name="Wagner", email=EMAIL, with_account=True
    )
    member.listed_in_directory = True
    member.directory_consent_dt = utcnow() - timedelta(days=20)
    member.notes = "Ansprechpartnerin für Sprachförderung"
    consent(
        EMAIL, ConsentPurpose.DIRECTORY_LISTING, member.id, given_dt=member.directory_consent_dt
    )

    application = Application(
        state=ApplicationState.ACCEPTED,
        first_name="Lea",
        last_name="Wagner",
        email=EMAIL,
        consent_text_version="2026-11",
        request_ip="198.51.100.7",
        confirmation_sent_dt=utcnow() - timedelta(days=90),
        confirmed_dt=utcnow() - timedelta(days=89),
        confirmed_ip="198.51.100.8",
        member_id=member.id,
    )
    db.session.add(application)
    db.session.flush()
    consent(EMAIL, ConsentPurpose.NEWCOMER_APPLICATION, application.id)

    newsletter, other = mailing_list("Rundbrief"), mailing_list("Fachtag-Infos")
    subscription = Subscription(
        list_id=newsletter.id,
        email=EMAIL,
        name="Lea Wagner",
        member_id=member.id,
        state=SubscriptionState.ACTIVE,
        consent_text_version="2026-11",
        request_ip="198.51.100.9",
        confirmed_dt=utcnow() - timedelta(days=10),
        confirmed_ip="198.51.100.10",
    )
    db.session.add_all([subscription, ListOptOut(list_id=other.id, email=EMAIL)])
    consent(EMAIL, ConsentPurpose.LIST_SUBSCRIPTION, newsletter.id)

    other_member = factories.make_member(first_name="Tom", last_name="Otto")
    own_topic = TopicSuggestion(
        title="Kinderschutz im Ganztag",
        member_id=member.id,
        suggester_name="Lea Wagner",
        suggester_email=EMAIL,
    )
    popular_topic = TopicSuggestion(title="Elternarbeit", member_id=other_member.id, vote_count=2)
    db.session.add_all([own_topic, popular_topic])
    db.session.flush()
    db.session.add_all(
        [
            TopicVote(topic_id=popular_topic.id, member_id=member.id),
            TopicVote(topic_id=popular_topic.id, member_id=other_member.id),
            TopicComment(topic_id=popular_topic.id, member_id=member.id, text="Gute Idee!"),
        ]
    )

    circle = Circle(name="QZ Grundschulen", kind=CircleKind.SCHOOL_FORM)
    db.session.add(circle)
    db.session.flush()
    db.session.add_all(
        [
            CircleMembership(circle_id=circle.id, member_id=member.id),
            MeetingResponse(
                circle_id=circle.id,
                occurrence_dt=utcnow() + timedelta(days=14),
                member_id=member.id,
                answer=AttendanceAnswer.YES,
            ),
        ]
    )
    db.session.add_all(
        [
            AuditEntry(
                action="member.update",
                object_type="member",
                object_id=member.id,
                summary="Telefon geändert",
            ),
            AuditEntry(
                action="member.invite",
                object_type="member",
                object_id=None,
                summary=f"Einladung an {EMAIL}",
            ),
            LoginAttempt(key=f"email:{EMAIL}"),
        ]
    )
    db.session.commit()

    old_event = past_event(title="Fachtag 2025", capacity=None)
    attended = register_past(old_event, Applicant.from_member(member), attended=True)
    coming = factories.make_event(title="Netzwerktreffen Herbst", capacity=1)
    place = factories.make_registration(coming, member)
    waiting = factories.make_registration(coming, other_member)
    queue_mail(to_email=EMAIL, subject="Ihr Rundbrief", template="password_reset", link="x")
    db.session.commit()
    return SimpleNamespace(
        member=member,
        user=member.user,
        application=application,
        newsletter=newsletter,
        subscription=subscription,
        own_topic=own_topic,
        popular_topic=popular_topic,
        circle=circle,
        old_event=old_event,
        attended=attended,
        coming=coming,
        place=place,
        waiting=waiting,
        other_member=other_member,
    )
