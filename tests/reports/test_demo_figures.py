"""The yearly report on the demo network agrees with the database: every figure is computed
here once more, independently, by loading the rows and counting them in Python, and the
circles' meetings by expanding their iCalendar series with recurring-ical-events."""

from collections import Counter, defaultdict
from datetime import UTC, datetime

import icalendar
import pytest
import recurring_ical_events
from sqlalchemy import select

from netzwerk.calendar.circles import circle_components
from netzwerk.circles.models import Circle, CircleMembership, MembershipState, Minutes
from netzwerk.circles.schedule import series_parts
from netzwerk.core.timeutil import berlin_today
from netzwerk.db import db, utcnow
from netzwerk.events.models import (
    Event,
    EventKind,
    EventState,
    Registration,
    RegistrationState,
)
from netzwerk.mailing.models import ListMessage, ListMessageState
from netzwerk.members.models import (
    EMPLOYER_KIND_LABELS,
    District,
    EmployerKind,
    Member,
    ProfessionalGroup,
    School,
    SchoolForm,
)
from netzwerk.reports.report import Period
from netzwerk.topics.models import TopicState, TopicSuggestion
from tests.reports.support import csv_blocks, page_tables


def all_of(model):
    return list(db.session.execute(select(model)).unique().scalars())


def count(n) -> str:
    return str(n)


def rate(part, whole) -> str:
    return f"{100 * part / whole:.1f}".replace(".", ",") if whole else ""


def school_row(label, covered, total) -> list[str]:
    return [label, str(covered), str(total), str(total - covered), rate(covered, total)]


def expected_blocks(period: Period, now: datetime) -> dict[str, list[list[str]]]:
    start, end = period.start, period.end
    blocks = {}

    groups = sorted(all_of(ProfessionalGroup), key=lambda g: (g.position, g.name))
    active = [m for m in all_of(Member) if m.is_active]
    by_group = Counter(m.group_id for m in active)
    rows = [[g.name, count(by_group[g.id])] for g in groups]
    if by_group[None]:
        rows.append(["ohne Berufsgruppe", count(by_group[None])])
    blocks["Mitglieder nach Berufsgruppe"] = rows + [["Summe", count(len(active))]]

    by_kind = Counter(m.employer.kind if m.employer else None for m in active)
    rows = [[EMPLOYER_KIND_LABELS[k], count(by_kind[k])] for k in EmployerKind]
    if by_kind[None]:
        rows.append(["ohne Träger", count(by_kind[None])])
    blocks["Mitglieder nach Art des Trägers"] = rows + [["Summe", count(len(active))]]

    schools = all_of(School)
    covered = {s.id for s in schools if any(m.is_active for m in s.members)}
    forms = defaultdict(lambda: [0, 0])
    districts = defaultdict(lambda: [0, 0])
    for school in schools:
        for table, key in ((forms, school.school_form), (districts, school.district_id)):
            table[key][0] += school.id in covered
            table[key][1] += 1
    everything = school_row("Alle Schulen", len(covered), len(schools))
    blocks["Schulen mit und ohne Fachkräfte nach Schulform"] = [
        school_row(form.label, *forms[form]) for form in SchoolForm if form in forms
    ] + [everything]
    names = {d.id: d.name for d in all_of(District)}
    ordered = sorted((d for d in districts if d is not None), key=lambda d: names[d].casefold())
    rows = [school_row(names[d], *districts[d]) for d in ordered]
    if None in districts:
        rows.append(school_row("ohne Sozialraum", *districts[None]))
    blocks["Schulen mit und ohne Fachkräfte nach Sozialraum"] = rows + [everything]

    held = [
        e for e in all_of(Event) if e.state == EventState.PUBLISHED and start <= e.start_dt < end
    ]
    registrations = defaultdict(list)
    for r in all_of(Registration):
        registrations[r.event_id].append(r)
    figures = defaultdict(lambda: [0, 0, 0, 0, 0])  # events, confirmed, attended, rec., rec. att.
    per_group = defaultdict(lambda: [0, 0])
    for event in held:
        confirmed = [r for r in registrations[event.id] if r.state == RegistrationState.CONFIRMED]
        attended = [r for r in confirmed if r.attended_dt is not None]
        recorded = event.end_dt < now and bool(attended)
        f = figures[event.kind]
        f[0] += 1
        f[1] += len(confirmed)
        f[2] += len(attended)
        if recorded:
            f[3] += len(confirmed)
            f[4] += len(attended)
        for r in confirmed:
            per_group[r.group_id][0] += 1
            per_group[r.group_id][1] += r.attended_dt is not None

    def event_row(label, f):
        return [label, *map(count, f[:3]), count(f[3] - f[4]), rate(f[3] - f[4], f[3])]

    total = [sum(f[i] for f in figures.values()) for i in range(5)]
    blocks["Veranstaltungen nach Art"] = [
        event_row(kind.label, figures[kind]) for kind in EventKind if kind in figures
    ] + [event_row("Alle Veranstaltungen", total)]
    rows = [[g.name, *map(count, per_group.get(g.id, [0, 0]))] for g in groups]
    if None in per_group:
        rows.append(["ohne Berufsgruppe (z. B. Gäste)", *map(count, per_group[None])])
    sums = [sum(v[i] for v in per_group.values()) for i in range(2)]
    blocks["Teilnehmende nach Berufsgruppe"] = rows + [["Summe", *map(count, sums)]]

    until = min(end, now)
    minutes = Counter(m.circle_id for m in all_of(Minutes) if start <= m.occurrence_dt < end)
    members = Counter(
        m.circle_id for m in all_of(CircleMembership) if m.state == MembershipState.ACTIVE
    )
    circles = sorted(
        (c for c in all_of(Circle) if c.created_dt < end), key=lambda c: c.name.lower()
    )
    rows = []
    for circle in circles:
        meetings = len(expanded_meetings(circle, start, until)) if start < until else 0
        rows.append(
            [circle.name, count(meetings), count(minutes[circle.id]), count(members[circle.id])]
        )
    blocks["Qualitätszirkel und ihre Treffen"] = rows + [
        [
            f"Alle {len(circles)} Zirkel",
            count(sum(int(r[1]) for r in rows)),
            count(sum(int(r[2]) for r in rows)),
            "",
        ]
    ]

    received = [
        t
        for t in all_of(TopicSuggestion)
        if start <= t.created_dt < end and t.state != TopicState.UNCONFIRMED
    ]
    states = Counter(t.state for t in received if t.merged_into_id is None)
    order = [
        TopicState.SUBMITTED,
        TopicState.IN_REVIEW,
        TopicState.ACCEPTED,
        TopicState.SCHEDULED,
        TopicState.DONE,
        TopicState.REJECTED,
    ]
    blocks["Themenvorschläge"] = (
        [[s.label, count(states[s])] for s in order]
        + [["Zusammengeführt", count(sum(t.merged_into_id is not None for t in received))]]
        + [["Eingegangen", count(len(received))]]
    )

    sent = [
        m
        for m in all_of(ListMessage)
        if m.state == ListMessageState.SENT and m.sent_dt and start <= m.sent_dt < end
    ]
    per_list = defaultdict(lambda: [0, 0])
    for message in sent:
        per_list[message.mailing_list.name][0] += 1
        per_list[message.mailing_list.name][1] += message.recipient_count
    rows = [[name, *map(count, per_list[name])] for name in sorted(per_list, key=str.lower)]
    blocks["Nachrichten über die Verteiler"] = rows + [
        ["Summe", count(len(sent)), count(sum(m.recipient_count for m in sent))]
    ]

    blocks["Kennzahlen"] = [
        ["Aktive Mitglieder (heute)", count(len(active))],
        ["Schulen mit Fachkräften (heute)", f"{len(covered)} von {len(schools)}"],
        ["Veranstaltungen", count(total[0])],
        ["Anmeldungen (bestätigt)", count(total[1])],
        ["Teilnahmen (anwesend)", count(total[2])],
        ["No-show-Quote", rate(total[3] - total[4], total[3])],
        ["Treffen der Qualitätszirkel", blocks["Qualitätszirkel und ihre Treffen"][-1][1]],
        ["Themenvorschläge eingegangen", count(len(received))],
        ["Themenvorschläge umgesetzt", count(states[TopicState.DONE])],
        ["Nachrichten über die Verteiler", count(len(sent))],
    ]
    return blocks


def expanded_meetings(circle: Circle, start: datetime, until: datetime) -> list[datetime]:
    """The circle's meetings that began in [start, until), as a calendar program sees them."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//test//")
    calendar.add("version", "2.0")
    for component in circle_components(
        circle, series_parts(circle), base_url="http://netzwerk.test", url="http://x"
    ):
        calendar.add_component(component)
    parsed = icalendar.Calendar.from_ical(calendar.to_ical())
    starts = [
        e.decoded("dtstart").astimezone(UTC)
        for e in recurring_ical_events.of(parsed).between(start, until)
    ]
    return [at for at in starts if start <= at < until]


@pytest.fixture()
def demo(runner):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("kind", ["jahr", "schuljahr"])
@pytest.mark.parametrize("years_back", [0, 1])
def test_the_demo_report_agrees_with_the_database(coordinator_client, demo, kind, years_back):
    now = utcnow()
    current = Period.current(kind, berlin_today(now))
    period = Period(kind, current.year - years_back)
    query = f"zeitraum={kind}&jahr={period.year}"

    blocks = csv_blocks(coordinator_client.get(f"/verwaltung/jahresbericht.csv?{query}").data)
    expected = expected_blocks(period, utcnow())

    assert blocks["Kennzahlen"] == expected.pop("Kennzahlen")
    for title, rows in expected.items():
        assert blocks[title][1:] == rows, title
    html = coordinator_client.get(f"/verwaltung/jahresbericht?{query}").get_data(as_text=True)
    tables = page_tables(html)
    schools = tables[f"Schulen mit und ohne Fachkräfte nach Sozialraum, {period.label}"]
    assert [row[:3] for row in schools[1:]] == [
        row[:3] for row in expected["Schulen mit und ohne Fachkräfte nach Sozialraum"]
    ]


def test_the_demo_year_is_not_empty(coordinator_client, demo):
    """The demo network gives the report something to show in the running school year."""
    period = Period.current("schuljahr", berlin_today())
    expected = expected_blocks(period, utcnow())
    assert int(expected["Veranstaltungen nach Art"][-1][1]) > 0
    assert int(expected["Qualitätszirkel und ihre Treffen"][-1][1]) > 0
    assert int(expected["Nachrichten über die Verteiler"][-1][1]) > 0
