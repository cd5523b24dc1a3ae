"""The board pack's charts, drawn for print: vector lines and real text in the PDF, native charts in PowerPoint.

A `PrintChart` holds the same traces as the dashboard's Plotly figure (`metrics.charts`), in the same
colours, dashes and marker shapes, built from the same frames (building Plotly figures only to read them
back costs seconds a pack). It is drawn

- into the PDF with fpdf2's own lines and text (`draw_pdf_chart`): every tick label, month and legend
  entry is text a reader (or pypdf) can find, at a size set in millimetres for an A4 page, with the
  legend above the plot so it never covers data;
- into PowerPoint as a native line chart (`add_pptx_chart`): categories are UK months ("Jul 2020"), the
  value axis carries its number format (0% or #,##0) and a title, so the board can restyle or read it.

No browser is involved, which is what makes the pack build in well under a second a page. Pure
drawing: no I/O beyond the document object passed in, no streamlit.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import pandas as pd

from metrics import charts, compute
from metrics.config import Metric
from metrics.months import format_month, to_month

TEXT = (33, 43, 50)
GREY = (66, 85, 99)
MID_GREY = (118, 134, 146)
GRID = (216, 222, 224)
# Month labels on the x axis: every month up to 8, quarters up to 15, then April and October (as on screen).
MONTH_TICKS = ((8, None), (15, (1, 4, 7, 10)), (10_000, (4, 10)))


@dataclass(frozen=True)
class Trace:
    """One line or set of markers: points are (month index, value); None breaks the line."""

    name: str
    points: list[tuple[int, float] | None]
    colour: str
    width: float = 1.5
    dash: str = "solid"
    step: bool = False
    lines: bool = True
    marker: str | None = None
    marker_colour: str = "#005EB8"
    marker_size: float = 6
    legend: bool = True


@dataclass(frozen=True)
class PrintChart:
    """What one chart shows, ready to draw at any size."""

    title: str
    months: list[dt.date]
    traces: list[Trace]
    percent: bool
    y_title: str
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[int, str]]
    financial_years: list[tuple[int, str]] = field(default_factory=list)
    rebases: list[int] = field(default_factory=list)
    note: str = ""
    summary: str = ""

    @property
    def y_range(self) -> tuple[float, float]:
        return self.y_ticks[0][0], self.y_ticks[-1][0]

    @property
    def month_labels(self) -> list[str]:
        return [format_month(m) for m in self.months]


# --- the pack's two charts, from the same frames as the screen's -----------------------------------------


def _month_of(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return to_month(pd.Timestamp(value).date())


def _number(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` evenly spaced round values covering low..high (steps of 1, 2, 2.5 or 5 × 10ⁿ)."""
    if not math.isfinite(low) or not math.isfinite(high):
        low, high = 0.0, 1.0
    if high - low < 1e-12:
        spread = abs(high) * 0.1 or 1.0
        low, high = low - spread, high + spread
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(s * magnitude for s in (1, 2, 2.5, 5, 10) if s * magnitude >= raw * 0.999)
    start, end = math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step
    steps = round((end - start) / step)
    return [round(start + i * step, 12) for i in range(steps + 1)]


def tick_label(value: float, step: float, percent: bool) -> str:
    """ "85%", "2.5%", "12,500", "0.5": as few decimals as the step needs."""
    scaled_step = step * 100 if percent else step
    decimals = next((d for d in range(3) if abs(round(scaled_step, d) - scaled_step) < 1e-9), 3)
    if percent:
        return f"{value * 100:,.{decimals}f}%"
    return f"{value:,.{decimals}f}"


def month_ticks(months: list[dt.date]) -> list[tuple[int, str]]:
    """(index, "Jul 2020") for the months labelled on the x axis."""
    for limit, chosen in MONTH_TICKS:
        if len(months) <= limit:
            return [(i, format_month(m)) for i, m in enumerate(months) if chosen is None or m.month in chosen]
    return []


def _finish(title: str, months: list[dt.date], traces: list[Trace], *, percent: bool, y_title: str, to_zero: bool,
            summary: str, note: str = "", rebases: list[int] | None = None) -> PrintChart:
    values = [p[1] for trace in traces for p in trace.points if p]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if to_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    ticks = nice_ticks(low, high)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    index = {m: i for i, m in enumerate(months)}
    return PrintChart(
        title=title, months=months, traces=traces, percent=percent, y_title=y_title,
        y_ticks=[(t, tick_label(t, step, percent)) for t in ticks],
        x_ticks=month_ticks(months),
        financial_years=[(index[m], f"FY {label}") for m, label in compute.fy_boundaries(months)],
        rebases=rebases or [], note=note, summary=summary,
    )


def _points(values) -> list[tuple[int, float] | None]:
    return [None if (number := _number(v)) is None else (i, number) for i, v in enumerate(values)]


def trajectory_chart(series: pd.DataFrame, metric: Metric, *, title: str, y_title: str, summary: str) -> PrintChart:
    """The actual series (a partial month as an open point of its own) against the stepped trajectory or
    target, as `metrics.charts.build_trajectory_chart` draws it on screen."""
    months = [to_month(m) for m in series["month"]]
    partial = (list(series["completeness"] == "partial") if "completeness" in series.columns
               else [False] * len(series))
    values = list(series["value"])
    traces = [Trace("Actual", _points([None if p else v for p, v in zip(partial, values, strict=True)]),
                    charts.NHS_BLUE, width=2.5, marker="circle", marker_colour=charts.NHS_BLUE, marker_size=6)]
    if any(partial):
        traces.append(Trace("Partial month (not all figures in)",
                            _points([v if p else None for p, v in zip(partial, values, strict=True)]),
                            charts.NHS_BLUE, lines=False, marker="circle-open", marker_colour=charts.NHS_BLUE,
                            marker_size=9))
    if series["target"].notna().any():
        traces.append(Trace("Trajectory" if metric.trajectory else "Target", _points(series["target"]),
                            charts.TARGET_RED, width=2, dash="dash", step=True))
    return _finish(title, months, traces, percent=metric.is_percent, y_title=y_title, to_zero=True, summary=summary)


def spc_chart(series: pd.DataFrame, spc_frame: pd.DataFrame, metric: Metric, *, title: str, y_title: str,
              summary: str, note: str = "") -> PrintChart:
    """The Making Data Count XmR chart as `metrics.charts.build_spc_chart` draws it: points by type (colour
    and shape), mean and process limits per rebase group (never joined across a rebase), the target."""
    months = [to_month(m) for m in spc_frame["month"]]
    groups = list(spc_frame["group"])

    def grouped(column: str) -> list[tuple[int, float] | None]:
        points: list[tuple[int, float] | None] = []
        for i, (value, group) in enumerate(zip(spc_frame[column], groups, strict=True)):
            if i and group != groups[i - 1]:
                points.append(None)
            number = _number(value)
            points.append(None if number is None else (i, number))
        return points

    traces = [
        Trace("Value", _points(spc_frame["value"]), charts.NHS_MID_GREY, width=1.2, legend=False),
        Trace("Process limits", grouped("upl"), charts.SPC_LIMIT_COLOUR, dash="dash"),
        Trace("Process limits", grouped("lpl"), charts.SPC_LIMIT_COLOUR, dash="dash", legend=False),
        Trace("Mean", grouped("mean"), charts.SPC_MEAN_COLOUR),
    ]
    targets = series.set_index(series["month"].map(to_month))["target"]
    target_values = [targets.get(m, float("nan")) for m in months]
    if pd.Series(target_values, dtype="float64").notna().any():
        traces.append(Trace("Trajectory" if metric.trajectory else "Target", _points(target_values),
                            charts.TARGET_RED, width=2, dash="dash", step=True))
    for point_type, (label, colour, symbol) in charts.SPC_POINT_STYLES.items():
        chosen = list(spc_frame["point_type"] == point_type)
        if any(chosen):
            values = [v if c else None for c, v in zip(chosen, spc_frame["value"], strict=True)]
            traces.append(Trace(label, _points(values), colour, lines=False, marker=symbol, marker_colour=colour,
                                marker_size=6 if point_type == "common_cause" else 8))
    rebases = [i for i in range(1, len(groups)) if groups[i] != groups[i - 1]]
    return _finish(title, months, traces, percent=metric.is_percent, y_title=y_title, to_zero=False,
                   summary=summary, note=note, rebases=rebases)


# --- PDF (fpdf2) ---------------------------------------------------------------------------------------


def _rgb(colour: str | tuple) -> tuple[int, int, int]:
    if isinstance(colour, tuple):
        return colour
    colour = colour.strip()
    if colour.startswith("rgba(") or colour.startswith("rgb("):
        parts = colour[colour.index("(") + 1 : -1].split(",")
        return int(parts[0]), int(parts[1]), int(parts[2])
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


DASHES = {"solid": (0, 0), "dash": (1.6, 1.0), "dot": (0.35, 0.7), "dashdot": (1.6, 0.6)}


def _set_dash(pdf, dash: str) -> None:
    on, off = DASHES.get(dash, DASHES["dash"])
    pdf.set_dash_pattern(on, off)


def _marker(pdf, symbol: str, x: float, y: float, size: float, colour: str) -> None:
    """A marker of `size` mm: circle, open circle, diamond, square or triangle (never colour alone)."""
    r = size / 2
    pdf.set_fill_color(*_rgb(colour))
    pdf.set_draw_color(*TEXT if symbol not in ("circle", "circle-open") else _rgb(colour))
    pdf.set_line_width(0.15)
    pdf.set_dash_pattern()
    if symbol == "circle-open":
        pdf.set_draw_color(*_rgb(colour))
        pdf.set_line_width(0.35)
        pdf.circle(x=x, y=y, radius=r, style="D")
    elif symbol == "diamond":
        pdf.polygon([(x, y - r * 1.2), (x + r * 1.2, y), (x, y + r * 1.2), (x - r * 1.2, y)], style="DF")
    elif symbol == "square":
        pdf.rect(x - r, y - r, 2 * r, 2 * r, style="DF")
    elif symbol == "triangle-up":
        pdf.polygon([(x, y - r * 1.2), (x + r * 1.2, y + r), (x - r * 1.2, y + r)], style="DF")
    elif symbol == "triangle-down":
        pdf.polygon([(x, y + r * 1.2), (x + r * 1.2, y - r), (x - r * 1.2, y - r)], style="DF")
    else:
        pdf.circle(x=x, y=y, radius=r, style="F")


def _legend_sample(pdf, trace: Trace, x: float, y: float) -> None:
    if trace.lines:
        pdf.set_draw_color(*_rgb(trace.colour))
        pdf.set_line_width(trace.width * 0.22)
        _set_dash(pdf, trace.dash) if trace.dash != "solid" else pdf.set_dash_pattern()
        pdf.line(x, y, x + 6, y)
        pdf.set_dash_pattern()
    if trace.marker:
        _marker(pdf, trace.marker, x + 3, y, 1.8, trace.marker_colour)


def draw_pdf_chart(pdf, chart: PrintChart, x: float, y: float, w: float, h: float, font: str = "DejaVu") -> float:
    """Draw `chart` in the box (mm); return the y under the box. Title, legend and FY labels sit above
    the plot, month labels under it, y tick labels to its left: nothing is drawn over the data."""
    bottom = y + h
    pdf.set_text_color(*TEXT)
    pdf.set_font(font, "B", 10)
    pdf.set_xy(x, y)
    pdf.cell(w, 5, chart.title)
    cursor = y + 5.5
    if chart.note:
        pdf.set_font(font, "", 7.5)
        pdf.set_text_color(*GREY)
        pdf.set_xy(x, cursor)
        pdf.cell(w, 3.6, chart.note)
        cursor += 3.8
    # Legend: wrapped rows of sample + name.
    pdf.set_font(font, "", 7.5)
    pdf.set_text_color(*TEXT)
    lx, row_h = x, 4.0
    for trace in (t for t in chart.traces if t.legend and t.name):
        item_w = 8 + pdf.get_string_width(trace.name) + 4
        if lx + item_w > x + w and lx > x:
            lx, cursor = x, cursor + row_h
        _legend_sample(pdf, trace, lx, cursor + row_h / 2)
        pdf.set_text_color(*TEXT)
        pdf.set_xy(lx + 7.5, cursor + 0.3)
        pdf.cell(pdf.get_string_width(trace.name) + 1, row_h - 0.6, trace.name)
        lx += item_w
    cursor += row_h + 0.5
    # Plot box.
    pdf.set_font(font, "", 7.5)
    label_w = max(pdf.get_string_width(label) for _, label in chart.y_ticks)
    left = x + 4.5 + label_w + 1.5
    top = cursor + 4  # room for the FY and rebase labels
    plot_bottom = bottom - 9  # month labels and the axis title
    plot_w, plot_h = x + w - left - 1, plot_bottom - top
    low, high = chart.y_range
    n = max(1, len(chart.months))

    def px(index: float) -> float:
        return left + (index + 0.5) * plot_w / n

    def py(value: float) -> float:
        return plot_bottom - (value - low) / (high - low or 1) * plot_h

    # Y axis title, rotated, at the far left.
    pdf.set_text_color(*GREY)
    centre_x, centre_y = x + 2.5, (top + plot_bottom) / 2
    with pdf.rotation(90, centre_x, centre_y):
        # text(), not a cell: set_x takes a negative x as "from the right edge".
        pdf.text(centre_x - pdf.get_string_width(chart.y_title) / 2, centre_y + 1, chart.y_title)
    # Grid and y tick labels.
    pdf.set_dash_pattern()
    for value, label in chart.y_ticks:
        yy = py(value)
        pdf.set_draw_color(*GRID)
        pdf.set_line_width(0.15)
        pdf.line(left, yy, left + plot_w, yy)
        pdf.set_text_color(*TEXT)
        pdf.set_xy(left - 1.5 - label_w, yy - 1.6)
        pdf.cell(label_w, 3.2, label, align="R")
    # X axis line, ticks and month labels.
    pdf.set_draw_color(*MID_GREY)
    pdf.set_line_width(0.25)
    pdf.line(left, plot_bottom, left + plot_w, plot_bottom)
    for index, label in chart.x_ticks:
        xx = px(index)
        pdf.line(xx, plot_bottom, xx, plot_bottom + 1.2)
        width = pdf.get_string_width(label) + 1
        pdf.set_xy(xx - width / 2, plot_bottom + 1.4)
        pdf.cell(width, 3.2, label, align="C")
    pdf.set_text_color(*GREY)
    pdf.set_xy(left, plot_bottom + 4.8)
    pdf.cell(plot_w, 3.2, "Month", align="C")
    # Financial years and rebases: a dotted line through the plot, the label just above it.
    pdf.set_font(font, "", 6.8)
    for index, label, dash in ([(i, lbl, "dot") for i, lbl in chart.financial_years]
                               + [(i - 0.5, "Rebased", "dashdot") for i in chart.rebases]):
        xx = px(index)
        pdf.set_draw_color(*MID_GREY)
        pdf.set_line_width(0.2)
        _set_dash(pdf, dash)
        pdf.line(xx, top - 0.5, xx, plot_bottom)
        pdf.set_dash_pattern()
        pdf.set_text_color(*GREY)
        pdf.set_xy(xx + (0.5 if dash == "dot" else -pdf.get_string_width(label) - 1.5), top - 3.6)
        pdf.cell(pdf.get_string_width(label) + 1, 3, label)
    # The traces.
    for trace in chart.traces:
        if trace.lines:
            pdf.set_draw_color(*_rgb(trace.colour))
            pdf.set_line_width(trace.width * 0.2)
            _set_dash(pdf, trace.dash) if trace.dash != "solid" else pdf.set_dash_pattern()
            for run in _runs(trace):
                coords = []
                for position, (i, v) in enumerate(run):
                    if trace.step and position:
                        coords.append((px(i), coords[-1][1]))
                    coords.append((px(i), py(v)))
                if trace.step and run:
                    coords.append((min(px(run[-1][0]) + plot_w / n / 2, left + plot_w), coords[-1][1]))
                if len(coords) > 1:
                    pdf.polyline(coords, style="D")
            pdf.set_dash_pattern()
        if trace.marker:
            size = max(1.0, trace.marker_size * 0.2)
            for point in trace.points:
                if point:
                    _marker(pdf, trace.marker, px(point[0]), py(point[1]), size, trace.marker_colour)
    pdf.set_text_color(*TEXT)
    pdf.set_draw_color(*TEXT)
    pdf.set_line_width(0.2)
    return bottom


def _runs(trace: Trace) -> list[list[tuple[int, float]]]:
    runs, current = [], []
    for point in trace.points:
        if point is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(point)
    if current:
        runs.append(current)
    return runs


# --- PowerPoint (python-pptx) --------------------------------------------------------------------------


def add_pptx_chart(slide, chart: PrintChart, left, top, width, height):
    """A native line chart: UK month categories, value axis with its number format and title, legend
    below the plot (entries for repeated lines hidden), markers by shape. Returns the chart."""
    from lxml import etree
    from pptx.chart.data import CategoryChartData
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
    from pptx.enum.dml import MSO_LINE_DASH_STYLE
    from pptx.util import Pt

    data = CategoryChartData(number_format="0%" if chart.percent else "#,##0")
    data.categories = chart.month_labels
    for trace in chart.traces:
        values: list[float | None] = [None] * len(chart.months)
        for point in trace.points:
            if point:
                values[point[0]] = point[1]
        data.add_series(trace.name, values)
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, left, top, width, height, data)
    plot = frame.chart
    plot.font.size, plot.font.name = Pt(10), "Arial"
    plot.has_title = True
    plot.chart_title.text_frame.text = chart.title
    plot.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(13)
    plot.chart_title.text_frame.paragraphs[0].runs[0].font.bold = True
    plot.has_legend = True
    plot.legend.position = XL_LEGEND_POSITION.BOTTOM
    plot.legend.include_in_layout = False
    plot.legend.font.size = Pt(9)

    value_axis = plot.value_axis
    low, high = chart.y_range
    value_axis.minimum_scale, value_axis.maximum_scale = low, high
    if len(chart.y_ticks) > 1:
        value_axis.major_unit = chart.y_ticks[1][0] - chart.y_ticks[0][0]
    value_axis.tick_labels.number_format = "0%" if chart.percent else "#,##0"
    if chart.percent and any("." in label for _, label in chart.y_ticks):
        value_axis.tick_labels.number_format = "0.0%"
    value_axis.tick_labels.number_format_is_linked = False
    value_axis.has_major_gridlines = True
    value_axis.major_gridlines.format.line.color.rgb = RGBColor(*GRID)
    value_axis.has_title = True
    value_axis.axis_title.text_frame.text = chart.y_title
    category_axis = plot.category_axis
    category_axis.has_title = True
    category_axis.axis_title.text_frame.text = "Month"
    category_axis.tick_labels.font.size = Pt(9)
    # Label every month up to 8, else every third (Apr, Jul, Oct, Jan when the series starts in a quarter).
    skip = 1 if len(chart.months) <= 8 else 3
    ax = category_axis._element
    for tag in ("tickLblSkip", "tickMarkSkip"):
        element = etree.SubElement(ax, f"{{http://schemas.openxmlformats.org/drawingml/2006/chart}}{tag}")
        element.set("val", str(skip))
    _order_category_axis(ax)

    dashes = {"dash": MSO_LINE_DASH_STYLE.DASH, "dot": MSO_LINE_DASH_STYLE.ROUND_DOT,
              "dashdot": MSO_LINE_DASH_STYLE.DASH_DOT}
    markers = {"circle": XL_MARKER_STYLE.CIRCLE, "circle-open": XL_MARKER_STYLE.CIRCLE,
               "diamond": XL_MARKER_STYLE.DIAMOND, "square": XL_MARKER_STYLE.SQUARE,
               "triangle-up": XL_MARKER_STYLE.TRIANGLE, "triangle-down": XL_MARKER_STYLE.TRIANGLE}
    hidden = []
    for position, (trace, series) in enumerate(zip(chart.traces, plot.plots[0].series, strict=True)):
        series.smooth = False
        line = series.format.line
        if trace.lines:
            line.color.rgb = RGBColor(*_rgb(trace.colour))
            line.width = Pt(trace.width)
            if trace.dash in dashes:
                line.dash_style = dashes[trace.dash]
        else:
            line.fill.background()
        if trace.marker:
            series.marker.style = markers.get(trace.marker, XL_MARKER_STYLE.CIRCLE)
            series.marker.size = max(4, int(trace.marker_size))
            if trace.marker == "circle-open":
                series.marker.format.fill.background()
            else:
                series.marker.format.fill.solid()
                series.marker.format.fill.fore_color.rgb = RGBColor(*_rgb(trace.marker_colour))
            series.marker.format.line.color.rgb = RGBColor(*_rgb(trace.marker_colour))
        else:
            series.marker.style = XL_MARKER_STYLE.NONE
        if not trace.legend or not trace.name:
            hidden.append(position)
    _hide_legend_entries(plot, hidden)
    return plot


_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
# c:catAx children in schema order (tickLblSkip and tickMarkSkip come late, before noMultiLvlLbl).
_CAT_AX_ORDER = ["axId", "scaling", "delete", "axPos", "majorGridlines", "minorGridlines", "title", "numFmt",
                 "majorTickMark", "minorTickMark", "tickLblPos", "spPr", "txPr", "crossAx", "crosses", "crossesAt",
                 "auto", "lblAlgn", "lblOffset", "tickLblSkip", "tickMarkSkip", "noMultiLvlLbl", "extLst"]


def _order_category_axis(ax) -> None:
    rank = {name: i for i, name in enumerate(_CAT_AX_ORDER)}
    children = sorted(ax, key=lambda child: rank.get(child.tag.replace(_C, ""), len(rank)))
    for child in children:
        ax.remove(child)
        ax.append(child)


def _hide_legend_entries(plot, positions: list[int]) -> None:
    from lxml import etree

    if not positions:
        return
    legend = plot.legend._element
    anchor = legend.find(f"{_C}legendPos")
    at = list(legend).index(anchor) + 1 if anchor is not None else 0
    for offset, position in enumerate(positions):
        entry = etree.Element(f"{_C}legendEntry")
        etree.SubElement(entry, f"{_C}idx").set("val", str(position))
        etree.SubElement(entry, f"{_C}delete").set("val", "1")
        legend.insert(at + offset, entry)
