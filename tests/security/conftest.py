"""other_app builds a second application with its own settings; make_read_only a folder."""

import subprocess
from pathlib import Path

import pytest
from flask import request_started

from netzwerk import create_app
from netzwerk.db import db
from tests.conftest import _forget_login, _test_config


@pytest.fixture()
def other_app(app, database_url, tmp_path):
    """A second application instance (another worker, or other settings) on the same data.

    It depends on app, whose teardown empties the tables both share.
    """
    made = []

    def make(**overrides):
        config = _test_config(database_url, tmp_path / f"other{len(made)}")
        config.update(overrides)
        instance = create_app(config)
        request_started.connect(_forget_login, instance)
        made.append(instance)
        return instance

    yield make
    for instance in made:
        with instance.app_context():
            db.session.remove()
            db.engine.dispose()


def _writable(folder: Path) -> bool:
    probe = folder / ".probe"
    try:
        probe.write_text("x")
    except OSError:
        return False
    probe.unlink()
    return True


@pytest.fixture()
def make_read_only():
    """Make a folder read-only for everyone, root included (who ignores permission bits)."""
    immutable, changed = [], []

    def make(folder: Path) -> Path:
        folder.chmod(0o555)
        changed.append(folder)
        if _writable(folder):
            subprocess.run(["chattr", "+i", str(folder)], check=True)
            immutable.append(folder)
        assert not _writable(folder)
        return folder

    yield make
    for folder in immutable:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    for folder in changed:
        folder.chmod(0o755)
