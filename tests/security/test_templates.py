"""No template contains inline code the Content-Security-Policy would block.

The policy allows scripts and styles from our own files only ('self', no
'unsafe-inline'), so inline code would silently stop working in the browser.
"""

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Mails are read in mail programs, not under our policy; inline styles are normal there.
PAGES = sorted(
    path for path in TEMPLATES.rglob("*.html") if path.relative_to(TEMPLATES).parts[0] != "mail"
)

FORBIDDEN = {
    "inline <script> (use a file in netzwerk/static)": re.compile(
        r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE
    ),
    "<style> block (use netzwerk/static/netzwerk.css)": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute (use a CSS class)": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler attribute (onclick=...)": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def problems_in(text: str) -> list[str]:
    found = []
    for what, pattern in FORBIDDEN.items():
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"line {line}: {what}")
    return found


def test_the_walk_finds_the_templates():
    assert len(PAGES) > 20
    assert TEMPLATES / "base.html" in PAGES


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_no_inline_code(path):
    assert problems_in(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="module">x()</script>',
        "<style>p { color: red }</style>",
        '<p style="color: red">',
        '<button onclick="go()">',
        '<a href="javascript:go()">',
    ],
)
def test_the_check_catches_inline_code(snippet):
    assert problems_in(snippet)


def test_the_check_allows_script_files_and_classes():
    allowed = '<script src="/static/app.js" defer></script><p class="notice" data-style="x">'
    assert problems_in(allowed) == []
