"""The cheaper paths of the Overview, the declared pages and the review (issues 14–16, round 2) give exactly what
the paths before them gave: the measure rows keyed once for every metric (`completeness.index_measures`), a count
metric's reference month summed on its own (`compute._reference_total`) and provenance grouped once for every
metric (`provenance.for_metrics`), and the hover text made from four columns
(`provenance.annotate`). Each view is computed both ways on the demonstration store and on the restated
one (tests/conftest.py), for every metric and several selections, and compared frame by frame."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random

import pandas as pd
import pytest

from data.store import Store
from metrics import completeness, compute, provenance, views
from metrics.months import to_month


def _old_reference_total(totals: pd.DataFrame, measures: list[str], month: dt.date) -> float:
    """The reference month as it was read before: from a pivot of every month's plausible totals."""
    sums = compute._sum_measures(compute.plausible_totals(totals), measures)
    return sums.get(month, float("nan"))


def _old_for_metrics(sources: pd.DataFrame, measures_by_metric: dict[str, list[str]]) -> dict[str, pd.DataFrame]:
    return {metric_id: provenance.for_measures(sources, measures) for metric_id, measures in measures_by_metric.items()}


def _old_annotate(series: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """The hover column as it was made before: from every column of the rows as records."""
    by_month: dict[dt.date, list[dict]] = {}
    for record in sources.to_dict("records"):
        by_month.setdefault(to_month(record["month"]), []).append(record)
    out = series.copy()
    out["source"] = [provenance._hover(by_month.get(to_month(m), [])) for m in out["month"]]
    return out


def _old_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(provenance, "annotate", _old_annotate)
    monkeypatch.setattr(completeness, "index_measures", lambda frame: frame)  # metric_months reads the frame
    monkeypatch.setattr(compute, "_reference_total", _old_reference_total)
    monkeypatch.setattr(provenance, "for_metrics", _old_for_metrics)


def assert_same(new: object, old: object, where: str = "") -> None:
    if isinstance(new, pd.DataFrame):
        assert isinstance(old, pd.DataFrame), where
        pd.testing.assert_frame_equal(new, old, check_exact=True, obj=where or "frame")
    elif isinstance(new, pd.Series):
        pd.testing.assert_series_equal(new, old, check_exact=True, obj=where or "series")
    elif dataclasses.is_dataclass(new):
        assert type(new) is type(old), where
        for f in dataclasses.fields(new):
            assert_same(getattr(new, f.name), getattr(old, f.name), f"{where}.{f.name}")
    elif isinstance(new, dict):
        assert list(new) == list(old), where
        for key in new:
            assert_same(new[key], old[key], f"{where}[{key!r}]")
    elif isinstance(new, list | tuple):
        assert len(new) == len(old), where
        for i, (a, b) in enumerate(zip(new, old, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(new, float) and isinstance(old, float) and math.isnan(new):
        assert math.isnan(old), where
    else:
        assert new == old, where


def _views(store: Store, cfg) -> dict[str, object]:
    """Every view these paths serve, on one store."""
    out: dict[str, object] = {}
    months = store.months_with_data()
    last = months[-1]
    overview = views.load_overview(store, cfg)
    out["overview"] = overview
    out["overview, an earlier month"] = views.load_overview(store, cfg, months[-8])
    out["report, every metric"] = views.load_report(store, cfg, overview.month)
    for site in [s.id for s in cfg.sites]:
        out[f"every metric at {site}"] = views.series_and_problems(store, cfg, cfg.metrics, last, site=site)
    for service in store.dimension_values("service")[:4]:
        out[f"every metric for {service}"] = views.series_and_problems(store, cfg, cfg.metrics, last, service=service)
    for page in cfg.pages:
        out[f"declared page {page.url}"] = views.load_declared_page(
            store, cfg, page.url, start=cfg.first_month, end=last
        )
    later = dt.date.today()
    for days in (1, 7, 14, 40):
        out[f"review {days} days"] = views.load_review(store, cfg, later - dt.timedelta(days=days), later)
    return out


@pytest.mark.parametrize("which", ["demo_db", "restated_demo_db"])
def test_new_paths_give_what_the_old_paths_gave(request, cfg, monkeypatch, which):
    path = request.getfixturevalue(which)
    with Store(path, read_only=True) as store:
        new = _views(store, cfg)
        with monkeypatch.context() as patched:
            _old_paths(patched)
            old = _views(store, cfg)
    assert new["overview"] is not None and len(new["overview"].series) == len(cfg.headline_metrics)
    assert any(m.type == "count" and m.reference_period for m in cfg.metrics)  # the reference path is exercised
    for name in new:
        assert_same(new[name], old[name], name)


def test_provenance_for_metrics_equals_for_measures_one_by_one(demo_db, cfg):
    with Store(demo_db, read_only=True) as store:
        sources = store.provenance(views.all_measures(cfg.metrics), store.months_with_data())
    wanted = {m.id: m.input_measures for m in cfg.metrics} | {"twice": ["ct_tests", "ct_tests"], "none": ["nothing"]}
    got = provenance.for_metrics(sources, wanted)
    assert list(got) == list(wanted)
    assert got["none"].empty and not got["twice"].empty
    for metric_id, measures in wanted.items():
        assert_same(got[metric_id], provenance.for_measures(sources, measures), metric_id)
    empty = provenance.for_metrics(sources.iloc[0:0], wanted)
    for metric_id, measures in wanted.items():
        assert_same(empty[metric_id], provenance.for_measures(sources.iloc[0:0], measures), metric_id)


def test_reference_total_equals_the_pivot_for_awkward_totals():
    """Duplicated rows, missing values, implausible totals, absent measures, either month type."""
    rng = random.Random(14)
    months = [dt.date(2020, m, 1) for m in range(1, 5)]
    values = [1.0, 2.5, 3.0, float("nan"), 1e16, float("inf"), 7.0, 1e15, 6e14, 0.1, 0.2]
    checked = 0
    for _ in range(2000):
        rows = [{"month": rng.choice(months), "measure": rng.choice("abc"), "value": rng.choice(values)}
                for _ in range(rng.randint(0, 8))]
        totals = pd.DataFrame(rows, columns=["month", "measure", "value"])
        if rng.random() < 0.5 and len(totals):
            totals["month"] = pd.to_datetime(totals["month"])
        measures = rng.choice([["a"], ["a", "b"], ["b", "a", "c"], ["a", "a"]])
        month = rng.choice(months)
        old, new = _old_reference_total(totals, measures, month), compute._reference_total(totals, measures, month)
        assert (math.isnan(old) and math.isnan(new)) or old == new, (totals, measures, month)
        checked += not math.isnan(new)
    assert checked > 200  # not only missing months


def test_index_measures_keys_every_row(demo_db, cfg):
    with Store(demo_db, read_only=True) as store:
        totals, cells = views.read_totals(store, cfg, views.all_measures(cfg.metrics), store.latest_month())
    frame = compute.judge_measures(cfg, totals, cells)
    index = completeness.index_measures(frame)
    assert len(index) == len(frame)
    first = frame.iloc[0]
    assert index[(to_month(first["month"]), first["measure"])]["value"] == first["value"]
