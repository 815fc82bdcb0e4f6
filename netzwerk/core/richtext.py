"""Markdown (or plain text) written by coordinators, rendered as safe HTML.

Raw HTML in the source is shown as text (markdown-it with html disabled); the
result then passes nh3 with a small allow-list, so neither scripts, event
handlers nor javascript: links reach a page, whatever the renderer lets through.
"""

import nh3
from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote",
    "code", "pre", "hr", "h3", "h4", "h5", "h6",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# The text sits below the page's h1 and a section's h2: "# Programm" becomes an h3.
HEADING_SHIFT = 2

# Images are links instead: no external image loads a reader did not ask for.
_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True}).disable("image")


def _shift_headings(state) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(int(token.tag[1]) + HEADING_SHIFT, 6)
            token.tag = f"h{level}"


_markdown.core.ruler.push("shift_headings", _shift_headings)


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    html = _markdown.render(text)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return Markup(cleaned)  # noqa: S704  # nosec B704  # sanitised by nh3 just above


def init_richtext(app: Flask) -> None:
    app.add_template_filter(render_markdown, "markdown")
