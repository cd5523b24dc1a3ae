"""The system-total rollup (migration 11): commit and undo keep it inside their own transactions, and every
read it serves (totals, months, provenance at the system total) equals the same read over the facts."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data.store import ALL, Store, StoreError
from tests.actors import named
from tests.faults import FailingStatement

# Store tests run on both engines: a DuckDB file and a PostgreSQL database (tests/conftest.py).
BOTH_ENGINES = True

ACTOR = named("Rollup tester")
MEASURES = ["ct_tests", "mri_tests", "first_attendances"]
SEGMENTS = [ALL, "imd:1", "imd:2"]
# Every selection the rollup sums (and one it leaves to the facts), with a service or site that holds none.
SELECTIONS = [(ALL, ALL), (ALL, "PRUH"), ("urology", ALL), ("cardiology", "QMS"), ("nobody", ALL), (ALL, "nowhere")]
T0 = dt.datetime(2026, 1, 1, 9, 0)


def rows(values: dict[tuple, float]) -> pd.DataFrame:
    """(month, measure, service, site, segment) → value as the rows a commit takes."""
    return pd.DataFrame(
        [(dt.date.fromisoformat(m), measure, service, site, segment, value)
         for (m, measure, service, site, segment), value in values.items()],
        columns=["month", "measure", "service", "site", "segment", "value"],
    )


def first_upload() -> dict[tuple, float]:
    """Two months, three measures, services × sites, and a measure broken down by deprivation as well;
    non-integer values, so the sums are not trivially exact."""
    out = {}
    for month in ("2020-07-01", "2020-08-01"):
        for measure in MEASURES:
            for service in ("cardiology", "urology"):
                for site in ("PRUH", "QMS"):
                    out[(month, measure, service, site, ALL)] = len(out) * 10.25 + 3
        for segment in ("imd:1", "imd:2"):
            out[(month, "ct_tests", ALL, ALL, segment)] = 100.5 if segment == "imd:1" else 200.125
    return out


def commit(store: Store, values: dict[tuple, float], name: str, hour: int) -> int:
    result = store.commit_rows(rows(values), file_name=name, sha256=name, actor=ACTOR, now=T0.replace(hour=hour))
    assert result.upload_id is not None
    return result.upload_id


def from_facts(store: Store, read):
    """`read` answered from the facts, as a store without the rollup answers it."""
    store._rollup_seen = False
    try:
        return read()
    finally:
        store._rollup_seen = True


def assert_rollup_reads_match_facts(store: Store) -> None:
    months = store.months_with_data()
    assert months == from_facts(store, store.months_with_data)
    assert store.months_with_data(["mri_tests"]) == from_facts(store, lambda: store.months_with_data(["mri_tests"]))
    assert store.filter_options(MEASURES) == from_facts(store, lambda: store.filter_options(MEASURES))
    assert store.filter_options(["mri_tests"]) == from_facts(store, lambda: store.filter_options(["mri_tests"]))
    for service, site in SELECTIONS:
        for segment in SEGMENTS:
            scope = {"service": service, "site": site, "segment": segment}
            assert_same(store, lambda scope=scope: store.measure_totals(MEASURES, **scope))
            assert_same(store, lambda scope=scope: store.provenance(MEASURES, months, **scope), exact=True)
            windowed = store.measure_totals(MEASURES, start=dt.date(2020, 8, 1), end=dt.date(2020, 8, 1), **scope)
            assert set(pd.to_datetime(windowed["month"]).dt.date) <= {dt.date(2020, 8, 1)}
        for group in ("imd", None):
            assert_same(store, lambda s=service, t=site, g=group: store.measure_totals_by(
                "segment", MEASURES, service=s, site=t, segment_group=g))
        for dimension in ("service", "site"):
            assert_same(store, lambda s=service, t=site, d=dimension: store.measure_totals_by(
                d, MEASURES, service=s, site=t))
    # Kept step by step, the rollup holds what a rebuild from scratch holds.
    kept = rollup_rows(store)
    store.rebuild_rollup()
    assert rollup_rows(store) == kept


def assert_same(store: Store, read, exact: bool = False) -> None:
    """`read` gives the same frame from the rollup as from the facts: every column exactly, but sums of
    the same doubles in another order, which may differ in the last bit, no more."""
    rolled, facts = read(), from_facts(store, read)
    assert list(rolled.columns) == list(facts.columns)
    if exact or rolled.empty:
        assert rolled.astype(str).equals(facts.astype(str))
        return
    assert rolled.drop(columns="value").astype(str).equals(facts.drop(columns="value").astype(str))
    assert rolled["value"].tolist() == pytest.approx(facts["value"].tolist(), rel=1e-12)


def rollup_rows(store: Store) -> list[tuple]:
    with store.cursor() as cur:
        found = cur.execute(
            "SELECT grain, month, measure, segment, service, site, upload_id, value, cells, fingerprint, restated "
            "FROM fact_totals"
        ).fetchall()
    return sorted((r[0], str(r[1]), *r[2:7], round(r[7], 6), r[8], int(r[9]), r[10]) for r in found)


def test_every_read_the_rollup_serves_equals_the_facts_through_commits_a_restatement_and_undos(
    empty_store: Store,
) -> None:
    store = empty_store
    assert rollup_rows(store) == []
    values = first_upload()
    first = commit(store, values, "first.csv", 9)
    assert_rollup_reads_match_facts(store)
    # A restatement: three values change (one in a segment), one new month arrives, the rest unchanged.
    restated = dict(values)
    restated[("2020-07-01", "ct_tests", "cardiology", "PRUH", ALL)] += 7.5
    restated[("2020-08-01", "mri_tests", "urology", "QMS", ALL)] += 1
    restated[("2020-07-01", "ct_tests", ALL, ALL, "imd:1")] = 99.75
    restated[("2020-09-01", "ct_tests", "cardiology", "PRUH", ALL)] = 1234.5
    second = commit(store, restated, "second.csv", 10)
    assert_rollup_reads_match_facts(store)
    sources = store.provenance(["ct_tests"], [dt.date(2020, 7, 1)])
    assert sources.set_index("upload_id")["restated"].to_dict() == {first: 0, second: 1}
    third = commit(store, {("2020-09-01", "mri_tests", "urology", "PRUH", ALL): 5.0,
                           ("2020-09-01", "ct_tests", "cardiology", "PRUH", ALL): 1300.0}, "third.csv", 11)
    assert_rollup_reads_match_facts(store)
    store.undo_upload(third, actor=ACTOR, now=T0.replace(hour=12))
    assert_rollup_reads_match_facts(store)
    store.undo_upload(second, actor=ACTOR, now=T0.replace(hour=13))
    assert_rollup_reads_match_facts(store)
    assert store.months_with_data() == [dt.date(2020, 7, 1), dt.date(2020, 8, 1)]
    store.undo_upload(first, actor=ACTOR, now=T0.replace(hour=14))
    assert rollup_rows(store) == []
    assert store.months_with_data() == []


def test_a_commit_or_undo_that_fails_while_keeping_the_rollup_leaves_facts_and_rollup_as_they_were(
    empty_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = empty_store
    first = commit(store, first_upload(), "first.csv", 9)
    before = (store.facts().astype(str).values.tolist(), rollup_rows(store), store.version())
    opened = Store.cursor

    def failing_cursor(self):  # the rollup's refresh is the write's last step, after facts changed
        return FailingStatement(opened(self), "INSERT INTO fact_totals",
                                self.engine.write_errors[0]("could not write: injected fault"))

    monkeypatch.setattr(Store, "cursor", failing_cursor)
    with pytest.raises(StoreError, match="could not be written"):
        commit(store, {("2020-07-01", "ct_tests", "cardiology", "PRUH", ALL): 1.0,
                       ("2020-10-01", "ct_tests", "cardiology", "PRUH", ALL): 2.0}, "failing.csv", 10)
    with pytest.raises(StoreError, match="could not be written"):
        store.undo_upload(first, actor=ACTOR, now=T0.replace(hour=11))
    monkeypatch.undo()
    assert (store.facts().astype(str).values.tolist(), rollup_rows(store), store.version()) == before
    assert_rollup_reads_match_facts(store)


def test_the_demonstration_store_reads_the_same_from_the_rollup_as_from_the_facts(demo_store: Store) -> None:
    measures = sorted(store_measures(demo_store))
    assert len(demo_store.measure_totals(measures)) > 100
    site = demo_store.dimension_values("site")[0]
    service = demo_store.dimension_values("service")[0]
    for scope in ({}, {"site": site}, {"service": service}):
        assert_same(demo_store, lambda scope=scope: demo_store.measure_totals(measures, **scope))
    assert_same(demo_store, lambda: demo_store.measure_totals_by("site", measures))
    assert_same(demo_store, lambda: demo_store.measure_totals_by("service", measures, service=service))
    assert demo_store.filter_options(measures) == from_facts(demo_store, lambda: demo_store.filter_options(measures))
    months = demo_store.months_with_data(measures)
    assert months == from_facts(demo_store, lambda: demo_store.months_with_data(measures))
    assert demo_store.provenance(measures, months).astype(str).equals(
        from_facts(demo_store, lambda: demo_store.provenance(measures, months)).astype(str))


def store_measures(store: Store) -> set[str]:
    with store.cursor() as cur:
        return {r[0] for r in cur.execute("SELECT DISTINCT measure FROM facts").fetchall()}


def test_an_export_leaves_the_rollup_out_and_a_rebuild_restores_it(empty_store: Store, tmp_path) -> None:
    commit(empty_store, first_upload(), "first.csv", 9)
    names = {p.stem for p in empty_store.export_csv(tmp_path / "out")}
    assert "facts" in names and "fact_totals" not in names
    kept = rollup_rows(empty_store)
    with empty_store.cursor() as cur:
        cur.execute("DELETE FROM fact_totals")
    assert empty_store.months_with_data() == []  # the rollup is what answers
    before = empty_store.version()
    assert empty_store.rebuild_rollup() == len(kept)
    assert rollup_rows(empty_store) == kept
    assert empty_store.version() == before + 1
