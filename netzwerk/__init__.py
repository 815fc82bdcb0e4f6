"""Netzwerk: the platform of a Koordinierungsstelle Schulsozialarbeit."""

import logging

from flask import Flask

from netzwerk.config import Defaults, database_url, instance_secret_key, normalise_database_url
from netzwerk.extensions import babel, csrf, login_manager, mail, migrate


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
    )
    _ensure_instance_folder(app)

    app.config.from_object(Defaults)
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(app.instance_path)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("NETZWERK")
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)

    from netzwerk.security import init_security

    # Before the blueprints: the cookie names and the proxy depend on the final config.
    init_security(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)

    from netzwerk.core.richtext import init_richtext
    from netzwerk.core.templating import init_templating

    init_templating(app)
    init_richtext(app)
    from netzwerk.core.errors import init_error_handlers

    init_error_handlers(app)
    if not app.debug and not app.testing:
        from netzwerk.security.request_id import LOG_FORMAT

        # Every line names its request: the "Vorgangsnummer" on an error page finds it.
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    return app


def _ensure_instance_folder(app: Flask) -> None:
    import os

    os.makedirs(app.instance_path, exist_ok=True)


def _init_extensions(app: Flask) -> None:
    import netzwerk.models  # noqa: F401  (every model is known to metadata and migrations)
    from netzwerk.db import db

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    csrf.init_app(app)
    mail.init_app(app)
    babel.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Bitte melden Sie sich an, um diese Seite zu sehen."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from netzwerk.accounts.access import load_user

    login_manager.user_loader(load_user)


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")


def _register_blueprints(app: Flask) -> None:
    from netzwerk.accounts.routes import bp as accounts_bp
    from netzwerk.calendar.routes import bp as calendar_bp
    from netzwerk.circles.admin_routes import bp as circles_admin_bp
    from netzwerk.circles.message_routes import bp as circle_messages_bp
    from netzwerk.circles.routes import bp as circles_bp
    from netzwerk.core.routes import bp as core_bp
    from netzwerk.events.admin_routes import bp as events_admin_bp
    from netzwerk.events.certificate_routes import bp as certificates_bp
    from netzwerk.events.desk_routes import bp as events_desk_bp
    from netzwerk.events.routes import bp as events_bp
    from netzwerk.mailing.admin_routes import bp as mailing_admin_bp
    from netzwerk.mailing.archive_routes import bp as mailing_archive_bp
    from netzwerk.mailing.message_routes import bp as mailing_messages_bp
    from netzwerk.mailing.routes import bp as mailing_bp
    from netzwerk.members.admin_routes import bp as members_admin_bp
    from netzwerk.members.routes import bp as members_bp
    from netzwerk.members.school_routes import bp as schools_admin_bp
    from netzwerk.members.transfer_routes import bp as transfer_bp
    from netzwerk.newcomers.admin_routes import bp as newcomers_admin_bp
    from netzwerk.newcomers.routes import bp as newcomers_bp
    from netzwerk.privacy.admin_routes import bp as privacy_admin_bp
    from netzwerk.privacy.routes import bp as privacy_bp
    from netzwerk.reports.routes import bp as reports_bp
    from netzwerk.topics.admin_routes import bp as topics_admin_bp
    from netzwerk.topics.routes import bp as topics_bp

    for blueprint in (
        core_bp,
        accounts_bp,
        members_bp,
        members_admin_bp,
        schools_admin_bp,
        transfer_bp,
        newcomers_bp,
        newcomers_admin_bp,
        events_bp,
        events_admin_bp,
        events_desk_bp,
        certificates_bp,
        calendar_bp,
        mailing_bp,
        mailing_archive_bp,
        mailing_admin_bp,
        mailing_messages_bp,
        circles_bp,
        circles_admin_bp,
        circle_messages_bp,
        topics_bp,
        topics_admin_bp,
        privacy_bp,
        privacy_admin_bp,
        reports_bp,
    ):
        app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from netzwerk.accounts.cli import register as register_accounts_cli
    from netzwerk.demo.cli import register as register_demo_cli
    from netzwerk.events.cli import register as register_events_cli
    from netzwerk.mailing.cli import register as register_mail_cli
    from netzwerk.mailing.list_cli import register as register_lists_cli
    from netzwerk.newcomers.cli import register as register_newcomers_cli
    from netzwerk.privacy.cli import register as register_privacy_cli
    from netzwerk.security.backup import register as register_backup_cli

    register_accounts_cli(app)
    register_demo_cli(app)
    register_events_cli(app)
    register_mail_cli(app)
    register_lists_cli(app)
    register_newcomers_cli(app)
    register_privacy_cli(app)
    register_backup_cli(app)
