"""The password rule: at least 10 characters, not a common password, no composition rules."""

from functools import cache
from pathlib import Path

MIN_LENGTH = 10


@cache
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text().splitlines() if line)


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """A German reason why the password is refused, or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Das Passwort muss mindestens {MIN_LENGTH} Zeichen lang sein."
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) <= 2:
        return (
            "Dieses Passwort ist zu verbreitet und leicht zu erraten. Bitte wählen Sie ein anderes."
        )
    personal = {email.lower(), email.split("@")[0].lower(), name.lower().replace(" ", "")}
    if lowered.replace(" ", "") in personal - {""}:
        return "Das Passwort darf nicht Ihr Name oder Ihre E-Mail-Adresse sein."
    return None
