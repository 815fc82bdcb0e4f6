"""Retention periods and paging for data protection, with defaults when config has none."""

from flask import current_app

DEFAULTS = {
    # Participant data of an event is anonymised this many months after it ended.
    "PRIVACY_EVENT_RETENTION_MONTHS": 12,
    # Unconfirmed list subscriptions and guest registrations expire after these days.
    "MAILING_CONFIRM_DAYS": 7,
    "PRIVACY_GUEST_CONFIRM_DAYS": 7,
    # Sent (and finally failed) mails leave the outbox after these days.
    "OUTBOX_RETENTION_DAYS": 90,
    # Pseudonymised proofs of consent are kept for the regular limitation period.
    "PRIVACY_CONSENT_PROOF_YEARS": 3,
    "PRIVACY_AUDIT_PER_PAGE": 50,
}


def setting(name: str) -> int:
    return int(current_app.config.get(name, DEFAULTS[name]))
