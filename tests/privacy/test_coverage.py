"""Every table that stores a person's address or member link is known to export and erasure.

A domain that adds such a table makes this test fail until netzwerk/privacy/collect.py
(and erasure.py) learn about it; then the table joins COVERED below.
"""

from netzwerk.db import db

# table -> where export (collect.py) and erasure (erasure.py) handle it
COVERED = {
    "users": "collect_accounts / erase_accounts",
    "members": "collect_members / erase_accounts",
    "member_schools": "collect_members (schulen) / deleted with the member",
    "applications": "collect_newcomers / erase_applications",
    "registrations": "collect_events / erase_registrations",
    "subscriptions": "collect_mailing / erase_mailing",
    "list_opt_outs": "collect_mailing / erase_mailing",
    "email_suppressions": "collect_mailing / erase_mailing",
    "outbox_messages": "collect_mailing / erase_outbox",
    "topic_suggestions": "collect_topics / erase_topics",
    "topic_votes": "collect_topics / erase_topics",
    "topic_comments": "collect_topics / erase_topics",
    "circle_memberships": "collect_circles / erase_circles",
    "meeting_responses": "collect_circles / erase_circles",
    "consent_records": "collect_privacy / erase_consent_records",
    "erasure_requests": "collect_privacy / settle_erasure_requests",
}
# Columns that name staff acting for the office, not the person a request is about.
NOT_ABOUT_A_SUBJECT = {("events", "organiser_email")}


def personal_columns(table) -> list[str]:
    return [
        column.name
        for column in table.columns
        if (column.name.endswith("email") or column.name in ("member_id", "user_id"))
        and (table.name, column.name) not in NOT_ABOUT_A_SUBJECT
    ]


def test_every_table_with_personal_data_is_covered(app):
    tables = {name for name, table in db.metadata.tables.items() if personal_columns(table)}

    assert tables - COVERED.keys() == set(), "add these tables to privacy/collect.py and erasure.py"
    assert COVERED.keys() - db.metadata.tables.keys() == set(), "these tables no longer exist"
