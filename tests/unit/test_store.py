"""The store: migrations, the grain rule, and a commit that keeps every replaced value."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from data.store import MIGRATIONS, GrainError, Store, StoreLockedError
from tests.actors import named

# Store tests run on both engines: a DuckDB file and a PostgreSQL database (tests/conftest.py).
BOTH_ENGINES = True

JUL, AUG = dt.date(2020, 7, 1), dt.date(2020, 8, 1)


def rows(*items: tuple) -> pd.DataFrame:
    """(month, measure, service, site, segment, value) tuples as a frame."""
    return pd.DataFrame(list(items), columns=["month", "measure", "service", "site", "segment", "value"])


def commit(store: Store, frame: pd.DataFrame, name: str = "file.csv"):
    return store.commit_rows(frame, file_name=name, sha256=name, actor=named("analyst"))


def test_migrations_run_once_and_are_safe_to_run_twice(tmp_path):
    path = tmp_path / "s.duckdb"
    with Store(path) as store:
        assert store.applied_migrations() == sorted(v for v, _, _ in MIGRATIONS)
        assert store.migrate() == []
    with Store(path) as store:  # reopening runs migrate() again
        assert store.migrate() == []
        assert {"facts", "fact_history", "uploads", "schema_migrations"} <= set(store.table_names())


def test_a_commit_records_the_upload_and_every_value_carries_it(empty_store):
    result = commit(empty_store, rows((JUL, "ct_tests", "All", "PRUH", "All", 10.0)))
    assert (result.rows_added, result.rows_changed, result.rows_unchanged) == (1, 0, 0)
    facts = empty_store.facts()
    assert facts["upload_id"].tolist() == [result.upload_id]
    upload = empty_store.uploads().iloc[0]
    assert (upload["file_name"], upload["uploaded_by"], upload["status"]) == ("file.csv", "analyst", "committed")


def test_a_replaced_value_moves_to_history_with_the_upload_that_replaced_it(empty_store):
    first = commit(empty_store, rows((JUL, "ct_tests", "All", "PRUH", "All", 10.0)), "a.csv")
    second = commit(empty_store, rows((JUL, "ct_tests", "All", "PRUH", "All", 12.0),
                                      (AUG, "ct_tests", "All", "PRUH", "All", 11.0)), "b.csv")
    assert (second.rows_added, second.rows_changed) == (1, 1)
    history = empty_store.history()
    assert history[["value", "upload_id", "replaced_by", "reason"]].values.tolist() == [
        [10.0, first.upload_id, second.upload_id, "replaced"]
    ]
    assert sorted(empty_store.facts()["value"].tolist()) == [11.0, 12.0]


def test_an_identical_reupload_changes_nothing_and_names_the_earlier_upload(empty_store):
    frame = rows((JUL, "ct_tests", "All", "PRUH", "All", 10.0))
    first = commit(empty_store, frame)
    again = commit(empty_store, frame)
    assert again.upload_id is None
    assert again.duplicate_of == first.upload_id
    assert len(empty_store.uploads()) == 1


def test_a_file_mixing_a_breakdown_with_its_total_is_refused(empty_store):
    frame = rows((JUL, "ct_tests", "All", "PRUH", "All", 10.0), (JUL, "ct_tests", "All", "All", "All", 30.0))
    conflicts = empty_store.grain_conflicts(frame)
    assert conflicts[["measure", "dimension"]].values.tolist() == [["ct_tests", "site"]]
    with pytest.raises(GrainError, match="count the same activity twice"):
        commit(empty_store, frame)
    assert empty_store.fact_count() == 0
    assert empty_store.uploads().empty


def test_a_total_arriving_on_top_of_a_stored_breakdown_is_refused(empty_store):
    commit(empty_store, rows((JUL, "ct_tests", "All", "PRUH", "All", 10.0)))
    with pytest.raises(GrainError, match="ct_tests in Jul 2020"):
        commit(empty_store, rows((JUL, "ct_tests", "All", "All", "All", 30.0)), "total.csv")
    assert empty_store.fact_count() == 1



# A stored state, then files that each pass the upload checks on their own (no repeated key, no group
# mixing a breakdown with its total): the validated grain check, which aggregates only the groups the
# store holds, finds exactly what the full check finds, and a validated commit refuses the same files.
STORED_FOR_GRAIN = rows(
    (JUL, "ct_tests", "All", "PRUH", "All", 10.0), (JUL, "ct_tests", "All", "ORPINGTON", "All", 5.0),
    (JUL, "ct_tests", "All", "All", "imd:1", 4.0), (JUL, "mri_tests", "cardiology", "All", "All", 3.0),
    (AUG, "mri_tests", "All", "All", "All", 9.0),
)
CONSISTENT_FILES = {
    "site total on a stored site breakdown": rows((JUL, "ct_tests", "All", "All", "All", 30.0)),
    "a restated breakdown": rows((JUL, "ct_tests", "All", "PRUH", "All", 11.0)),
    "a new site in the breakdown": rows((JUL, "ct_tests", "All", "PRUH", "All", 11.0),
                                        (JUL, "ct_tests", "All", "BECKENHAM", "All", 2.0)),
    "segment breakdown on a stored segment row": rows((JUL, "ct_tests", "All", "PRUH", "imd:1", 1.0)),
    "service total on a stored service breakdown": rows((JUL, "mri_tests", "All", "All", "All", 3.0)),
    "service breakdown on a stored total": rows((AUG, "mri_tests", "cardiology", "All", "All", 3.0)),
    "both dimensions at once": rows((AUG, "mri_tests", "cardiology", "PRUH", "All", 3.0)),
    "a new month": rows((dt.date(2020, 9, 1), "ct_tests", "All", "All", "All", 3.0)),
    "another measure": rows((JUL, "op_first_attendances", "All", "All", "All", 3.0)),
}


@pytest.mark.parametrize("name", list(CONSISTENT_FILES))
def test_the_validated_grain_check_finds_what_the_full_check_finds(empty_store, name):
    commit(empty_store, STORED_FOR_GRAIN, "stored.csv")
    frame = CONSISTENT_FILES[name]
    full = empty_store.grain_conflicts(frame)
    quick = empty_store.grain_conflicts(frame, validated=True)
    pd.testing.assert_frame_equal(quick, full)
    before = empty_store.fact_count()
    if full.empty:
        result = empty_store.commit_rows(frame, file_name=name, sha256=name, actor=named("analyst"), validated=True)
        assert result.rows_added + result.rows_changed == len(frame)
    else:
        with pytest.raises(GrainError, match="count the same activity twice"):
            empty_store.commit_rows(frame, file_name=name, sha256=name, actor=named("analyst"), validated=True)
        assert empty_store.fact_count() == before


def test_the_grain_checks_agree_that_some_of_the_files_conflict(empty_store):
    """The comparison above is not vacuous: some files conflict with what is stored and some do not."""
    commit(empty_store, STORED_FOR_GRAIN, "stored.csv")
    found = {name: not empty_store.grain_conflicts(frame, validated=True).empty
             for name, frame in CONSISTENT_FILES.items()}
    assert found == {
        "site total on a stored site breakdown": True, "a restated breakdown": False,
        "a new site in the breakdown": False, "segment breakdown on a stored segment row": True,
        "service total on a stored service breakdown": True, "service breakdown on a stored total": True,
        "both dimensions at once": True, "a new month": False, "another measure": False,
    }

def test_segment_rows_are_an_alternative_breakdown_not_a_grain_conflict(empty_store):
    frame = rows((JUL, "op_first_attendances", "All", "All", "All", 100.0),
                 (JUL, "op_first_attendances", "All", "All", "imd:1", 40.0),
                 (JUL, "op_first_attendances", "All", "All", "imd:2", 60.0))
    commit(empty_store, frame)
    totals = empty_store.measure_totals(["op_first_attendances"])
    assert totals["value"].tolist() == [100.0]  # the total ignores segment rows
    by_segment = empty_store.measure_totals_by("segment", ["op_first_attendances"], segment_group="imd")
    assert by_segment["value"].tolist() == [40.0, 60.0]


def test_totals_sum_a_breakdown_and_a_named_site_keeps_only_its_rows(empty_store):
    commit(empty_store, rows((JUL, "ct_tests", "All", "PRUH", "All", 10.0),
                             (JUL, "ct_tests", "All", "ORPINGTON", "All", 5.0)))
    assert empty_store.measure_totals(["ct_tests"])["value"].tolist() == [15.0]
    assert empty_store.measure_totals(["ct_tests"], site="PRUH")["value"].tolist() == [10.0]
    assert empty_store.measure_totals(["ct_tests"], service="cardiology").empty


@pytest.mark.parametrize(
    ("read_only", "advice"),
    [(False, "make this change from its Upload data page"), (True, "read these figures on the dashboard itself")],
)
def test_a_second_process_is_told_the_store_is_in_use_and_what_to_do(tmp_path, read_only, advice):
    path = tmp_path / "s.duckdb"
    Store(path).close()
    # Another process holding the file for writing, as the running dashboard does.
    import subprocess
    import sys

    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,sys; c=duckdb.connect({str(path)!r}); print('ready', flush=True); "
         "sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLockedError, match="in use by another program") as caught:
            Store(path, read_only=read_only)
        assert advice in str(caught.value)
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)


def test_export_writes_every_table_with_a_header(demo_store, tmp_path):
    written = demo_store.export_csv(tmp_path / "out")
    names = {p.stem for p in written}
    assert {"facts", "uploads", "fact_history", "schema_migrations"} <= names
    facts = pd.read_csv(tmp_path / "out" / "facts.csv")
    assert list(facts.columns[:6]) == ["month", "measure", "service", "site", "segment", "value"]
    assert len(facts) == demo_store.fact_count()


def test_sql_values_are_parameters_not_text(empty_store):
    # A hostile measure name is just a name that matches nothing.
    assert empty_store.measure_totals(["x' OR '1'='1"]).empty
    with empty_store.cursor() as cur:
        if empty_store.engine.name == "duckdb":
            assert isinstance(cur, duckdb.DuckDBPyConnection)
        else:
            from data.engine_postgres import PgCursor

            assert isinstance(cur, PgCursor)


def test_rows_repeating_a_key_are_refused_and_change_nothing(empty_store):
    frame = rows((JUL, "ct_tests", "All", "PRUH", "All", 10.0), (JUL, "ct_tests", "All", "PRUH", "All", 11.0))
    with pytest.raises(ValueError, match="appear more than once"):
        commit(empty_store, frame)
    assert empty_store.fact_count() == 0
    assert empty_store.uploads().empty


def test_the_refusal_counts_each_repeated_key_once_among_unique_ones(empty_store):
    # On DuckDB a hash pre-check finds the repeats; the exact count over the five key columns says how many.
    frame = rows(
        (JUL, "ct_tests", "All", "PRUH", "All", 10.0), (JUL, "ct_tests", "All", "PRUH", "All", 11.0),
        (JUL, "ct_tests", "All", "PRUH", "All", 12.0), (AUG, "ct_tests", "All", "PRUH", "All", 1.0),
        (AUG, "ct_tests", "All", "PRUH", "All", 2.0), (AUG, "mri_tests", "All", "PRUH", "All", 3.0),
    )
    with pytest.raises(ValueError, match=r"^2 month/measure/service/site/segment combination"):
        commit(empty_store, frame)
    assert empty_store.fact_count() == 0


def test_concurrent_commits_of_the_same_new_key_keep_one_current_value_and_the_other_in_history(empty_store):
    import threading

    barrier = threading.Barrier(4)
    outcomes = []

    def write(value: float) -> None:
        barrier.wait()
        outcomes.append(commit(empty_store, rows((JUL, "ct_tests", "All", "PRUH", "All", value)), f"{value}.csv"))

    threads = [threading.Thread(target=write, args=(float(v),)) for v in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    facts = empty_store.facts()
    assert len(facts) == 1  # one value per key, whatever the interleaving
    assert sorted([*empty_store.history()["value"], *facts["value"]]) == [1.0, 2.0, 3.0, 4.0]
    assert sorted(o.rows_added for o in outcomes) == [0, 0, 0, 1]


def test_stored_values_come_back_in_the_order_asked_with_gaps_where_nothing_is_stored(empty_store):
    first = commit(empty_store, rows((JUL, "ct_tests", "All", "PRUH", "All", 10.0),
                                     (AUG, "ct_tests", "All", "PRUH", "All", 12.0)), "a.csv")
    asked = rows((AUG, "ct_tests", "All", "PRUH", "All", 0.0), (JUL, "ct_tests", "All", "ORPINGTON", "All", 0.0),
                 (JUL, "ct_tests", "All", "PRUH", "All", 0.0), (AUG, "mri_tests", "All", "PRUH", "All", 0.0))
    stored = empty_store.stored_values(asked.set_index(pd.Index([7, 3, 5, 1])))  # the index plays no part
    assert stored["old_value"].tolist()[0::2] == [12.0, 10.0]
    assert stored["old_value"].isna().tolist() == [False, True, False, True]
    assert stored["old_upload_id"].tolist() == [first.upload_id, pd.NA, first.upload_id, pd.NA]
    assert empty_store.stored_values(asked.head(0)).empty
