"""German names for audit log actions and objects, and for other domains' states."""

AUDIT_ACTIONS = {
    "member.create": "Mitglied angelegt",
    "member.update": "Mitglied geändert",
    "member.deactivate": "Mitglied deaktiviert",
    "member.reactivate": "Mitglied reaktiviert",
    "member.invite": "Einladung gesendet",
    "employer.create": "Träger angelegt",
    "newcomer.accept": "Bewerbung angenommen",
    "newcomer.decline": "Bewerbung abgelehnt",
    "import": "CSV-Import",
    "export": "Export",
    "event_cancelled": "Veranstaltung abgesagt",
    "registration_added": "Anmeldung durch die Koordinierung",
    "registration_cancelled": "Anmeldung storniert",
    "registration_confirmed": "Anmeldung bestätigt",
    "registration_waitlisted": "Auf die Warteliste gesetzt",
    "list.add": "In Verteiler eingetragen",
    "list.invite": "Zum Verteiler eingeladen",
    "list.remove": "Aus Verteiler entfernt",
    "list.unsubscribe": "Vom Verteiler abgemeldet",
    "circle.create": "Zirkel angelegt",
    "privacy.export": "Datenauskunft erstellt",
    "privacy.erase": "Person gelöscht",
    "privacy.request_closed": "Löschantrag ohne Löschung erledigt",
}

AUDIT_OBJECTS = {
    "member": "Mitglied",
    "application": "Bewerbung",
    "registration": "Anmeldung",
    "event": "Veranstaltung",
    "employer": "Träger",
    "school": "Schule",
    "mailing_list": "Verteiler",
    "circle": "Zirkel",
    "person": "Person",
    "erasure_request": "Löschantrag",
}


def audit_action_label(action: str) -> str:
    return AUDIT_ACTIONS.get(action, action)


def audit_object_label(object_type: str, object_id: int | None) -> str:
    name = AUDIT_OBJECTS.get(object_type, object_type)
    return f"{name} #{object_id}" if object_id is not None else name


_STATES = {
    "pending": "unbestätigt",
    "active": "aktiv",
    "unsubscribed": "abgemeldet",
    "queued": "wartet auf Versand",
    "sending": "wird gesendet",
    "sent": "gesendet",
    "failed": "fehlgeschlagen",
    "moderator": "Moderation",
    "member": "Mitglied",
    "requested": "angefragt",
    "yes": "ja",
    "no": "nein",
    "maybe": "vielleicht",
}


def enum_label(value) -> str | None:
    """A state's German label: its own .label where the domain defines one."""
    if value is None:
        return None
    label = getattr(value, "label", None)
    if isinstance(label, str):
        return label
    raw = getattr(value, "value", value)
    return _STATES.get(raw, raw)


SECTIONS = {
    "zugaenge": "Zugang zur Plattform",
    "fehlgeschlagene_anmeldungen": "Fehlgeschlagene Anmeldeversuche",
    "mitglied": "Mitgliedsdaten",
    "bewerbungen": "Anfragen über „Mitmachen“",
    "anmeldungen": "Anmeldungen zu Veranstaltungen",
    "verteiler_abonnements": "Verteiler-Abonnements",
    "verteiler_abmeldungen": "Abmeldungen von Verteilern",
    "nachrichten": "E-Mails an die Adresse",
    "zustellprobleme": "Unzustellbare E-Mails",
    "themenvorschlaege": "Themenvorschläge",
    "themenstimmen": "Stimmen für Themen",
    "themenkommentare": "Kommentare zu Themen",
    "qualitaetszirkel": "Qualitätszirkel",
    "zirkel_rueckmeldungen": "Zu- und Absagen für Zirkeltreffen",
    "einwilligungen": "Einwilligungen",
    "loeschantraege": "Löschanträge",
    "protokoll": "Einträge im Protokoll der Koordinierung",
}


def section_label(key: str) -> str:
    return SECTIONS.get(key, key)


# What an erasure does with each section (privacy/erasure.py), shown before it happens.
ERASURE_EFFECTS = {
    "anmeldungen": "anonymisiert (kommende Anmeldungen vorher storniert)",
    "themenvorschlaege": "ohne Namen und Adresse behalten",
    "themenkommentare": "ohne Verfasser behalten",
    "themenstimmen": "gelöscht, Stimmenzahl neu gezählt",
    "einwilligungen": "pseudonymisiert als Nachweis behalten",
    "loeschantraege": "als erledigt vermerkt, ohne Name und Adresse",
    "protokoll": "behalten, Beschreibung ohne Personenangaben",
}

CONSENT_SUBJECTS = {
    "newcomer": "Anfrage Nr.",
    "subscription": "Verteiler Nr.",
    "directory": "Mitglied Nr.",
    "registration": "Anmeldung Nr.",
    "topic": "Themenvorschlag Nr.",
}


def consent_subject(purpose, ref: str) -> str:
    """What a consent refers to, e.g. "Verteiler Nr. 3"."""
    if not ref:
        return ""
    prefix = CONSENT_SUBJECTS.get(getattr(purpose, "value", purpose))
    return f"{prefix} {ref}" if prefix else ref
