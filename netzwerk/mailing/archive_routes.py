"""The archive of a list: sent messages as web pages, without anything personal.

Who may read it (only when the list keeps an archive):
- open lists: everyone, it is what a newcomer reads before subscribing;
- members-only lists: people logged in with a member profile, and coordinators;
- closed lists: coordinators, and logged-in people the list currently reaches.
Pages show the message as written: no greeting, no unsubscribe link, no recipient.
"""

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import select

from netzwerk.db import db
from netzwerk.files import storage
from netzwerk.files.models import StoredFile
from netzwerk.mailing.list_mail import archive_html
from netzwerk.mailing.models import ListMessage, ListMessageState, ListVisibility, MailingList
from netzwerk.mailing.recipients import list_recipients

bp = Blueprint("mailing_archive", __name__)

PER_PAGE = 25


def _may_read(mailing_list: MailingList) -> bool:
    if mailing_list.visibility == ListVisibility.OPEN:
        return True
    if not current_user.is_authenticated:
        from netzwerk.extensions import login_manager

        abort(login_manager.unauthorized())
    if current_user.is_coordinator:
        return True
    if mailing_list.visibility == ListVisibility.MEMBERS:
        return current_user.member is not None
    own = {current_user.email.lower()}
    if current_user.member is not None:
        own.add(current_user.member.email.lower())
    return any(r.email in own for r in list_recipients(mailing_list))


def _archive_list(slug: str) -> MailingList:
    mailing_list = db.session.execute(
        select(MailingList).where(MailingList.slug == slug)
    ).scalar_one_or_none()
    if mailing_list is None or not mailing_list.has_archive:
        abort(404)
    if not _may_read(mailing_list):
        abort(403)
    return mailing_list


def _sent_message(mailing_list: MailingList, message_id: int) -> ListMessage:
    message = db.get_or_404(ListMessage, message_id)
    if message.list_id != mailing_list.id or message.state != ListMessageState.SENT:
        abort(404)
    return message


@bp.get("/verteiler/<slug>/archiv")
def archive(slug: str):
    mailing_list = _archive_list(slug)
    page = db.paginate(
        select(ListMessage)
        .where(ListMessage.list_id == mailing_list.id, ListMessage.state == ListMessageState.SENT)
        .order_by(ListMessage.sent_dt.desc(), ListMessage.id.desc()),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template("mailing/message_archive.html", mailing_list=mailing_list, page=page)


@bp.get("/verteiler/<slug>/archiv/<int:message_id>")
def message(slug: str, message_id: int):
    mailing_list = _archive_list(slug)
    sent = _sent_message(mailing_list, message_id)
    return render_template(
        "mailing/message_archive_item.html",
        mailing_list=mailing_list,
        message=sent,
        body=archive_html(sent),
    )


@bp.get("/verteiler/<slug>/archiv/<int:message_id>/anhaenge/<int:file_id>")
def attachment(slug: str, message_id: int, file_id: int):
    mailing_list = _archive_list(slug)
    sent = _sent_message(mailing_list, message_id)
    stored = db.get_or_404(StoredFile, file_id)
    if stored not in sent.files:
        abort(404)
    return storage.send_stored_file(stored)
