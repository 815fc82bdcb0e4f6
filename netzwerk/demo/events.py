"""Demo events: next spring's Fachtag with workshops, network meetings, a training, past
events with attendance, and registrations in every state.

Rows are written directly, not through the registration operations: a demo must not fill
the outbox with hundreds of confirmation mails.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice

from sqlalchemy import JSON, Enum, select

from netzwerk.core.timeutil import berlin_today, combine_berlin
from netzwerk.db import UTCDateTime, db, utcnow
from netzwerk.demo.context import DemoContext, insert_rows
from netzwerk.demo.names import CITY
from netzwerk.events.admin_operations import copy_event
from netzwerk.events.models import (
    Event,
    EventKind,
    EventState,
    Registration,
    RegistrationState,
    WaitlistMode,
    Workshop,
    WorkshopChoice,
)
from netzwerk.members.models import Employer, Member, School, member_schools

VENUE = ("Bildungszentrum am Stadtgarten", f"Am Stadtgarten 12, 12101 {CITY}")
TOWN_HALL = ("Rathaus, Ratssaal", f"Markt 1, 12103 {CITY}")
YOUTH_CENTRE = ("Jugendzentrum Nordstadt", f"Bergstraße 40, 12301 {CITY}")

QUESTIONS = [
    {"key": "essen", "label": "Essenswünsche (z. B. vegetarisch)", "required": False},
    {
        "key": "barrierefreiheit",
        "label": "Was brauchen Sie für eine barrierefreie Teilnahme?",
        "required": False,
        "kind": "textarea",
    },
]

FACHTAG_PROGRAMME = """\
**09:00** Ankommen und Kaffee

**09:30** Begrüßung durch die Koordinierungsstelle und die Schulverwaltung

**10:00** Keynote: „Kinderrechte in der Schule – was Schulsozialarbeit bewirken kann“
(Prof. Dr. Miriam Albrecht, Hochschule Musterstadt)

**11:00** Workshops, Runde 1

**12:30** Mittagspause

**13:30** Workshops, Runde 2

**15:00** Abschluss im Plenum
"""

FACHTAG_WORKSHOPS = [
    # (slot, title, facilitator, room)
    (1, "Kinderschutz: Verfahren nach § 8a SGB VIII an Schulen", "Sabine Krüger", "101"),
    (1, "Mobbing begegnen: der No-Blame-Approach", "Daniel Yılmaz", "102"),
    (1, "Beteiligung: Klassenrat und Schülerparlament", "Johanna Weber", "Aula"),
    (2, "Elternarbeit mit mehrsprachigen Familien", "Elif Demir", "101"),
    (2, "Übergang Kita–Grundschule gestalten", "Petra Hoffmann", "102"),
    (2, "Selbstfürsorge im Berufsalltag", "Markus Lange", "Aula"),
]

PAST_TITLES = {
    EventKind.NETZWERKTREFFEN: "Netzwerktreffen Schulsozialarbeit",
    EventKind.FORTBILDUNG: "Fortbildung: Gesprächsführung in Krisen",
    EventKind.FACHTAG: "Fachtag Schulsozialarbeit",
}

MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember")  # fmt: skip

ATTENDANCE_SHARE = 0.85
PAST_EVENTS = 4
# A larger network (scale > 1) is a region of many towns: each further unit of scale adds
# this many smaller local events, a third upcoming, the rest past, spread over the years.
REGIONAL_EVENTS_PER_SCALE = 30
REGIONAL_UPCOMING_SHARE = 3
REGIONAL_CAPACITY = (24, 44)
REGIONAL_TRAININGS = (
    "Fortbildung: Kinderschutz in der Schule",
    "Fortbildung: Gewaltfreie Kommunikation",
    "Fortbildung: Trauma-sensible Arbeit mit Geflüchteten",
    "Fortbildung: Schulabsentismus begegnen",
    "Fortbildung: Digitale Medien und Cybermobbing",
)
GUEST_EMPLOYER = "Jugendhilfe Musterstadt e. V."


@dataclass(frozen=True)
class Person:
    member_id: int
    first_name: str
    last_name: str
    email: str
    group_id: int | None
    employer_name: str
    school_name: str


def _people(ctx: DemoContext) -> list[Person]:
    schools = {}
    for member_id, name in db.session.execute(
        select(member_schools.c.member_id, School.name)
        .join(School, School.id == member_schools.c.school_id)
        .order_by(School.name)
    ):
        schools.setdefault(member_id, name)
    rows = db.session.execute(
        select(
            Member.id,
            Member.first_name,
            Member.last_name,
            Member.email,
            Member.group_id,
            Employer.name,
        )
        .outerjoin(Employer, Employer.id == Member.employer_id)
        .where(Member.is_active)
        .order_by(Member.id)
    ).all()
    return [
        Person(mid, first, last, email, group_id, employer or "", schools.get(mid, ""))
        for mid, first, last, email, group_id, employer in rows
    ]


def _weekday_on_or_after(day: date, weekday: int) -> date:
    """That weekday, on or after the day; nobody meets between Christmas and Epiphany."""
    if (day.month, day.day) >= (12, 20):
        day = date(day.year + 1, 1, 7)
    elif (day.month, day.day) <= (1, 6):
        day = date(day.year, 1, 7)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return combine_berlin(day, time(hour, minute))


def _event(ctx: DemoContext, day: date, start: tuple, end: tuple, **fields) -> Event:
    coordinator = ("Katrin Albers", "koordination@example.org", "0123 456-780")
    place = fields.pop("place", VENUE)
    event = Event(
        start_dt=_at(day, *start),
        end_dt=_at(day, *end),
        venue=place[0],
        address=place[1],
        organiser_name=coordinator[0],
        organiser_email=coordinator[1],
        organiser_phone=coordinator[2],
        state=fields.pop("state", EventState.PUBLISHED),
        **fields,
    )
    db.session.add(event)
    return event


def _fachtag(ctx: DemoContext, today: date, now: datetime) -> Event:
    year = today.year if today < date(today.year, 3, 1) else today.year + 1
    day = _weekday_on_or_after(date(year, 3, 17), 2)  # a Wednesday in spring
    event = _event(
        ctx,
        day,
        (9, 0),
        (16, 0),
        title=f"Fachtag Schulsozialarbeit {year}: Kinderrechte stärken",
        kind=EventKind.FACHTAG,
        description=(
            "Der jährliche Fachtag der Koordinierungsstelle für alle Fachkräfte der sozialen "
            "Arbeit an Schulen in Musterstadt. Nach der Keynote arbeiten Sie in zwei "
            "Workshop-Runden; bitte wählen Sie je Runde einen Workshop und eine Zweitwahl.\n\n"
            "Für Mittagessen und Getränke ist gesorgt."
        ),
        programme=FACHTAG_PROGRAMME,
        registration_opens_dt=now - timedelta(days=14),
        registration_closes_dt=_at(day - timedelta(days=14), 23, 59),
        cancellation_deadline_dt=_at(day - timedelta(days=7), 23, 59),
        allows_guests=True,
        allows_second_choice=True,
        questions=QUESTIONS,
        certificate_hours=6,
        reminder_days=3,
    )
    for slot, title, facilitator, room in FACHTAG_WORKSHOPS:
        start, end = ((11, 0), (12, 30)) if slot == 1 else ((13, 30), (15, 0))
        event.workshops.append(
            Workshop(
                slot=slot,
                title=title,
                facilitator=facilitator,
                room=room,
                start_dt=_at(day, *start),
                end_dt=_at(day, *end),
                capacity=ctx.rng.randint(15, 25),
            )
        )
    # The event holds as many people as the smaller workshop round can seat.
    event.capacity = min(
        sum(w.capacity for w in event.workshops if w.slot == slot) for slot in (1, 2)
    )
    return event


def _upcoming(ctx: DemoContext, today: date, now: datetime) -> list[Event]:
    groups = ctx.groups
    meeting_day = _weekday_on_or_after(today + timedelta(days=18), 1)  # a Tuesday
    sofa_day = _weekday_on_or_after(today + timedelta(days=32), 3)  # a Thursday
    training_day = _weekday_on_or_after(today + timedelta(days=45), 0)  # a Monday
    events = [
        _event(
            ctx,
            meeting_day,
            (14, 0),
            (16, 30),
            title="Netzwerktreffen Schulsozialarbeit",
            kind=EventKind.NETZWERKTREFFEN,
            description="Austausch, Neuigkeiten aus der Koordinierungsstelle und kollegiale "
            "Fallberatung in kleinen Gruppen.",
            place=TOWN_HALL,
            capacity=40 * ctx.scale,
            registration_opens_dt=now - timedelta(days=10),
            registration_closes_dt=_at(meeting_day - timedelta(days=2), 12, 0),
            target_groups=[groups["schuso"]] if "schuso" in groups else [],
        ),
        _event(
            ctx,
            sofa_day,
            (15, 0),
            (17, 0),
            title="Netzwerktreffen SOFA: Schuleingangsphase",
            kind=EventKind.NETZWERKTREFFEN,
            description="Treffen der sozialpädagogischen Fachkräfte in der "
            "Schuleingangsphase; nur für Mitglieder des Netzwerks.",
            place=YOUTH_CENTRE,
            online_url="https://konferenz.example.org/sofa-netzwerk",
            is_public=False,
            capacity=25 * ctx.scale,
            waitlist_mode=WaitlistMode.OFFER,
            offer_hours=48,
            target_groups=[groups["sofa"]] if "sofa" in groups else [],
        ),
        _event(
            ctx,
            training_day,
            (9, 0),
            (16, 0),
            title="Fortbildung: Gesprächsführung mit Eltern",
            kind=EventKind.FORTBILDUNG,
            description="Ein Tag Training mit Übungen zu schwierigen Elterngesprächen. "
            "Die Teilnahme wird mit einer Teilnahmebescheinigung bestätigt.",
            capacity=16,
            certificate_hours=7,
            waitlist_mode=WaitlistMode.OFFER,
            offer_hours=48,
            registration_opens_dt=now - timedelta(days=20),
            cancellation_deadline_dt=_at(training_day - timedelta(days=3), 23, 59),
            allows_guests=True,
            questions=QUESTIONS[:1],
        ),
    ]
    return events


def _past(ctx: DemoContext, today: date) -> list[Event]:
    kinds = [EventKind.NETZWERKTREFFEN, EventKind.FORTBILDUNG, EventKind.FACHTAG]
    events = []
    for n in range(PAST_EVENTS):
        kind = kinds[n % len(kinds)]
        day = _weekday_on_or_after(today - timedelta(days=40 + 55 * n), 2)
        hours = ((14, 0), (16, 30)) if kind == EventKind.NETZWERKTREFFEN else ((9, 0), (16, 0))
        events.append(
            _event(
                ctx,
                day,
                *hours,
                title=f"{PAST_TITLES[kind]} {MONTHS[day.month - 1]} {day.year}",
                kind=kind,
                description="Eine vergangene Veranstaltung des Netzwerks.",
                capacity=30 * ctx.scale,
                certificate_hours=6 if kind != EventKind.NETZWERKTREFFEN else None,
            )
        )
    return events


def _planned_and_cancelled(ctx: DemoContext, today: date, now: datetime, fachtag: Event):
    """Next year's Fachtag as a draft (the planning calendar shows it as tentative) and a
    meeting the office called off, which feeds show as cancelled for a while."""
    copy_event(fachtag, weeks=52)
    day = _weekday_on_or_after(today + timedelta(days=25), 2)  # a Wednesday
    _event(
        ctx,
        day,
        (14, 0),
        (16, 0),
        title="Netzwerktreffen Übergang Schule–Beruf",
        kind=EventKind.NETZWERKTREFFEN,
        description="Fällt aus: Der Raum steht nicht zur Verfügung. Ein neuer Termin folgt.",
        place=TOWN_HALL,
        capacity=30,
        state=EventState.CANCELLED,
        cancelled_dt=now - timedelta(days=2),
        ical_sequence=1,
    )


def _converter(column, sqlite: bool):
    """How a value goes to the driver as UTCDateTime, JSON and enum_column would send it."""
    if isinstance(column.type, UTCDateTime):
        if not sqlite:
            return None
        return lambda v: v and v.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(column.type, JSON):
        if sqlite:
            return json.dumps
        # Here, not at the top: psycopg would weigh on every SQLite worker (9 MB).
        from psycopg.types.json import Json

        return Json
    if isinstance(column.type, Enum):
        return lambda v: v and v.value
    return None


def _insert_fast(table, rows: list[dict]) -> None:
    """Insert many rows straight through the driver (COPY on PostgreSQL), in this transaction.

    SQLAlchemy's per-value type processing costs more than the database itself at a
    hundred thousand registrations; these rows only hold plain values, converted here.
    """
    connection = db.session.connection()
    dialect = connection.dialect.name
    if not rows or dialect not in ("sqlite", "postgresql"):
        insert_rows(table, rows)
        return
    keys = list(rows[0])
    converters = [(i, _converter(table.c[k], dialect == "sqlite")) for i, k in enumerate(keys)]
    values = [[row[key] for key in keys] for row in rows]
    for index, convert in converters:
        if convert is not None:
            for value in values:
                value[index] = convert(value[index])
    raw = connection.connection.driver_connection
    columns = ", ".join(keys)
    if dialect == "sqlite":
        marks = ", ".join("?" * len(keys))
        # Table and column names come from our own metadata, never from input; values are bound.
        raw.executemany(f"INSERT INTO {table.name} ({columns}) VALUES ({marks})", values)  # noqa: S608  # nosec B608
        return
    with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)


class _Registrations:
    """Collects registration rows (and their workshop picks) for one bulk insert."""

    def __init__(self, ctx: DemoContext, now: datetime):
        self.ctx, self.now = ctx, now
        self.rows: list[dict] = []
        self.picks: list[list[tuple[int, int, int, bool]]] = []

    def add(self, event: Event, person: Person | None, state, *, age_days: float, **extra):
        created = self.now - timedelta(days=age_days)
        if person is None:  # an unconfirmed guest
            n = len(self.rows) + 1
            person = Person(
                None, "Gast", f"Nr. {n}", f"gast{n}@gaeste.example.org", None, GUEST_EMPLOYER, ""
            )
        self.rows.append(
            {
                "event_id": event.id,
                "member_id": person.member_id,
                "email": person.email,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "group_id": person.group_id,
                "employer_name": person.employer_name,
                "school_name": person.school_name,
                "answers": extra.pop("answers", {}),
                "state": state,
                "token_nonce": secrets.token_hex(8),
                "created_dt": created,
                "updated_dt": created,
                "confirmed_dt": created if state == RegistrationState.CONFIRMED else None,
                "cancelled_dt": extra.pop("cancelled_dt", None),
                "offer_expires_dt": extra.pop("offer_expires_dt", None),
                "attended_dt": extra.pop("attended_dt", None),
            }
        )
        self.picks.append(extra.pop("picks", []))

    def write(self) -> int:
        _insert_fast(Registration.__table__, self.rows)
        event_ids = {row["event_id"] for row in self.rows}
        ids_by_key = {
            (event_id, email): registration_id
            for event_id, email, registration_id in db.session.execute(
                select(Registration.event_id, Registration.email, Registration.id).where(
                    Registration.event_id.in_(event_ids)
                )
            )
        }
        ids = [ids_by_key[(row["event_id"], row["email"])] for row in self.rows]
        choices = [
            {
                "registration_id": registration_id,
                "workshop_id": workshop_id,
                "slot": slot,
                "priority": priority,
                "is_assigned": assigned,
            }
            for registration_id, picks in zip(ids, self.picks, strict=True)
            for slot, priority, workshop_id, assigned in picks
        ]
        insert_rows(WorkshopChoice, choices)
        return len(ids)


def _fachtag_picks(ctx: DemoContext, event: Event, seats: dict[int, int], assign: bool):
    """A first choice with a free seat (assigned when confirmed) and a second choice per slot."""
    picks = []
    for slot in (1, 2):
        workshops = [w for w in event.workshops if w.slot == slot]
        free = [w for w in workshops if seats[w.id] < w.capacity] or workshops
        first = ctx.rng.choice(free)
        second = ctx.rng.choice([w for w in workshops if w is not first])
        if assign:
            seats[first.id] += 1
        picks += [(slot, 1, first.id, assign), (slot, 2, second.id, False)]
    return picks


def _fill(
    ctx,
    regs: _Registrations,
    event: Event,
    people: list[Person],
    *,
    free: int,
    waiting=0,
    offered=0,
    cancelled=0,
    guests=0,
    first: Person | None = None,
) -> None:
    """Confirmed up to capacity - free, then the waiting list; plus the other states."""
    rng = ctx.rng
    pool = [p for p in people if p is not first]
    rng.shuffle(pool)
    if first is not None:
        pool.insert(0, first)
    confirmed = max(min(event.capacity - free - offered, len(pool)), 0)
    seats = {w.id: 0 for w in event.workshops}
    age = 12.0
    for person in pool[:confirmed]:
        age -= 10.0 / max(confirmed, 1)
        answers = {"essen": "vegetarisch"} if rng.random() < 0.3 else {}
        picks = _fachtag_picks(ctx, event, seats, True) if event.workshops else []
        regs.add(
            event,
            person,
            RegistrationState.CONFIRMED,
            age_days=age + 1,
            answers=answers,
            picks=picks,
        )
    rest = iter(pool[confirmed:])
    for person in islice(rest, offered):
        regs.add(
            event,
            person,
            RegistrationState.OFFERED,
            age_days=2,
            offer_expires_dt=regs.now + timedelta(hours=30),
        )
    for n, person in enumerate(islice(rest, waiting)):
        picks = _fachtag_picks(ctx, event, seats, False) if event.workshops else []
        regs.add(event, person, RegistrationState.WAITING, age_days=1 - n * 0.05, picks=picks)
    for person in islice(rest, cancelled):
        regs.add(
            event,
            person,
            RegistrationState.CANCELLED,
            age_days=8,
            cancelled_dt=regs.now - timedelta(days=3),
        )
    for _ in range(guests):
        regs.add(event, None, RegistrationState.UNCONFIRMED, age_days=0.2)


def _attended(
    ctx, regs: _Registrations, event: Event, people: list[Person], first: Person | None
) -> None:
    pool = [p for p in people if p is not first]
    ctx.rng.shuffle(pool)
    if first is not None:
        pool.insert(0, first)
    for person in pool[: ctx.rng.randint(event.capacity // 2, event.capacity)]:
        attended = person is first or ctx.rng.random() < ATTENDANCE_SHARE
        regs.add(
            event,
            person,
            RegistrationState.CONFIRMED,
            age_days=(regs.now - event.start_dt).days + 20,
            attended_dt=event.start_dt + timedelta(minutes=5) if attended else None,
        )


def _regional(ctx: DemoContext, today: date, now: datetime) -> list[Event]:
    """Local meetings and trainings of a larger network, several on the same day."""
    count = REGIONAL_EVENTS_PER_SCALE * (ctx.scale - 1)
    upcoming = count // REGIONAL_UPCOMING_SHARE
    districts = list(ctx.district_ids) or [CITY]
    regions = max(ctx.scale - 1, 1)
    rng, events = ctx.rng, []
    for n in range(count):
        if n < upcoming:
            day = _weekday_on_or_after(today + timedelta(days=7 + n * 330 // upcoming), n % 4)
        else:
            back = (n - upcoming) * 3 * 365 // (count - upcoming)
            day = _weekday_on_or_after(today - timedelta(days=14 + back), n % 4)
        region = f"Region {n % regions + 1}"
        if n % 3 == 2:
            title, kind = rng.choice(REGIONAL_TRAININGS), EventKind.FORTBILDUNG
            hours, place = ((9, 0), (15, 0)), VENUE
        else:
            district = rng.choice(districts)
            title = f"Netzwerktreffen Sozialraum {district} ({region})"
            kind, hours, place = EventKind.NETZWERKTREFFEN, ((14, 0), (16, 0)), TOWN_HALL
        events.append(
            _event(
                ctx,
                day,
                *hours,
                title=title,
                kind=kind,
                description=f"Ein Treffen der Fachkräfte in der {region}.",
                place=place,
                capacity=rng.randint(*REGIONAL_CAPACITY),
                registration_opens_dt=now - timedelta(days=30) if day >= today else None,
                certificate_hours=5 if kind == EventKind.FORTBILDUNG else None,
            )
        )
    return events


def _fill_regional(ctx, regs: _Registrations, events: list[Event], people: list[Person]):
    """Past events with attendance, upcoming ones mostly full; a sample per event, not a
    shuffle of everyone, so that a network of thousands builds in seconds."""
    rng, now = ctx.rng, regs.now
    for event in events:
        is_past = event.start_dt < now
        low = event.capacity * 2 // 3 if is_past else event.capacity * 3 // 4
        chosen = rng.sample(people, min(rng.randint(low, event.capacity) + 2, len(people)))
        taken, extra = chosen[:-2], chosen[-2:]
        for person in taken:
            if is_past:
                attended = rng.random() < ATTENDANCE_SHARE
                regs.add(
                    event,
                    person,
                    RegistrationState.CONFIRMED,
                    age_days=(now - event.start_dt).days + 20,
                    attended_dt=event.start_dt + timedelta(minutes=5) if attended else None,
                )
            else:
                regs.add(event, person, RegistrationState.CONFIRMED, age_days=rng.uniform(1, 25))
        if not is_past and extra and rng.random() < 0.5:
            regs.add(
                event,
                extra[0],
                RegistrationState.CANCELLED,
                age_days=9,
                cancelled_dt=now - timedelta(days=2),
            )


def build_events(ctx: DemoContext) -> None:
    now, today = utcnow(), berlin_today()
    people = _people(ctx)
    demo = next((p for p in people if p.member_id == ctx.demo_member_id), None)
    fachtag = _fachtag(ctx, today, now)
    meeting, sofa, training = _upcoming(ctx, today, now)
    past = _past(ctx, today)
    db.session.flush()
    _planned_and_cancelled(ctx, today, now, fachtag)

    by_group = {}
    for person in people:
        by_group.setdefault(person.group_id, []).append(person)
    schuso = by_group.get(ctx.groups["schuso"].id, []) if "schuso" in ctx.groups else people
    sofa_people = by_group.get(ctx.groups["sofa"].id, []) if "sofa" in ctx.groups else []

    regs = _Registrations(ctx, now)
    _fill(ctx, regs, fachtag, people, free=4, waiting=0, cancelled=3, guests=2, first=demo)
    _fill(ctx, regs, meeting, schuso, free=len(schuso) // 3, cancelled=2)
    if sofa_people:
        _fill(ctx, regs, sofa, sofa_people, free=sofa.capacity // 2, cancelled=1)
    others = [p for p in people if p is not demo]
    _fill(ctx, regs, training, others, free=0, offered=1, waiting=4, cancelled=2, guests=1)
    if demo is not None:  # the demo login sees its place on a waiting list
        regs.add(training, demo, RegistrationState.WAITING, age_days=0.5)
    for event in past:
        _attended(ctx, regs, event, people, demo if event.kind == EventKind.FORTBILDUNG else None)
    regional = _regional(ctx, today, now)
    db.session.flush()
    _fill_regional(ctx, regs, regional, [p for p in people if p is not demo])
    count = regs.write()

    ctx.counts["Veranstaltungen"] = 6 + len(past) + len(regional)
    ctx.counts["Anmeldungen"] = count
