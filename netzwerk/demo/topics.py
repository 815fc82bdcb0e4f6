"""Demo topic suggestions: about twenty in every state, with votes and comments; some for the
coming Fachtag, whose suggestion phase is open, and one already planned as its workshop.

Rows are written directly: a demo must not fill the outbox with decision mails.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import select

from netzwerk.db import db, utcnow
from netzwerk.demo.context import DemoContext, insert_rows
from netzwerk.events.models import Event, EventKind, EventState, Workshop
from netzwerk.topics.models import TopicComment, TopicState, TopicSuggestion, TopicVote

S = TopicState


@dataclass(frozen=True)
class Idea:
    title: str
    description: str
    learning_goal: str
    state: TopicState
    votes: int
    for_fachtag: bool = False
    offers_workshop: bool = False
    reason: str = ""
    by_demo_member: bool = False
    copy: bool = False  # a benchmark's repetition: votes not multiplied by the scale


COPIES_PER_SCALE = 50

IDEAS = [
    Idea(
        "Cybermobbing im Klassenchat: erkennen und handeln",
        "Konflikte aus der Pause gehen abends im Klassenchat weiter, oft schon in der "
        "dritten Klasse. Was können wir tun, wenn Bilder weitergeleitet werden?",
        "Rechtliche Grundlagen, Gesprächsleitfäden für Betroffene und Klassen, "
        "Zusammenarbeit mit der Polizei.",
        S.SCHEDULED,
        31,
        for_fachtag=True,
        offers_workshop=True,
    ),
    Idea(
        "Kinderschutz bei häuslicher Gewalt: Gespräche mit Kindern führen",
        "Kinder vertrauen sich uns oft als Erstes an. Wie führen wir diese Gespräche, ohne "
        "zu suggerieren, und wie dokumentieren wir sie?",
        "Gesprächsführung, Dokumentation, die Schnittstelle zum Jugendamt.",
        S.ACCEPTED,
        27,
        for_fachtag=True,
        reason="Wird beim Fachtag als Forum angeboten; die Referentin steht noch nicht fest.",
    ),
    Idea(
        "Schulabsentismus früh erkennen",
        "Viele Schülerinnen und Schüler fehlen erst einzelne Stunden, dann ganze Tage. "
        "Welche Frühwarnzeichen gibt es, und wer übernimmt was?",
        "Ein abgestimmtes Vorgehen von Schule, Schulsozialarbeit und Schulamt.",
        S.IN_REVIEW,
        22,
        for_fachtag=True,
    ),
    Idea(
        "Traumapädagogik im Schulalltag",
        "Immer mehr Kinder mit Fluchterfahrung oder belastenden Erlebnissen. Wie schaffen "
        "wir sichere Orte in der Schule?",
        "Grundhaltungen der Traumapädagogik und einfache Übungen für den Alltag.",
        S.SUBMITTED,
        18,
        for_fachtag=True,
        offers_workshop=True,
        by_demo_member=True,
    ),
    Idea(
        "Zusammenarbeit mit dem Jugendamt: Wer macht was?",
        "Zuständigkeiten ändern sich, Ansprechpersonen wechseln. Ein Austausch mit dem "
        "Allgemeinen Sozialen Dienst wäre hilfreich.",
        "Kurze Wege, klare Absprachen, eine aktuelle Liste der Ansprechpersonen.",
        S.SUBMITTED,
        14,
    ),
    Idea(
        "Neu zugewanderte Familien: Sprachmittlung und Elternarbeit",
        "Elterngespräche ohne gemeinsame Sprache sind schwierig. Welche Dolmetschdienste "
        "gibt es, und wie werden sie bezahlt?",
        "Praktische Wege zu Sprachmittlung, Erfahrungen anderer Schulen.",
        S.IN_REVIEW,
        12,
    ),
    Idea(
        "Selbstverletzendes Verhalten bei Jugendlichen",
        "Ritzen und andere Formen der Selbstverletzung begegnen uns häufiger. Wie reagieren "
        "wir angemessen?",
        "Erste Gespräche, Weitervermittlung, Umgang mit Nachahmung in der Klasse.",
        S.SUBMITTED,
        16,
        for_fachtag=True,
    ),
    Idea(
        "Datenschutz: Schweigepflicht und Dokumentation",
        "Was dürfen wir an Lehrkräfte weitergeben, was nicht? Wie lange heben wir Notizen auf?",
        "Klare Regeln für die Praxis und eine Mustervorlage für die Dokumentation.",
        S.DONE,
        19,
        reason="Beim Netzwerktreffen im Herbst mit der Datenschutzbeauftragten besprochen; "
        "die Mustervorlage liegt im Materialordner.",
    ),
    Idea(
        "Soziales Lernen im Ganztag",
        "Im Ganztag bleibt wenig Raum für Gruppenangebote. Welche Programme passen in 45 Minuten?",
        "Erprobte Programme und Erfahrungen mit dem Ganztagsträger.",
        S.DONE,
        9,
        reason="War Thema eines Forums beim letzten Fachtag.",
    ),
    Idea(
        "Gewaltfreie Kommunikation für Schülerinnen und Schüler",
        "Eine Einführung in die Gewaltfreie Kommunikation, die wir mit Klassen nutzen können.",
        "Methoden für Klassenrat und Streitschlichtung.",
        S.REJECTED,
        6,
        reason="Dazu bietet das Land im Frühjahr eine mehrtägige Fortbildung an; wir "
        "schicken die Ausschreibung über den Verteiler.",
    ),
    Idea(
        "Tabellenkalkulation für die Jahresstatistik",
        "Eine Einführung in Excel, damit die Jahresstatistik schneller geht.",
        "Formeln und Pivot-Tabellen.",
        S.REJECTED,
        3,
        reason="Kein Thema für den Fachtag; die Koordinierungsstelle bietet dazu eine "
        "offene Sprechstunde an.",
    ),
    Idea(
        "Übergang Grundschule – weiterführende Schule begleiten",
        "Beim Wechsel gehen Informationen über Kinder mit Unterstützungsbedarf oft verloren.",
        "Übergabegespräche mit Einverständnis der Eltern, gute Beispiele aus dem Sozialraum.",
        S.ACCEPTED,
        15,
        reason="Greifen wir im Qualitätszirkel Grundschule auf.",
    ),
    Idea(
        "Resilienz stärken: Achtsamkeit mit Grundschulkindern",
        "Kurze Achtsamkeitsübungen helfen Kindern, zur Ruhe zu kommen. Ich habe gute "
        "Erfahrungen damit gemacht.",
        "Übungen zum Mitnehmen und wie man Lehrkräfte dafür gewinnt.",
        S.SUBMITTED,
        11,
        for_fachtag=True,
        offers_workshop=True,
    ),
    Idea(
        "Kollegiale Fallberatung: Methoden für kleine Gruppen",
        "Wir beraten uns oft spontan. Eine feste Methode würde die Fallberatung im "
        "Netzwerktreffen strukturieren.",
        "Das Heilsbronner Modell und andere Formen, ausprobiert an einem Beispiel.",
        S.SCHEDULED,
        13,
        reason="Eingeplant für das nächste Netzwerktreffen.",
    ),
    Idea(
        "Antisemitismus und Rassismus an Schulen begegnen",
        "Nach Vorfällen auf dem Schulhof fühlen sich viele Kolleginnen und Kollegen "
        "unsicher. Wo finden wir Unterstützung?",
        "Beratungsstellen, Haltung, Gesprächsanlässe im Unterricht.",
        S.IN_REVIEW,
        17,
        for_fachtag=True,
    ),
    Idea(
        "Suchtprävention nach der Cannabis-Legalisierung",
        "Schülerinnen und Schüler fragen, was jetzt erlaubt ist. Wie sprechen wir "
        "sachlich über Risiken?",
        "Aktuelle Rechtslage und Präventionsprogramme für die Sekundarstufe.",
        S.SUBMITTED,
        10,
        for_fachtag=True,
    ),
    Idea(
        "Elterncafés an Grundschulen aufbauen",
        "Ein offenes Elterncafé senkt die Schwelle, zu uns zu kommen. Wie fängt man an?",
        "Organisation, Finanzierung und Erfahrungen aus zwei Schulen.",
        S.SUBMITTED,
        7,
        offers_workshop=True,
        by_demo_member=True,
    ),
    Idea(
        "Ausbildungsabbruch am Berufskolleg verhindern",
        "Viele Jugendliche brechen im ersten Jahr ab. Welche Unterstützung wirkt?",
        "Zusammenarbeit mit Betrieben, Kammern und der Jugendberufsagentur.",
        S.SUBMITTED,
        5,
    ),
    Idea(
        "Kinderarmut: Leistungen für Bildung und Teilhabe nutzen",
        "Viele Familien kennen die Leistungen nicht oder scheuen den Antrag.",
        "Wie wir Familien beim Antrag begleiten, ohne selbst Sachbearbeitung zu machen.",
        S.SUBMITTED,
        8,
        for_fachtag=True,
    ),
]

DUPLICATE = Idea(
    "Handys in der Pause und Streit im Chat",
    "Die Konflikte aus dem Klassenchat landen morgens bei uns. Ein Thema für den Fachtag?",
    "Wie wir mit Klassen Regeln für den Chat vereinbaren.",
    S.SUBMITTED,
    6,
    for_fachtag=True,
)

PUBLIC_UNCONFIRMED = (
    "Queere Jugendliche an Schulen unterstützen",
    "Miriam Hofmann",
    "miriam.hofmann@beratung.example.org",
)

COMMENTS = [
    (0, "Sehr wichtig! Bei uns ist das in jeder sechsten Klasse Thema."),
    (0, "Gerne mit einem Blick auf Grundschulen, da fängt es inzwischen an."),
    (1, "Eine Checkliste für die Dokumentation wäre großartig."),
    (3, "Ich würde mich über praktische Übungen freuen, nicht nur Theorie."),
    (4, "Unser Bezirk hat gute Erfahrungen mit festen Sprechzeiten des ASD gemacht."),
    (9, "Schade, aber danke für den Hinweis auf die Fortbildung."),
    (14, "Die Beratungsstelle in der Innenstadt bietet dazu auch Schulungen an."),
]


def _fachtag(now) -> Event | None:
    return (
        db.session.execute(
            select(Event)
            .where(Event.kind == EventKind.FACHTAG, Event.start_dt > now)
            .where(Event.state == EventState.PUBLISHED)
            .order_by(Event.start_dt)
        )
        .scalars()
        .first()
    )


def _open_phase(fachtag: Event, now) -> None:
    """Members can suggest for the Fachtag until six weeks before it."""
    fachtag.suggestions_open_dt = now - timedelta(days=45)
    fachtag.suggestions_close_dt = max(
        fachtag.start_dt - timedelta(weeks=6), now + timedelta(days=7)
    )


def _workshop_for(fachtag: Event, topic: TopicSuggestion) -> Workshop:
    slot_two = [w for w in fachtag.workshops if w.slot == 2]
    workshop = Workshop(
        title=topic.title,
        description=topic.description,
        facilitator="",
        room="103",
        slot=2,
        start_dt=slot_two[0].start_dt if slot_two else None,
        end_dt=slot_two[0].end_dt if slot_two else None,
        capacity=20,
    )
    fachtag.workshops.append(workshop)
    return workshop


def build_topics(ctx: DemoContext) -> None:
    now, rng = utcnow(), ctx.rng
    fachtag = _fachtag(now)
    if fachtag is not None:
        _open_phase(fachtag, now)
    others = [m for m in ctx.member_ids if m != ctx.demo_member_id]
    ideas = list(IDEAS)
    # Benchmarks: more of the same, about 50 suggestions per unit of scale (5,000 at 100).
    for n in range(1, ctx.scale):
        for k in range(COPIES_PER_SCALE):
            idea = IDEAS[k % len(IDEAS)]
            ideas.append(replace(idea, title=f"{idea.title} ({n + 1}.{k + 1})", copy=True))

    topics: list[tuple[Idea, TopicSuggestion]] = []
    for age, idea in enumerate(reversed(ideas)):
        created = now - timedelta(days=3 + age * 2.5, hours=rng.randint(0, 10))
        suggester = ctx.demo_member_id if idea.by_demo_member else rng.choice(others)
        topic = TopicSuggestion(
            title=idea.title,
            description=idea.description,
            learning_goal=idea.learning_goal,
            offers_workshop=idea.offers_workshop,
            event_id=fachtag.id if idea.for_fachtag and fachtag else None,
            member_id=suggester,
            state=idea.state,
            public_reason=idea.reason,
            created_dt=created,
            updated_dt=created,
        )
        db.session.add(topic)
        topics.append((idea, topic))
    topics.reverse()
    duplicate = TopicSuggestion(
        title=DUPLICATE.title,
        description=DUPLICATE.description,
        learning_goal=DUPLICATE.learning_goal,
        event_id=fachtag.id if fachtag else None,
        member_id=rng.choice(others),
        state=DUPLICATE.state,
        created_dt=now - timedelta(days=9),
    )
    title, name, email = PUBLIC_UNCONFIRMED
    unconfirmed = TopicSuggestion(
        title=title,
        description="Viele trauen sich nicht, in der Schule offen zu sein. Was hilft?",
        suggester_name=name,
        suggester_email=email,
        state=S.UNCONFIRMED,
        created_dt=now - timedelta(hours=5),
    )
    db.session.add_all([duplicate, unconfirmed])
    db.session.flush()

    planned = topics[0][1]
    if fachtag is not None:
        workshop = _workshop_for(fachtag, planned)
        db.session.flush()
        planned.workshop_id = workshop.id
        planned.public_reason = f"Eingeplant als Forum bei „{fachtag.title}“."
    else:
        planned.state = S.ACCEPTED
    duplicate.merged_into_id = planned.id

    votes = []
    for index, (idea, topic) in enumerate(topics):
        wanted = idea.votes if idea.copy else idea.votes * ctx.scale
        voters = rng.sample(others, min(wanted, len(others)))
        if ctx.demo_member_id and index in (0, 1, 3, 6):  # the demo login has voted, too
            voters.append(ctx.demo_member_id)
        topic.vote_count = len(voters)
        votes += [{"topic_id": topic.id, "member_id": m, "created_dt": now} for m in voters]
    insert_rows(TopicVote, votes)

    comments = [
        {
            "topic_id": topics[index][1].id,
            "member_id": rng.choice(others),
            "text": text,
            "created_dt": now - timedelta(days=1, hours=n),
        }
        for n, (index, text) in enumerate(COMMENTS)
    ]
    insert_rows(TopicComment, comments)
    db.session.flush()
    ctx.counts["Themenvorschläge"] = len(topics) + 2
