"""Issue 10, chart details: the chosen-period band is visible over bars, trajectory legends sit under the
month axis (clear of the title on a phone), and the coverage grid scrolls by keyboard without splitting words."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from metrics import charts
from metrics.config import Config
from metrics.coverage import coverage_grid_html


def _months(n: int) -> list[dt.date]:
    return [dt.date(2020 + (3 + i) // 12, (3 + i) % 12 + 1, 1) for i in range(n)]


def test_the_chosen_period_is_drawn_above_bars_as_a_dashed_frame() -> None:
    months = _months(6)
    frame = pd.DataFrame({"month": months, "calls": [1200, 1500, 900, 1300, 1250, 1400]})
    fig = charts.build_count_chart(frame, "calls", name="Calls", period=(months[2], months[3]))
    (band,) = [shape for shape in fig.layout.shapes if shape.type == "rect"]
    assert band.layer == "above"
    assert band.line.dash == "dash" and band.line.width >= 2
    assert band.x0 < pd.Timestamp(months[2]) < pd.Timestamp(months[3]) < band.x1


def test_a_line_chart_keeps_its_band_beneath_the_line() -> None:
    fig = go_figure_with_band()
    (band,) = [shape for shape in fig.layout.shapes if shape.type == "rect"]
    assert band.layer == "below"


def go_figure_with_band():
    import plotly.graph_objects as go

    fig = go.Figure(go.Scatter(x=[pd.Timestamp(m) for m in _months(3)], y=[1, 2, 3]))
    return charts.mark_period(fig, _months(3)[0], _months(3)[1])


def test_trajectory_legends_sit_under_the_month_axis(cfg: Config) -> None:
    metric = cfg.metric("elective_activity")
    months = _months(7)
    series = pd.DataFrame({"month": months, "value": [0.5, 0.6, 0.7, 0.75, 0.8, 0.82, 0.85],
                           "target": [None, None, None, None, 0.8, 0.8, 0.9],
                           "gap": [None] * 7, "status": ["no_target"] * 7})
    fig = charts.build_trajectory_chart(series, metric, title=metric.label)
    assert fig.layout.legend.yref == "container" and fig.layout.legend.y == 0
    assert fig.layout.legend.yanchor == "bottom"
    assert fig.layout.margin.b >= 60  # room for the legend under the tick labels


def test_the_coverage_grid_is_keyboard_reachable_and_keeps_words_whole() -> None:
    matrix = pd.DataFrame({"Measure": ["Outpatient first attendances"], "Apr 2020": ["✔"]})
    html = coverage_grid_html(matrix)
    assert "tabindex='0'" in html and "role='region'" in html
    assert "word-break:normal" in html and "overflow-wrap:normal" in html
