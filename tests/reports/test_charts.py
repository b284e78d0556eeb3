"""Server-side SVG charts: well-formed, named for assistive technology, every value in text, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from realty_crm.web import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def _texts(svg: ET.Element) -> list[str]:
    return [element.text for element in svg.iter(f"{SVG}text")]


def test_bar_chart_is_a_named_image_with_a_labelled_bar_per_value():
    svg = _parse(charts.bar_chart(
        "c1", "Visits per source", ["Portal", "Referral"],
        [charts.Series("Prospects", [4, 2]), charts.Series("Won", [1, 0], ["1 won", "none"])],
        "Two sources.",
    ))

    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert svg.find(f"{SVG}title").text == "Visits per source"
    assert svg.find(f"{SVG}desc").text == "Two sources."
    assert _texts(svg) == ["Prospects", "Won", "Portal", "4", "1 won", "Referral", "2", "none"]
    tooltips = [g.find(f"{SVG}title").text for g in svg.iter(f"{SVG}g") if g.find(f"{SVG}title") is not None]
    assert tooltips == ["Portal · Prospects: 4", "Portal · Won: 1 won", "Referral · Prospects: 2",
                        "Referral · Won: none"]


def test_bars_are_as_long_as_their_share_of_the_largest_value():
    svg = _parse(charts.bar_chart("c2", "t", ["a", "b", "c"], [charts.Series("n", [10, 5, 0])]))

    widths = [float(rect.get("width")) for rect in svg.iter(f"{SVG}rect")]
    assert widths[0] > 0
    assert widths[1] == pytest.approx(widths[0] / 2, abs=0.1)
    assert widths[2] == 0


def test_a_single_series_has_no_legend_and_all_zero_values_draw():
    svg = _parse(charts.bar_chart("c3", "t", ["a"], [charts.Series("n", [0])]))

    assert _texts(svg) == ["a", "0"]


def test_funnel_shows_each_stage_with_its_value_and_note():
    svg = _parse(charts.funnel("f", "Pipeline", [
        charts.Step("New", 8, "8"),
        charts.Step("Contacted", 5, "5", "62.5%"),
        charts.Step("Won", 0, "0", "0%"),
    ]))

    assert _texts(svg) == ["New", "8", "Contacted", "5", "62.5%", "Won", "0", "0%"]
    widths = [float(rect.get("width")) for rect in svg.iter(f"{SVG}rect")]
    assert widths[1] == pytest.approx(widths[0] * 5 / 8, abs=0.1)
    assert widths[2] > 0  # an empty stage still shows a sliver, centred


def test_text_is_escaped_and_long_names_are_shortened_with_the_full_name_kept():
    long_name = "Penthouse with a terrace over the park <b>"
    markup = str(charts.bar_chart("c4", 'A "quoted" <title>', [long_name, "x&y"],
                                  [charts.Series("<script>", [1, 2])]))

    assert "<script>" not in markup and "<b>" not in markup
    assert "&lt;script&gt;" in markup and "x&amp;y" in markup
    svg = _parse(markup)
    assert svg.find(f"{SVG}title").text == 'A "quoted" <title>'
    label = next(t for t in svg.iter(f"{SVG}text") if t.text.startswith("Penthouse"))
    assert label.text.endswith("…") and len(label.text) == charts.LABEL_CHARS
    assert label.find(f"{SVG}title").text == long_name
