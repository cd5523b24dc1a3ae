"""Plotly figures built from computed frames; they never query and never recompute.

Every chart follows the same conventions (DESIGN §8): the target or trajectory as a stepped line,
UK month labels ("Jul 2020"), NHS financial-year boundaries, hover with value, target and gap, and
NHS blue for the actual series. Status is carried in text (hover, tiles), never by colour alone.
"""

from __future__ import annotations

import datetime as dt

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
    """One hover line block per month: value, target, gap and status in words."""
    lines = []
    for row in series.itertuples(index=False):
        status = compute.STATUS_WORDS.get(row.status, row.status)
        lines.append(
            f"<b>{format_month(row.month)}</b><br>"
            f"Value: {compute.format_value(row.value, metric)}<br>"
            f"Target: {compute.format_value(row.target, metric)}<br>"
            f"Gap: {compute.format_gap(row.gap, metric)}<br>"
            f"Status: {compute.STATUS_ICONS.get(row.status, '')} {status}"
        )
    return lines


def build_trajectory_chart(
    series: pd.DataFrame,
    metric: Metric,
    *,
    title: str | None = None,
    height: int = DEFAULT_HEIGHT,
    actual_name: str = "Actual",
) -> go.Figure:
    """The actual series against its stepped trajectory (or flat target), with FY boundaries."""
    frame = series.copy()
    frame["x"] = [pd.Timestamp(m) for m in frame["month"]]
    text = hover_text(frame, metric)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=frame["x"],
            y=frame["value"],
            name=actual_name,
            mode="lines+markers",
            line={"color": NHS_BLUE, "width": 2.5},
            marker={"size": 6, "color": NHS_BLUE},
            hovertext=text,
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
    return frame


# A cell starting with one of these is run as a formula by Excel and LibreOffice (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV (UTF-8 with BOM, so Excel reads "£" and "–") whose text cells cannot run as formulas:
    a text cell starting with = + - @ or a tab is prefixed with an apostrophe. Numbers stay numbers."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = [
                f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v for v in safe[column]
            ]
    return safe.to_csv(index=False).encode("utf-8-sig")
