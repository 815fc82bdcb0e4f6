"""Who may see what: loading the logged-in user and guarding coordinator pages."""

from functools import cache, wraps

from flask import Blueprint, abort
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from netzwerk.accounts.models import User
from netzwerk.db import db


@cache
def _user_with_member():
    # The member profile in the same statement: most pages ask for it (navigation). Built
    # once, since every logged-in request runs it and building it cost as much as running
    # it; on first use, because the joinedload configures the mappers, which needs every
    # model imported.
    return select(User).options(joinedload(User.member)).where(User.id == bindparam("user_id"))


def load_user(session_id: str) -> User | None:
    user_id, _, stamp = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.execute(_user_with_member(), {"user_id": int(user_id)}).scalar_one_or_none()
    if user is None or user.get_id() != session_id:
        return None  # the password changed, or the user logged out, since this session began
    return user


def _require_coordinator() -> None:
    if not current_user.is_authenticated:
        from netzwerk.extensions import login_manager

        abort(login_manager.unauthorized())
    if not current_user.is_coordinator:
        abort(403)


def coordinator_blueprint(name: str, import_name: str, url_prefix: str = "") -> Blueprint:
    """A blueprint whose every route refuses anyone but coordinators."""
    bp = Blueprint(name, import_name, url_prefix="/verwaltung" + url_prefix)
    bp.before_request(_require_coordinator)
    return bp


def member_required(view):
    """Logged-in people with a member profile (coordinators may have one too)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.member is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
