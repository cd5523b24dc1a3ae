"""The review comparison's SQL (issue 16): joining only the versions that started or ended between the two
moments gives exactly what the earlier formulation (every touched key, known at both moments, joined)
gave, on the restated demonstration store, across an undo and for every pair of moments around them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest

from data import store as store_module
from data.store import KEY_COLUMNS, Store, utc_now
from tests.actors import named

# The formulation before issue 16, kept here as the reference.
_TOUCHED_TEMPLATE = """
    SELECT month, measure, service, site, segment FROM facts
    WHERE valid_from > ? AND valid_from <= ? {measure_clause}
    UNION
    SELECT month, measure, service, site, segment FROM fact_history
    WHERE ((valid_from > ? AND valid_from <= ?) OR (valid_to > ? AND valid_to <= ?)) {measure_clause}
"""


def reference_sql(measures: Sequence[str] | None, select: str) -> str:
    keys = "month, measure, service, site, segment"
    known = store_module._known_at_sql(measures)
    return f"""
        WITH touched AS ({_TOUCHED_TEMPLATE.format(measure_clause=store_module._measure_clause(measures))}),
             before AS (SELECT k.* FROM ({known}) k SEMI JOIN touched USING ({keys})),
             after AS (SELECT k.* FROM ({known}) k SEMI JOIN touched USING ({keys})),
             compared AS (
                SELECT coalesce(a.month, b.month) AS month, coalesce(a.measure, b.measure) AS measure,
                       coalesce(a.service, b.service) AS service, coalesce(a.site, b.site) AS site,
                       coalesce(a.segment, b.segment) AS segment,
                       b.value AS old_value, a.value AS new_value,
                       CASE WHEN b.value IS NULL THEN 'new' WHEN a.value IS NULL THEN 'removed'
                            ELSE 'restated' END AS change,
                       CASE WHEN b.reason = 'undone' AND b.valid_to <= ? THEN b.replaced_by
                            WHEN a.value IS NOT NULL AND a.valid_from > ? THEN a.upload_id
                            ELSE b.replaced_by END AS upload_id,
                       coalesce(b.reason = 'undone' AND b.valid_to <= ?, false) AS by_undo
                FROM before b
                FULL OUTER JOIN after a
                  ON a.month = b.month AND a.measure = b.measure AND a.service = b.service
                 AND a.site = b.site AND a.segment = b.segment
                WHERE b.value IS DISTINCT FROM a.value
            )
        {select}
    """


def reference_params(earlier: dt.datetime, later: dt.datetime, measures: Sequence[str] | None) -> list:
    chosen = list(measures) if measures is not None else []
    return [
        earlier, later, *chosen, earlier, later, earlier, later, *chosen,
        *store_module._known_at_params(earlier, measures, None, None),
        *store_module._known_at_params(later, measures, None, None),
        later, earlier, later,
    ]


def reference(store: Store, earlier: dt.datetime, later: dt.datetime, measures, summary: bool) -> pd.DataFrame:
    if summary:
        select = """
            SELECT c.month, c.measure, c.segment, c.change, c.upload_id, c.by_undo, u.file_name,
                   count(*) AS "values"
            FROM compared c LEFT JOIN uploads u USING (upload_id)
            GROUP BY ALL ORDER BY month, measure, segment, change, upload_id
        """
        columns = store_module._CHANGE_SUMMARY_COLUMNS
    else:
        select = """
            SELECT c.*, u.file_name, u.uploaded_by, u.uploaded_at
            FROM compared c LEFT JOIN uploads u USING (upload_id)
            ORDER BY month, measure, service, site, segment
        """
        columns = store_module._CHANGE_COLUMNS
    return store._frame(reference_sql(measures, select), reference_params(earlier, later, measures), columns)


@pytest.fixture
def busy_store(restated_demo_db: Path):
    """The restated demonstration store, then two more uploads two days and one day ago (the second
    restating part of the first) and the first of them undone an hour ago."""
    now = utc_now()
    with Store(restated_demo_db) as store:
        facts = store.facts()
        some = facts[facts["segment"] == "All"].head(40)[[*KEY_COLUMNS, "value"]]
        store.commit_rows(some.assign(value=some["value"] + 5), file_name="plus5.csv", sha256="p5",
                          actor=named("A"), now=now - dt.timedelta(days=2))
        store.commit_rows(some.head(10).assign(value=1.0), file_name="ones.csv", sha256="o",
                          actor=named("B"), now=now - dt.timedelta(days=1))
        later = some.tail(10)
        plus9 = store.commit_rows(later.assign(value=later["value"] + 9), file_name="plus9.csv", sha256="p9",
                                  actor=named("C"), now=now - dt.timedelta(hours=5)).upload_id
        store.undo_upload(plus9, actor=named("D"), now=now - dt.timedelta(hours=1))
        yield store


MOMENTS = [dt.timedelta(days=d) for d in (40, 30, 10, 3, 2.5, 1.5, 0.5, 0.1, 0)]


@pytest.mark.parametrize("summary", [False, True], ids=["values", "summary"])
def test_the_comparison_is_the_same_as_before_for_every_pair_of_moments(busy_store: Store, summary: bool) -> None:
    now = utc_now() + dt.timedelta(seconds=1)
    measures = ["ct_tests", "mri_tests", "spa_discharges"]
    compared = 0
    for i, earlier in enumerate(MOMENTS):
        for later in MOMENTS[i + 1:]:
            for chosen in (None, measures):
                a, b = now - earlier, now - later
                call = busy_store.change_summary_between if summary else busy_store.changes_between
                new = call(a, b, chosen)
                old = reference(busy_store, a, b, chosen, summary)
                pd.testing.assert_frame_equal(new.reset_index(drop=True), old.reset_index(drop=True))
                compared += len(new)
    assert compared > 11_000  # the demo's arrival, the restatement, the later uploads and the undo were all seen


# --- the series as known at a moment: cells read only for the (month, measure) pairs completeness needs ----


def _whole_months_read_totals(
    store, cfg, measures, end, service="All", site="All", segment="All", moment=None, declared=None
):
    """`metrics.views.read_totals` before issue 16: every measure of each month needing detail (declared
    cells are not fingerprinted: `declared` is ignored, and the test makes `declared_prints` empty)."""
    from metrics import completeness
    from metrics.months import to_month

    scope = {"service": service, "site": site, "segment": segment, "start": cfg.first_month, "end": to_month(end)}
    totals = (store.measure_totals(measures, **scope) if moment is None
              else store.measure_totals_as_of(moment, measures, **scope))
    months = completeness.detail_months(cfg, totals)
    if not months:
        return totals, None
    return totals, store.cells(months, measures, service=service, site=site, segment=segment, moment=moment)


def test_cells_of_reads_exactly_the_named_pairs(busy_store: Store, cfg) -> None:
    from metrics import completeness, views

    measures = views.all_measures(cfg.headline_metrics)
    now = utc_now() + dt.timedelta(seconds=1)
    checked = 0
    for moment in [None, *(now - d for d in MOMENTS)]:
        totals = (busy_store.measure_totals(measures, start=cfg.first_month) if moment is None
                  else busy_store.measure_totals_as_of(moment, measures, start=cfg.first_month))
        keys = completeness.detail_keys(cfg, totals)
        keys += [(dt.date(2021, 3, 1), "ct_tests"), (dt.date(2019, 3, 1), "mri_tests")]
        months = sorted({m for m, _ in keys})
        whole = busy_store.cells(months, sorted({m for _, m in keys}), moment=moment)
        wanted = set(keys)
        mask = [(pd.Timestamp(m).date(), x) in wanted for m, x in zip(whole["month"], whole["measure"], strict=True)]
        expected = whole[pd.Series(mask, index=whole.index, dtype=bool)]
        got = busy_store.cells_of(keys, moment=moment)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))
        checked += len(got)
    assert busy_store.cells_of([]).empty
    assert checked > 1_000


def test_series_as_known_at_are_the_same_as_reading_whole_months(busy_store: Store, cfg, monkeypatch) -> None:
    from metrics import completeness, views

    measures = views.all_measures(cfg.headline_metrics)
    totals = busy_store.measure_totals(measures, start=cfg.first_month)
    keys = completeness.detail_keys(cfg, totals)
    months = completeness.detail_months(cfg, totals)
    assert keys and len(keys) < len(months) * len(measures)  # the demo needs some cells, and fewer are read
    declared = views.declared_prints(busy_store, cfg, measures)
    assert declared and len(completeness.detail_keys(cfg, totals, declared)) < len(keys)  # fewer still
    end = busy_store.latest_month(measures)
    now = utc_now() + dt.timedelta(seconds=1)
    for moment in (now - dt.timedelta(days=2.5), now - dt.timedelta(days=0.5), now):
        new = views.series_as_of(busy_store, cfg, cfg.headline_metrics, moment, end)
        with monkeypatch.context() as patched:
            patched.setattr(views, "read_totals", _whole_months_read_totals)
            patched.setattr(views, "declared_prints", lambda *args, **kwargs: {})
            old = views.series_as_of(busy_store, cfg, cfg.headline_metrics, moment, end)
        assert new.keys() == old.keys()
        for metric in new:
            pd.testing.assert_frame_equal(new[metric], old[metric])
    previous, current = (now - dt.timedelta(days=3)).date(), now.date()
    review_new = views.load_review(busy_store, cfg, previous, current)
    monkeypatch.setattr(views, "read_totals", _whole_months_read_totals)
    monkeypatch.setattr(views, "declared_prints", lambda *args, **kwargs: {})
    review_old = views.load_review(busy_store, cfg, previous, current)
    for part in ("summary", "restatements", "arrivals"):
        pd.testing.assert_frame_equal(getattr(review_new, part), getattr(review_old, part))


def test_declared_cells_are_fingerprinted_as_the_store_fingerprints_arrived_cells(busy_store: Store, cfg) -> None:
    from metrics import completeness

    measure = "spa_discharges"
    totals = busy_store.measure_totals([measure], start=cfg.first_month)
    cells = busy_store.cells(list(totals["month"]), [measure])
    matched = 0
    for month, group in cells.groupby("month"):
        row = totals[totals["month"] == month].iloc[0]
        pairs = list(zip(group["service"], group["site"], strict=True))
        assert busy_store.cell_fingerprint(pairs) == (int(row["cells"]), int(row["fingerprint"]))
        assert busy_store.cell_fingerprint(reversed(pairs)) == busy_store.cell_fingerprint(pairs)  # order-free
        declared = set(completeness.declared_cells(cfg, [measure])[measure])
        matched += set(pairs) == declared
    assert matched > 0  # some demo months hold exactly the declared cells
    assert busy_store.cell_fingerprint([]) == (0, 0)
    assert busy_store.cell_fingerprint([("a", "b")]) != busy_store.cell_fingerprint([("b", "a")])


def test_the_review_is_the_same_as_computing_both_series_in_full(busy_store: Store, cfg) -> None:
    """`load_review` takes the series known at the later date for the earlier one when no system total
    changed between them, and series with no rows when nothing was known at the earlier date (issue 16);
    the review must be the one computed from both series in full."""
    from metrics import review, views

    metrics = cfg.headline_metrics
    measures = views.all_measures(metrics)
    end = busy_store.latest_month(measures)
    today = utc_now().date()
    days = [today + dt.timedelta(days=d) for d in (-400, -40, -3, -2, -1, 0, 1)]
    seen = set()
    for i, previous in enumerate(days):
        for current in days[i:]:
            earlier, later = review.end_of_day(previous), review.end_of_day(current)
            changes = busy_store.change_summary_between(earlier, later, measures)
            before = views.series_as_of(busy_store, cfg, metrics, earlier, end)
            in_full = review.build_review(
                cfg, metrics, before=before, after=views.series_as_of(busy_store, cfg, metrics, later, end),
                changes=changes, earlier=earlier, later=later, uploads=busy_store.uploads(),
            )
            got = views.load_review(busy_store, cfg, previous, current)
            for part in ("summary", "restatements", "arrivals", "uploads"):
                pd.testing.assert_frame_equal(getattr(got, part), getattr(in_full, part))
            assert got.nothing_known_before == in_full.nothing_known_before
            unchanged = not (changes["segment"] == "All").any()
            unknown = all(review.latest_with_value(s) is None for s in before.values())
            seen.add("unchanged" if unchanged else "nothing known before" if unknown else "compared")
    assert seen == {"unchanged", "nothing known before", "compared"}
