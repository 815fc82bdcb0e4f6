"""The SVG charts: pure functions, accessible images, bars to scale, text escaped."""

import re
from xml.etree import ElementTree

from netzwerk.reports.svg import BAR_WIDTH, Series, bar_chart, fill_bar, number_de, share_chart

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(markup) -> ElementTree.Element:
    return ElementTree.fromstring(str(markup))  # noqa: S314  (our own output)


def bar_widths(root) -> list[float]:
    return [
        float(rect.get("width"))
        for rect in root.iter("{http://www.w3.org/2000/svg}rect")
        if rect.get("height") != "12"  # not the legend's swatches
    ]


def test_a_chart_is_a_named_image_with_a_description():
    root = parse(bar_chart("c1", "Mitglieder nach Berufsgruppe", ["SchuSo"], [Series("n", (3,))]))

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-titel"
    assert root.get("aria-describedby") == "c1-beschreibung"
    assert root.find("svg:title", NS).text == "Mitglieder nach Berufsgruppe"
    assert root.find("svg:title", NS).get("id") == "c1-titel"
    assert "Tabelle" in root.find("svg:desc", NS).text
    assert "style" not in str(bar_chart("c", "t", ["a"], [Series("n", (1,))]))


def test_bars_are_to_scale_and_labelled_with_their_values():
    root = parse(bar_chart("c", "t", ["A", "B", "C"], [Series("n", (40, 10, 0))]))

    assert bar_widths(root) == [BAR_WIDTH, round(BAR_WIDTH / 4, 1), 0]
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["A", "40", "B", "10", "C", "0"]


def test_two_series_get_a_legend_and_two_bars_per_row():
    root = parse(
        bar_chart("c", "t", ["Fachtag"], [Series("Anmeldungen", (8,)), Series("Teilnahmen", (6,))])
    )
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts[:2] == ["Anmeldungen", "Teilnahmen"]
    assert texts[2:] == ["Fachtag", "8", "6"]
    fills = [r.get("fill") for r in root.iter("{http://www.w3.org/2000/svg}rect")]
    assert len(set(fills)) == 2


def test_share_chart_says_n_of_m():
    root = parse(share_chart("s", "t", [("Grundschule", 16, 18)], part_name="mit Fachkräften"))
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "16 von 18" in texts
    widths = sorted(float(r.get("width")) for r in root.iter("{http://www.w3.org/2000/svg}rect"))
    assert widths[-1] == BAR_WIDTH and round(widths[-2], 1) == round(BAR_WIDTH * 16 / 18, 1)


def test_labels_are_escaped_and_shortened():
    markup = str(bar_chart("c", "<b>", ['A & "B" <script>' + "x" * 80], [Series("n", (1,))]))
    assert "<script>" not in markup and "<b>" not in markup
    assert "A &amp; &#34;B&#34; &lt;script&gt;" in markup
    assert "…" in markup
    parse(markup)  # well-formed


def test_no_data_gives_an_empty_chart_not_an_error():
    root = parse(bar_chart("c", "t", [], [Series("n", ())]))
    assert [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")] == ["Keine Daten"]
    assert parse(share_chart("s", "t", [], part_name="x")) is not None
    assert parse(bar_chart("c", "t", ["A"], [Series("n", (0,))])) is not None


def test_fill_bar_is_decorative_and_shows_confirmed_then_offered():
    root = parse(fill_bar(15, 1, 16))
    assert root.get("aria-hidden") == "true"
    track, confirmed, offered = (
        float(r.get("width")) for r in root.iter("{http://www.w3.org/2000/svg}rect")
    )
    assert confirmed == round(track * 15 / 16, 1) and offered == round(track / 16, 1)
    assert str(fill_bar(3, 0, None)) == ""
    assert parse(fill_bar(25, 0, 20)) is not None  # overbooked by the office: still drawn


def test_german_numbers():
    assert number_de(1234) == "1.234"
    assert number_de(12.5) == "12,5"
    assert number_de(1234.5) == "1.234,5"
    assert number_de(3.0) == "3"
    assert number_de(None) == "–"
    assert re.fullmatch(r"\d{1,3}(\.\d{3})*", number_de(10**7))
