"""Demo quality circles: two by Schulform, two by Sozialraum, each with a year of monthly
meetings (one skipped, one moved), minutes of the past meetings, members and moderators.

The demo login moderates the Grundschul circle together with a colleague. One circle
stopped writing minutes months ago, so the office's overview has something to flag.
Memberships and minutes are written directly: a demo must not fill the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from netzwerk.circles.models import (
    AttendanceAnswer,
    Circle,
    CircleKind,
    CircleMeeting,
    CircleMembership,
    CircleRole,
    MeetingResponse,
    MembershipState,
    Minutes,
)
from netzwerk.circles.operations import create_circle
from netzwerk.circles.schedule import next_meetings, occurrences
from netzwerk.core.timeutil import berlin_today, combine_berlin
from netzwerk.db import db, utcnow
from netzwerk.demo.context import DemoContext, insert_rows
from netzwerk.demo.names import CITY
from netzwerk.members.models import Member, School, SchoolForm, member_schools


@dataclass(frozen=True)
class Plan:
    name: str
    kind: CircleKind
    description: str
    rule: str
    weekday: int  # Monday 0: the first meeting is the rule's weekday a year ago
    start: time
    minutes: int
    location: str
    is_open: bool
    school_forms: tuple[SchoolForm, ...] = ()
    district: str = ""
    stale: bool = False  # its minutes stopped some months ago


PLANS = (
    Plan(
        name="QZ Grundschulen",
        kind=CircleKind.SCHOOL_FORM,
        school_forms=(SchoolForm.GRUNDSCHULE,),
        description=(
            "Fachkräfte der Schulsozialarbeit und SOFA an den Grundschulen tauschen sich "
            "monatlich über **Qualitätsstandards** aus: Übergang Kita–Grundschule, "
            "Elternarbeit, Kinderschutz.\n\nIn den Sommerferien trifft sich der Zirkel nicht."
        ),
        rule="FREQ=MONTHLY;BYDAY=2TU;BYMONTH=1,2,3,4,5,6,8,9,10,11,12",
        weekday=1,
        start=time(14, 0),
        minutes=120,
        location=f"Familienzentrum am Stadtgarten, Raum 2, Am Stadtgarten 14, {CITY}",
        is_open=True,
    ),
    Plan(
        name="QZ Sekundarstufe I",
        kind=CircleKind.SCHOOL_FORM,
        school_forms=(
            SchoolForm.SEKUNDARSCHULE,
            SchoolForm.GESAMTSCHULE,
            SchoolForm.REALSCHULE,
            SchoolForm.HAUPTSCHULE,
        ),
        description=(
            "Für Fachkräfte an Haupt-, Real-, Sekundar- und Gesamtschulen: Schulabsentismus, "
            "Berufsorientierung, Mobbing und Krisen im Schulalltag."
        ),
        rule="FREQ=MONTHLY;BYDAY=1WE",
        weekday=2,
        start=time(14, 30),
        minutes=120,
        location=f"Gesamtschule Nordstadt, Besprechungsraum, Bergstraße 2, {CITY}",
        is_open=True,
    ),
    Plan(
        name="QZ Sozialraum Nordstadt",
        kind=CircleKind.DISTRICT,
        district="Nordstadt",
        description=(
            "Alle Fachkräfte an Schulen in der Nordstadt, schulformübergreifend, gemeinsam mit "
            "dem Allgemeinen Sozialen Dienst und dem Jugendzentrum. Neue Mitglieder bitte "
            "über eine Anfrage: Der Zirkel arbeitet mit Fallbesprechungen."
        ),
        rule="FREQ=MONTHLY;BYDAY=3TH",
        weekday=3,
        start=time(9, 0),
        minutes=120,
        location=f"Jugendzentrum Nordstadt, Bergstraße 40, {CITY}",
        is_open=False,
        stale=True,
    ),
    Plan(
        name="QZ Sozialraum Innenstadt",
        kind=CircleKind.DISTRICT,
        district="Innenstadt",
        description=(
            "Vernetzung der Schulsozialarbeit in der Innenstadt mit Trägern der Jugendhilfe, "
            "Beratungsstellen und dem Quartiersmanagement."
        ),
        rule="FREQ=MONTHLY;BYDAY=-1MO",
        weekday=0,
        start=time(15, 0),
        minutes=90,
        location=f"Rathaus, Sitzungszimmer 3, Markt 1, {CITY}",
        is_open=True,
    ),
)

TOPICS = (
    (
        "Kinderschutz: Verfahren nach § 8a SGB VIII an den Schulen",
        "Ablauf bei Verdacht auf Kindeswohlgefährdung abgestimmt; Ansprechpersonen im Jugendamt "
        "aktualisiert.",
    ),
    (
        "Schulabsentismus: gemeinsames Vorgehen mit Schulleitungen",
        "Stufenplan bei unentschuldigtem Fehlen besprochen; Vorlage für Elterngespräche.",
    ),
    (
        "Elternarbeit mit mehrsprachigen Familien",
        "Erfahrungen mit Sprachmittlung ausgetauscht; Liste der Dolmetschdienste ergänzt.",
    ),
    ("Übergang Kita–Grundschule", "Kooperationskalender mit den Kitas; Hospitationen im Frühjahr."),
    (
        "Klassenrat und Beteiligung",
        "Zwei Schulen berichten vom Klassenrat; Materialien werden geteilt.",
    ),
    (
        "Dokumentation und Datenschutz in der Einzelfallhilfe",
        "Einheitliche Aktenführung besprochen; Einwilligungsvorlage überarbeitet.",
    ),
    (
        "Mobbingprävention: No-Blame-Approach",
        "Fortbildungsbedarf gesammelt; Anfrage an die Koordinierungsstelle.",
    ),
    (
        "Kooperation mit dem Allgemeinen Sozialen Dienst",
        "Fallbesprechungen anonymisiert; feste Sprechzeit des ASD an zwei Schulen.",
    ),
    (
        "Berufsorientierung und Übergang Schule–Beruf",
        "Termine der Ausbildungsbörse weitergegeben; Kontakt zur Jugendberufsagentur.",
    ),
    (
        "Krisenintervention an Schulen",
        "Notfallordner der Schulen verglichen; Telefonliste aktualisiert.",
    ),
    (
        "Medienkompetenz und Cybermobbing",
        "Elternabend-Konzept vorgestellt; Referentin für den Fachtag vorgeschlagen.",
    ),
    (
        "Selbstfürsorge und kollegiale Beratung",
        "Kollegiale Fallberatung nach dem Heilsbronner Modell ausprobiert.",
    ),
)
ACTIONS = (
    "{a} schickt die Unterlagen bis zum nächsten Treffen an alle.",
    "{b} klärt mit der Koordinierungsstelle einen Termin für die Fortbildung.",
    "Alle bringen zum nächsten Treffen ein Fallbeispiel (anonymisiert) mit.",
    "{a} und {b} bereiten den Input für das nächste Treffen vor.",
    "Die Moderation lädt eine Kollegin des Jugendamts ein.",
)
MEMBERS_PER_CIRCLE = (7, 12)
EXTRA_CIRCLES_PER_SCALE = 2
STALE_AFTER_DAYS = 130


def build_circles(ctx: DemoContext) -> None:
    now, today = utcnow(), berlin_today()
    plans = list(PLANS) + _regional_plans(ctx)
    for index, plan in enumerate(plans):
        candidates = _candidates(ctx, plan)
        if len(candidates) < 3:
            continue
        _circle(ctx, plan, candidates, now, today, demo_moderates=index == 0)
    ctx.counts["Qualitätszirkel"] = len(plans)


def _regional_plans(ctx: DemoContext) -> list[Plan]:
    """A larger network (scale > 1) has more, thematic circles: they load the overview."""
    plans = []
    for n in range((ctx.scale - 1) * EXTRA_CIRCLES_PER_SCALE):
        topic = TOPICS[n % len(TOPICS)][0].split(":")[0]
        plans.append(
            Plan(
                name=f"QZ {topic} {n + 1}",
                kind=CircleKind.THEMATIC,
                description=f"Thematischer Qualitätszirkel: {topic}.",
                rule="FREQ=MONTHLY;BYDAY=2WE",
                weekday=2,
                start=time(10, 0),
                minutes=90,
                location=f"Bildungszentrum am Stadtgarten, {CITY}",
                is_open=n % 2 == 0,
            )
        )
    return plans


def _candidates(ctx: DemoContext, plan: Plan) -> list[int]:
    query = (
        select(member_schools.c.member_id)
        .join(School, School.id == member_schools.c.school_id)
        .join(Member, Member.id == member_schools.c.member_id)
        .where(Member.is_active)
        .distinct()
    )
    if plan.school_forms:
        query = query.where(School.school_form.in_(plan.school_forms))
    elif plan.district:
        query = query.where(School.district_id == ctx.district_ids.get(plan.district))
    else:
        query = select(Member.id).where(Member.is_active)
    return sorted(db.session.execute(query).scalars())


def _first_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _circle(ctx, plan: Plan, candidates: list[int], now, today, *, demo_moderates: bool):
    rng = ctx.rng
    others = [m for m in candidates if m != ctx.demo_member_id]
    size = min(len(others), rng.randint(*MEMBERS_PER_CIRCLE))
    chosen = rng.sample(others, size)
    moderators = chosen[:2] if rng.random() < 0.6 else chosen[:1]
    if demo_moderates and ctx.demo_member_id:
        moderators = [ctx.demo_member_id, chosen[0]]
    circle = create_circle(
        moderator_ids=moderators,
        name=plan.name,
        kind=plan.kind,
        school_form=plan.school_forms[0] if plan.school_forms else None,
        district_id=ctx.district_ids.get(plan.district) if plan.district else None,
        description=plan.description,
        is_open=plan.is_open,
        default_location=plan.location,
    )
    circle.created_dt = now - timedelta(days=380)
    first_day = _first_weekday(today.replace(day=1) - timedelta(days=335), plan.weekday)
    circle.schedule_rrule = plan.rule
    circle.schedule_start_dt = _first_meeting(plan, first_day)
    circle.schedule_minutes = plan.minutes
    members = [m for m in chosen if m not in moderators]
    insert_rows(
        CircleMembership,
        [
            {
                "circle_id": circle.id,
                "member_id": member_id,
                "role": CircleRole.MEMBER.value,
                "state": MembershipState.ACTIVE.value,
                "created_dt": now - timedelta(days=rng.randint(30, 360)),
                "updated_dt": now,
            }
            for member_id in members
        ],
    )
    if not plan.is_open:
        _requests(ctx, circle, [m for m in others if m not in chosen][:2], now)
    db.session.flush()
    _exceptions(circle, now)
    db.session.flush()
    _minutes(ctx, circle, plan, moderators, members, now)
    _answers(ctx, circle, moderators + members, now)


def _first_meeting(plan: Plan, first_day: date) -> datetime:
    """The first start of the rule on or after first_day (as the schedule form stores it)."""
    probe = Circle(
        schedule_rrule=plan.rule,
        schedule_start_dt=combine_berlin(first_day, plan.start),
        schedule_minutes=plan.minutes,
    )
    return next_meetings(probe, probe.schedule_start_dt, limit=1, meetings=[])[0].start_dt


def _requests(ctx: DemoContext, circle: Circle, member_ids: list[int], now) -> None:
    for days, member_id in enumerate(member_ids, start=2):
        db.session.add(
            CircleMembership(
                circle_id=circle.id,
                member_id=member_id,
                role=CircleRole.MEMBER,
                state=MembershipState.REQUESTED,
                created_dt=now - timedelta(days=days),
            )
        )


def _exceptions(circle: Circle, now) -> None:
    """One past meeting fell out (holidays), the next-but-one moves by a week."""
    past = occurrences(circle, now - timedelta(days=200), now, meetings=[])
    upcoming = next_meetings(circle, now, limit=3, meetings=[])
    if past:
        skipped = past[len(past) // 2]
        db.session.add(
            CircleMeeting(
                circle_id=circle.id,
                recurrence_dt=skipped.key,
                start_dt=skipped.start_dt,
                end_dt=skipped.end_dt,
                is_skipped=True,
                note="Fällt wegen der Ferien aus.",
                ical_sequence=1,
            )
        )
    if len(upcoming) >= 2:
        moved = upcoming[1]
        db.session.add(
            CircleMeeting(
                circle_id=circle.id,
                recurrence_dt=moved.key,
                start_dt=moved.start_dt + timedelta(days=7),
                end_dt=moved.end_dt + timedelta(days=7),
                location="",
                note="Eine Woche später wegen der Zeugniskonferenzen.",
                ical_sequence=1,
            )
        )
    circle.ical_sequence = 2


def _minutes(ctx, circle: Circle, plan: Plan, moderators, members, now) -> None:
    rng = ctx.rng
    held = occurrences(circle, circle.schedule_start_dt, now)
    if plan.stale:
        held = [o for o in held if o.start_dt < now - timedelta(days=STALE_AFTER_DAYS)]
    authors = dict(
        db.session.execute(select(Member.id, Member.user_id).where(Member.id.in_(moderators))).all()
    )
    author = next((authors[m] for m in moderators if authors.get(m)), ctx.coordinator_id)
    names = dict(
        db.session.execute(
            select(Member.id, Member.first_name + " " + Member.last_name).where(
                Member.id.in_(moderators + members)
            )
        ).all()
    )
    people = list(names.values()) or ["Die Moderation"]
    rows = []
    for n, occurrence in enumerate(held):
        title, result = TOPICS[(n + len(circle.name)) % len(TOPICS)]
        present = rng.randint(max(2, len(people) // 2), max(2, len(people)))
        a, b = rng.sample(people, 2) if len(people) >= 2 else (people[0], people[0])
        actions = "\n".join(
            f"- {line.format(a=a, b=b)}" for line in rng.sample(ACTIONS, rng.randint(1, 3))
        )
        rows.append(
            {
                "circle_id": circle.id,
                "occurrence_dt": occurrence.key,
                "text": (
                    f"**Anwesend:** {present} Fachkräfte\n\n"
                    f"## Thema: {title}\n\n{result}\n\n"
                    "## Austausch aus den Schulen\n\n"
                    "Kurze Runde: aktuelle Anliegen, Termine und Veränderungen an den Schulen."
                ),
                "agreed_actions": actions,
                "author_id": author,
                "created_dt": occurrence.end_dt + timedelta(days=2),
                "updated_dt": occurrence.end_dt + timedelta(days=2),
            }
        )
    insert_rows(Minutes, rows)


def _answers(ctx: DemoContext, circle: Circle, member_ids: list[int], now) -> None:
    upcoming = next_meetings(circle, now, limit=2)
    rows = []
    for occurrence in upcoming:
        for member_id in member_ids:
            roll = ctx.rng.random()
            if roll < 0.35:
                continue  # not everyone answers
            answer = (
                AttendanceAnswer.YES
                if roll < 0.8
                else AttendanceAnswer.MAYBE
                if roll < 0.9
                else AttendanceAnswer.NO
            )
            rows.append(
                {
                    "circle_id": circle.id,
                    "occurrence_dt": occurrence.key,
                    "member_id": member_id,
                    "answer": answer.value,
                }
            )
    insert_rows(MeetingResponse, rows)
