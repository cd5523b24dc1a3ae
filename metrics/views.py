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
from metrics import (
    assessment,
    capacity,
    completeness,
    compute,
    coverage,
    discharges,
    inequalities,
    primary_care,
    provenance,
    review,
    scenarios,
    services,
)
from metrics.access import Actor
from metrics.config import Config, Metric
from metrics.months import add_months, format_uk_time, month_range, to_month
from metrics.safe_text import MAX_NOTE_CHARS, require_length
from metrics.spc import spc_for_complete_months


@dataclass(frozen=True)
class Overview:
    """Everything the Overview page shows for one month."""

    month: dt.date
    months_available: list[dt.date]
    tiles: pd.DataFrame
    series: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures_as_at: dt.datetime | None = None
    is_demo: bool = False
    # month → complete / partial / no_data for the headline metrics together (metrics.completeness)
    month_states: dict[dt.date, str] = field(default_factory=dict)
    # metric → where the tile's number comes from (uploads, cells, restatements)
    sources: dict[str, str] = field(default_factory=dict)
    # the latest upload the shown month depends on ("Figures as at")
    latest_upload: dict | None = None
    problems: list[str] = field(default_factory=list)  # stored figures too large to add up

    def month_label(self, month: dt.date) -> str:
        """"Apr 2021 (partial)" for the month picker."""
        return completeness.month_label(month, self.month_states.get(month, completeness.COMPLETE))


def all_measures(metrics: list[Metric]) -> list[str]:
    """Every measure the given metrics read, once each, in order."""
    return list(dict.fromkeys(m for metric in metrics for m in metric.input_measures))


def read_totals(
    store: Store,
    cfg: Config,
    measures: list[str],
    end: dt.date,
    service: str = ALL,
    site: str = ALL,
    segment: str = ALL,
    moment: dt.datetime | None = None,
    declared: dict[str, tuple[int, int]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Monthly totals from April of the baseline year to `end` (current, or as known at `moment`), and
    the cells of the few (month, measure) pairs whose completeness cannot be told from the totals alone.
    With `declared` (`declared_prints`), pass the same to `compute.judge_measures`."""
    scope = {"service": service, "site": site, "segment": segment, "start": cfg.first_month, "end": to_month(end)}
    if moment is None:
        totals = store.measure_totals(measures, **scope)
    else:
        totals = store.measure_totals_as_of(moment, measures, **scope)
    keys = completeness.detail_keys(cfg, totals, declared)
    if not keys:
        return totals, None
    return totals, store.cells_of(keys, service=service, site=site, segment=segment, moment=moment)


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
    totals, cells = read_totals(store, cfg, metric.input_measures, end, service, site, segment)
    return compute.compute_series(cfg, metric, totals, months, service=service, site=site, cells=cells)


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
    return series_and_problems(store, cfg, metrics, end, service, site, segment)[0]


def series_and_problems(
    store: Store,
    cfg: Config,
    metrics: list[Metric],
    end: dt.date,
    service: str = ALL,
    site: str = ALL,
    segment: str = ALL,
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """`series_for_metrics` and a sentence for each stored total too large to be real (left out).

    Months holding exactly the cells config.yaml declares are judged from their fingerprints, so cells are
    read only where a month differs (as `series_as_of` does)."""
    columns, problems = _series_columns(store, cfg, metrics, end, service, site, segment)
    return {metric_id: compute.series_frame(c) for metric_id, c in columns.items()}, problems


def _series_columns(
    store: Store,
    cfg: Config,
    metrics: list[Metric],
    end: dt.date,
    service: str = ALL,
    site: str = ALL,
    segment: str = ALL,
) -> tuple[dict[str, dict[str, list]], list[str]]:
    """`series_and_problems` with each series as `compute.series_columns` lists, before its frame is made."""
    measures = all_measures(metrics)
    declared = declared_prints(store, cfg, measures, service, site) if segment == ALL else None
    totals, cells = read_totals(store, cfg, measures, end, service, site, segment, declared=declared)
    cells = completeness.index_cells(cells)  # grouped once for every metric, not once per share metric
    # keyed once for every metric, not once per metric
    judged = compute.judge_measures_index(cfg, totals, cells, service=service, site=site, declared=declared)
    series = {
        m.id: compute.series_columns(
            cfg, m, totals, compute.chart_months(cfg, m, end), service=service, site=site, cells=cells,
            measure_frame=judged,
        )
        for m in metrics
    }
    return series, compute.describe_implausible(cfg, totals)


def load_overview(store: Store, cfg: Config, month: dt.date | None = None) -> Overview | None:
    """Tiles and trajectory series for every headline metric; None when the store is empty.

    Without `month`, the latest month in which the headline metrics are complete."""
    metrics = cfg.headline_metrics
    months = [m for m in store.months_with_data(all_measures(metrics)) if m >= cfg.first_month]
    if not months:
        return None
    full, problems = _series_columns(store, cfg, metrics, months[-1])
    states = completeness.month_states_of(cfg, [(c["month"], c["completeness"]) for c in full.values()], months)
    month = to_month(month) if month else completeness.opening_month(states) or months[-1]
    # each series up to the month (chart months rise, so its first rows), as lists until its one frame is made
    shown = {metric_id: {name: values[:sum(m <= month for m in c["month"])] for name, values in c.items()}
             for metric_id, c in full.items()}
    sources = store.provenance(all_measures(metrics), months)
    # the hover of every month, the tile's sentence and "Figures as at", from one pass over the rows (the same
    # texts as `provenance.annotate`, `describe` and `latest_upload` over `for_metrics`)
    found = provenance.for_overview(sources, {m.id: m.input_measures for m in metrics},
                                    {metric_id: c["month"] for metric_id, c in shown.items()}, month)
    series, rows = {}, {}
    for metric_id, c in shown.items():
        if c["month"]:
            series[metric_id] = compute.series_frame(c | {"source": found.hovers[metric_id]})
        else:  # nothing up to the month: the empty rows of the whole series, as a mask of its frame gives them
            whole = compute.series_frame(full[metric_id])
            series[metric_id] = whole[whole["month"] <= month].reset_index(drop=True).assign(source=[])
        at = c["month"].index(month) if month in c["month"] else None
        rows[metric_id] = None if at is None else {name: values[at] for name, values in c.items()} | {
            "source": found.hovers[metric_id][at]}
    latest = found.latest
    return Overview(
        month=month,
        months_available=months,
        tiles=compute.tiles_of_rows(cfg, rows, month),
        series=series,
        figures_as_at=latest["uploaded_at"] if latest else None,
        is_demo=store.is_demo(),
        month_states=states,
        sources=found.sentences,
        latest_upload=latest,
        problems=problems,
    )


def load_report(store: Store, cfg: Config, month: dt.date) -> pd.DataFrame:
    """`python -m metrics report`: one row per metric at the system total for a month. Sentences about
    stored totals too large to be real (left out) are in `frame.attrs["problems"]`."""
    series, problems = series_and_problems(store, cfg, cfg.metrics, month)
    frame = compute.report_frame(cfg, series, month)
    frame.attrs["problems"] = problems
    return frame


def report_months(cfg: Config, end: dt.date) -> list[dt.date]:
    return month_range(cfg.first_month, end)


# --- the fortnightly executive review (issue 6): SPC icons, what changed, commentary -----------------


@dataclass(frozen=True)
class SpcView:
    """A metric's Making Data Count SPC: the point frame, its two icons (dicts or None) and a note saying
    why an icon is missing (a partial or empty month, a one-point period since a rebase)."""

    frame: pd.DataFrame
    variation: dict | None
    assurance: dict | None
    note: str = ""


def spc_for_metrics(cfg: Config, series_by_metric: dict[str, pd.DataFrame]) -> dict[str, SpcView]:
    """SPC for each metric's series (up to the series' last month; assurance against its target), on
    complete months only (`metrics.spc.spc_for_complete_months`)."""
    return {
        metric_id: SpcView(*spc_for_complete_months(series, cfg, cfg.metric(metric_id)))
        for metric_id, series in series_by_metric.items()
    }


def declared_prints(
    store: Store, cfg: Config, measures: list[str], service: str = ALL, site: str = ALL
) -> dict[str, tuple[int, int]]:
    """measure → (count, fingerprint) of the cells config.yaml declares for it in this selection, so a
    month holding exactly those is judged complete without reading its cells."""
    chosen = completeness.declared_cells(cfg, measures, service, site)
    return {m: store.cell_fingerprint(cells) for m, cells in chosen.items()}


def series_as_of(
    store: Store, cfg: Config, metrics: list[Metric], moment: dt.datetime, end: dt.date | None
) -> dict[str, pd.DataFrame]:
    """Each metric's system-total series as the store knew it at `moment` (naive UTC), up to `end`."""
    return _series_as_of(store, cfg, metrics, moment, end)


def _series_as_of(
    store: Store,
    cfg: Config,
    metrics: list[Metric],
    moment: dt.datetime,
    end: dt.date | None,
    declared: dict[str, tuple[int, int]] | None = None,
    *,
    bare_when_unknown: bool = False,
) -> dict[str, pd.DataFrame]:
    """`series_as_of`, with the declared prints when the caller has them; `bare_when_unknown`: when nothing
    was known at `moment`, series with no rows (what the review reads from a series with no values)."""
    if end is None:
        return {m.id: compute.compute_series(cfg, m, pd.DataFrame(columns=["month", "measure", "value"]), [])
                for m in metrics}
    measures = all_measures(metrics)
    declared = declared_prints(store, cfg, measures) if declared is None else declared
    totals, cells = read_totals(store, cfg, measures, end, moment=moment, declared=declared)
    if bare_when_unknown and totals.empty:
        return {m.id: pd.DataFrame(columns=compute.SERIES_COLUMNS) for m in metrics}
    cells = completeness.index_cells(cells)  # grouped once for every metric, not once per share metric
    judged = completeness.index_measures(compute.judge_measures(cfg, totals, cells, declared=declared))
    return {m.id: compute.compute_series(cfg, m, totals, compute.chart_months(cfg, m, end), cells=cells,
                                         measure_frame=judged)
            for m in metrics}


def load_review(store: Store, cfg: Config, previous: dt.date, current: dt.date) -> review.Review:
    """What changed for every headline metric between two review dates (as known at the end of each
    day, UK time): months arrived, values restated with the upload responsible, RAG and icon moves."""
    earlier, later = review.end_of_day(previous), review.end_of_day(current)
    metrics = cfg.headline_metrics
    measures = all_measures(metrics)
    end = store.latest_month(measures)
    changes = store.change_summary_between(earlier, later, measures)
    declared = declared_prints(store, cfg, measures) if end is not None else {}
    after = _series_as_of(store, cfg, metrics, later, end, declared)
    if end is not None and not (changes["segment"] == ALL).any():
        # No system-total value of these measures differs between the moments (the summary lists every
        # one that does): the series known then are the series known now.
        before = after
    else:
        # When nothing was known at the earlier moment (a store that all arrived since), series with no rows,
        # which the comparison reads exactly as series with no values.
        before = _series_as_of(store, cfg, metrics, earlier, end, declared, bare_when_unknown=True)
    return review.build_review(
        cfg,
        metrics,
        before=before,
        after=after,
        changes=changes,
        earlier=earlier,
        later=later,
        uploads=store.uploads(),
    )


def load_commentary(store: Store, cfg: Config, month: dt.date) -> dict[str, dict]:
    """The newest commentary per headline metric for a month: metric id → body, written_by,
    written_at, versions."""
    frame = store.latest_commentary(to_month(month), [m.id for m in cfg.headline_metrics])
    return {row["metric"]: row for row in frame.to_dict("records")}


def load_commentary_versions(store: Store, cfg: Config, metric_id: str, month: dt.date) -> pd.DataFrame:
    """Every version of one metric's commentary for a month, newest first."""
    cfg.metric(metric_id)  # a clear ValueError for an unknown metric
    return store.commentary_versions(metric_id, to_month(month))


def save_commentary(
    store: Store, cfg: Config, metric_id: str, month: dt.date, body: str, actor: Actor
) -> int:
    """Keep a new version of a metric's commentary written by `actor`; ValueError with what to fix when
    it cannot be kept, AccessDenied when the actor is not an editor."""
    cfg.metric(metric_id)
    return store.add_commentary(metric_id, to_month(month), body, actor=actor)


# --- service pages (issue 4): Elective & diagnostics, Outpatients & virtual care, My service --------


@dataclass(frozen=True)
class PageOptions:
    """What a service page's filters offer: months holding data, sites holding data, and the metrics
    that have a breakdown by service (for the heatmap)."""

    months: list[dt.date]
    sites: list[str]
    heatmap_metrics: list[str]


@dataclass(frozen=True)
class ServicePage:
    """Everything an Elective & diagnostics or Outpatients page shows for a site and month range."""

    site: str
    start: dt.date
    end: dt.date
    tiles: pd.DataFrame
    series: dict[str, pd.DataFrame]
    # metric → a sentence when the site filter could not apply and the chart shows all sites.
    notes: dict[str, str]
    heatmap_metric: str | None
    heatmap: pd.DataFrame
    ranking: pd.DataFrame
    ranking_month: dt.date | None


@dataclass(frozen=True)
class MyService:
    """One service × site × segment: every metric with figures for it, and (for a named site) the
    metrics recorded for the service across all sites only."""

    service: str
    site: str
    segment: str
    month: dt.date | None
    series: dict[str, pd.DataFrame]
    tiles: pd.DataFrame
    wider_series: dict[str, pd.DataFrame]
    wider_tiles: pd.DataFrame
    sites_with_data: list[str]
    # For a named segment with no figures: whether the service × site has figures for everyone.
    figures_without_segment: bool = False


def load_page_options(store: Store, cfg: Config, metric_ids: list[str], heatmap_ids: list[str]) -> PageOptions:
    """Months and sites with data for the page's metrics (from the baseline year on), and which of
    `heatmap_ids` have figures by service."""
    measures = all_measures([cfg.metric(m) for m in [*metric_ids, *heatmap_ids]])
    found = store.filter_options(measures)
    page_measures = set(all_measures([cfg.metric(m) for m in metric_ids]))
    if page_measures != set(measures):  # heatmap metrics beyond the page's own: months and sites are the page's
        found.update({k: v for k, v in store.filter_options(page_measures).items() if k != "by_service"})
    by_service = set(found["by_service"])
    return PageOptions(
        months=[m for m in found["months"] if m >= cfg.first_month],
        sites=[s.id for s in cfg.sites if s.id in found["sites"]]
        + [s for s in found["sites"] if s not in cfg.site_by_id],
        heatmap_metrics=[m for m in heatmap_ids if set(cfg.metric(m).input_measures) <= by_service],
    )


def _series_in_range(
    store: Store, cfg: Config, metrics: list[Metric], start: dt.date, end: dt.date, *,
    held_only: bool = False, **scope: str
) -> dict[str, pd.DataFrame]:
    """Each metric's series over `scope` from `start` to `end`, from one read of the totals. With
    `held_only`, a metric none of whose measures has a total in the scope is left out: its series would
    hold no value (every month "No data"), and the caller shows it from elsewhere."""
    service, site = scope.get("service", ALL), scope.get("site", ALL)
    measures = all_measures(metrics)
    declared = declared_prints(store, cfg, measures, service, site) if scope.get("segment", ALL) == ALL else None
    totals, cells = read_totals(store, cfg, measures, end, **scope, declared=declared)
    if held_only:
        held = set(totals["measure"])
        metrics = [m for m in metrics if held.intersection(m.input_measures)]
        if not metrics:
            return {}
    cells = completeness.index_cells(cells)
    judged = completeness.index_measures(  # keyed once for every metric, not once per metric
        compute.judge_measures(cfg, totals, cells, service=service, site=site, declared=declared))
    out = {}
    for metric in metrics:
        months = [m for m in compute.chart_months(cfg, metric, end) if m >= start]
        out[metric.id] = compute.compute_series(
            cfg, metric, totals, months, service=service, site=site, cells=cells, measure_frame=judged
        )
    return out


def load_service_page(
    store: Store,
    cfg: Config,
    metric_ids: list[str],
    *,
    site: str = ALL,
    start: dt.date,
    end: dt.date,
    heatmap_metric: str | None = None,
) -> ServicePage:
    """Series, tiles, service heatmap and ranking for the page's metrics at `site` from `start` to `end`.

    A metric with no figures at the site (e.g. one recorded for the whole system only) is shown for all
    sites together, with a note saying so.
    """
    start, end = to_month(start), to_month(end)
    metrics = [cfg.metric(m) for m in metric_ids]
    # At a named site, a metric with no total there is not computed for it (its series would be empty):
    # it is computed, with any other metric holding no value at the site, for all sites together.
    series = _series_in_range(store, cfg, metrics, start, end, site=site, held_only=site != ALL)
    notes: dict[str, str] = {}
    if site != ALL:
        missing = [m for m in metrics if m.id not in series or not series[m.id]["value"].notna().any()]
        if missing:
            series.update(_series_in_range(store, cfg, missing, start, end, site=ALL))
            series = {m.id: series[m.id] for m in metrics}  # in the page's order, as before
            for metric in missing:
                notes[metric.id] = (
                    f"No figures for {cfg.label_for('site', site)} are held for this metric; "
                    "the chart shows all sites together."
                )
    heatmap = pd.DataFrame(columns=services.HEATMAP_COLUMNS)
    ranking = pd.DataFrame(columns=services.RANKING_COLUMNS)
    month = None
    if heatmap_metric:
        metric = cfg.metric(heatmap_metric)
        totals = store.measure_totals_by("service", metric.input_measures, site=site, start=cfg.first_month, end=end)
        months = [m for m in compute.chart_months(cfg, metric, end) if m >= start]
        recheck = services.services_needing_detail(cfg, totals)  # once: the heatmap re-judges these services
        detail = sorted({m for ms in recheck.values() for m in ms})
        cells = store.cells(detail, metric.input_measures, site=site) if detail else None
        heatmap = services.heatmap_frame(cfg, metric, totals, months, cells=cells, site=site, recheck=recheck)
        month = services.ranking_month(heatmap)
        if month is not None:
            ranking = services.rank_services(heatmap, month, metric.improvement)
        heatmap = services.order_heatmap(heatmap, ranking)
    return ServicePage(
        site=site,
        start=start,
        end=end,
        tiles=compute.tiles_frame(cfg, series, end),
        series=series,
        notes=notes,
        heatmap_metric=heatmap_metric,
        heatmap=heatmap,
        ranking=ranking,
        ranking_month=month,
    )


# --- declared pages (issue 14): everything one page declared in config.yaml shows ------------------

# A breakdown block's dimension → (the store's column, the config kind its labels come from, segment group).
_BREAKDOWN_COLUMNS = {"site": ("site", "site", None), "service": ("service", "service", None),
                      "imd": ("segment", "segment", "imd"), "ethnicity": ("segment", "segment", "ethnicity")}
GROUP_COLUMNS = ["month", "key", "label", *compute.SERIES_COLUMNS[1:]]


@dataclass(frozen=True)
class DeclaredPage:
    """A declared page's figures for a site, month range and "by service" metric: the service page's
    series, tiles, heatmap and ranking; SPC for its SPC charts; each breakdown block's groups (by block
    number, 0-based)."""

    page: ServicePage
    spc: dict[str, SpcView]
    breakdowns: dict[int, pd.DataFrame]


def load_breakdown(
    store: Store, cfg: Config, metric_id: str, dimension: str, *, site: str = ALL, start: dt.date, end: dt.date
) -> pd.DataFrame:
    """A metric month by month for each site, service or population group (`dimension`: site, service,
    imd or ethnicity) that holds figures for it: month, key, label, value, numerator, denominator,
    target, gap, status. Groups in config order; a group unknown to config last, by its own name."""
    column, kind, group = _BREAKDOWN_COLUMNS[dimension]
    metric = cfg.metric(metric_id)
    start, end = to_month(start), to_month(end)
    where = {} if dimension == "site" else {"site": site}
    totals = store.measure_totals_by(column, metric.input_measures, start=cfg.first_month, end=end,
                                     segment_group=group, **where)
    if totals.empty:
        return pd.DataFrame(columns=GROUP_COLUMNS)
    months = [m for m in compute.chart_months(cfg, metric, end) if m >= start]
    configured = {"site": cfg.sites, "service": cfg.services, "segment": cfg.segments}[kind]
    present = set(totals[column])
    keys = [d.id for d in configured if d.id in present] + sorted(present - {d.id for d in configured} - {ALL})
    groups = compute.group_series(cfg, metric, totals, column, keys, months)
    held = set(groups.loc[groups["value"].notna(), "key"])
    groups = groups[groups["key"].isin(held)].reset_index(drop=True)
    groups.insert(2, "label", [cfg.label_for(kind, k) for k in groups["key"]])
    groups["completeness"] = ""
    groups["completeness_text"] = ""
    return groups[GROUP_COLUMNS]


def load_declared_page(
    store: Store, cfg: Config, url: str, *, site: str = ALL, start: dt.date, end: dt.date,
    by_service: str | None = None,
) -> DeclaredPage:
    """Every figure the declared page `url` shows for a site and month range (the one data call the
    generic page script makes after its filters); `by_service` is the heatmap and ranking's metric."""
    spec = cfg.page_by_url[url]
    page = load_service_page(store, cfg, spec.metric_ids, site=site, start=start, end=end,
                             heatmap_metric=by_service)
    spc_ids = list(dict.fromkeys(m for b in spec.blocks if b.kind == "charts" and b.chart == "spc" for m in b.metrics))
    spc = spc_for_metrics(cfg, {m: page.series[m] for m in spc_ids})
    breakdowns = {
        index: load_breakdown(store, cfg, block.metrics[0], block.dimension, site=site, start=start, end=end)
        for index, block in enumerate(spec.blocks) if block.kind == "breakdown"
    }
    return DeclaredPage(page=page, spc=spc, breakdowns=breakdowns)


def load_service_sites(store: Store, cfg: Config, service: str) -> list[str]:
    """Sites holding figures for a service, in config order (ids not in config last)."""
    present = store.dimension_values_within("site", service=service)
    configured = [s.id for s in cfg.sites if s.id in present]
    return configured + [s for s in present if s not in configured]


def load_my_service(
    store: Store, cfg: Config, service: str, site: str = ALL, segment: str = ALL, month: dt.date | None = None
) -> MyService:
    """Every metric with figures for the service × site × segment, up to `month` (default: the latest month
    in the store)."""
    latest = store.latest_month()
    end = min(to_month(month), latest) if month is not None and latest is not None else latest
    if end is None:
        empty = compute.tiles_frame(cfg, {}, cfg.first_month)
        return MyService(service, site, segment, None, {}, empty, {}, empty, [])
    chosen = series_for_metrics(store, cfg, cfg.metrics, end, service=service, site=site, segment=segment)
    series = {m: chosen[m] for m in services.metrics_with_data(chosen)}
    wider: dict[str, pd.DataFrame] = {}
    if site != ALL:
        rest = [m for m in cfg.metrics if m.id not in series]
        across = series_for_metrics(store, cfg, rest, end, service=service, site=ALL, segment=segment)
        wider = {m: across[m] for m in services.metrics_with_data(across)}
    month = services.latest_month_with_data({**series, **wider})
    without_segment = False
    if segment != ALL and not series and not wider:
        everyone = series_for_metrics(store, cfg, cfg.metrics, end, service=service, site=site)
        without_segment = bool(services.metrics_with_data(everyone))
    return MyService(
        service=service,
        site=site,
        segment=segment,
        month=month,
        series=series,
        tiles=compute.tiles_frame(cfg, series, month) if month else compute.tiles_frame(cfg, {}, end),
        wider_series=wider,
        wider_tiles=compute.tiles_frame(cfg, wider, month) if month else compute.tiles_frame(cfg, {}, end),
        sites_with_data=load_service_sites(store, cfg, service),
        figures_without_segment=without_segment,
    )


# --- Discharges (SPA), primary care digital, inequalities, Phase 3 assessment, coverage (issue 5) ---


@dataclass(frozen=True)
class DischargesPage:
    """The Discharges (SPA) page: cumulative totals for the chosen period and the monthly picture."""

    months_available: list[dt.date]
    period: discharges.PeriodTotals
    within_24h: pd.DataFrame  # the spa_within_24h series (compute.SERIES_COLUMNS), every month
    by_pathway: pd.DataFrame  # month, group, label, value, share
    by_site: pd.DataFrame  # the PRUH against every other referring site
    monthly: pd.DataFrame  # discharges.monthly_table for every month
    period_monthly: pd.DataFrame  # the same for the chosen period's months
    tiles: pd.DataFrame  # discharges.period_tiles


def load_discharges(
    store: Store, cfg: Config, start: dt.date | None = None, end: dt.date | None = None
) -> DischargesPage | None:
    """SPA figures: totals for `start`–`end` (default April–June 2020) and every month's breakdowns.
    None when the store holds no SPA discharges. Raises ValueError when start is after end."""
    months = [m for m in store.months_with_data([discharges.DISCHARGES]) if m >= cfg.first_month]
    if not months:
        return None
    default_start, default_end = discharges.default_period(months)
    start, end = to_month(start or default_start), to_month(end or default_end)
    last = months[-1]
    totals, cells = read_totals(store, cfg, discharges.SPA_MEASURES, last)
    by_site = store.measure_totals_by("site", [discharges.DISCHARGES], start=cfg.first_month, end=last)
    by_service = store.measure_totals_by("service", [discharges.DISCHARGES], start=cfg.first_month, end=last)
    pathways = {s.id: s.label.removeprefix("SPA ") for s in cfg.services if s.kind == "spa_pathway"}
    pruh = {discharges.PRUH: f"{cfg.label_for('site', discharges.PRUH)} (PRUH)"}
    shown = month_range(months[0], last)
    period = discharges.period_totals(totals, by_site, start, end)
    monthly = discharges.monthly_table(totals, by_site, shown)
    return DischargesPage(
        months_available=months,
        period=period,
        within_24h=compute.compute_series(cfg, cfg.metric("spa_within_24h"), totals, shown, cells=cells),
        by_pathway=discharges.monthly_breakdown(by_service, "service", pathways),
        by_site=discharges.monthly_breakdown(by_site, "site", pruh, other_label=discharges.OTHER_SITES),
        monthly=monthly,
        period_monthly=discharges.in_period(monthly, start, end),
        tiles=discharges.period_tiles(cfg, period),
    )


@dataclass(frozen=True)
class PrimaryCarePage:
    """The Primary care digital page for one month and one PCN (or all of them)."""

    months_available: list[dt.date]
    month: dt.date
    pcn: str
    pcns: dict[str, str]
    econsult: pd.DataFrame  # the econsult_submissions series (denominator = the reference month)
    video: pd.DataFrame  # the video_consultations series
    reference_month: dt.date | None
    by_pcn: pd.DataFrame  # primary_care.pcn_month_table for eConsult in `month`
    tiles: pd.DataFrame  # compute.tiles_frame for eConsult and video in `month`

    @property
    def reference_value(self) -> float:
        """eConsult submissions in the reference month (February 2020) for the chosen scope."""
        known = self.econsult["denominator"].dropna()
        return float(known.iloc[0]) if not known.empty else float("nan")


def load_primary_care(
    store: Store, cfg: Config, month: dt.date | None = None, pcn: str = ALL
) -> PrimaryCarePage | None:
    """eConsult and video consultations for one PCN (or all), and eConsult by PCN for one month.
    None when the store holds neither."""
    econsult_metric, video_metric = cfg.metric("econsult_submissions"), cfg.metric("video_consultations")
    measures = all_measures([econsult_metric, video_metric])
    months = [m for m in store.months_with_data(measures) if m >= cfg.first_month]
    if not months:
        return None
    last = months[-1]
    month = to_month(month) if month and to_month(month) in months else last
    reference = to_month(econsult_metric.reference_period) if econsult_metric.reference_period else None
    by_site = store.measure_totals_by("site", econsult_metric.measures, start=cfg.first_month, end=last)
    pcns = {s.id: s.label for s in cfg.sites if s.kind == "pcn"}
    series = {
        econsult_metric.id: metric_series(store, cfg, econsult_metric, last, site=pcn),
        video_metric.id: metric_series(store, cfg, video_metric, last, site=pcn),
    }
    return PrimaryCarePage(
        months_available=months,
        month=month,
        pcn=pcn,
        pcns=pcns,
        econsult=series[econsult_metric.id],
        video=series[video_metric.id],
        reference_month=reference,
        by_pcn=primary_care.pcn_month_table(by_site, econsult_metric.measures[0], month, reference, pcns),
        tiles=compute.tiles_frame(cfg, series, month),
    )


@dataclass(frozen=True)
class InequalitiesPage:
    """One metric by IMD quintile or ethnicity group: recovery for a ratio to the baseline year, the
    group's own share for a share, its count for a count."""

    metric: Metric
    group: str
    months_available: list[dt.date]
    month: dt.date
    recovery: pd.DataFrame  # inequalities.recovery_by_segment for the chosen group
    gap: pd.DataFrame  # inequalities.deprivation_gap (always IMD 1 against IMD 5; empty without IMD figures)
    table: pd.DataFrame  # inequalities.recovery_table for `month`
    # inequalities.recording_completeness: how completely the group is recorded (ethnicity "Not stated")
    completeness: pd.DataFrame = field(default_factory=pd.DataFrame)


def inequality_metrics(store: Store, cfg: Config) -> list[Metric]:
    """Metrics of any type whose every measure has population-segment figures in the store."""
    present = set(store.measure_totals_by("segment", all_measures(cfg.metrics), start=cfg.first_month)["measure"])
    return [m for m in cfg.metrics if m.input_measures and set(m.input_measures) <= present]


def inequality_groups(store: Store, cfg: Config, metric_id: str) -> list[str]:
    """The segment groups (imd, ethnicity, …) holding figures for every measure of the metric."""
    metric = cfg.metric(metric_id)
    by_segment = store.measure_totals_by("segment", metric.input_measures, start=cfg.first_month)
    groups = list(dict.fromkeys(s.group for s in cfg.segments))
    held = {(seg.split(":")[0], measure) for seg, measure in zip(by_segment["segment"], by_segment["measure"],
                                                                 strict=True)}
    return [g for g in groups if all((g, m) in held for m in metric.input_measures)]


def load_inequalities(
    store: Store, cfg: Config, metric_id: str, group: str, month: dt.date | None = None
) -> InequalitiesPage | None:
    """`metric_id` by segment of `group` ("imd" or "ethnicity"); None without segment figures. Only the
    groups holding figures are shown (a "Not stated" group where it was counted)."""
    metric = cfg.metric(metric_id)
    segments = [s for s in cfg.segments if s.group == group]
    if not segments:
        raise ValueError(f"There are no '{group}' segments in config.yaml; choose imd or ethnicity.")
    measures = metric.input_measures
    by_segment = store.measure_totals_by("segment", measures, start=cfg.first_month, segment_group=group)
    if by_segment.empty:
        return None
    segments = inequalities.present_segments(segments, by_segment)
    end = to_month(max(by_segment["month"]))
    months = compute.chart_months(cfg, metric, end)
    recovery = inequalities.recovery_by_segment(cfg, metric, by_segment, segments, months)
    if group == "imd":
        imd_recovery = recovery
    else:
        imd = store.measure_totals_by("segment", measures, start=cfg.first_month, segment_group="imd")
        imd_segments = inequalities.present_segments([s for s in cfg.segments if s.group == "imd"], imd)
        imd_recovery = inequalities.recovery_by_segment(cfg, metric, imd, imd_segments, months)
    available = sorted({to_month(m) for m in recovery.loc[recovery["value"].notna(), "month"]})
    if not available:
        return None
    month = to_month(month) if month and to_month(month) in available else available[-1]
    overall = metric_series(store, cfg, metric, end)
    counted_on = metric.denominator if metric.type == "share" else metric.measures
    return InequalitiesPage(
        metric=metric,
        group=group,
        months_available=available,
        month=month,
        recovery=recovery,
        gap=inequalities.deprivation_gap(imd_recovery),
        table=inequalities.recovery_table(recovery, overall, month),
        completeness=inequalities.recording_completeness(by_segment, counted_on),
    )


@dataclass(frozen=True)
class AssessmentPage:
    """One organisation's Phase 3 reviews kept in the store, with the RAG counts per review."""

    requirements: pd.DataFrame
    reviews: pd.DataFrame
    rows: pd.DataFrame
    counts: pd.DataFrame
    labels: dict[int, str]
    organisation: str = ""
    organisations: list[str] = field(default_factory=list)

    @property
    def latest_id(self) -> int | None:
        return int(self.counts["review_id"].iloc[-1]) if not self.counts.empty else None

    def rows_for(self, review_id: int | None) -> pd.DataFrame:
        if review_id is None:
            return self.rows.iloc[:0]
        return self.rows[self.rows["review_id"] == review_id].reset_index(drop=True)


def load_assessment(store: Store, cfg: Config | None = None, organisation: str | None = None) -> AssessmentPage:
    """The requirements, one organisation's reviews and their rows, and the RAG counts per review (oldest
    first). Organisations: those holding reviews, then the configured partners; without `organisation`,
    the first that holds reviews."""
    every = store.assessment_reviews()
    holding = list(dict.fromkeys(every["organisation"].fillna(""))) if not every.empty else []
    holding = [o for o in holding if o] + [o for o in holding if not o]  # "not recorded" last
    organisations = holding + [p for p in (cfg.partners if cfg else []) if p not in holding]
    chosen = organisation if organisation is not None else (organisations[0] if organisations else "")
    reviews = every[every["organisation"].fillna("") == chosen] if not every.empty else every
    rows = store.assessment_rows(list(reviews["review_id"])) if not reviews.empty else store.assessment_rows([])
    return AssessmentPage(
        requirements=store.requirements(),
        reviews=reviews,
        rows=rows,
        counts=assessment.rag_counts(reviews, rows),
        labels=assessment.review_labels(reviews.sort_values(["review_date", "review_id"])) if not reviews.empty else {},
        organisation=chosen,
        organisations=organisations,
    )


def save_review(
    store: Store,
    requirements: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    review_date: dt.date,
    actor: Actor,
    note: str = "",
    based_on: int | None = None,
    first_row: int = 1,
    organisation: str = "",
) -> int:
    """Check a review (edited in the page or uploaded as CSV) and keep it as a new review of
    `organisation`'s position; return its id. Raises assessment.ReviewError (every problem) or
    ValueError (who/when/whose missing); nothing is written then, and no earlier review is ever changed."""
    if not (organisation or "").strip():
        raise ValueError("Say which organisation's position this review records before saving.")
    note = require_length(note, MAX_NOTE_CHARS, "note")
    prepared = assessment.prepare_review(frame, requirements, first_row=first_row)
    return store.record_review(
        prepared, review_date=review_date, actor=actor, note=note, based_on=based_on,
        organisation=organisation.strip(),
    )


def load_milestones(store: Store, as_at: dt.date) -> pd.DataFrame:
    """The recovery plan's milestones judged at `as_at` (assessment.milestone_table)."""
    return assessment.milestone_table(store.milestones(), as_at)


@dataclass(frozen=True)
class CoveragePage:
    """What has arrived: the measure × month grid, each metric's completeness, latest uploads,
    restatements and the dictionary."""

    months: list[dt.date]
    financial_years: list[str]
    grid: pd.DataFrame
    matrix: pd.DataFrame
    summary: pd.DataFrame
    latest_uploads: pd.DataFrame
    restatements: pd.DataFrame
    dictionary: pd.DataFrame
    labels: dict[str, str]
    metric_matrix: pd.DataFrame = field(default_factory=pd.DataFrame)
    partial_months: list[str] = field(default_factory=list)


def load_coverage(store: Store, cfg: Config, year: str | None = None, gaps_only: bool = False) -> CoveragePage:
    """Coverage of every configured measure from April of the baseline year to the latest month in the
    store (or one financial year of it); with `gaps_only`, only measures with a partial or missing month.
    Completeness at the system total, by `metrics.completeness` (as the Overview and the pack)."""
    labels = {m.id: m.label for m in cfg.measures}
    last = store.latest_month()
    months = month_range(cfg.first_month, last) if last and last >= cfg.first_month else []
    shown = coverage.months_in_year(months, year)
    measure_ids = list(labels)
    metric_labels = {m.id: m.label for m in cfg.metrics}
    if months:
        totals, cells = read_totals(store, cfg, measure_ids, last)
        measure_frame = compute.judge_measures(cfg, totals, cells)
        series = {
            m.id: compute.compute_series(
                cfg, m, totals, [x for x in compute.chart_months(cfg, m, last) if x in shown], cells=cells,
                measure_frame=measure_frame,
            )
            for m in cfg.metrics
        }
    else:
        measure_frame, series = pd.DataFrame(columns=completeness.MEASURE_COLUMNS), {}
    # A measure declared for a national file but read by no metric yet is shown once it has data.
    read = {x for m in cfg.metrics for x in m.input_measures}
    arrived = set(measure_frame["measure"]) if "measure" in measure_frame else set()
    measure_ids = [x for x in measure_ids if x in read or x in arrived]
    grid = coverage.coverage_grid(cfg, measure_frame, measure_ids, shown)
    if gaps_only:
        grid = grid[grid["measure"].isin(coverage.measures_with_gaps(grid))].reset_index(drop=True)
    return CoveragePage(
        months=shown,
        financial_years=coverage.financial_years(months),
        grid=grid,
        matrix=coverage.coverage_matrix(grid, labels),
        summary=coverage.coverage_summary(grid, labels),
        latest_uploads=coverage.latest_uploads_table(store.latest_upload_by_measure(), cfg),
        restatements=coverage.restatements_table(store.restatements(), cfg),
        dictionary=coverage.data_dictionary(cfg),
        labels=labels,
        metric_matrix=coverage.metric_grid(series, metric_labels, shown),
        partial_months=coverage.partial_metric_months(series, metric_labels),
    )


def default_milestone_date(store: Store) -> dt.date:
    """The date milestones are judged at unless the reader picks another: the last day of the latest
    month with figures (the dashboard's "now"), or today for a store with no figures."""
    latest = store.latest_month()
    if latest is None:
        return dt.date.today()
    following = dt.date(latest.year + latest.month // 12, latest.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


AUDIT_HEADINGS = {
    "occurred_at": "When (UK time)", "name": "Who", "email": "Email", "roles": "Role(s)", "via": "How",
    "action": "Action", "what": "What", "outcome": "Outcome",
}


def load_audit_log(
    store: Store,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    who: str = "",
    actions: list[str] | None = None,
    outcome: str = "",
) -> pd.DataFrame:
    """The audit log for the admin page and its CSV, newest first, with UK times and readable headings."""
    log = store.audit_log(start=start, end=end, who=who, actions=actions, outcome=outcome)
    table = log.drop(columns=["event_id"]).assign(occurred_at=[format_uk_time(t) for t in log["occurred_at"]])
    return table.rename(columns=AUDIT_HEADINGS)[list(AUDIT_HEADINGS.values())]


# --- demand and capacity (issue 12) ----------------------------------------------------------------


@dataclass(frozen=True)
class CapacityOptions:
    """What the Demand & capacity page offers: services with a waiting list, saved scenario versions, and
    the months in which the queue's figures are complete (a projection starts from the latest)."""

    table: pd.DataFrame  # capacity.queue_table: the queue per service and month
    services: list[str]
    labels: dict[str, str]
    versions: pd.DataFrame  # Store.scenario_versions
    complete_months: list[dt.date]
    is_demo: bool = False

    @property
    def latest_complete(self) -> dt.date | None:
        return self.complete_months[-1] if self.complete_months else None

    @property
    def version_ids(self) -> list[int]:
        return [int(v) for v in self.versions["version_id"]]

    def version_row(self, version_id: int | None) -> dict | None:
        row = self.versions[self.versions["version_id"] == version_id]
        return row.iloc[0].to_dict() if not row.empty else None

    def version_label(self, version_id: int | None) -> str:
        row = self.version_row(version_id)
        return scenarios.version_label(row) if row else "As now"

    def scenario_name(self, version_id: int | None) -> str:
        """The name a new version starts from: the chosen scenario's, without "(example)"."""
        row = self.version_row(version_id)
        return str(row["scenario"]).replace(" (example)", "") if row else ""

    def backtest_months(self, cfg: Config) -> list[dt.date]:
        """Complete months a backtest can start from: after the baseline year (so each has a baseline
        month) and before the latest complete month (so something happened since)."""
        latest = self.latest_complete
        return [m for m in self.complete_months if latest and m < latest and m >= add_months(cfg.first_month, 12)]


@dataclass(frozen=True)
class CapacityPage:
    """The chosen services under a scenario (and a second one to compare), and a backtest."""

    services: list[str]
    start: dt.date
    target: dt.date
    scenario_rows: pd.DataFrame
    history: pd.DataFrame  # capacity.history_frame to the start month
    projection: capacity.Projection | None = None
    total: pd.DataFrame = field(default_factory=pd.DataFrame)  # Projection.total_frame
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)  # capacity.summarise
    comparison: pd.DataFrame = field(default_factory=pd.DataFrame)  # capacity.comparison_frame
    comparison_summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    backtest: capacity.Backtest | None = None
    backtest_history: pd.DataFrame = field(default_factory=pd.DataFrame)
    problem: str = ""  # a sentence when the choices cannot be projected
    backtest_problem: str = ""

    @property
    def total_row(self) -> dict:
        """The summary's row for the chosen services together."""
        return self.summary[self.summary["service"] == scenarios.ALL_SERVICES].iloc[0].to_dict()

    @property
    def comparison_total_row(self) -> dict | None:
        if self.comparison_summary.empty:
            return None
        return self.comparison_summary[self.comparison_summary["service"] == scenarios.ALL_SERVICES].iloc[0].to_dict()


def load_capacity_options(store: Store, cfg: Config) -> CapacityOptions:
    """The queue per service, the saved scenarios, and the months whose queue figures are complete
    (completeness at the system total, by `metrics.completeness`, the one rule)."""
    last = store.latest_month(capacity.QUEUE_MEASURES)
    months: list[dt.date] = []
    if last is not None:
        totals, cells = read_totals(store, cfg, capacity.QUEUE_MEASURES, last)
        months = capacity.complete_months(completeness.measure_months(cfg, totals, cells))
    table = capacity.queue_table(store.measure_totals_by("service", capacity.ALL_MEASURES, start=cfg.first_month))
    services = capacity.services_with_queue(table)
    return CapacityOptions(
        table=table, services=services, labels={s: cfg.label_for("service", s) for s in services},
        versions=store.scenario_versions(), complete_months=months, is_demo=store.is_demo(),
    )


def _scenario_rows(store: Store, version_id: int | None) -> pd.DataFrame:
    if version_id is None:
        return pd.DataFrame(columns=scenarios.EDITOR_COLUMNS)
    return store.scenario_multipliers(version_id)


def load_capacity(
    store: Store,
    cfg: Config,
    options: CapacityOptions,
    *,
    services: list[str] | None,
    version_id: int | None,
    horizon: int,
    target: dt.date,
    compare_id: int | None = None,
    backtest_start: dt.date | None = None,
    runs: int = 1000,
    seed: int = 20200731,
) -> CapacityPage:
    """Project the chosen services (all when None or empty) from the latest complete month under a scenario
    version, summarise them at the target month, compare with a second version, and backtest from a past
    month. Choices that cannot be projected come back as `problem`, a sentence, never an exception."""
    chosen = [s for s in (services or options.services) if s in options.services] or options.services
    start = options.latest_complete
    rows = _scenario_rows(store, version_id)
    if start is None or not chosen:
        return CapacityPage(chosen, start or dt.date.today(), to_month(target), rows, pd.DataFrame(),
                            problem="The store has no complete month of waiting list figures (referrals, removals "
                                    "and the list) yet; load them on the Upload data page.")
    history = capacity.history_frame(options.table, chosen, start)
    page = {"services": chosen, "start": start, "target": to_month(target), "scenario_rows": rows, "history": history}
    try:
        projection = capacity.project(options.table, chosen, start, horizon, rows, cfg.baseline_year,
                                      runs=runs, seed=seed)
        summary = capacity.summarise(projection, options.table, target, margin=cfg.rag.amber_margin)
        page.update(projection=projection, total=projection.total_frame(), summary=summary)
        if compare_id is not None:
            other = capacity.project(options.table, chosen, start, horizon, _scenario_rows(store, compare_id),
                                     cfg.baseline_year, runs=runs, seed=seed)
            page["comparison"] = capacity.comparison_frame(
                projection, other, (options.version_label(version_id), options.version_label(compare_id))
                if version_id is not None else ("As now", options.version_label(compare_id)))
            page["comparison_summary"] = capacity.summarise(other, options.table, target, margin=cfg.rag.amber_margin)
    except ValueError as exc:
        page["problem"] = str(exc)
    if backtest_start is not None:
        try:
            result = capacity.backtest(options.table, chosen, backtest_start, start, cfg.baseline_year,
                                       runs=runs, seed=seed)
            page.update(backtest=result, backtest_history=capacity.history_frame(options.table, chosen, start))
        except ValueError as exc:
            page["backtest_problem"] = str(exc)
    return CapacityPage(**page)


def save_scenario(
    store: Store,
    cfg: Config,
    name: str,
    frame: pd.DataFrame,
    *,
    actor: Actor,
    description: str = "",
    based_on: int | None = None,
) -> int:
    """Check an edited scenario and keep it as a new version under `name`, saved by `actor` (who needs
    the editor role); return its version id. Raises scenarios.ScenarioError (every problem, by row),
    ValueError (no name) or AccessDenied; nothing is written then, and no earlier version is ever changed."""
    services = {s.id: s.label for s in cfg.services}
    prepared = scenarios.prepare_rows(frame, services)
    return store.save_scenario_version(name, prepared, actor=actor, description=description, based_on=based_on)


def find_scenario_version(options: CapacityOptions, scenario: str | None, version: int | None = None) -> int | None:
    """The version id of a scenario named `scenario` (its latest version, or `version`), or of the version id
    given as digits; None for no scenario ("as now" without a stored version). Raises ValueError naming the
    scenarios there are."""
    if scenario is None:
        return None
    versions = options.versions
    if scenario.strip().isdigit() and int(scenario) in options.version_ids:
        return int(scenario)
    named = versions[versions["scenario"].str.casefold() == scenario.strip().casefold()]
    if version is not None:
        named = named[named["version"] == version]
    if named.empty:
        names = ", ".join(f"“{n}”" for n in dict.fromkeys(versions["scenario"])) or "none"
        which = f"version {version} of " if version is not None else ""
        raise ValueError(f"There is no {which}scenario “{scenario}”; the store holds: {names}.")
    return int(named.sort_values("version").iloc[-1]["version_id"])
