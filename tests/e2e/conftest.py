"""Browser fixtures: the app under a real WSGI server, a real SMTP server, Debian's Chromium.

One server, one SMTP server and one browser serve the whole session; each test gets a
fresh browser context and an emptied database.
"""

import os
import threading
import warnings
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from netzwerk import create_app
from netzwerk.db import db
from tests.conftest import SMTPServer, _Collector, _empty_all_tables, _test_config, free_port
from tests.e2e.support import Site

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Quiet, reproducible Chromium: no updates, sync or first-run pages phoning home.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.hookimpl(trylast=True)  # after pytest's own grouping by session-scoped parameters
def pytest_collection_modifyitems(config, items):
    # The browser and the live server stay up until the session ends; running the
    # browser tests last keeps them out of the way of every other test.
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path).replace(os.sep, "/"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} fehlt: `make system-deps` installiert Debians chromium.")
    args = list(CHROMIUM_ARGS)
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium's sandbox refuses to run as root
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": args}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_app):
    return {
        **browser_context_args,
        "base_url": live_app.config["BASE_URL"],
        "locale": "de-DE",
        "timezone_id": "Europe/Berlin",
        "viewport": {"width": 1280, "height": 800},
    }


@pytest.fixture(scope="session")
def mail_server():
    collector = _Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SMTPServer(collector, controller.port)
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def live_app(database_url, tmp_path_factory, mail_server):
    config = _test_config(database_url, tmp_path_factory.mktemp("e2e-instance"))
    config.update(
        # A real browser posts real forms, tokens and all.
        WTF_CSRF_ENABLED=True,
        # Requests arrive for 127.0.0.1:<port>, not for the test suite's fake host.
        SERVER_NAME=None,
        MAIL_PORT=mail_server.port,
    )
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture()
def site(live_app, mail_server):
    """The running site with an app context for factories; emptied after the test."""
    with mail_server.collector.lock:
        mail_server.collector.messages.clear()
    with live_app.app_context():
        yield Site(live_app, mail_server)
        db.session.remove()
        _empty_all_tables()


@pytest.fixture()
def page(site, context, request):
    """A browser tab on the live site; its last page is kept as a screenshot."""
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    name = request.node.name.replace("[", "-").replace("]", "")
    for number, open_page in enumerate(context.pages):
        suffix = f"-{number}" if number else ""
        try:
            open_page.screenshot(path=ARTIFACTS / f"{name}{suffix}.png", full_page=True)
        except PlaywrightError as exc:  # a crashed tab must not hide the test's own failure
            warnings.warn(f"Kein Bildschirmfoto von {name}: {exc}", stacklevel=1)
