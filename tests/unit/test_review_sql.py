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
