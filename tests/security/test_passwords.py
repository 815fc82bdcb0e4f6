"""The list of common passwords: thousands of entries, and typical choices are refused."""

from pathlib import Path

import pytest

import netzwerk.accounts.passwords as passwords
from netzwerk.accounts.passwords import MIN_LENGTH, password_problem
from netzwerk.demo.context import DEMO_PASSWORD

LIST = Path(passwords.__file__).with_name("common_passwords.txt")


def test_the_list_holds_thousands_of_entries_each_long_enough_to_matter():
    entries = LIST.read_text(encoding="utf-8").splitlines()
    assert len(entries) >= 5000
    # Shorter ones are refused by the length rule anyway; the list is compared lower-cased.
    assert all(len(entry) >= MIN_LENGTH and entry == entry.lower() for entry in entries)
    assert len(set(entries)) == len(entries)


@pytest.mark.parametrize(
    "password",
    [
        "Michael1985",
        "Sommer2026!",
        "Schalke1904",
        "Qwertzuiop1",
        "IchLiebeDich123",
        "Passwort1234",
        "Willkommen2026",
        "Sonnenschein1",
        "1q2w3e4r5t6z",
        "Netzwerk2026",
    ],
)
def test_typical_choices_are_refused(password):
    assert "zu verbreitet" in password_problem(password)


@pytest.mark.parametrize(
    "password", ["Im Herbst fahren wir an die Nordsee", "Kastanien im Stadtpark", DEMO_PASSWORD]
)
def test_passphrases_and_the_demo_password_pass(password):
    assert password_problem(password) is None
