"""Guest registration with proof of the consent the guest gave (DSGVO Art. 7)."""

from flask import current_app

from netzwerk.core.net import client_ip
from netzwerk.db import db, utcnow
from netzwerk.events import operations
from netzwerk.events.models import Registration
from netzwerk.events.operations import Applicant, Picks
from netzwerk.privacy.models import ConsentPurpose, ConsentRecord


def register_guest(event_id: int, applicant: Applicant, picks: Picks | None = None) -> Registration:
    """Register a guest (placed once the address is confirmed) and record the consent."""
    registration = operations.register(event_id, applicant, picks)
    db.session.add(
        ConsentRecord(
            email=registration.email,
            purpose=ConsentPurpose.EVENT_REGISTRATION,
            subject_ref=str(registration.id),
            text_version=current_app.config["CONSENT_TEXT_VERSION"],
            given_dt=utcnow(),
            given_ip=client_ip(),
        )
    )
    db.session.flush()
    return registration
