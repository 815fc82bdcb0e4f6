"""Coordinators' Markdown appears as formatted text, never as active content."""

from html.parser import HTMLParser

import pytest
from flask import render_template_string

from netzwerk.core.richtext import render_markdown


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict]]:
    parser = _Elements()
    parser.feed(str(html))
    return parser.elements


def test_markdown_becomes_formatted_text():
    html = render_markdown("Ein **wichtiger** Tag\n\n- Vortrag\n- Foren")
    assert "<strong>wichtiger</strong>" in html
    assert "<li>Vortrag</li>" in html


def test_plain_text_keeps_its_line_breaks():
    assert "Zeile eins<br>" in render_markdown("Zeile eins\nZeile zwei")


def test_headings_fit_below_the_page_headings():
    assert "<h3>Programm</h3>" in render_markdown("# Programm")


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert('x')</script>",
        "Text <script src='https://evil.example/x.js'></script>",
        "<img src=x onerror=alert(1)>",
        '<a href="https://example.org" onclick="alert(1)">Klick</a>',
        "<div onmouseover='alert(1)'>Hover</div>",
        "<iframe src='https://evil.example'></iframe>",
    ],
)
def test_html_in_the_source_is_never_active(source):
    html = render_markdown(source)
    for tag, attrs in elements(html):
        assert tag not in ("script", "img", "iframe", "div")
        assert not any(name.startswith("on") for name in attrs)


@pytest.mark.parametrize(
    "source",
    [
        "[Klick](javascript:alert(1))",
        "[Klick](JAVASCRIPT:alert(1))",
        "[Klick](  javascript:alert(1))",
        "<javascript:alert(1)>",
        "[Klick](data:text/html;base64,PHNjcmlwdD4=)",
        "[Klick](vbscript:msgbox)",
    ],
)
def test_dangerous_links_are_dropped(source):
    for tag, attrs in elements(render_markdown(source)):
        if tag == "a":
            assert attrs["href"].startswith(("http://", "https://", "mailto:"))


def test_links_open_without_handing_over_the_page():
    html = render_markdown("[Programm](https://example.org/programm.pdf)")
    [attrs] = [attrs for tag, attrs in elements(html) if tag == "a"]
    assert attrs["href"] == "https://example.org/programm.pdf"
    assert attrs["rel"] == "noopener noreferrer"


def test_images_become_links_instead_of_loading():
    html = render_markdown("![Plakat](https://example.org/plakat.png)")
    assert [tag for tag, _ in elements(html)] == ["p", "a"]


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_templates_have_a_markdown_filter(app):
    with app.test_request_context():
        html = render_template_string("{{ text|markdown }}", text="**fett** <b>roh</b>")
    assert "<strong>fett</strong>" in html
    assert "&lt;b&gt;roh&lt;/b&gt;" in html
