"""Hostile input for the property-based tests (test_fuzz_*.py): text as people and
programs really send it, and how to read the answer the platform gave."""

import html
import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Few examples per test, every one a full request: the suite runs twice (SQLite, PostgreSQL).
# No example database: the tests must not write .hypothesis/ into the working tree.
FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CONTROL = "".join(chr(code) for code in range(32)) + "\x7f\x85"
# Right-to-left text and the marks that flip what follows (the "Trojan Source" trick).
RIGHT_TO_LEFT = "\u202e\u202b\u2067\u200f\u061cمرحبا שלום"
# Emoji with joiners and variation selectors: one visible sign, several code points.
EMOJI = "👩\u200d👩\u200d👧🏳\ufe0f\u200d🌈🙂🧑🏽\u200d🏫"
GERMAN = "äöüßÄÖÜ-' "

special_text = st.text(alphabet=st.sampled_from(CONTROL + RIGHT_TO_LEFT + EMOJI + GERMAN))
any_text = st.text(max_size=80)  # all of Unicode but lone surrogates, which no form can send
# What a person may well type: anything printable, invisible marks and joiners included.
printable_text = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=80)
long_text = st.builds(
    lambda piece, times: piece * times,
    st.text(min_size=1, max_size=4),
    st.integers(min_value=60, max_value=3000),
)
hostile_text = st.one_of(
    st.sampled_from(["Anna", "Özdemir", "O'Brien", "  Müller-Lüdenscheidt  ", "李", ""]),
    printable_text,
    special_text,
    any_text,
    long_text,
    st.builds(lambda a, b: a + "\x00" + b, any_text, any_text),  # PostgreSQL refuses NUL
)


def email_addresses(pool: list[str]):
    """Well-formed addresses (some repeated, to try double sign-ups) and broken ones."""
    return st.one_of(
        st.sampled_from(pool),
        st.builds(lambda address: address.upper(), st.sampled_from(pool)),
        st.builds(lambda local: f"{local}@example.org", hostile_text),
        hostile_text,
    )


_FIELD_ERROR = re.compile(r'<p class="error" id="([\w-]+)-error">(.*?)</p>', re.S)


def field_errors(page: str) -> dict[str, str]:
    """The messages shown next to form fields, by field name."""
    return {name: html.unescape(text) for name, text in _FIELD_ERROR.findall(page)}


def stored(value: str) -> str:
    """What a form keeps of a typed value: it trims surrounding white space."""
    return value.strip()
