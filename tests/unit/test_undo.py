"""Store.undo_upload: taking an upload back restores exactly the store before it (DESIGN §4)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data.ingest import check_upload, commit_upload
from data.store import Store, StoreError, UndoBlockedError
from metrics.config import Config
from tests.actors import named

# Store tests run on both engines: a DuckDB file and a PostgreSQL database (tests/conftest.py).
BOTH_ENGINES = True

HEADER = "period,measure,service,site,value"
FILE_A = [
    "2020-07,ct_tests,cardiology,PRUH,1000",
    "2020-07,mri_tests,cardiology,PRUH,500",
    "2020-08,ct_tests,cardiology,PRUH,1100",
]
# B changes two of A's values, leaves one alone and adds two.
FILE_B = [
    "2020-07,ct_tests,cardiology,PRUH,1010",
    "2020-07,mri_tests,cardiology,PRUH,500",
    "2020-08,ct_tests,cardiology,PRUH,1120",
    "2020-08,mri_tests,cardiology,PRUH,520",
    "2020-09,ct_tests,cardiology,PRUH,1150",
]
T0 = dt.datetime(2026, 1, 1, 9, 0)


def load(store: Store, cfg: Config, rows: list[str], name: str, by: str = "Analyst") -> int:
    data = ("\n".join([HEADER, *rows]) + "\n").encode()
    check = check_upload(data, name, cfg, store)
    assert check.ok, check.errors
    result = commit_upload(store, check, actor=named(by), load_anyway=True)
    assert result.upload_id is not None
    return result.upload_id


def current(store: Store) -> list[tuple]:
    """The current values with the upload that wrote each (valid_from is the time a value became
    current again, so it is compared separately)."""
    facts = store.facts()
    return sorted(
        (str(pd.Timestamp(r.month).date()), r.measure, r.service, r.site, r.segment, r.value, r.upload_id)
        for r in facts.itertuples()
    )


def known_at(store: Store, moment: dt.datetime) -> list[tuple]:
    """What the store said at `moment`, from facts and history alone."""
    facts, history = store.facts(), store.history()
    rows = [
        *facts[facts["valid_from"] <= moment].itertuples(),
        *history[(history["valid_from"] <= moment) & (history["valid_to"] > moment)].itertuples(),
    ]
    return sorted((str(pd.Timestamp(r.month).date()), r.measure, r.value) for r in rows)


def test_undo_restores_exactly_the_store_after_the_previous_upload(cfg: Config, empty_store: Store) -> None:
    upload_a = load(empty_store, cfg, FILE_A, "a.csv")
    after_a = current(empty_store)
    upload_b = load(empty_store, cfg, FILE_B, "b.csv")
    assert current(empty_store) != after_a

    result = empty_store.undo_upload(upload_b, actor=named("Reviewer"))

    assert current(empty_store) == after_a
    assert (result.values_removed, result.values_restored) == (2, 2)
    uploads = empty_store.uploads().set_index("upload_id")
    assert uploads.loc[upload_b, "status"] == "undone" and uploads.loc[upload_b, "undone_by"] == "Reviewer"
    assert uploads.loc[upload_a, "status"] == "committed"
    # B's four written values are kept, marked as undone by B; A's two replaced values stay in history too.
    history = empty_store.history()
    undone = history[history["reason"] == "undone"]
    assert sorted(undone["value"]) == [520.0, 1010.0, 1120.0, 1150.0]
    assert set(undone["replaced_by"]) == {upload_b} and set(undone["upload_id"]) == {upload_b}
    replaced = history[history["reason"] == "replaced"]
    assert sorted(replaced["value"]) == [1000.0, 1100.0] and set(replaced["replaced_by"]) == {upload_b}


def test_restored_values_keep_their_upload_and_become_current_at_undo_time(cfg: Config, empty_store: Store) -> None:
    upload_a = load(empty_store, cfg, FILE_A, "a.csv")
    upload_b = load(empty_store, cfg, FILE_B, "b.csv")
    moment = dt.datetime(2030, 1, 1, 12, 0)
    empty_store.undo_upload(upload_b, actor=named("Reviewer"), now=moment)
    facts = empty_store.facts().set_index(["measure", "month"])
    restored = facts.loc[("ct_tests", pd.Timestamp("2020-07-01"))]
    assert (restored["value"], restored["upload_id"], restored["valid_from"]) == (1000.0, upload_a, moment)
    untouched = facts.loc[("mri_tests", pd.Timestamp("2020-07-01"))]
    assert untouched["upload_id"] == upload_a and untouched["valid_from"] < moment


def test_as_known_at_any_moment_still_answers_after_an_undo(cfg: Config, empty_store: Store) -> None:
    load(empty_store, cfg, FILE_A, "a.csv")
    between_a_and_b = empty_store.facts()["valid_from"].max() + pd.Timedelta(microseconds=1)
    known_after_a = known_at(empty_store, between_a_and_b)
    upload_b = load(empty_store, cfg, FILE_B, "b.csv")
    after_b_moment = empty_store.facts()["valid_from"].max() + pd.Timedelta(microseconds=1)
    known_after_b = known_at(empty_store, after_b_moment)
    undo_moment = after_b_moment + pd.Timedelta(seconds=5)
    empty_store.undo_upload(upload_b, actor=named("Reviewer"), now=undo_moment.to_pydatetime())

    assert known_at(empty_store, between_a_and_b) == known_after_a
    assert known_at(empty_store, after_b_moment) == known_after_b
    assert known_at(empty_store, undo_moment + pd.Timedelta(seconds=1)) == known_after_a
    assert len(known_after_b) == 5 and len(known_after_a) == 3


def test_undo_is_refused_naming_a_later_upload_that_changed_the_same_values(cfg: Config, empty_store: Store) -> None:
    upload_a = load(empty_store, cfg, FILE_A, "a.csv")
    upload_b = load(empty_store, cfg, FILE_B, "b.csv", by="Bea")
    before = current(empty_store)
    history_before = len(empty_store.history())

    with pytest.raises(UndoBlockedError) as refused:
        empty_store.undo_upload(upload_a, actor=named("Reviewer"))

    assert refused.value.blocking == [upload_b]
    message = str(refused.value)
    assert f"upload {upload_b} (b.csv, loaded by Bea" in message and "Nothing was changed." in message
    assert current(empty_store) == before and len(empty_store.history()) == history_before
    assert empty_store.uploads().set_index("upload_id").loc[upload_a, "status"] == "committed"

    # Undo B first, then A: the store is empty again.
    empty_store.undo_upload(upload_b, actor=named("Reviewer"))
    empty_store.undo_upload(upload_a, actor=named("Reviewer"))
    assert current(empty_store) == []


def test_an_upload_whose_changes_were_themselves_undone_can_be_undone(cfg: Config, empty_store: Store) -> None:
    upload_a = load(empty_store, cfg, FILE_A, "a.csv")
    upload_b = load(empty_store, cfg, FILE_B, "b.csv")
    empty_store.undo_upload(upload_b, actor=named("Reviewer"))
    empty_store.undo_upload(upload_a, actor=named("Reviewer"))
    assert empty_store.fact_count() == 0


def test_a_later_upload_of_other_values_does_not_block_undo(cfg: Config, empty_store: Store) -> None:
    upload_a = load(empty_store, cfg, FILE_A, "a.csv")
    load(empty_store, cfg, ["2020-07,ct_tests,cardiology,ORPINGTON,70"], "c.csv")
    empty_store.undo_upload(upload_a, actor=named("Reviewer"))
    assert [r[1:4] for r in current(empty_store)] == [("ct_tests", "cardiology", "ORPINGTON")]


def test_the_same_file_can_be_loaded_again_after_its_upload_was_undone(cfg: Config, empty_store: Store) -> None:
    upload_a = load(empty_store, cfg, FILE_A, "a.csv")
    after_a = [r[:6] for r in current(empty_store)]
    empty_store.undo_upload(upload_a, actor=named("Reviewer"))
    again = load(empty_store, cfg, FILE_A, "a.csv")
    assert again != upload_a and [r[:6] for r in current(empty_store)] == after_a


def test_undo_of_a_missing_or_already_undone_upload_says_so(cfg: Config, empty_store: Store) -> None:
    upload_a = load(empty_store, cfg, FILE_A, "a.csv")
    with pytest.raises(StoreError, match="There is no upload 42"):
        empty_store.undo_upload(42, actor=named("Reviewer"))
    empty_store.undo_upload(upload_a, actor=named("Reviewer"))
    with pytest.raises(StoreError, match="already undone"):
        empty_store.undo_upload(upload_a, actor=named("Reviewer"))


def test_undoing_the_demonstration_upload_of_a_built_store_empties_it(demo_store: Store) -> None:
    uploads = demo_store.uploads()
    (demo_id,) = uploads.loc[uploads["kind"] == "demo", "upload_id"].astype(int)
    count = demo_store.fact_count()
    result = demo_store.undo_upload(demo_id, actor=named("Reviewer"))
    assert (result.values_removed, result.values_restored) == (count, 0)
    assert demo_store.fact_count() == 0 and not demo_store.is_demo()
