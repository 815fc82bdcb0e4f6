"""Server-rendered SVG bar charts: pure functions from numbers to markup.

No script, no CDN, no inline styles (the CSP forbids them): sizes and colours are SVG
presentation attributes, the page's CSS only scales the picture to the column. Bars run
horizontally with each label on its own line above them, so long German labels
(Berufsgruppen, Sozialräume, Zirkel) stay whole and readable on a phone.

Every chart is an image with a name (role="img", aria-labelledby its <title>) and a
short description (<desc>); the exact figures are in the table the page puts with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 480
LEFT = 1
VALUE_ROOM = 96  # right of the longest bar: "1.234" or "12 von 40"
BAR_WIDTH = WIDTH - LEFT - VALUE_ROOM
FONT_SIZE = 16
LABEL_HEIGHT = 21  # the label's line above its bars
BAR_HEIGHT = 17
GROUP_GAP = 9
LEGEND_HEIGHT = 28
SWATCH = 12
MAX_LABEL_CHARS = 54

# Each reaches at least 3:1 against white (WCAG 1.4.11), and they differ in lightness,
# so the series stay apart in greyscale prints as well.
SERIES_COLOURS = ("#1d4f91", "#b3541e", "#3f6b36")
TEXT_COLOUR = "#1b1f24"
TRACK_FILL = "#ffffff"
TRACK_STROKE = "#6b7580"
OFFERED_FILL = "#7a9cc9"


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]


def number_de(value: float | int | None) -> str:
    """1234 as "1.234", 12.5 as "12,5"; None as "–"."""
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{int(value):,}".replace(",", ".")


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def _text(x: float, y: float, content: str) -> str:
    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{FONT_SIZE}" fill="{TEXT_COLOUR}">'
        f"{escape(content)}</text>"
    )


def _rect(x: float, y: float, width: float, height: float, fill: str, stroke: str = "") -> str:
    outline = f' stroke="{stroke}" stroke-width="1"' if stroke else ""
    return (
        f'<rect x="{x:g}" y="{y:g}" width="{max(width, 0):.1f}" height="{height:g}"'
        f' fill="{fill}"{outline}/>'
    )


def _legend(entries: Sequence[tuple[str, str, str]]) -> list[str]:
    """(name, fill, stroke) swatches in a row above the chart."""
    body, x = [], LEFT
    for name, fill, stroke in entries:
        body.append(_rect(x + 0.5, 7.5, SWATCH, SWATCH, fill, stroke))
        body.append(_text(x + SWATCH + 6, 18, name))
        x += SWATCH + 6 + len(name) * FONT_SIZE * 0.62 + 18
    return body


def _frame(chart_id: str, title: str, description: str, height: float, body: list) -> Markup:
    title_id, desc_id = f"{chart_id}-titel", f"{chart_id}-beschreibung"
    # Safe: every text went through escape() here or in _text; the rest are numbers.
    return Markup(  # noqa: S704  # nosec B704  # texts escaped above
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"'
        f' aria-labelledby="{escape(title_id)}" aria-describedby="{escape(desc_id)}"'
        f' viewBox="0 0 {WIDTH} {height:g}" width="{WIDTH}" height="{height:g}">'
        f'<title id="{escape(title_id)}">{escape(title)}</title>'
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def _scale(largest: float) -> float:
    return BAR_WIDTH / largest if largest > 0 else 0.0


def bar_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """One group per label: the label, then one bar per series with its value."""
    largest = max((v or 0 for s in series for v in s.values), default=0)
    scale = _scale(largest)
    colours = [SERIES_COLOURS[i % len(SERIES_COLOURS)] for i in range(len(series))]
    body: list[str] = []
    top = 0
    if len(series) > 1:
        body += _legend([(s.name, colour, "") for s, colour in zip(series, colours, strict=True)])
        top = LEGEND_HEIGHT
    group_height = LABEL_HEIGHT + len(series) * BAR_HEIGHT + GROUP_GAP
    for row, label in enumerate(labels):
        y = top + row * group_height
        body.append(_text(LEFT, y + LABEL_HEIGHT - 5, _short(label)))
        for index, s in enumerate(series):
            value = s.values[row] or 0
            bar_y = y + LABEL_HEIGHT + index * BAR_HEIGHT
            length = value * scale
            body.append(_rect(LEFT, bar_y + 1, length, BAR_HEIGHT - 2, colours[index]))
            body.append(_text(LEFT + length + 5, bar_y + BAR_HEIGHT - 3, number_de(value)))
    if not labels:
        body.append(_text(LEFT, top + LABEL_HEIGHT, "Keine Daten"))
    height = top + max(len(labels), 1) * group_height
    names = " und ".join(s.name for s in series)
    description = f"Balkendiagramm: {names} je Zeile; die genauen Zahlen stehen in der Tabelle."
    return _frame(chart_id, title, description, height, body)


def share_chart(
    chart_id: str, title: str, rows: Sequence[tuple[str, int, int]], *, part_name: str
) -> Markup:
    """ "N von M" per label: an outlined bar for M with the filled part N inside."""
    largest = max((whole for _, _, whole in rows), default=0)
    scale = _scale(largest)
    body = _legend([(part_name, SERIES_COLOURS[0], ""), ("insgesamt", TRACK_FILL, TRACK_STROKE)])
    group_height = LABEL_HEIGHT + BAR_HEIGHT + GROUP_GAP
    for row, (label, part, whole) in enumerate(rows):
        y = LEGEND_HEIGHT + row * group_height
        bar_y = y + LABEL_HEIGHT
        body.append(_text(LEFT, y + LABEL_HEIGHT - 5, _short(label)))
        body.append(
            _rect(LEFT + 0.5, bar_y + 1.5, whole * scale, BAR_HEIGHT - 3, TRACK_FILL, TRACK_STROKE)
        )
        body.append(_rect(LEFT, bar_y + 1, part * scale, BAR_HEIGHT - 2, SERIES_COLOURS[0]))
        body.append(
            _text(
                LEFT + whole * scale + 5,
                bar_y + BAR_HEIGHT - 3,
                f"{number_de(part)} von {number_de(whole)}",
            )
        )
    if not rows:
        body.append(_text(LEFT, LEGEND_HEIGHT + LABEL_HEIGHT, "Keine Daten"))
    height = LEGEND_HEIGHT + max(len(rows), 1) * group_height
    description = (
        f"Balkendiagramm: je Zeile {part_name} als gefüllter Teil der Gesamtzahl; "
        "die genauen Zahlen stehen in der Tabelle."
    )
    return _frame(chart_id, title, description, height, body)


FILL_WIDTH = 200
FILL_HEIGHT = 14


def fill_bar(confirmed: int, offered: int, capacity: int | None) -> Markup:
    """How full an event is: confirmed places, then places on offer, against capacity.

    Decorative (aria-hidden): the page says the same in words right next to it.
    """
    if not capacity:
        return Markup("")
    scale = (FILL_WIDTH - 1) / max(capacity, confirmed + offered, 1)
    body = [
        _rect(0.5, 0.5, capacity * scale, FILL_HEIGHT - 1, TRACK_FILL, TRACK_STROKE),
        _rect(0.5, 0.5, confirmed * scale, FILL_HEIGHT - 1, SERIES_COLOURS[0]),
        _rect(0.5 + confirmed * scale, 0.5, offered * scale, FILL_HEIGHT - 1, OFFERED_FILL),
    ]
    return Markup(  # noqa: S704  # nosec B704  # numbers only
        f'<svg xmlns="http://www.w3.org/2000/svg" class="fill-bar" aria-hidden="true"'
        f' focusable="false" viewBox="0 0 {FILL_WIDTH} {FILL_HEIGHT}" width="{FILL_WIDTH}"'
        f' height="{FILL_HEIGHT}">' + "".join(body) + "</svg>"
    )
