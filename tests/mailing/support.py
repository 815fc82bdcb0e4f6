"""What the list-mail tests share: statement counting, many members at once, drafts."""

import io
from contextlib import contextmanager

from sqlalchemy import event, insert
from werkzeug.datastructures import FileStorage

from netzwerk.db import db
from netzwerk.members.models import Member
from tests import factories


@contextmanager
def count_statements():
    """Collect the SQL statements (an executemany counts once) run inside the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def make_many_members(n: int, *, prefix: str = "person", group: str = "schuso") -> list[str]:
    """n active members in one INSERT; returns their addresses."""
    group_row = factories.get_group(group)
    employer = factories.make_employer()
    emails = [f"{prefix}{i}@example.org" for i in range(n)]
    db.session.execute(
        insert(Member),
        [
            {
                "first_name": f"Vorname{i}",
                "last_name": f"Nachname{i}",
                "email": email,
                "group_id": group_row.id,
                "employer_id": employer.id,
            }
            for i, email in enumerate(emails)
        ],
    )
    db.session.commit()
    return emails


def write_message(mailing_list, *, subject="Einladung zum Netzwerktreffen", body=None, **kwargs):
    """A draft through the real operation."""
    from netzwerk.mailing.messages import create_draft

    message = create_draft(
        mailing_list,
        author=kwargs.pop("author", None),
        subject=subject,
        body=body or "Liebe Kolleginnen und Kollegen,\n\nwir treffen uns am **Donnerstag**.",
        greet_by_name=kwargs.pop("greet_by_name", True),
        event_id=kwargs.pop("event_id", None),
        uploads=kwargs.pop("uploads", ()),
    )
    db.session.commit()
    return message


def pdf_upload(name="Flyer Fachtag.pdf", size=2000):
    """A small PDF as the browser uploads it."""
    data = b"%PDF-1.4\n" + b"0" * size + b"\n%%EOF\n"
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="application/pdf")
