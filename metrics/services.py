"""Service-level views of the metrics: the service × month heatmap, the ranking of services by gap to
target, the metrics a service has figures for, and a service / site / segment read from a shared link.

Pure functions: frames in, frames out (no I/O, no streamlit). The input of the heatmap is a frame of
monthly measure totals broken down by service (`month`, `measure`, `service`, `value`) as
`data.store.Store.measure_totals_by("service", …)` returns it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from metrics import completeness, compute
from metrics.config import Config, Dimension, Metric, normalise_name
from metrics.months import baseline_month, format_month, to_month

ALL = "All"
HEATMAP_COLUMNS = ["service", "label", "month", "value", "numerator", "denominator", "target", "gap", "status"]
RANKING_COLUMNS = ["rank", "service", "label", "month", "value", "target", "gap", "status"]
# Names in a link are shown back to the reader; a longer one is cut so a message stays one line.
MAX_SHOWN_NAME = 60
# The three query parameters of a shared My service link.
QUERY_KEYS = {"service": "service", "site": "site", "segment": "segment"}


# --- the heatmap and the ranking ------------------------------------------------------------------


def services_needing_detail(cfg: Config, totals_by_service: pd.DataFrame) -> dict[str, list[dt.date]]:
    """service → the months whose cells must be read to judge that service's completeness
    (`metrics.completeness.detail_months` for each service on its own); services with none are left out."""
    if totals_by_service.empty or "cells" not in totals_by_service.columns:
        return {}
    return completeness.detail_months_by(cfg, totals_by_service, "service")


def heatmap_frame(
    cfg: Config,
    metric: Metric,
    totals_by_service: pd.DataFrame,
    months: list[dt.date],
    cells: pd.DataFrame | None = None,
    site: str = "All",
    recheck: dict[str, list[dt.date]] | None = None,
) -> pd.DataFrame:
    """One row per service × month: the metric for that service (value, numerator, denominator,
    target, gap, status), in the order of `cfg.services`. `recheck`: `services_needing_detail` of the same
    totals, when the caller has it already (it read their cells).

    The same figures as `compute.compute_series` for each service on its own (each service's target
    is its own: a per-service override in config.yaml wins), computed for all services at once so a
    national breakdown stays fast. A service whose value is missing in every month shown is left out:
    it has nothing to compare.
    """
    if totals_by_service.empty:
        return pd.DataFrame(columns=HEATMAP_COLUMNS)
    months = [to_month(m) for m in months]
    present = set(totals_by_service["service"])
    configured = [s.id for s in cfg.services if s.id in present]
    ordered = configured + sorted(present - set(configured))
    if metric.type == "ratio_to_baseline":
        sums = _sums_by_service(totals_by_service, metric.measures)
        pairs = [
            (sums.get((s, m)), sums.get((s, baseline_month(m, cfg.baseline_year)))) for s in ordered for m in months
        ]
    elif metric.type == "share":
        top = _sums_by_service(totals_by_service, metric.numerator)
        bottom = _sums_by_service(totals_by_service, metric.denominator)
        pairs = [(top.get((s, m)), bottom.get((s, m))) for s in ordered for m in months]
    elif metric.type == "count":
        return _heatmap_by_series(cfg, metric, totals_by_service, months, ordered, cells, site)
    else:
        raise ValueError(f"metric '{metric.id}' has unknown type '{metric.type}'")
    frame = pd.DataFrame(
        {
            "service": [s for s in ordered for _ in months],
            "label": [cfg.label_for("service", s) for s in ordered for _ in months],
            "month": [m for _ in ordered for m in months],
            "numerator": [_number(n) for n, _ in pairs],
            "denominator": [_number(d) for _, d in pairs],
        }
    )
    frame["value"] = [
        n / d if not (math.isnan(n) or math.isnan(d)) and d != 0 else math.nan
        for n, d in zip(frame["numerator"], frame["denominator"], strict=True)
    ]
    frame["target"] = [
        _number(cfg.target_for(metric, m, s)) for s, m in zip(frame["service"], frame["month"], strict=True)
    ]
    frame["gap"] = frame["value"] - frame["target"]
    frame["status"] = [
        compute.rag_status(v, t, metric.improvement, cfg.rag.amber_margin)
        for v, t in zip(frame["value"], frame["target"], strict=True)
    ]
    frame = _judge_incomplete_services(cfg, metric, frame, totals_by_service, months, cells, site, recheck)
    has_value = frame.groupby("service", sort=False)["value"].transform(lambda v: v.notna().any())
    frame = frame[has_value.astype(bool)]
    if frame.empty:
        return pd.DataFrame(columns=HEATMAP_COLUMNS)
    numbers = {c: float for c in ("value", "numerator", "denominator", "target", "gap")}
    return frame[HEATMAP_COLUMNS].astype(numbers).reset_index(drop=True)


def _judge_incomplete_services(
    cfg: Config,
    metric: Metric,
    frame: pd.DataFrame,
    totals: pd.DataFrame,
    months: list[dt.date],
    cells: pd.DataFrame | None,
    site: str,
    recheck: dict[str, list[dt.date]] | None = None,
) -> pd.DataFrame:
    """The heatmap rows of services whose cells differ from their baseline months, recomputed through
    `compute.compute_series` (like for like, "partial" with no RAG), so a heatmap cell says what a tile
    would. Every other service's months hold the same cells as their baseline months: complete."""
    if recheck is None:
        recheck = services_needing_detail(cfg, totals)
    if not recheck:
        return frame
    for service in recheck:
        subset = totals.loc[totals["service"] == service].drop(columns=["service"])
        mine = cells[cells["service"] == service] if cells is not None and not cells.empty else None
        series = compute.compute_series(cfg, metric, subset, months, service=service, site=site, cells=mine)
        chosen = frame["service"] == service
        for column in ("value", "numerator", "denominator", "target", "gap", "status"):
            frame.loc[chosen, column] = list(series[column])
    return frame


def _number(value: object) -> float:
    return math.nan if value is None or pd.isna(value) else float(value)


def _sums_by_service(totals: pd.DataFrame, measures: list[str]) -> dict[tuple[str, dt.date], float]:
    """(service, month) → the sum of the measures; a month missing any of them is left out (a partial
    sum would understate activity), as `compute` does for a single series."""
    subset = totals[totals["measure"].isin(measures)]
    if subset.empty:
        return {}
    wide = subset.groupby(["service", "month", "measure"])["value"].sum().unstack("measure")
    wide = wide.reindex(columns=measures)
    summed = wide.sum(axis=1, min_count=len(measures))[wide.notna().all(axis=1)]
    return {(service, to_month(month)): float(v) for (service, month), v in summed.items()}


def _heatmap_by_series(
    cfg: Config,
    metric: Metric,
    totals: pd.DataFrame,
    months: list[dt.date],
    ordered: list[str],
    cells: pd.DataFrame | None = None,
    site: str = "All",
) -> pd.DataFrame:
    # Count metrics (a target as a multiple of a reference month) go through compute_series service
    # by service; the service pages only draw percentage metrics this way.
    frames = []
    for service in ordered:
        subset = totals.loc[totals["service"] == service].drop(columns=["service"])
        mine = cells[cells["service"] == service] if cells is not None and not cells.empty else None
        series = compute.compute_series(cfg, metric, subset, months, service=service, site=site, cells=mine)
        if series["value"].isna().all():
            continue
        series.insert(0, "service", service)
        series.insert(1, "label", cfg.label_for("service", service))
        frames.append(series[HEATMAP_COLUMNS])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=HEATMAP_COLUMNS)


def ranking_month(heatmap: pd.DataFrame) -> dt.date | None:
    """The month a ranking judges: the latest with a gap to target for any service, else the latest
    with any value, else None."""
    if heatmap.empty:
        return None
    with_gap = heatmap.loc[heatmap["gap"].notna(), "month"]
    if not with_gap.empty:
        return to_month(max(with_gap))
    with_value = heatmap.loc[heatmap["value"].notna(), "month"]
    return to_month(max(with_value)) if not with_value.empty else None


def rank_services(heatmap: pd.DataFrame, month: dt.date, improvement: str = "increase") -> pd.DataFrame:
    """Services in `month`, furthest short of target first (rank 1).

    Shortfall is target − value for "increase" metrics and value − target for "decrease" ones. Rows
    without a gap (no target or no value) follow, lowest value first for "increase" metrics; ties
    are broken by label so the order is stable.
    """
    if improvement not in ("increase", "decrease", "neutral"):
        raise ValueError(f"improvement must be increase, decrease or neutral, not '{improvement}'")
    rows = heatmap[heatmap["month"] == to_month(month)].copy()
    if rows.empty:
        return pd.DataFrame(columns=RANKING_COLUMNS)
    sign = -1.0 if improvement == "decrease" else 1.0
    rows["_shortfall"] = -sign * rows["gap"]
    rows["_has_gap"] = rows["gap"].notna()
    rows["_has_value"] = rows["value"].notna()
    rows["_order_value"] = sign * rows["value"]
    rows = rows.sort_values(
        ["_has_gap", "_shortfall", "_has_value", "_order_value", "label"],
        ascending=[False, False, False, True, True],
        na_position="last",
        kind="stable",
    )
    rows.insert(0, "rank", range(1, len(rows) + 1))
    return rows[RANKING_COLUMNS].reset_index(drop=True)


def order_heatmap(heatmap: pd.DataFrame, ranking: pd.DataFrame) -> pd.DataFrame:
    """The heatmap with its services in ranking order (ranked services first, then the rest as they
    were), so the chart and the table read top to bottom alike."""
    if heatmap.empty:
        return heatmap
    ranked = list(ranking["service"]) if not ranking.empty else []
    rest = [s for s in dict.fromkeys(heatmap["service"]) if s not in ranked]
    position = {service: i for i, service in enumerate([*ranked, *rest])}
    ordered = heatmap.assign(_position=heatmap["service"].map(position))
    ordered = ordered.sort_values(["_position", "month"], kind="stable").drop(columns="_position")
    return ordered.reset_index(drop=True)


def ranking_table(ranking: pd.DataFrame, metric: Metric, amber_margin: float) -> pd.DataFrame:
    """The ranking as a person reads it: rank, service, value, target, gap, and the status in an icon
    and words ("✖ Red: 12.0 points below target"), never colour alone."""
    return pd.DataFrame(
        {
            "Rank": ranking["rank"].astype(int).tolist(),
            "Service": ranking["label"].tolist(),
            "Value": [compute.format_value(v, metric) for v in ranking["value"]],
            "Target": [compute.format_value(t, metric) for t in ranking["target"]],
            "Gap": [compute.format_gap(g, metric) for g in ranking["gap"]],
            "Status": [
                f"{compute.STATUS_ICONS.get(s, '')} {compute.describe_status(s, g, metric, amber_margin)}"
                for s, g in zip(ranking["status"], ranking["gap"], strict=True)
            ],
        }
    )


def ranking_csv_frame(ranking: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """The data behind the ranking table for the CSV download (fractions for percentages)."""
    return pd.DataFrame(
        {
            "rank": ranking["rank"].astype(int).tolist(),
            "service": ranking["label"].tolist(),
            "month": [format_month(m) for m in ranking["month"]],
            "metric": metric.label,
            "value": ranking["value"].astype(float).round(6).tolist(),
            "target": ranking["target"].astype(float).round(6).tolist(),
            "gap": ranking["gap"].astype(float).round(6).tolist(),
            "status": [compute.STATUS_WORDS.get(s, s) for s in ranking["status"]],
        }
    )


# --- a service's own metrics ----------------------------------------------------------------------


def metrics_with_data(series_by_metric: Mapping[str, pd.DataFrame]) -> list[str]:
    """The metric ids whose series hold at least one value, in the order given."""
    return [metric_id for metric_id, series in series_by_metric.items() if series["value"].notna().any()]


def latest_month_with_data(series_by_metric: Mapping[str, pd.DataFrame]) -> dt.date | None:
    """The latest month in which any of the series has a value."""
    months = [
        to_month(m)
        for series in series_by_metric.values()
        for m in series.loc[series["value"].notna(), "month"]
    ]
    return max(months) if months else None


def scoped_csv_frame(frame: pd.DataFrame, scope: Mapping[str, str]) -> pd.DataFrame:
    """`frame` with the scope (e.g. service and site labels) as leading columns, so a downloaded CSV
    says what it is about."""
    scoped = frame.copy()
    for position, (column, value) in enumerate(scope.items()):
        scoped.insert(position, column, value)
    return scoped


# --- a service, site and segment read from a link -------------------------------------------------


@dataclass(frozen=True)
class ServiceChoice:
    """What a My service link asks for. None means the link named something unknown (see problems)."""

    service: str | None
    site: str | None
    segment: str | None
    problems: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_complete(self) -> bool:
        return None not in (self.service, self.site, self.segment)


class UnknownNameError(ValueError):
    """A name that matches no configured id, label or alias; the message says so, with a suggestion."""


def shown_name(text: str) -> str:
    """A name from a link as it is quoted back: control characters dropped, cut to MAX_SHOWN_NAME
    characters. (The page shows the sentence through safe_text.escape_markdown, as all user text.)"""
    clean = "".join(ch for ch in str(text) if ch.isprintable())
    if len(clean) > MAX_SHOWN_NAME:
        clean = clean[: MAX_SHOWN_NAME - 1] + "…"
    return clean


def resolve_name(text: str, items: list[Dimension], kind: str) -> str:
    """The id of the service / site / segment that `text` names: its id, label or an alias, ignoring
    case and spacing; "All" (or "All services", "All sites", "Everyone") is the total.

    Raises UnknownNameError with a "did you mean" when nothing matches.
    """
    key = normalise_name(text)
    if key in {"all", f"all {kind}s", *(["everyone"] if kind == "segment" else [])}:
        return ALL
    names: dict[str, Dimension] = {}
    for item in items:
        for name in (item.id, item.label, *item.aliases):
            names.setdefault(normalise_name(name), item)
    if key in names:
        return names[key].id
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.6)
    hint = f" Did you mean '{shown_name(names[close[0]].label)}'?" if close else ""
    raise UnknownNameError(f"There is no {kind} called '{shown_name(text)}'.{hint}")


def parse_service_choice(cfg: Config, params: Mapping[str, str | list[str]], default_service: str) -> ServiceChoice:
    """Read `service`, `site` and `segment` from a link's query parameters.

    Missing or blank parameters take the defaults (`default_service`, all sites, everyone); a repeated
    parameter counts once, its last value; an unknown name becomes None with a sentence in `problems`.
    """
    items = {"service": cfg.services, "site": cfg.sites, "segment": cfg.segments}
    defaults = {"service": default_service, "site": ALL, "segment": ALL}
    chosen: dict[str, str | None] = {}
    problems = []
    for kind, key in QUERY_KEYS.items():
        raw = params.get(key)
        if isinstance(raw, list | tuple):
            raw = raw[-1] if raw else None
        if raw is None or not str(raw).strip():
            chosen[kind] = defaults[kind]
            continue
        try:
            chosen[kind] = resolve_name(str(raw), items[kind], kind)
        except UnknownNameError as exc:
            chosen[kind] = None
            problems.append(f"The link asks for an unknown {kind}. {exc} Choose a {kind} from the list below.")
    return ServiceChoice(chosen["service"], chosen["site"], chosen["segment"], tuple(problems))


def choice_query_params(service: str, site: str, segment: str = ALL) -> dict[str, str]:
    """The query parameters that reopen a choice: ids, service and site always, segment when chosen."""
    params = {QUERY_KEYS["service"]: service, QUERY_KEYS["site"]: site}
    if segment != ALL:
        params[QUERY_KEYS["segment"]] = segment
    return params
