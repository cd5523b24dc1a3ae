"""The cheaper orchestration of the declared and service pages (issues 14–16, round 3) gives exactly what the
paths before it gave:

- at a named site, a metric none of whose measures has a total there is no longer computed for the site
  only to be found empty and computed again for all sites (`views._series_in_range(held_only=True)`);
- the services a heatmap re-judges are worked out once (`services.heatmap_frame(recheck=…)`), not twice;
- SPC is computed from whole columns (`metrics.spc`): no copy of the series, one frame built, the icons read from
  columns rather than from a row made into a Series.

Each page is computed both ways — the old orchestration is kept below, verbatim — on the demonstration
store and on the restated one (tests/conftest.py), at every site and for all sites, and compared exactly."""

from __future__ import annotations

import datetime as dt
import math
import random

import pandas as pd
import pytest

from data.store import Store
from metrics import compute, services, spc, views
from metrics.months import format_month, to_month
from tests.unit.test_speed_paths import assert_same

ALL = "All"


def _old_series_in_range(store, cfg, metrics, start, end, **scope):
    service, site = scope.get("service", ALL), scope.get("site", ALL)
    measures = views.all_measures(metrics)
    declared = views.declared_prints(store, cfg, measures, service, site) if scope.get("segment", ALL) == ALL else None
    totals, cells = views.read_totals(store, cfg, measures, end, **scope, declared=declared)
    cells = views.completeness.index_cells(cells)
    judged = views.completeness.index_measures(
        compute.judge_measures(cfg, totals, cells, service=service, site=site, declared=declared))
    out = {}
    for metric in metrics:
        months = [m for m in compute.chart_months(cfg, metric, end) if m >= start]
        out[metric.id] = compute.compute_series(
            cfg, metric, totals, months, service=service, site=site, cells=cells, measure_frame=judged
        )
    return out


def _old_load_service_page(store, cfg, metric_ids, *, site=ALL, start, end, heatmap_metric=None):
    """views.load_service_page as it was before round 3."""
    start, end = to_month(start), to_month(end)
    metrics = [cfg.metric(m) for m in metric_ids]
    series = _old_series_in_range(store, cfg, metrics, start, end, site=site)
    notes: dict[str, str] = {}
    if site != ALL:
        missing = [m for m in metrics if m.id not in services.metrics_with_data({m.id: series[m.id]})]
        if missing:
            series.update(_old_series_in_range(store, cfg, missing, start, end, site=ALL))
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
        detail = sorted({m for ms in services.services_needing_detail(cfg, totals).values() for m in ms})
        cells = store.cells(detail, metric.input_measures, site=site) if detail else None
        heatmap = services.heatmap_frame(cfg, metric, totals, months, cells=cells, site=site)
        month = services.ranking_month(heatmap)
        if month is not None:
            ranking = services.rank_services(heatmap, month, metric.improvement)
        heatmap = services.order_heatmap(heatmap, ranking)
    return views.ServicePage(
        site=site, start=start, end=end, tiles=compute.tiles_frame(cfg, series, end), series=series, notes=notes,
        heatmap_metric=heatmap_metric, heatmap=heatmap, ranking=ranking, ranking_month=month,
    )


def _pages(store: Store, cfg) -> dict[str, object]:
    out: dict[str, object] = {}
    last = store.months_with_data()[-1]
    sites = [ALL, *store.dimension_values("site")[:2]]  # all sites and two named ones (each page both ways)
    start = dt.date(last.year - 1, last.month, 1)
    for page in cfg.pages:
        options = views.load_page_options(store, cfg, page.metric_ids, page.by_service_ids)
        # every "by service" metric at all sites and at the first site; the first (or none) at every site
        chosen = options.heatmap_metrics[:1] or [None]
        cases = [(site, chosen[0]) for site in sites] + [(s, m) for m in options.heatmap_metrics[1:] for s in sites[:2]]
        for site, by_service in cases:
            out[f"{page.url} {site} {by_service}"] = views.load_declared_page(
                store, cfg, page.url, site=site, start=start, end=last, by_service=by_service)
    return out


@pytest.mark.parametrize("which", ["demo_db", "restated_demo_db"])
def test_declared_pages_as_before(request, cfg, monkeypatch, which):
    path = request.getfixturevalue(which)
    with Store(path, read_only=True) as store:
        new = _pages(store, cfg)
        with monkeypatch.context() as patched:
            patched.setattr(views, "load_service_page", _old_load_service_page)
            old = _pages(store, cfg)
    # the cases the new paths change are exercised: a metric shown for all sites at a named site, a heatmap
    notes = [name for name, page in new.items() if page.page.notes]
    assert notes, "no page showed a metric for all sites at a named site"
    assert any(not page.page.heatmap.empty for page in new.values())
    assert list(new) == list(old)
    for name in new:
        assert_same(new[name], old[name], name)


def test_held_only_leaves_out_exactly_the_metrics_without_a_total(demo_db, cfg):
    with Store(demo_db, read_only=True) as store:
        last = store.months_with_data()[-1]
        site = store.dimension_values("site")[0]
        metrics = cfg.metrics
        every = views._series_in_range(store, cfg, metrics, cfg.first_month, last, site=site)
        held = views._series_in_range(store, cfg, metrics, cfg.first_month, last, site=site, held_only=True)
    assert set(held) < set(every)  # some metric is recorded for the whole system only
    for metric_id, series in every.items():
        if metric_id in held:
            assert_same(held[metric_id], series, metric_id)
        else:
            assert not series["value"].notna().any(), metric_id


# --- SPC from whole columns (metrics/spc.py, round 3) ----------------------------------------------------


def _old_variation_icon(spc_frame, improvement):
    typed = spc_frame[spc_frame["point_type"].notna()]
    if typed.empty:
        return None
    last = typed.iloc[[-1]]
    return spc.variation_icon(last, improvement)  # the new code on the one row the old code took


def _old_spc_for_series(series_frame, cfg, metric):
    settings = cfg.spc_settings(metric)
    months = [to_month(m) for m in series_frame["month"]]
    frame = spc.compute_spc(
        series_frame["value"], improvement=metric.improvement,
        rebase_indices=spc.rebase_positions(months, settings.rebase),
        screen_outliers=settings.screen_outliers, fix_after_n_points=settings.fix_after_n_points,
    )
    frame.insert(1, "month", months)
    target = series_frame["target"].iloc[-1] if len(series_frame) else None
    assurance = None
    if not (spc._missing(target) or frame.empty or spc._check_improvement(metric.improvement) == 0):
        latest = frame.iloc[-1]
        if not (spc._missing(latest["lpl"]) or spc._missing(latest["upl"])):
            assurance = spc.assurance_icon(frame.iloc[[-1]], float(target), metric.improvement)
    return frame, _old_variation_icon(frame, metric.improvement), assurance


def _old_spc_for_complete_months(series_frame, cfg, metric):
    usable = series_frame.copy()
    if "completeness" in usable.columns:
        usable.loc[usable["completeness"] != "complete", "value"] = math.nan
    frame, variation, assurance = _old_spc_for_series(usable, cfg, metric)
    latest = series_frame.iloc[-1] if len(series_frame) else None
    state = latest.get("completeness", "complete") if latest is not None else "no_data"
    if state != "complete":
        if latest is None:
            return frame, None, None, ""
        words = "is partial" if state == "partial" else "has no data"
        month = format_month(latest["month"])
        return frame, None, None, f"No SPC icons: {month} {words}, so it is not a point on the chart."
    if assurance is None:
        last_group = frame[frame["group"] == frame["group"].iloc[-1]]
        if int(last_group["value"].notna().sum()) == 1:
            return frame, variation, None, (
                "No assurance icon: the period since the last rebase has one point, too few for process limits to "
                "judge the target against."
            )
    return frame, variation, assurance, ""


def _awkward_series(rng: random.Random, months: list[dt.date]) -> pd.DataFrame:
    n = rng.randint(0, len(months))
    chosen = months[len(months) - n:]
    level = rng.choice([0.1, 0.5, 3.0, 120.0, 5000.0])
    values = [rng.choice([level, level * rng.uniform(0.5, 1.5), math.nan, level + 0.1]) for _ in chosen]
    states = [rng.choice(["complete", "complete", "complete", "partial", "no_data"]) for _ in chosen]
    targets = [rng.choice([math.nan, level, level * 1.2, 0.0]) for _ in chosen]
    return pd.DataFrame({"month": chosen, "value": values, "numerator": values, "denominator": values,
                         "target": targets, "gap": values, "status": states, "completeness": states,
                         "completeness_text": ["" for _ in chosen]}).astype(
        {"value": float, "numerator": float, "denominator": float, "target": float, "gap": float})


def test_spc_as_before_on_real_and_awkward_series(demo_db, cfg):
    with Store(demo_db, read_only=True) as store:
        last = store.months_with_data()[-1]
        cases = [(m, s) for site in [ALL, *store.dimension_values("site")[:2]]
                 for m, s in views.series_for_metrics(store, cfg, cfg.metrics, last, site=site).items()]
    rng = random.Random(16)
    months = compute.chart_months(cfg, cfg.metrics[0], last)
    rebased = [m for m in cfg.metrics if cfg.spc_settings(m).rebase]
    assert rebased, "no metric declares an SPC rebase: the rebase path is not exercised"
    for _ in range(300):
        metric = rng.choice([*rebased, *cfg.metrics[:10]])
        cases.append((metric.id, _awkward_series(rng, months)))
    seen = set()
    for metric_id, series in cases:
        metric = cfg.metric(metric_id)
        new = spc.spc_for_complete_months(series, cfg, metric)
        old = _old_spc_for_complete_months(series, cfg, metric)
        assert_same(list(new), list(old), metric_id)
        assert_same(list(spc.spc_for_series(series, cfg, metric)), list(_old_spc_for_series(series, cfg, metric)))
        seen.add((new[1] is None, new[2] is None, new[3][:5]))
    assert len(seen) >= 4  # icons and notes of several kinds were compared
