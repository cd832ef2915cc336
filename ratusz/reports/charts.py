"""Charts drawn on the server as SVG with pygal (no JavaScript: the SVG is shown as an
image with a text alternative, and the same numbers stand in a table beside it).

Why pygal: it is pure Python and writes SVG itself (no browser engine or binary like
Vega-Altair's vl-convert needs), its output is small and static once its script is
switched off, and the charts we need (bars, lines) are its core. Pinned in
requirements/base.txt."""

from __future__ import annotations

import base64
import functools
import hashlib
import json

import pygal
from django.core.cache import cache
from pygal.style import Style

#: High-contrast colours (WCAG AA against white), in the order series are drawn.
COLOURS = ("#1f4e79", "#b34700", "#2e7d32", "#6a1b9a", "#ad1457", "#00695c", "#5d4037",
           "#37474f")
STYLE = Style(background="white", plot_background="white", foreground="#1a1a1a",
              foreground_strong="#1a1a1a", foreground_subtle="#595959",
              colors=COLOURS, font_family="sans-serif", label_font_size=13,
              major_label_font_size=13, legend_font_size=13, title_font_size=15,
              value_font_size=12)
WIDTH, HEIGHT = 720, 360
#: A drawn chart is kept this long under a key made of everything it shows (the same
#: numbers and words give the same SVG, so nothing needs invalidating): a dashboard whose
#: snapshot has not changed draws nothing (drawing was half of a dashboard's time).
CACHE_SECONDS = 24 * 3600


def _cached(draw):
    @functools.wraps(draw)
    def cached(*args, **kwargs) -> str:
        text = json.dumps([draw.__name__, args, kwargs, WIDTH, HEIGHT, COLOURS], default=str)
        key = "reports:chart:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
        uri = cache.get(key)
        if uri is None:
            uri = draw(*args, **kwargs)
            cache.set(key, uri, CACHE_SECONDS)
        return uri
    return cached


def _config(chart_class, title: str, **options):
    return chart_class(style=STYLE, width=WIDTH, height=HEIGHT, title=title, js=[],
                       disable_xml_declaration=True, show_legend=options.pop("legend", True),
                       print_values=False, truncate_label=-1, x_label_rotation=30,
                       legend_at_bottom=True, **options)


def _data_uri(chart) -> str:
    svg = chart.render()
    if isinstance(svg, str):
        svg = svg.encode("utf-8")
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _clean(values):
    return [None if value is None else float(value) for value in values]


def _whole_number_axis(chart, values: list) -> None:
    """Counts up to 12 get one tick per whole number (pygal would draw 0.1, 0.2, … for a
    month with one request)."""
    present = [value for value in values if value is not None]
    if present and all(float(value).is_integer() and value >= 0 for value in present) \
            and max(present) <= 12:
        chart.y_labels = list(range(0, int(max(present)) + 1))


@_cached
def bar_chart(title: str, labels: list[str], values: list, *, series: str = "") -> str:
    """A bar chart as a data: URI (an <img> source)."""
    chart = _config(pygal.Bar, title, legend=bool(series))
    chart.x_labels = labels
    chart.add(series or title, _clean(values))
    _whole_number_axis(chart, _clean(values))
    return _data_uri(chart)


@_cached
def line_chart(title: str, x_labels: list[str], lines: list[tuple[str, list]]) -> str:
    """Lines by month (one per series) as a data: URI."""
    chart = _config(pygal.Line, title, legend=len(lines) > 1, allow_interruptions=True)
    chart.x_labels = x_labels
    for name, values in lines[:len(COLOURS)]:
        chart.add(name, _clean(values))
    _whole_number_axis(chart, [value for _name, values in lines[:len(COLOURS)]
                               for value in _clean(values)])
    return _data_uri(chart)


@_cached
def horizontal_bars(title: str, labels: list[str], values: list) -> str:
    """A ranking: one horizontal bar per item, best first."""
    chart = _config(pygal.HorizontalBar, title, legend=False)
    chart.x_labels = list(reversed(labels))
    chart.add(title, list(reversed(_clean(values))))
    return _data_uri(chart)
