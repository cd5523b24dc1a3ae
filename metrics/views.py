"""Page-ready data: the one call a page (or a command line) makes to `metrics`.

Each function takes the store it should read as an argument (no globals, no streamlit), asks it for
measure totals, and hands them to the pure functions in `metrics.compute`. Keeping this glue here
lets pages stay thin and keeps `compute` free of I/O.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from data.store import ALL, Store
from metrics import compute
from metrics.config import Config, Metric
from metrics.months import month_range, to_month


@dataclass(frozen=True)
class Overview:
    """Everything the Overview page shows for one month."""

    month: dt.date
    months_available: list[dt.date]
    tiles: pd.DataFrame
    series: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures_as_at: dt.datetime | None = None
    is_demo: bool = False


def all_measures(metrics: list[Metric]) -> list[str]:
    """Every measure the given metrics read, once each, in order."""
    return list(dict.fromkeys(m for metric in metrics for m in metric.input_measures))


def metric_series(
    store: Store,
    cfg: Config,
    metric: Metric,
    end: dt.date,
    service: str = ALL,
    site: str = ALL,
    segment: str = ALL,
    start: dt.date | None = None,
) -> pd.DataFrame:
    """A metric's series for one service × site × segment, from its chart start (or `start`) to `end`."""
    months = compute.chart_months(cfg, metric, end)
    if start is not None:
        months = [m for m in months if m >= to_month(start)]
    totals = store.measure_totals(
        metric.input_measures, service=service, site=site, segment=segment, start=cfg.first_month, end=to_month(end)
    )
    return compute.compute_series(cfg, metric, totals, months, service=service)


def series_for_metrics(
    store: Store,
    cfg: Config,
    metrics: list[Metric],
    end: dt.date,
    service: str = ALL,
    site: str = ALL,
    segment: str = ALL,
) -> dict[str, pd.DataFrame]:
    """Series for several metrics from one query (the Overview's hot path)."""
    totals = store.measure_totals(
        all_measures(metrics), service=service, site=site, segment=segment, start=cfg.first_month, end=to_month(end)
    )
    return {
        m.id: compute.compute_series(cfg, m, totals, compute.chart_months(cfg, m, end), service=service)
        for m in metrics
    }


def default_month(store: Store, cfg: Config) -> dt.date | None:
    """The latest month holding data for any headline metric."""
    return store.latest_month(all_measures(cfg.headline_metrics))


def load_overview(store: Store, cfg: Config, month: dt.date | None = None) -> Overview | None:
    """Tiles and trajectory series for every headline metric; None when the store is empty."""
    months = store.months_with_data(all_measures(cfg.headline_metrics))
    if not months:
        return None
    month = to_month(month) if month else months[-1]
    series = series_for_metrics(store, cfg, cfg.headline_metrics, month)
    latest = store.latest_upload()
    return Overview(
        month=month,
        months_available=[m for m in months if m >= cfg.first_month],
        tiles=compute.tiles_frame(cfg, series, month),
        series=series,
        figures_as_at=latest["uploaded_at"] if latest else None,
        is_demo=store.is_demo(),
    )


def load_report(store: Store, cfg: Config, month: dt.date) -> pd.DataFrame:
    """`python -m metrics report`: one row per metric at the system total for a month."""
    series = series_for_metrics(store, cfg, cfg.metrics, month)
    return compute.report_frame(cfg, series, month)


def report_months(cfg: Config, end: dt.date) -> list[dt.date]:
    return month_range(cfg.first_month, end)
