"""Plotly figures built from computed frames; they never query and never recompute.

Every chart follows the same conventions (DESIGN §8): the target or trajectory as a stepped line,
UK month labels ("Jul 2020"), NHS financial-year boundaries, hover with value, target and gap, and
NHS blue for the actual series. Status is carried in text (hover, tiles), never by colour alone.
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd
import plotly.graph_objects as go

from metrics import compute
from metrics.config import Metric
from metrics.months import format_month, to_month

NHS_BLUE = "#005EB8"
NHS_DARK_BLUE = "#003087"
NHS_DARK_GREY = "#425563"
NHS_MID_GREY = "#768692"
NHS_PALE_GREY = "#E8EDEE"
NHS_TEXT = "#212B32"
# Making Data Count draws targets in this red (SPC.md); we use it for trajectories too, so the
# board sees one target colour everywhere.
TARGET_RED = "#DE1B1B"
FONT = "Arial, Helvetica, sans-serif"
# Enough height for a legend, a financial-year label and a readable y axis in a half-width column.
DEFAULT_HEIGHT = 330
# The narrowest a chart is drawn (a 390 px phone less the page's padding): legends are laid out for it.
PHONE_CHART_WIDTH_PX = 330


def base_layout(fig: go.Figure, *, title: str | None, height: int, percent: bool) -> go.Figure:
    """The house layout: white background, UK month ticks, legend above the plot."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16, "color": NHS_TEXT}} if title else None,
        height=height,
        margin={"l": 10, "r": 10, "t": 70 if title else 40, "b": 10},
        paper_bgcolor="white",
        plot_bgcolor="white",
        font={"family": FONT, "size": 13, "color": NHS_TEXT},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1},
        hoverlabel={"font": {"family": FONT}},
        hovermode="closest",
    )
    fig.update_xaxes(
        tickformat="%b %Y",
        showgrid=False,
        linecolor=NHS_MID_GREY,
        ticks="outside",
        tickcolor=NHS_MID_GREY,
    )
    fig.update_yaxes(
        tickformat=".0%" if percent else ",.0f",
        gridcolor=NHS_PALE_GREY,
        zerolinecolor=NHS_PALE_GREY,
        rangemode="tozero",
    )
    return fig


def add_financial_years(fig: go.Figure, months: list[dt.date]) -> go.Figure:
    """A dotted line and a "2020/21" label at each April within the months shown."""
    for april, label in compute.fy_boundaries(months):
        fig.add_vline(x=pd.Timestamp(april).timestamp() * 1000, line={"color": NHS_MID_GREY, "dash": "dot", "width": 1})
        fig.add_annotation(
            x=pd.Timestamp(april),
            y=1,
            yref="paper",
            text=f"FY {label}",
            showarrow=False,
            xanchor="left",
            yanchor="top",
            font={"size": 11, "color": NHS_DARK_GREY},
        )
    return fig


def _tick_months(months: list[dt.date]) -> dict:
    # Every month for short ranges, quarters up to 15 months, then April and October only, so labels
    # never crowd or rotate in a half-width chart.
    if len(months) <= 8:
        chosen = months
    elif len(months) <= 15:
        chosen = [m for m in months if m.month in (1, 4, 7, 10)]
    else:
        chosen = [m for m in months if m.month in (4, 10)]
    return {"tickvals": [pd.Timestamp(m) for m in chosen], "ticktext": [format_month(m) for m in chosen]}


def hover_text(series: pd.DataFrame, metric: Metric) -> list[str]:
    """One hover line block per month: value, target, gap and status in words; for a partial month what
    has arrived; and the uploads behind the figure when the series carries them."""
    lines = []
    for row in series.to_dict("records"):
        status = compute.STATUS_WORDS.get(row["status"], row["status"])
        text = (
            f"<b>{format_month(row['month'])}</b><br>"
            f"Value: {compute.format_value(row['value'], metric)}<br>"
            f"Target: {compute.format_value(row['target'], metric)}<br>"
            f"Gap: {compute.format_gap(row['gap'], metric)}<br>"
            f"Status: {compute.STATUS_ICONS.get(row['status'], '')} {status}"
        )
        if row.get("completeness") == "partial" and row.get("completeness_text"):
            text += f"<br>{html.escape(_capitalise(row['completeness_text']))}"
        if row.get("source"):
            text += f"<br>{html.escape(row['source'])}"
        lines.append(text)
    return lines


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _partial_months(series: pd.DataFrame) -> list[bool]:
    if "completeness" not in series.columns:
        return [False] * len(series)
    return [state == "partial" for state in series["completeness"]]


def build_trajectory_chart(
    series: pd.DataFrame,
    metric: Metric,
    *,
    title: str | None = None,
    height: int = DEFAULT_HEIGHT,
    actual_name: str = "Actual",
) -> go.Figure:
    """The actual series against its stepped trajectory (or flat target), with FY boundaries; for a
    lower-is-better metric, "▼ Lower is better" under the title and the worse side of the target tinted."""
    frame = series.copy()
    frame["x"] = [pd.Timestamp(m) for m in frame["month"]]
    text = hover_text(frame, metric)
    partial = _partial_months(frame)
    fig = go.Figure()
    # A partial month is a hollow point on its own, not joined to the line: the line is the complete months.
    complete_y = [None if p else v for p, v in zip(partial, frame["value"], strict=True)]
    fig.add_trace(
        go.Scatter(
            x=frame["x"],
            y=complete_y,
            name=actual_name,
            mode="lines+markers",
            line={"color": NHS_BLUE, "width": 2.5},
            marker={"size": 6, "color": NHS_BLUE},
            hovertext=text,
            hoverinfo="text",
        )
    )
    if any(partial):
        chosen = [i for i, p in enumerate(partial) if p]
        fig.add_trace(
            go.Scatter(
                x=[frame["x"].iloc[i] for i in chosen],
                y=[frame["value"].iloc[i] for i in chosen],
                name="Partial month (not all figures in)",
                mode="markers",
                marker={"size": 10, "color": NHS_BLUE, "symbol": "circle-open", "line": {"width": 2}},
                hovertext=[text[i] for i in chosen],
                hoverinfo="text",
            )
        )
    if frame["target"].notna().any():
        fig.add_trace(
            go.Scatter(
                x=frame["x"],
                y=frame["target"],
                name="Trajectory" if metric.trajectory else "Target",
                mode="lines",
                line={"color": TARGET_RED, "width": 2, "dash": "dash", "shape": "hv"},
                hovertext=text,
                hoverinfo="text",
                connectgaps=False,
            )
        )
    months = [to_month(m) for m in frame["month"]]
    base_layout(fig, title=title, height=height, percent=metric.is_percent)
    fig.update_xaxes(**_tick_months(months))
    if months:
        fig.update_xaxes(range=[pd.Timestamp(months[0]) - pd.Timedelta(days=15),
                                pd.Timestamp(months[-1]) + pd.Timedelta(days=15)])
    add_financial_years(fig, months)
    if metric.improvement == "decrease":
        mark_lower_is_better(fig, series, title)
    # The legend under the month axis, sized for a phone's width: above the plot it met the title on a
    # narrow screen (issue 10).
    names = [trace.name for trace in fig.data if trace.showlegend is not False]
    legend_below(fig, names + (["Worse than target"] if metric.improvement == "decrease" else []),
                 width_px=PHONE_CHART_WIDTH_PX)
    return fig


def chart_csv_frame(series: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """The data behind a trajectory chart, in the units a person reads (for the CSV download)."""
    frame = pd.DataFrame(
        {
            "month": [format_month(m) for m in series["month"]],
            "metric": metric.label,
            "value": series["value"].round(6),
            "target": series["target"].round(6),
            "gap": series["gap"].round(6),
            "status": [compute.STATUS_WORDS.get(s, s) for s in series["status"]],
        }
    )
    if "completeness" in series.columns:
        frame["completeness"] = [
            text if state == "partial" else state.replace("_", " ")
            for state, text in zip(series["completeness"], series["completeness_text"], strict=True)
        ]
    return frame


# --- Making Data Count SPC view (issue 6) ---------------------------------------------------------

# SPC.md colours, with a marker symbol per point type so the type never rests on colour alone.
SPC_POINT_STYLES = {
    "common_cause": ("Common cause", "#a6a6a6", "circle"),
    "special_cause_improvement": ("Special cause: improvement", "#00b0f0", "diamond"),
    "special_cause_concern": ("Special cause: concern", "#e46c0a", "square"),
    "special_cause_neutral_high": ("Special cause: neutral, high", "#490092", "triangle-up"),
    "special_cause_neutral_low": ("Special cause: neutral, low", "#490092", "triangle-down"),
}
# Taller than a trajectory chart: its legend (up to seven items) sits under the month axis.
SPC_HEIGHT = DEFAULT_HEIGHT + 100
SPC_MEAN_COLOUR = NHS_DARK_GREY
SPC_LIMIT_COLOUR = NHS_MID_GREY
TRIAL_LIMITS_NOTE = "Trial limits: under 13 points since the rebase; they will move as months arrive."


def _segments_by_group(x: list, y: list, groups: list) -> tuple[list, list]:
    """x/y with a gap (None) between rebase groups, so a mean or limit line never joins across a rebase."""
    xs, ys, previous = [], [], None
    for xi, yi, gi in zip(x, y, groups, strict=True):
        if previous is not None and gi != previous:
            xs.append(None)
            ys.append(None)
        xs.append(xi)
        ys.append(yi)
        previous = gi
    return xs, ys


def spc_hover_text(spc_frame: pd.DataFrame, series: pd.DataFrame, metric: Metric) -> list[str]:
    """Hover per point: value, point type in words, mean and limits, target."""
    targets = {to_month(m): t for m, t in zip(series["month"], series["target"], strict=True)}
    lines = []
    for row in spc_frame.itertuples(index=False):
        kind = SPC_POINT_STYLES.get(row.point_type, ("No value", None, None))[0]
        lines.append(
            f"<b>{format_month(row.month)}</b><br>"
            f"Value: {compute.format_value(row.value, metric)}<br>"
            f"{kind}<br>"
            f"Mean: {compute.format_value(row.mean, metric)} · "
            f"limits {compute.format_value(row.lpl, metric)} to {compute.format_value(row.upl, metric)}<br>"
            f"Target: {compute.format_value(targets.get(to_month(row.month), float('nan')), metric)}"
        )
    return lines


def build_spc_chart(
    series: pd.DataFrame,
    spc_frame: pd.DataFrame,
    metric: Metric,
    *,
    title: str | None = None,
    height: int = SPC_HEIGHT,
) -> go.Figure:
    """A Making Data Count XmR chart: points by type (colour and symbol), mean and process limits per
    rebase group, rebase markers, the trajectory or target alongside, and a note for trial limits.

    `spc_frame` comes from `metrics.spc.spc_for_series` (with its `month` column); nothing is
    recomputed here.
    """
    frame = spc_frame.copy()
    frame["x"] = [pd.Timestamp(m) for m in frame["month"]]
    x, groups = list(frame["x"]), list(frame["group"])
    text = spc_hover_text(frame, series, metric)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=x, y=frame["value"], mode="lines", name="Value", showlegend=False,
                   line={"color": NHS_MID_GREY, "width": 1.2}, hoverinfo="skip")
    )
    lines = (("upl", "Process limits", "dash"), ("lpl", "Process limits", "dash"), ("mean", "Mean", "solid"))
    for column, name, dash in lines:
        xs, ys = _segments_by_group(x, list(frame[column]), groups)
        fig.add_trace(
            go.Scatter(
                x=xs, y=ys, mode="lines", name=name, legendgroup=name, showlegend=column != "lpl",
                line={"color": SPC_MEAN_COLOUR if column == "mean" else SPC_LIMIT_COLOUR, "width": 1.5, "dash": dash},
                hoverinfo="skip",
            )
        )
    targets = series.set_index(series["month"].map(to_month))["target"]
    target_y = [targets.get(to_month(m), float("nan")) for m in frame["month"]]
    if pd.Series(target_y).notna().any():
        fig.add_trace(
            go.Scatter(
                x=x, y=target_y, mode="lines", name="Trajectory" if metric.trajectory else "Target",
                line={"color": TARGET_RED, "width": 2, "dash": "dash", "shape": "hv"}, hoverinfo="skip",
            )
        )
    for point_type, (label, colour, symbol) in SPC_POINT_STYLES.items():
        chosen = frame["point_type"] == point_type
        if not chosen.any():
            continue
        fig.add_trace(
            go.Scatter(
                x=frame.loc[chosen, "x"], y=frame.loc[chosen, "value"], mode="markers", name=label,
                marker={"color": colour, "symbol": symbol, "size": 9 if point_type == "common_cause" else 11,
                        "line": {"color": NHS_TEXT if point_type != "common_cause" else colour, "width": 1}},
                hovertext=[t for t, c in zip(text, chosen, strict=True) if c], hoverinfo="text",
            )
        )
    months = [to_month(m) for m in frame["month"]]
    base_layout(fig, title=title, height=height, percent=metric.is_percent)
    fig.update_yaxes(rangemode="normal")
    fig.update_xaxes(**_tick_months(months))
    if months:
        fig.update_xaxes(range=[pd.Timestamp(months[0]) - pd.Timedelta(days=15),
                                pd.Timestamp(months[-1]) + pd.Timedelta(days=15)])
    add_financial_years(fig, months)
    for position in range(1, len(frame)):
        if groups[position] != groups[position - 1]:
            # A rebase sits between two months: draw it half a month before the first of the new group.
            at = x[position] - pd.Timedelta(days=15)
            fig.add_vline(x=at.timestamp() * 1000, line={"color": NHS_DARK_GREY, "dash": "dashdot", "width": 1.2})
            fig.add_annotation(x=at, y=0, yref="paper", text="Rebased", showarrow=False, xanchor="right",
                               yanchor="bottom", font={"size": 11, "color": NHS_DARK_GREY})
    # Up to seven legend items: below the month axis, where they do not crowd the title.
    legend_below(fig, [trace.name for trace in fig.data if trace.showlegend is not False])
    if bool(frame["trial_limits"].any()):
        if title:
            note = {"text": TRIAL_LIMITS_NOTE, "font": {"size": 12, "color": NHS_DARK_GREY}}
            fig.update_layout(title={"subtitle": note}, margin={"t": 78})
        else:
            fig.add_annotation(x=0, y=1, xref="paper", yref="paper", yshift=8, text=TRIAL_LIMITS_NOTE, showarrow=False,
                               xanchor="left", yanchor="bottom", font={"size": 12, "color": NHS_DARK_GREY})
    return fig


# --- service pages (issue 4): lower-is-better charts, the service heatmap, the ranking table --------

# Where a lower-is-better metric is worse than its target; a pale tint so the line stays readable.
WORSE_TINT = "rgba(222, 27, 27, 0.08)"


def mark_lower_is_better(fig: go.Figure, series: pd.DataFrame, title: str | None) -> go.Figure:
    """Say "lower is better" on the chart and tint the worse side of a stepped target."""
    note = f"<span style='font-size:12px;color:{NHS_DARK_GREY}'>▼ Lower is better</span>"
    fig.update_layout(
        title={"text": f"{title}<br>{note}" if title else note, "x": 0, "xanchor": "left"},
        margin={"t": 80},
    )
    values = pd.concat([series["value"], series["target"]]).dropna()
    if values.empty:
        return fig
    top = float(values.max()) * 1.12 or 1.0
    fig.update_yaxes(range=[0, top])
    first = True
    for start, end, target in _target_steps(series):
        fig.add_shape(
            type="rect", xref="x", yref="y", x0=start, x1=end, y0=target, y1=top,
            fillcolor=WORSE_TINT, line={"width": 0}, layer="below",
            name="Worse than target", showlegend=first, legendgroup="worse",
        )
        first = False
    return fig


def _target_steps(series: pd.DataFrame) -> list[tuple[pd.Timestamp, pd.Timestamp, float]]:
    # Runs of months with the same target, drawn like the "hv" step: from the month's start to the
    # next month's start.
    steps: list[tuple[pd.Timestamp, pd.Timestamp, float]] = []
    for month, target in zip(series["month"], series["target"], strict=True):
        if pd.isna(target):
            continue
        start = pd.Timestamp(to_month(month))
        end = start + pd.DateOffset(months=1)
        if steps and steps[-1][2] == target and steps[-1][1] == start:
            steps[-1] = (steps[-1][0], end, float(target))
        else:
            steps.append((start, end, float(target)))
    return steps


# Colour-blind-safe diverging scale for the service heatmap: orange below the month's target, blue
# above it, near-white on it (ColorBrewer PuOr's orange arm, RdBu's blue arm; the blue–orange axis
# survives the common colour-vision deficiencies). Position 0 is the worst gap, 1 the best.
HEATMAP_SCALE = [
    [0.0, "#B35806"],
    [0.25, "#F1A340"],
    [0.42, "#FEE0B6"],
    [0.5, "#F7F7F7"],
    [0.58, "#D1E5F0"],
    [0.75, "#67A9CF"],
    [1.0, "#2166AC"],
]
# The gap (percentage points, as a fraction) at which the colour stops getting deeper.
HEATMAP_GAP_LIMIT = 0.20
# Cells with a value but no target that month: a grey darker than the scale's near-white middle.
NO_TARGET_FILL = "#D8DDE0"
WHITE = "#FFFFFF"


def _hex_to_rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def scale_colour(position: float, scale: list[list] = HEATMAP_SCALE) -> str:
    """The colour at `position` (0–1) of a piecewise-linear colour scale, as "#RRGGBB"."""
    position = min(max(position, 0.0), 1.0)
    for i in range(len(scale) - 1):
        (p0, c0), (p1, c1) = scale[i], scale[i + 1]
        if p0 <= position <= p1:
            share = 0 if p1 == p0 else (position - p0) / (p1 - p0)
            rgb = [round(a + (b - a) * share) for a, b in zip(_hex_to_rgb(c0), _hex_to_rgb(c1), strict=True)]
            return "#{:02X}{:02X}{:02X}".format(*rgb)
    return scale[-1][1]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.1 contrast ratio of two "#RRGGBB" colours (1 to 21)."""

    def luminance(colour: str) -> float:
        channels = []
        for value in _hex_to_rgb(colour):
            c = value / 255
            channels.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        r, g, b = channels
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour_on(background: str) -> str:
    """Dark text on light cells, white on dark: whichever contrasts more with the background."""
    return NHS_TEXT if contrast_ratio(background, NHS_TEXT) >= contrast_ratio(background, WHITE) else WHITE


def _heatmap_position(gap: float, improvement: str) -> float:
    better = -gap if improvement == "decrease" else gap
    return 0.5 + 0.5 * max(-1.0, min(1.0, better / HEATMAP_GAP_LIMIT))


def _month_target_label(rows: pd.DataFrame, metric: Metric) -> str:
    targets = set(rows["target"].dropna().round(9))
    if not targets:
        return "no target"
    if len(targets) > 1:
        return "targets vary"
    target = targets.pop()
    # Whole percentages without decimals ("target 90%") keep two-line month labels narrow.
    text = f"{target:.0%}" if abs(target * 100 - round(target * 100)) < 1e-6 else f"{target:.1%}"
    return f"target {text}"


def build_service_heatmap(heatmap: pd.DataFrame, metric: Metric, *, title: str | None = None) -> go.Figure:
    """Service × month heatmap of a percentage metric, each cell's value printed in it (with the RAG
    icon when there is room) and coloured by its gap to that month's target on a colour-blind-safe
    diverging scale; grey where the month has no target. Services keep the frame's order, top down.
    """
    if not metric.is_percent:
        raise ValueError(f"the service heatmap shows percentage metrics; '{metric.id}' is a count")
    services = list(dict.fromkeys(heatmap["service"]))
    labels = [heatmap.loc[heatmap["service"] == s, "label"].iloc[0] for s in services]
    months = sorted({to_month(m) for m in heatmap["month"]})
    cells = {(row["service"], to_month(row["month"])): row for row in heatmap.to_dict("records")}
    wide = len(months) <= 12
    font_size = 12 if wide else (11 if len(months) <= 18 else 10)

    z_gap, z_grey, hover, annotations = [], [], [], []
    for y, service in enumerate(services):
        gap_row, grey_row, hover_row = [], [], []
        for x, month in enumerate(months):
            row = cells.get((service, month))
            value = None if row is None or pd.isna(row["value"]) else float(row["value"])
            gap = None if row is None or pd.isna(row["gap"]) else float(row["gap"])
            position = _heatmap_position(gap, metric.improvement) if gap is not None else None
            gap_row.append(position if position is not None else None)
            grey_row.append(0 if value is not None and gap is None else None)
            if row is None:
                hover_row.append(f"<b>{labels[y]}, {format_month(month)}</b><br>No data")
            else:
                status = row["status"]
                hover_row.append(
                    f"<b>{labels[y]}, {format_month(month)}</b><br>"
                    f"Value: {compute.format_value(row['value'], metric)}<br>"
                    f"Target: {compute.format_value(row['target'], metric)}<br>"
                    f"Gap: {compute.format_gap(row['gap'], metric)}<br>"
                    f"Status: {compute.STATUS_ICONS.get(status, '')} {compute.STATUS_WORDS.get(status, status)}"
                )
            if value is None:
                text, colour = "–", NHS_DARK_GREY
            else:
                text = f"{value:.1%}" if font_size >= 11 else f"{value * 100:.1f}"
                shown = ("green", "amber", "red", "partial")
                icon = compute.STATUS_ICONS.get(row["status"], "") if row["status"] in shown else ""
                if wide and icon:
                    text = f"{text} {icon}"
                fill = scale_colour(position) if position is not None else NO_TARGET_FILL
                colour = text_colour_on(fill)
            annotations.append(
                {"x": x, "y": y, "text": text, "showarrow": False, "font": {"size": font_size, "color": colour}}
            )
        z_gap.append(gap_row)
        z_grey.append(grey_row)
        hover.append(hover_row)

    x = list(range(len(months)))
    y = list(range(len(services)))
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            x=x, y=y, z=z_grey, zmin=0, zmax=1, colorscale=[[0, NO_TARGET_FILL], [1, NO_TARGET_FILL]],
            showscale=False, hovertext=hover, hoverinfo="text", hoverongaps=False, xgap=2, ygap=2,
            name="No target",
        )
    )
    fig.add_trace(
        go.Heatmap(
            x=x, y=y, z=z_gap, zmin=0, zmax=1, colorscale=HEATMAP_SCALE,
            hovertext=hover, hoverinfo="text", hoverongaps=False, xgap=2, ygap=2, name="Gap to target",
            # A horizontal key above the plot's right-hand side leaves the full width to the cells.
            colorbar={
                "title": {"text": "Gap to target (points)", "side": "top", "font": {"size": 12}},
                "orientation": "h", "x": 0.98, "xanchor": "right", "y": 1.02, "yanchor": "bottom",
                "len": 340, "lenmode": "pixels", "thickness": 10, "outlinewidth": 0,
                "tickvals": [0, 0.25, 0.5, 0.75, 1],
                "ticktext": ["≤ −20", "−10", "on target", "+10", "≥ +20"],
                "tickfont": {"size": 11},
            },
        )
    )
    height = 200 + 34 * max(len(services), 3)
    base_layout(fig, title=title, height=height, percent=True)
    fig.update_layout(annotations=annotations, hovermode="closest", showlegend=False,
                      margin={"l": 10, "r": 10, "t": 110 if title else 90, "b": 10})
    fig.update_xaxes(
        tickvals=x,
        ticktext=[
            f"{format_month(m)}<br><span style='font-size:10px;color:{NHS_DARK_GREY}'>"
            f"{_month_target_label(heatmap[heatmap['month'].map(to_month) == m], metric)}</span>"
            for m in months
        ],
        tickformat=None, range=[-0.5, len(months) - 0.5], ticks="", showline=False, tickangle=0,
        tickfont={"size": 11 if wide else 10},
    )
    fig.update_yaxes(
        tickvals=y, ticktext=labels, autorange="reversed", tickformat=None, showgrid=False, rangemode="normal",
        ticks="", zeroline=False,
    )
    for april, label in compute.fy_boundaries(months):
        position = months.index(april) - 0.5
        fig.add_vline(x=position, line={"color": NHS_DARK_GREY, "dash": "dot", "width": 1.5})
        fig.add_annotation(
            x=position, y=1, xref="x", yref="paper", text=f"FY {label}", showarrow=False,
            xanchor="left", yanchor="bottom", font={"size": 11, "color": NHS_DARK_GREY},
        )
    return fig


def heatmap_csv_frame(heatmap: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """The data behind the service heatmap (fractions for percentages), one row per service × month."""
    return pd.DataFrame(
        {
            "service": heatmap["label"].tolist(),
            "month": [format_month(m) for m in heatmap["month"]],
            "metric": metric.label,
            "value": heatmap["value"].astype(float).round(6).tolist(),
            "target": heatmap["target"].astype(float).round(6).tolist(),
            "gap": heatmap["gap"].astype(float).round(6).tolist(),
            "status": [compute.STATUS_WORDS.get(s, s) for s in heatmap["status"]],
            "numerator": heatmap["numerator"].astype(float).tolist(),
            "denominator": heatmap["denominator"].astype(float).tolist(),
        }
    )


def build_ranking_table(table: pd.DataFrame, statuses: list[str]):
    """A pandas Styler for a ranking table: the Status column (icon and words) on its RAG colour with
    AA-contrast text, so colour adds to the words and never replaces them."""

    def colour(column: pd.Series) -> list[str]:
        styles = []
        for status in statuses:
            background, foreground = compute.STATUS_COLOURS.get(status, compute.STATUS_COLOURS["no_data"])
            styles.append(f"background-color: {background}; color: {foreground}; font-weight: 600")
        return styles

    return table.style.apply(colour, subset=["Status"])


def _relative_luminance(colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    colour = colour.lstrip("#")
    r, g, b = (channel(int(colour[i : i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def readable_text_on(fill: str) -> str:
    """White or NHS dark text (#212B32), whichever contrasts more with a fill colour (WCAG 2.1 ratio).
    Used for SPC icons: dark on the blue, grey and orange, white on the purple."""
    background, dark = _relative_luminance(fill), _relative_luminance(NHS_TEXT)
    on_white = 1.05 / (background + 0.05)
    on_dark = (max(background, dark) + 0.05) / (min(background, dark) + 0.05)
    return "#FFFFFF" if on_white > on_dark else NHS_TEXT


# --- discharges, primary care, inequalities, Phase 3 assessment (issue 5) -------------------------

# Categorical series (pathways, referring sites, population groups) in NHS identity colours, each
# with its own bar pattern, line dash and marker, so no group is told apart by colour alone.
CATEGORY_COLOURS = ["#005EB8", "#00A499", "#330072", "#ED8B00", "#AE2573", "#425563", "#78BE20", "#003087"]
CATEGORY_PATTERNS = ["", "/", ".", "x", "\\", "+", "-", "|"]
CATEGORY_DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid", "dash"]
CATEGORY_MARKERS = ["circle", "square", "diamond", "triangle-up", "x", "star", "cross", "triangle-down"]
PERIOD_TINT = "rgba(0, 94, 184, 0.08)"


def _month_axis(fig: go.Figure, months: list[dt.date]) -> go.Figure:
    """UK month ticks, a half-month margin either side, and the financial-year markers."""
    fig.update_xaxes(**_tick_months(months))
    if months:
        fig.update_xaxes(range=[pd.Timestamp(months[0]) - pd.Timedelta(days=20),
                                pd.Timestamp(months[-1]) + pd.Timedelta(days=20)])
    return add_financial_years(fig, months)


# Over bars, the chosen period is a dashed frame with a faint tint on top of them: a band beneath
# full-height bars could not be seen (issue 10).
PERIOD_FRAME_TINT = "rgba(0, 48, 135, 0.07)"


def mark_period(fig: go.Figure, start: dt.date, end: dt.date, *, over_bars: bool = False) -> go.Figure:
    """Shade the chosen months, from the start of `start` to the end of `end` (the page's caption
    says what the band is; a label inside the plot would collide with the financial-year label).
    Behind lines the band sits below the traces; over bars (`over_bars`) it is a dashed frame above them."""
    x0, x1 = pd.Timestamp(start) - pd.Timedelta(days=15), pd.Timestamp(end) + pd.Timedelta(days=15)
    if over_bars:
        fig.add_vrect(x0=x0, x1=x1, fillcolor=PERIOD_FRAME_TINT, layer="above",
                      line={"color": NHS_DARK_BLUE, "width": 2, "dash": "dash"})
    else:
        fig.add_vrect(x0=x0, x1=x1, fillcolor=PERIOD_TINT, line={"width": 0}, layer="below")
    return fig


def legend_below(fig: go.Figure, labels: list[str], width_px: int = 520) -> go.Figure:
    """A legend under the month axis (long group names do not fit above a half-width chart). Items
    flow at their natural width, never cut short; the bottom margin grows with the rows they need
    (estimated for a half-width chart) so the legend never covers the tick labels."""
    rows, used = 1, 0
    for label in labels:
        item = 40 + 7 * len(label)  # symbol and gap, then ~7 px a character at 12 px Arial
        if used and used + item > width_px:
            rows, used = rows + 1, 0
        used += item
    fig.update_layout(
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "xanchor": "left", "x": 0,
                "font": {"size": 12}},
        margin={"b": 44 + 21 * rows},
    )
    return fig


def build_breakdown_chart(
    breakdown: pd.DataFrame,
    *,
    title: str | None = None,
    value_name: str = "Value",
    period: tuple[dt.date, dt.date] | None = None,
    height: int = DEFAULT_HEIGHT,
) -> go.Figure:
    """Monthly stacked bars, one colour and pattern per group (month, label, value, share), with the
    chosen period shaded. Hover: month, group, value and its share of the month."""
    fig = go.Figure()
    labels = list(dict.fromkeys(breakdown["label"]))
    for i, label in enumerate(labels):
        rows = breakdown[breakdown["label"] == label]
        fig.add_trace(
            go.Bar(
                x=[pd.Timestamp(m) for m in rows["month"]],
                y=rows["value"],
                name=label,
                marker={"color": CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)],
                        "pattern": {"shape": CATEGORY_PATTERNS[i % len(CATEGORY_PATTERNS)], "fillmode": "overlay",
                                    "fgcolor": "rgba(255, 255, 255, 0.75)", "size": 7}},
                hovertext=[f"<b>{format_month(m)}</b><br>{label}<br>{value_name}: {v:,.0f} ({s:.0%} of the month)"
                           for m, v, s in zip(rows["month"], rows["value"], rows["share"], strict=True)],
                hoverinfo="text",
            )
        )
    months = sorted({to_month(m) for m in breakdown["month"]})
    base_layout(fig, title=title, height=height + 22 * ((len(labels) + 1) // 2), percent=False)
    fig.update_layout(barmode="stack", bargap=0.15)
    legend_below(fig, labels)
    _month_axis(fig, months)
    if period:
        mark_period(fig, *period, over_bars=True)
    return fig


def build_share_chart(
    series: pd.DataFrame, metric: Metric, *, title: str | None = None,
    period: tuple[dt.date, dt.date] | None = None, height: int = DEFAULT_HEIGHT,
) -> go.Figure:
    """`build_trajectory_chart` (value against a stepped target) with the chosen period shaded."""
    fig = build_trajectory_chart(series, metric, title=title, height=height)
    if period:
        mark_period(fig, *period)
    return fig


def build_reference_chart(
    series: pd.DataFrame, metric: Metric, *, reference_month: dt.date | None, title: str | None = None,
    height: int = DEFAULT_HEIGHT,
) -> go.Figure:
    """A count against its reference month (e.g. eConsult against February 2020): the monthly line in
    NHS blue and the reference level as a dotted line. Hover: value, the reference and the ratio."""
    frame = series.copy()
    frame["x"] = [pd.Timestamp(m) for m in frame["month"]]
    reference = frame["denominator"].dropna()
    level = float(reference.iloc[0]) if not reference.empty else float("nan")
    ref_label = format_month(reference_month) if reference_month else "reference"
    text = []
    for month, value in zip(frame["month"], frame["value"], strict=True):
        line = f"<b>{format_month(month)}</b><br>{metric.label}: {compute.format_value(value, metric)}"
        if pd.notna(level) and level and pd.notna(value):
            line += f"<br>{ref_label}: {level:,.0f}<br>{value / level:.0%} of {ref_label}"
        text.append(line)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=frame["x"], y=frame["value"], name=metric.label, mode="lines+markers",
        line={"color": NHS_BLUE, "width": 2.5}, marker={"size": 6, "color": NHS_BLUE},
        hovertext=text, hoverinfo="text",
    ))
    if pd.notna(level):
        fig.add_trace(go.Scatter(
            x=frame["x"], y=[level] * len(frame), name=f"{ref_label} level ({level:,.0f})", mode="lines",
            line={"color": NHS_DARK_GREY, "width": 2, "dash": "dot"}, hoverinfo="skip",
        ))
    months = [to_month(m) for m in frame["month"]]
    base_layout(fig, title=title, height=height, percent=False)
    return _month_axis(fig, months)


def build_pcn_chart(
    table: pd.DataFrame, *, title: str | None = None, value_name: str = "Submissions",
    reference_label: str | None = None, height: int | None = None,
) -> go.Figure:
    """Horizontal bars, one per PCN (label, value, ratio), each labelled with its value and, with a
    reference, its share of the reference month (e.g. "1,834 · 412% of Feb 2020")."""
    frame = table.iloc[::-1]  # first PCN at the top
    text = [
        f"{v:,.0f}" + (f" · {r:.0%} of {reference_label}" if reference_label and pd.notna(r) else "")
        if pd.notna(v) else "no figure"
        for v, r in zip(frame["value"], frame["ratio"], strict=True)
    ]
    fig = go.Figure(go.Bar(
        x=frame["value"].fillna(0), y=frame["label"], orientation="h", marker={"color": NHS_BLUE},
        text=text, textposition="outside", cliponaxis=False,
        hovertext=[f"<b>{lab}</b><br>{value_name}: {t}" for lab, t in zip(frame["label"], text, strict=True)],
        hoverinfo="text", name=value_name,
    ))
    base_layout(fig, title=title, height=height or 60 + 34 * max(len(frame), 1), percent=False)
    top = float(frame["value"].max()) if frame["value"].notna().any() else 1.0
    fig.update_xaxes(tickformat=",.0f", range=[0, top * 1.45], showgrid=True, gridcolor=NHS_PALE_GREY)
    fig.update_yaxes(automargin=True, gridcolor="white")
    fig.update_layout(showlegend=False, margin={"r": 20})
    return fig


def build_segment_chart(
    recovery: pd.DataFrame, metric: Metric, *, title: str | None = None, height: int = 380
) -> go.Figure:
    """Recovery by population group (month, label, value, target, gap): one line per group, each with
    its own dash and marker, and the trajectory as a stepped red line. Hover: value, target, gap."""
    fig = go.Figure()
    labels = list(dict.fromkeys(recovery["label"]))
    for i, label in enumerate(labels):
        rows = recovery[recovery["label"] == label]
        text = [
            f"<b>{label}</b><br>{format_month(m)}<br>Recovery: {compute.format_value(v, metric)}<br>"
            f"Trajectory: {compute.format_value(t, metric)}<br>Gap: {compute.format_gap(g, metric)}"
            for m, v, t, g in zip(rows["month"], rows["value"], rows["target"], rows["gap"], strict=True)
        ]
        fig.add_trace(go.Scatter(
            x=[pd.Timestamp(m) for m in rows["month"]], y=rows["value"], name=label, mode="lines+markers",
            line={"color": CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)], "width": 2,
                  "dash": CATEGORY_DASHES[i % len(CATEGORY_DASHES)]},
            marker={"symbol": CATEGORY_MARKERS[i % len(CATEGORY_MARKERS)], "size": 7},
            hovertext=text, hoverinfo="text",
        ))
    if labels:
        first = recovery[recovery["label"] == labels[0]]
        if first["target"].notna().any():
            fig.add_trace(go.Scatter(
                x=[pd.Timestamp(m) for m in first["month"]], y=first["target"], name="Trajectory", mode="lines",
                line={"color": TARGET_RED, "width": 2, "dash": "dash", "shape": "hv"},
                hovertext=[f"<b>Trajectory</b><br>{format_month(m)}: {compute.format_value(t, metric)}"
                           for m, t in zip(first["month"], first["target"], strict=True)],
                hoverinfo="text",
            ))
    months = sorted({to_month(m) for m in recovery["month"]})
    base_layout(fig, title=title, height=height, percent=True)
    legend_below(fig, [*labels, "Trajectory"], width_px=640)
    return _month_axis(fig, months)


def build_gap_chart(gap: pd.DataFrame, *, title: str | None = None, height: int = DEFAULT_HEIGHT) -> go.Figure:
    """The gap in recovery between the most and least deprived quintiles (month, most_deprived,
    least_deprived, gap), in percentage points; zero is marked, below it the most deprived trail."""
    points = gap["gap"] * 100
    text = [
        f"<b>{format_month(m)}</b><br>Most deprived: {a:.1%}<br>Least deprived: {b:.1%}<br>"
        f"Gap: {'+' if g > 0 else '−' if g < 0 else '±'}{abs(g):.1f} pts"
        if pd.notna(g) else f"<b>{format_month(m)}</b><br>No figure"
        for m, a, b, g in zip(gap["month"], gap["most_deprived"], gap["least_deprived"], points, strict=True)
    ]
    fig = go.Figure(go.Scatter(
        x=[pd.Timestamp(m) for m in gap["month"]], y=points, name="Most minus least deprived",
        mode="lines+markers", line={"color": NHS_BLUE, "width": 2.5}, marker={"size": 6, "color": NHS_BLUE},
        hovertext=text, hoverinfo="text",
    ))
    months = sorted({to_month(m) for m in gap["month"]})
    base_layout(fig, title=title, height=height, percent=False)
    fig.update_yaxes(tickformat="+.0f", ticksuffix=" pts", rangemode="normal", zeroline=True,
                     zerolinecolor=NHS_DARK_GREY, zerolinewidth=1.5)
    fig.add_annotation(x=1, xref="paper", y=0, yref="y", text="Equal recovery", showarrow=False, xanchor="right",
                       yanchor="top", font={"size": 11, "color": NHS_DARK_GREY})
    fig.update_layout(showlegend=False)
    return _month_axis(fig, months)


def build_rag_counts_chart(counts: pd.DataFrame, *, title: str | None = None, height: int = 340) -> go.Figure:
    """RAG counts per review (review_id, label, rag, count, status, text) as bars grouped by review
    date, one per rating in the order Red, Amber, Green, TBC. Every bar carries its rating and count
    in words above it ("▲ Amber 17"), a zero included, so the chart never relies on colour."""
    fig = go.Figure()
    reviews = list(dict.fromkeys(counts["label"]))
    totals = counts.groupby("label", sort=False)["count"].sum()
    for rag in dict.fromkeys(counts["rag"]):
        rows = counts[counts["rag"] == rag]
        fill, _ink = compute.STATUS_COLOURS.get(rows["status"].iloc[0], compute.STATUS_COLOURS["no_data"])
        fig.add_trace(go.Bar(
            x=rows["label"], y=rows["count"], name=rag,
            marker={"color": fill, "line": {"color": NHS_DARK_GREY, "width": 1}},
            text=list(rows["text"]),
            textposition="outside", cliponaxis=False, textfont={"color": NHS_TEXT, "size": 12},
            hovertext=[f"<b>{lab}</b><br>{t} of {totals[lab]} requirements"
                       for lab, t in zip(rows["label"], rows["text"], strict=True)],
            hoverinfo="text",
        ))
    base_layout(fig, title=title, height=height, percent=False)
    top = float(counts["count"].max()) if not counts.empty else 1.0
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.08, uniformtext={"minsize": 11, "mode": "show"})
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=reviews, tickformat=None,
                     title={"text": "Review date"})
    fig.update_yaxes(title={"text": "Requirements"}, tickformat=",d", range=[0, top * 1.35])
    return fig


def build_count_chart(
    frame: pd.DataFrame, column: str, *, name: str, title: str | None = None,
    period: tuple[dt.date, dt.date] | None = None, height: int = DEFAULT_HEIGHT,
) -> go.Figure:
    """Monthly bars of one count (`month` and `column`) in NHS blue, with the chosen period shaded.
    For counts with no target or trajectory (saved bed days, welfare calls)."""
    fig = go.Figure(go.Bar(
        x=[pd.Timestamp(m) for m in frame["month"]], y=frame[column], name=name, marker={"color": NHS_BLUE},
        hovertext=[f"<b>{format_month(m)}</b><br>{name}: " + ("no figure" if pd.isna(v) else f"{v:,.0f}")
                   for m, v in zip(frame["month"], frame[column], strict=True)],
        hoverinfo="text",
    ))
    base_layout(fig, title=title, height=height, percent=False)
    fig.update_layout(showlegend=False, bargap=0.15)
    _month_axis(fig, sorted({to_month(m) for m in frame["month"]}))
    if period:
        mark_period(fig, *period, over_bars=True)
    return fig


# --- demand and capacity (issue 12): the waiting list, its projection and band, scenarios, backtest -----

BAND_FILL = "rgba(0, 94, 184, 0.15)"
SECOND_COLOUR = "#ED8B00"  # NHS warm yellow: the second scenario, with its own dash and marker
SECOND_BAND_FILL = "rgba(237, 139, 0, 0.15)"


def _x(months) -> list[pd.Timestamp]:
    return [pd.Timestamp(to_month(m)) for m in months]


def _band(fig: go.Figure, frame: pd.DataFrame, name: str, fill: str) -> None:
    """The simulation's band as a shaded area between its lower and upper edges."""
    x = _x(frame["month"])
    fig.add_trace(go.Scatter(x=x, y=frame["upper"], mode="lines", line={"width": 0}, showlegend=False,
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=x, y=frame["lower"], mode="lines", line={"width": 0}, fill="tonexty", fillcolor=fill, name=name,
        hovertext=[f"<b>{format_month(m)}</b><br>{name}: {lo:,.0f} to {hi:,.0f}"
                   for m, lo, hi in zip(frame["month"], frame["lower"], frame["upper"], strict=True)],
        hoverinfo="text",
    ))


def _count_line(fig: go.Figure, months, values, *, name: str, colour: str = NHS_BLUE, dash: str = "solid",
                symbol: str = "circle") -> None:
    fig.add_trace(go.Scatter(
        x=_x(months), y=list(values), mode="lines+markers", name=name,
        line={"color": colour, "width": 2.5, "dash": dash}, marker={"size": 5, "color": colour, "symbol": symbol},
        hovertext=[f"<b>{format_month(m)}</b><br>{name}: " + ("no figure" if pd.isna(v) else f"{v:,.0f}")
                   for m, v in zip(months, values, strict=True)],
        hoverinfo="text",
    ))


def _count_layout(fig: go.Figure, months: list[dt.date], title: str | None, height: int) -> go.Figure:
    base_layout(fig, title=title, height=height, percent=False)
    legend_below(fig, [t.name for t in fig.data if t.showlegend is not False and t.name], width_px=900)
    return _month_axis(fig, sorted(set(months)))


def build_waiting_list_chart(
    history: pd.DataFrame, total: pd.DataFrame, *, target_queue: float, target: dt.date,
    scenario: str, band: float = 0.8, title: str | None = None, height: int = 420,
) -> go.Figure:
    """The actual list (NHS blue) to the latest complete month, the projection under the scenario (dashed)
    with the simulation's band, and the 18-week target list size as a stepped red line to the target date."""
    fig = go.Figure()
    _band(fig, total, f"Simulation: central {band:.0%} of runs", BAND_FILL)
    _count_line(fig, history["month"], history["waiting_list"], name="Waiting list (actual)")
    _count_line(fig, total["month"], total["projected"], name=f"Projected: {scenario}", dash="dash",
                symbol="diamond-open")
    start = to_month(total["month"].iloc[0])
    steps = [m for m in total["month"] if to_month(m) <= to_month(target)]
    fig.add_trace(go.Scatter(
        x=_x(steps), y=[target_queue] * len(steps), mode="lines", line={"color": TARGET_RED, "width": 2, "shape": "hv"},
        name="List size for the 18-week target (mean wait 4.5 weeks)",
        hovertext=[f"<b>{format_month(m)}</b><br>18-week target list: {target_queue:,.0f}" for m in steps],
        hoverinfo="text",
    ))
    fig.add_vline(x=pd.Timestamp(start).timestamp() * 1000, line={"color": NHS_DARK_GREY, "dash": "dot", "width": 1})
    fig.add_annotation(x=pd.Timestamp(start), y=0.02, yref="paper", text="projection starts", showarrow=False,
                       xanchor="right", yanchor="bottom", font={"size": 11, "color": NHS_DARK_GREY})
    months = list(history["month"]) + list(total["month"])
    return _count_layout(fig, months, title, height)


def build_long_waiters_chart(
    history: pd.DataFrame, total: pd.DataFrame, *, title: str | None = None, height: int = 360,
) -> go.Figure:
    """52-week waiters: actual (solid) and projected (dashed); 104-week waiters actual where they exist."""
    fig = go.Figure()
    _count_line(fig, history["month"], history["over_52"], name="52+ weeks (actual)")
    projected = total.copy()
    projected.loc[projected.index[0], "over_52"] = history["over_52"].iloc[-1] if not history.empty else float("nan")
    _count_line(fig, projected["month"], projected["over_52"], name="52+ weeks (projected)", dash="dash",
                symbol="diamond-open")
    if "over_104" in history and history["over_104"].fillna(0).gt(0).any():
        _count_line(fig, history["month"], history["over_104"], name="104+ weeks (actual)", colour=NHS_DARK_BLUE,
                    dash="dot", symbol="square")
    return _count_layout(fig, list(history["month"]) + list(total["month"]), title, height)


def build_scenario_comparison_chart(
    history: pd.DataFrame, comparison: pd.DataFrame, *, title: str | None = None, height: int = 400,
) -> go.Figure:
    """Two scenarios' projected lists side by side, each with its band; the actual list before them.
    The second scenario has its own colour, dash and marker, so the two are never told apart by colour alone."""
    fig = go.Figure()
    _count_line(fig, history["month"], history["waiting_list"], name="Waiting list (actual)", colour=NHS_DARK_GREY)
    styles = [(NHS_BLUE, BAND_FILL, "dash", "diamond-open"), (SECOND_COLOUR, SECOND_BAND_FILL, "dot", "square-open")]
    for (label, frame), (colour, fill, dash, symbol) in zip(comparison.groupby("scenario", sort=False), styles,
                                                             strict=False):
        _band(fig, frame, f"{label}: band", fill)
        _count_line(fig, frame["month"], frame["projected"], name=label, colour=colour, dash=dash, symbol=symbol)
    return _count_layout(fig, list(history["month"]) + list(comparison["month"]), title, height)


def build_backtest_chart(
    history: pd.DataFrame, backtest: pd.DataFrame, *, start: dt.date, title: str | None = None, height: int = 380,
) -> go.Figure:
    """What was projected from a past month (dashed, with its band) against what actually happened (solid)."""
    fig = go.Figure()
    _band(fig, backtest, "Simulation band (central 80%)", BAND_FILL)
    _count_line(fig, history["month"], history["waiting_list"], name="Waiting list (actual)")
    _count_line(fig, backtest["month"], backtest["projected"], name=f"Projected from {format_month(start)}",
                colour=SECOND_COLOUR, dash="dash", symbol="diamond-open")
    return _count_layout(fig, list(history["month"]), title, height)


def build_demand_capacity_chart(
    history: pd.DataFrame, total: pd.DataFrame, *, title: str | None = None, height: int = 360,
) -> go.Figure:
    """Referrals (demand) and removals (capacity) a month: actual, then under the scenario (dashed)."""
    fig = go.Figure()
    _count_line(fig, history["month"], history["referrals"], name="Referrals (actual)")
    _count_line(fig, history["month"], history["removals"], name="Removals (actual)", colour=SECOND_COLOUR,
                symbol="square")
    after = total.iloc[1:]
    _count_line(fig, after["month"], after["demand"], name="Referrals (scenario)", dash="dash", symbol="diamond-open")
    _count_line(fig, after["month"], after["capacity"], name="Removals (scenario)", colour=SECOND_COLOUR, dash="dash",
                symbol="square-open")
    return _count_layout(fig, list(history["month"]) + list(total["month"]), title, height)


# --- declared pages (issue 14): a metric split by a dimension ----------------------------------------


def build_group_chart(
    groups: pd.DataFrame, metric: Metric, *, title: str | None = None, height: int = 380
) -> go.Figure:
    """A metric by site, service or population group (month, key, label, value, target, gap): one line
    per group, each with its own colour, dash and marker (never colour alone), and the target as a
    stepped red line. Hover: group, month, value, target and gap."""
    fig = go.Figure()
    labels = list(dict.fromkeys(groups["label"]))
    for i, label in enumerate(labels):
        rows = groups[groups["label"] == label]
        text = [
            f"<b>{html.escape(label)}</b><br>{format_month(m)}<br>Value: {compute.format_value(v, metric)}<br>"
            f"Target: {compute.format_value(t, metric)}<br>Gap: {compute.format_gap(g, metric)}"
            for m, v, t, g in zip(rows["month"], rows["value"], rows["target"], rows["gap"], strict=True)
        ]
        fig.add_trace(go.Scatter(
            x=[pd.Timestamp(m) for m in rows["month"]], y=rows["value"], name=label, mode="lines+markers",
            line={"color": CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)], "width": 2,
                  "dash": CATEGORY_DASHES[i % len(CATEGORY_DASHES)]},
            marker={"symbol": CATEGORY_MARKERS[i % len(CATEGORY_MARKERS)], "size": 7},
            hovertext=text, hoverinfo="text",
        ))
    names = list(labels)
    if labels:
        first = groups[groups["label"] == labels[0]]
        if first["target"].notna().any():
            name = "Trajectory" if metric.trajectory else "Target"
            names.append(name)
            fig.add_trace(go.Scatter(
                x=[pd.Timestamp(m) for m in first["month"]], y=first["target"], name=name, mode="lines",
                line={"color": TARGET_RED, "width": 2, "dash": "dash", "shape": "hv"},
                hovertext=[f"<b>{name}</b><br>{format_month(m)}: {compute.format_value(t, metric)}"
                           for m, t in zip(first["month"], first["target"], strict=True)],
                hoverinfo="text",
            ))
    months = sorted({to_month(m) for m in groups["month"]})
    base_layout(fig, title=title, height=height + 22 * ((len(names) + 1) // 3), percent=metric.is_percent)
    legend_below(fig, names, width_px=640)
    return _month_axis(fig, months)
