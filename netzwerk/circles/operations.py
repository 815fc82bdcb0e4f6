"""Quality circle verbs: create and edit circles, plan meetings, keep minutes, manage members.

Operations flush and never commit; the request commits once. A refused change raises
CircleRefused with a German message before anything is written. Changes to the
moderators lock the circle's row, so two concurrent appointments cannot make three.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_login import current_user
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from netzwerk.audit import record_audit
from netzwerk.circles.models import (
    AttendanceAnswer,
    Circle,
    CircleMeeting,
    CircleMembership,
    CircleRole,
    MeetingResponse,
    MembershipState,
    Minutes,
)
from netzwerk.circles.queries import find_occurrence
from netzwerk.circles.schedule import Occurrence, occurrences
from netzwerk.core.timeutil import combine_berlin
from netzwerk.core.urls import external_url
from netzwerk.db import db, utcnow
from netzwerk.files.storage import UploadRefused, delete_stored_file, store_upload
from netzwerk.mailing.models import LegalBasis, ListSegment, ListVisibility, MailingList
from netzwerk.mailing.outbox import queue_mail
from netzwerk.members.models import Member
from netzwerk.members.school_operations import slugify

MAX_MODERATORS = 2
TOO_MANY_MODERATORS = (
    "Ein Qualitätszirkel kann höchstens zwei Moderatorinnen oder Moderatoren haben. "
    "Bitte nehmen Sie zuerst jemandem die Moderation ab."
)
LAST_MODERATOR = (
    "Ein Qualitätszirkel braucht mindestens eine Moderatorin oder einen Moderator. "
    "Bitte benennen Sie zuerst jemand anderen."
)


class CircleRefused(Exception):
    """A change the rules do not allow; the message is German, field names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- circles ---------------------------------------------------------------------------


def _check_name(name: str, exclude_id: int | None = None) -> None:
    query = select(Circle.id).where(func.lower(Circle.name) == name.lower())
    if exclude_id is not None:
        query = query.where(Circle.id != exclude_id)
    if db.session.execute(query).first() is not None:
        raise CircleRefused("Einen Qualitätszirkel mit diesem Namen gibt es bereits.", "name")


def create_circle(*, moderator_ids: list[int], **fields) -> Circle:
    """A new circle with its moderators and its own mailing list (a live segment)."""
    _check_name(fields["name"])
    if len(set(moderator_ids)) > MAX_MODERATORS:
        raise CircleRefused(TOO_MANY_MODERATORS, "moderator_2")
    moderators = _active_members(moderator_ids)
    if len(moderators) != len(set(moderator_ids)):
        raise CircleRefused("Bitte wählen Sie aktive Mitglieder für die Moderation.", "moderator_1")
    circle = Circle(**fields)
    circle.memberships = [
        CircleMembership(member_id=m.id, role=CircleRole.MODERATOR, state=MembershipState.ACTIVE)
        for m in moderators
    ]
    db.session.add(circle)
    db.session.flush()
    db.session.add(
        MailingList(
            circle_id=circle.id,
            slug=_list_slug(circle),
            name=list_name(circle),
            description=f"Verteiler des Qualitätszirkels „{circle.name}“: alle Mitglieder.",
            purpose="Einladungen, Protokolle und Absprachen des Qualitätszirkels.",
            visibility=ListVisibility.CLOSED,
            legal_basis=LegalBasis.PUBLIC_TASK,
            segments=[ListSegment(circle_id=circle.id)],
        )
    )
    record_audit(
        "circle.create",
        "circle",
        circle.id,
        f"Qualitätszirkel „{circle.name}“ angelegt, Moderation: "
        + ", ".join(m.full_name for m in moderators),
    )
    db.session.flush()
    return circle


def list_name(circle: Circle) -> str:
    """ "QZ Grundschulen" for a circle named "Grundschulen" or "QZ Grundschulen"."""
    if circle.name.lower().startswith(("qz ", "qualitätszirkel")):
        return circle.name
    return f"QZ {circle.name}"


def _list_slug(circle: Circle) -> str:
    base = slugify(list_name(circle))
    base = base if base.startswith("qz-") else f"qz-{base}"
    taken = set(
        db.session.execute(select(MailingList.slug).where(MailingList.slug.startswith(base)))
        .scalars()
        .all()
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _active_members(ids: list[int]) -> list[Member]:
    if not ids:
        return []
    found = {
        m.id: m
        for m in db.session.execute(
            select(Member).where(Member.id.in_(ids), Member.is_active)
        ).scalars()
    }
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def circle_mailing_list(circle: Circle) -> MailingList | None:
    return db.session.execute(
        select(MailingList).where(MailingList.circle_id == circle.id)
    ).scalar_one_or_none()


def update_circle(circle: Circle, **fields) -> None:
    """The coordinator's edit: name, kind and everything a moderator may change too."""
    _check_name(fields["name"], exclude_id=circle.id)
    renamed = fields["name"] != circle.name
    for key, value in fields.items():
        setattr(circle, key, value)
    if renamed:
        mailing_list = circle_mailing_list(circle)
        if mailing_list is not None:
            mailing_list.name = list_name(circle)
    _raise_sequence(circle)
    db.session.flush()


def update_circle_settings(circle: Circle, *, description: str, is_open: bool, default_location):
    """The moderator's edit: description, how to join, where the circle usually meets."""
    changed = (description, is_open, default_location) != (
        circle.description,
        circle.is_open,
        circle.default_location,
    )
    circle.description = description
    circle.is_open = is_open
    circle.default_location = default_location
    if changed:
        _raise_sequence(circle)  # the feed shows place and description of every meeting
    db.session.flush()


def _raise_sequence(circle: Circle) -> None:
    circle.ical_sequence = (circle.ical_sequence or 0) + 1


# --- the schedule and single meetings ---------------------------------------------------


def set_schedule(circle: Circle, *, rule: str, start_dt: datetime | None, minutes: int) -> None:
    """A new regular schedule; no rule at all means only single meetings."""
    circle.schedule_rrule = rule
    circle.schedule_start_dt = start_dt if rule else None
    if rule:
        circle.schedule_minutes = minutes
    _raise_sequence(circle)
    db.session.flush()


def skip_meeting(circle: Circle, occurrence: Occurrence, *, note: str) -> CircleMeeting:
    """The meeting falls out ("fällt aus"): a skipped override, or a cancelled one-off."""
    if occurrence.is_skipped:
        raise CircleRefused("Dieses Treffen fällt bereits aus.")
    meeting = occurrence.meeting
    if meeting is None:
        meeting = CircleMeeting(
            circle_id=circle.id,
            recurrence_dt=occurrence.key,
            start_dt=occurrence.start_dt,
            end_dt=occurrence.end_dt,
            location="",
            ical_sequence=circle.ical_sequence + 1,
        )
        db.session.add(meeting)
    else:
        meeting.ical_sequence += 1
    meeting.is_skipped = True
    meeting.note = note
    _raise_sequence(circle)  # the series gains an EXDATE
    db.session.flush()
    return meeting


def skip_meetings_between(
    circle: Circle, first_day: date, last_day: date, *, note: str, now: datetime | None = None
) -> list[Occurrence]:
    """Every coming meeting from first_day to last_day (Berlin dates) falls out, e.g. in the
    school holidays, which no RRULE knows. Returns the skipped meetings."""
    start = max(combine_berlin(first_day), now or utcnow())
    end = combine_berlin(last_day + timedelta(days=1))
    coming = occurrences(circle, start, end)
    if not coming:
        raise CircleRefused("In diesem Zeitraum ist kein kommendes Treffen geplant.", "first_day")
    for occurrence in coming:
        skip_meeting(circle, occurrence, note=note)
    return coming


def move_meeting(
    circle: Circle,
    occurrence: Occurrence,
    *,
    start_dt: datetime,
    end_dt: datetime,
    location: str,
    note: str,
) -> CircleMeeting:
    """One meeting at another date, time or place; the rest of the series stays."""
    if occurrence.is_one_off and start_dt != occurrence.start_dt:
        _check_time_free(circle, start_dt)
    meeting = occurrence.meeting
    if meeting is None:
        meeting = CircleMeeting(
            circle_id=circle.id,
            recurrence_dt=occurrence.key,
            ical_sequence=circle.ical_sequence + 1,
        )
        db.session.add(meeting)
    else:
        meeting.ical_sequence += 1
    meeting.start_dt = start_dt
    meeting.end_dt = end_dt
    meeting.location = location
    meeting.note = note
    meeting.is_skipped = False
    if occurrence.is_one_off:
        _follow_one_off(circle, occurrence.key, start_dt)
    db.session.flush()
    return meeting


def restore_meeting(circle: Circle, occurrence: Occurrence) -> None:
    """Undo a skip or a move: the meeting takes place as planned."""
    meeting = occurrence.meeting
    if meeting is None:
        raise CircleRefused("Dieses Treffen findet bereits wie geplant statt.")
    if occurrence.is_one_off:
        meeting.is_skipped = False
        meeting.ical_sequence += 1
    else:
        db.session.delete(meeting)
    _raise_sequence(circle)
    db.session.flush()


def add_meeting(
    circle: Circle, *, start_dt: datetime, end_dt: datetime, location: str, note: str
) -> CircleMeeting:
    """A one-off meeting besides the schedule."""
    _check_time_free(circle, start_dt)
    meeting = CircleMeeting(
        circle_id=circle.id,
        recurrence_dt=None,
        start_dt=start_dt,
        end_dt=end_dt,
        location=location,
        note=note,
    )
    db.session.add(meeting)
    _raise_sequence(circle)
    db.session.flush()
    return meeting


def _check_time_free(circle: Circle, start_dt: datetime) -> None:
    # A one-off is known by its start; a second meeting with the same start would share
    # its answers and minutes.
    if find_occurrence(circle, start_dt) is not None:
        raise CircleRefused("Zu dieser Zeit ist bereits ein Treffen geplant.", "start_time")


def _follow_one_off(circle: Circle, old_key: datetime, new_key: datetime) -> None:
    """Answers and minutes of a one-off move with its start, which names it."""
    if old_key == new_key:
        return
    for model in (MeetingResponse, Minutes):
        db.session.execute(
            update(model)
            .where(model.circle_id == circle.id, model.occurrence_dt == old_key)
            .values(occurrence_dt=new_key)
        )


# --- answers --------------------------------------------------------------------------------


def answer_meeting(
    circle: Circle, member: Member, occurrence: Occurrence, answer, *, now: datetime
) -> None:
    """Ich komme / Ich komme nicht / Vielleicht: one answer per member and meeting."""
    answer = AttendanceAnswer(answer)
    if occurrence.is_skipped:
        raise CircleRefused("Dieses Treffen fällt aus.")
    if occurrence.end_dt <= now:
        raise CircleRefused("Dieses Treffen hat bereits stattgefunden.")
    existing = select(MeetingResponse).where(
        MeetingResponse.circle_id == circle.id,
        MeetingResponse.occurrence_dt == occurrence.key,
        MeetingResponse.member_id == member.id,
    )
    response = db.session.execute(existing).scalar_one_or_none()
    if response is None:
        try:
            # A double click sends two requests; the second finds the unique row taken.
            with db.session.begin_nested():
                db.session.add(
                    MeetingResponse(
                        circle_id=circle.id,
                        occurrence_dt=occurrence.key,
                        member_id=member.id,
                        answer=answer,
                    )
                )
            return
        except IntegrityError:
            response = db.session.execute(existing).scalar_one()
    response.answer = answer
    db.session.flush()


# --- membership ---------------------------------------------------------------------------


def _lock(circle: Circle) -> None:
    # PostgreSQL: concurrent membership changes of one circle wait for each other here.
    # SQLite serialises writers already (BEGIN IMMEDIATE).
    db.session.execute(select(Circle.id).where(Circle.id == circle.id).with_for_update())


def _membership(circle: Circle, member: Member) -> CircleMembership | None:
    return db.session.execute(
        select(CircleMembership).where(
            CircleMembership.circle_id == circle.id, CircleMembership.member_id == member.id
        )
    ).scalar_one_or_none()


def _moderator_count(circle: Circle) -> int:
    return db.session.execute(
        select(func.count()).where(
            CircleMembership.circle_id == circle.id,
            CircleMembership.role == CircleRole.MODERATOR,
            CircleMembership.state == MembershipState.ACTIVE,
        )
    ).scalar_one()


def _moderators(circle: Circle) -> list[Member]:
    return list(
        db.session.execute(
            select(Member)
            .join(CircleMembership, CircleMembership.member_id == Member.id)
            .where(
                CircleMembership.circle_id == circle.id,
                CircleMembership.role == CircleRole.MODERATOR,
                CircleMembership.state == MembershipState.ACTIVE,
            )
            .order_by(Member.last_name, Member.first_name)
        ).scalars()
    )


def join_circle(circle: Circle, member: Member) -> CircleMembership:
    """Open circles take the member at once; others record a request for the moderators."""
    _lock(circle)
    membership = _membership(circle, member)
    if membership is not None:
        if membership.state == MembershipState.ACTIVE:
            raise CircleRefused("Sie sind bereits Mitglied dieses Qualitätszirkels.")
        raise CircleRefused("Ihre Anfrage liegt der Moderation bereits vor.")
    if not member.is_active:
        raise CircleRefused("Ihr Mitgliedsprofil ist nicht aktiv.")
    state = MembershipState.ACTIVE if circle.is_open else MembershipState.REQUESTED
    membership = CircleMembership(
        circle_id=circle.id, member_id=member.id, role=CircleRole.MEMBER, state=state
    )
    db.session.add(membership)
    db.session.flush()
    if state == MembershipState.REQUESTED:
        _tell_moderators_of_request(circle, member)
    return membership


def _tell_moderators_of_request(circle: Circle, member: Member) -> None:
    url = external_url("circles.members", circle_id=circle.id)
    for moderator in _moderators(circle):
        queue_mail(
            to_email=moderator.email,
            to_name=moderator.full_name,
            subject=f"Anfrage für den Qualitätszirkel „{circle.name}“",
            template="circle_request_received",
            circle=circle,
            requester=member,
            url=url,
        )


def leave_circle(circle: Circle, member: Member) -> None:
    """A member leaves or withdraws the request; the last moderator cannot just leave."""
    _lock(circle)
    membership = _membership(circle, member)
    if membership is None:
        raise CircleRefused("Sie sind nicht Mitglied dieses Qualitätszirkels.")
    _check_not_last_moderator(circle, membership)
    db.session.delete(membership)
    db.session.flush()


def _check_not_last_moderator(circle: Circle, membership: CircleMembership) -> None:
    if (
        membership.role == CircleRole.MODERATOR
        and membership.state == MembershipState.ACTIVE
        and _moderator_count(circle) <= 1
    ):
        raise CircleRefused(LAST_MODERATOR)


def decide_request(membership: CircleMembership, *, accept: bool) -> None:
    """The moderator or coordinator accepts or declines; the requester hears by e-mail."""
    circle, member = membership.circle, membership.member
    if membership.state != MembershipState.REQUESTED:
        raise CircleRefused("Über diese Anfrage ist bereits entschieden.")
    if accept:
        membership.state = MembershipState.ACTIVE
    else:
        db.session.delete(membership)
    queue_mail(
        to_email=member.email,
        to_name=member.full_name,
        subject=f"Ihre Anfrage für den Qualitätszirkel „{circle.name}“",
        template="circle_request_accepted" if accept else "circle_request_declined",
        circle=circle,
        url=external_url("circles.detail", circle_id=circle.id),
        list_url=external_url("circles.list_circles"),
    )
    _audit_membership(
        "circle.accept" if accept else "circle.decline",
        circle,
        f"Anfrage von {member.full_name} " + ("angenommen" if accept else "abgelehnt"),
    )
    db.session.flush()


def add_member(circle: Circle, member: Member) -> CircleMembership:
    """A moderator adds an active member directly (a pending request counts as accepted)."""
    _lock(circle)
    if not member.is_active:
        raise CircleRefused("Nur aktive Mitglieder können aufgenommen werden.", "member_id")
    membership = _membership(circle, member)
    if membership is not None and membership.state == MembershipState.ACTIVE:
        raise CircleRefused(f"{member.full_name} ist bereits Mitglied.", "member_id")
    if membership is None:
        membership = CircleMembership(circle_id=circle.id, member_id=member.id)
        db.session.add(membership)
    membership.role = CircleRole.MEMBER
    membership.state = MembershipState.ACTIVE
    queue_mail(
        to_email=member.email,
        to_name=member.full_name,
        subject=f"Willkommen im Qualitätszirkel „{circle.name}“",
        template="circle_member_added",
        circle=circle,
        url=external_url("circles.detail", circle_id=circle.id),
    )
    _audit_membership("circle.add_member", circle, f"{member.full_name} aufgenommen")
    db.session.flush()
    return membership


def remove_member(membership: CircleMembership) -> None:
    circle, member = membership.circle, membership.member
    _lock(circle)
    _check_not_last_moderator(circle, membership)
    db.session.delete(membership)
    _audit_membership("circle.remove_member", circle, f"{member.full_name} entfernt")
    db.session.flush()


def appoint_moderator(membership: CircleMembership) -> None:
    """Make an active member a moderator; a circle has one or two."""
    circle = membership.circle
    _lock(circle)
    if membership.state != MembershipState.ACTIVE:
        raise CircleRefused("Nur aktive Mitglieder des Zirkels können moderieren.")
    if membership.role == CircleRole.MODERATOR:
        return
    if _moderator_count(circle) >= MAX_MODERATORS:
        raise CircleRefused(TOO_MANY_MODERATORS)
    membership.role = CircleRole.MODERATOR
    _audit_membership(
        "circle.appoint", circle, f"{membership.member.full_name} moderiert jetzt den Zirkel"
    )
    db.session.flush()


def step_down_moderator(membership: CircleMembership) -> None:
    """The moderator becomes an ordinary member; the last one must be replaced first."""
    circle = membership.circle
    _lock(circle)
    if membership.role != CircleRole.MODERATOR:
        return
    _check_not_last_moderator(circle, membership)
    membership.role = CircleRole.MEMBER
    _audit_membership(
        "circle.step_down", circle, f"{membership.member.full_name} moderiert nicht mehr"
    )
    db.session.flush()


def _audit_membership(action: str, circle: Circle, summary: str) -> None:
    # Circle membership is personal data; the log says who changed it, moderators included.
    if current_user and current_user.is_authenticated:
        record_audit(action, "circle", circle.id, f"{circle.name}: {summary}")


# --- minutes --------------------------------------------------------------------------------


def minutes_for(circle: Circle, occurrence_dt: datetime) -> Minutes | None:
    return db.session.execute(
        select(Minutes).where(
            Minutes.circle_id == circle.id, Minutes.occurrence_dt == occurrence_dt
        )
    ).scalar_one_or_none()


def save_minutes(
    circle: Circle,
    *,
    occurrence_dt: datetime,
    text: str,
    agreed_actions: str = "",
    uploads=(),
    author=None,
    minutes: Minutes | None = None,
) -> Minutes:
    """Write or rewrite the Protokoll of one meeting, with new attachments added."""
    other = minutes_for(circle, occurrence_dt)
    if other is not None and other is not minutes:
        raise CircleRefused(
            "Für dieses Treffen gibt es schon ein Protokoll. Bitte ergänzen Sie das vorhandene.",
            "occurrence",
        )
    if minutes is None:
        minutes = Minutes(circle_id=circle.id, author_id=author.id if author else None)
        db.session.add(minutes)
    minutes.occurrence_dt = occurrence_dt
    minutes.text = text
    minutes.agreed_actions = agreed_actions
    for upload in uploads:
        try:
            minutes.files.append(store_upload(upload, uploaded_by=author))
        except UploadRefused as refused:
            raise CircleRefused(refused.message, "attachments") from refused
    db.session.flush()
    return minutes


def remove_minutes_file(minutes: Minutes, file_id: int) -> None:
    """Detach an attachment; the stored file goes with it (it belongs to these minutes only)."""
    for stored in list(minutes.files):
        if stored.id == file_id:
            minutes.files.remove(stored)
            db.session.flush()
            delete_stored_file(stored)
            return
    raise CircleRefused("Diese Datei gehört nicht zu diesem Protokoll.")


def delete_minutes(minutes: Minutes) -> None:
    files = list(minutes.files)
    db.session.delete(minutes)
    db.session.flush()
    for stored in files:
        delete_stored_file(stored)
