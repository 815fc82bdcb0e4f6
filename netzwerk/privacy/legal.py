"""Impressum, Datenschutzerklärung and Erklärung zur Barrierefreiheit: edited or default text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from netzwerk.db import db
from netzwerk.privacy.models import LegalPage
from netzwerk.privacy.settings import setting

LEGAL_PAGES = {
    "impressum": "Impressum",
    "datenschutz": "Datenschutzerklärung",
    "barrierefreiheit": "Erklärung zur Barrierefreiheit",
}
# Where each page is shown (netzwerk/core/routes.py).
LEGAL_ENDPOINTS = {
    "impressum": "core.imprint",
    "datenschutz": "core.privacy",
    "barrierefreiheit": "core.accessibility",
}


@dataclass(frozen=True)
class LegalText:
    slug: str
    title: str
    body: str  # Markdown
    updated_dt: datetime | None  # None: the built-in default text

    @property
    def is_default(self) -> bool:
        return self.updated_dt is None


def default_body(slug: str) -> str:
    """The built-in text, with the office's name and the configured periods filled in."""
    return render_template(
        f"privacy/legal/{slug}.md",
        retention_months=setting("PRIVACY_EVENT_RETENTION_MONTHS"),
        confirm_days=setting("MAILING_CONFIRM_DAYS"),
        outbox_days=setting("OUTBOX_RETENTION_DAYS"),
        proof_years=setting("PRIVACY_CONSENT_PROOF_YEARS"),
    ).strip()


def stored_page(slug: str) -> LegalPage | None:
    return db.session.execute(select(LegalPage).where(LegalPage.slug == slug)).scalar_one_or_none()


def legal_text(slug: str) -> LegalText:
    page = stored_page(slug)
    if page is None:
        return LegalText(slug, LEGAL_PAGES[slug], default_body(slug), None)
    return LegalText(slug, page.title, page.body, page.updated_dt)


def all_stored_pages() -> dict[str, LegalPage]:
    pages = db.session.execute(
        select(LegalPage).options(joinedload(LegalPage.updated_by))
    ).scalars()
    return {page.slug: page for page in pages}
