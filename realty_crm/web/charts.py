"""Charts drawn on the server as inline SVG: no script, nothing for the CSP to block.

Each chart is an ``img`` for assistive technology, named by its ``<title>`` and ``<desc>``;
every bar carries its own ``<title>`` (a tooltip) and a text label with its value, so the
figures read without colour. The SVG is built as an element tree, which escapes every text
and attribute. Pages show the same figures in a table beside the chart.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

WIDTH = 640
LABEL_WIDTH = 180  # the category names, right-aligned before the bars
VALUE_WIDTH = 90  # room after the longest bar for its value
BAR_HEIGHT = 16
BAR_GAP = 3
GROUP_GAP = 12
MARGIN = 8
LEGEND_HEIGHT = 24
LABEL_CHARS = 26
PALETTE = ("#1f5fbf", "#12b76a", "#f79009", "#7a5af8", "#667085")
TEXT_COLOUR = "#1d2330"
SVG_NS = "http://www.w3.org/2000/svg"


@dataclass
class Series:
    """One set of bars: a value per category, and how each value reads (defaults to the number)."""

    name: str
    values: Sequence[float]
    shown: Sequence[str] | None = None

    def label(self, index: int) -> str:
        return self.shown[index] if self.shown is not None else f"{self.values[index]:g}"


@dataclass
class Step:
    """One stage of a funnel: its name, its value, how the value reads, and a note (e.g. a rate)."""

    label: str
    value: float
    shown: str
    note: str = ""


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _svg(chart_id: str, title: str, description: str, height: float) -> ET.Element:
    svg = ET.Element("svg", {
        "xmlns": SVG_NS,
        "viewBox": f"0 0 {WIDTH} {height:g}",
        "role": "img",
        "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
        "class": "chart",
        "font-family": "system-ui, sans-serif",
        "font-size": "12",
    })
    ET.SubElement(svg, "title", id=f"{chart_id}-title").text = title
    ET.SubElement(svg, "desc", id=f"{chart_id}-desc").text = description
    return svg


def _text(parent: ET.Element, x: float, y: float, content: str, anchor: str = "start",
          weight: str = "normal") -> ET.Element:
    element = ET.SubElement(parent, "text", {
        "x": f"{x:g}", "y": f"{y:g}", "text-anchor": anchor, "dominant-baseline": "middle",
        "fill": TEXT_COLOUR, "font-weight": weight,
    })
    element.text = content
    return element


def _bar(parent: ET.Element, x: float, y: float, width: float, colour: str, tooltip: str) -> ET.Element:
    group = ET.SubElement(parent, "g")
    ET.SubElement(group, "title").text = tooltip
    ET.SubElement(group, "rect", {
        "x": f"{x:g}", "y": f"{y:g}", "width": f"{width:.1f}", "height": str(BAR_HEIGHT),
        "fill": colour, "rx": "2",
    })
    return group


def _markup(svg: ET.Element) -> Markup:
    return Markup(ET.tostring(svg, encoding="unicode", short_empty_elements=True))  # escaped by ElementTree


def bar_chart(
    chart_id: str, title: str, categories: Sequence[str], series: Sequence[Series], description: str = ""
) -> Markup:
    """Horizontal bars, one group per category and one bar per series, with a legend when there are
    several series. All series share one scale."""
    per_group = len(series) * BAR_HEIGHT + (len(series) - 1) * BAR_GAP
    legend = LEGEND_HEIGHT if len(series) > 1 else 0
    height = MARGIN * 2 + legend + len(categories) * (per_group + GROUP_GAP)
    svg = _svg(chart_id, title, description, height)
    largest = max((value for s in series for value in s.values), default=0) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH - MARGIN
    if legend:
        x = float(LABEL_WIDTH)
        for number, s in enumerate(series):
            key = ET.SubElement(svg, "g")
            ET.SubElement(key, "rect", {"x": f"{x:g}", "y": str(MARGIN), "width": "12", "height": "12",
                                        "fill": PALETTE[number % len(PALETTE)]})
            _text(key, x + 16, MARGIN + 6, s.name)
            x += 28 + 7 * len(s.name)
    for index, category in enumerate(categories):
        top = MARGIN + legend + index * (per_group + GROUP_GAP)
        name = _text(svg, LABEL_WIDTH - 8, top + per_group / 2, _short(category), anchor="end")
        if len(category) > LABEL_CHARS:
            ET.SubElement(name, "title").text = category
        for number, s in enumerate(series):
            y = top + number * (BAR_HEIGHT + BAR_GAP)
            width = room * max(s.values[index], 0) / largest
            shown = s.label(index)
            colour = PALETTE[number % len(PALETTE)]
            _bar(svg, LABEL_WIDTH, y, width, colour, f"{category} · {s.name}: {shown}")
            _text(svg, LABEL_WIDTH + width + 4, y + BAR_HEIGHT / 2, shown)
    return _markup(svg)


def funnel(chart_id: str, title: str, steps: Sequence[Step], description: str = "") -> Markup:
    """A funnel: one centred bar per stage, as wide as its share of the widest, with its value and note."""
    row = BAR_HEIGHT + 2 * BAR_GAP + 6
    height = MARGIN * 2 + len(steps) * row
    svg = _svg(chart_id, title, description, height)
    largest = max((step.value for step in steps), default=0) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH * 1.5 - MARGIN
    centre = LABEL_WIDTH + room / 2
    for index, step in enumerate(steps):
        y = MARGIN + index * row
        width = max(room * max(step.value, 0) / largest, 2)
        _text(svg, LABEL_WIDTH - 8, y + BAR_HEIGHT / 2, _short(step.label), anchor="end")
        tooltip = f"{step.label}: {step.shown}" + (f" ({step.note})" if step.note else "")
        _bar(svg, centre - width / 2, y, width, PALETTE[0], tooltip)
        _text(svg, LABEL_WIDTH + room + 8, y + BAR_HEIGHT / 2, step.shown, weight="bold")
        if step.note:
            _text(svg, LABEL_WIDTH + room + 8 + 8 * len(step.shown) + 6, y + BAR_HEIGHT / 2, step.note)
    return _markup(svg)
