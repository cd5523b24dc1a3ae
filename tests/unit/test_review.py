"""What changed since the last review: the store's "as known at" queries and metrics/review.py."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from data.store import Store
from metrics import review, views
from metrics.config import Config
from tests.actors import named
from tests.conftest import RESTATED_FILE_NAME

# Store tests run on both engines: a DuckDB file and a PostgreSQL database (tests/conftest.py).
BOTH_ENGINES = True

JUL, AUG, SEP, OCT = (dt.date(2020, m, 1) for m in (7, 8, 9, 10))
FIRST_LOAD = dt.datetime(2020, 11, 2, 9, 0)
SECOND_LOAD = dt.datetime(2020, 11, 16, 9, 0)


def _rows(values: dict[tuple[dt.date, str], float], measure: str = "ct_tests") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"month": month, "measure": measure, "service": "All", "site": site, "segment": "All", "value": value}
            for (month, site), value in values.items()
        ]
    )


@pytest.fixture
def two_loads(empty_store: Store) -> Store:
    """July and August loaded on 2 Nov 2020; on 16 Nov a second file restates August at the PRUH
    (600 → 650) and adds September."""
    empty_store.commit_rows(
        _rows({(JUL, "PRUH"): 500, (JUL, "ORPINGTON"): 200, (AUG, "PRUH"): 600, (AUG, "ORPINGTON"): 250}),
        file_name="november-first.csv", sha256="a", actor=named("Ann"), now=FIRST_LOAD,
    )
    empty_store.commit_rows(
        _rows({(AUG, "PRUH"): 650, (SEP, "PRUH"): 700, (SEP, "ORPINGTON"): 260}),
        file_name="november-restated.csv", sha256="b", actor=named("Bob"), now=SECOND_LOAD,
    )
    return empty_store


def _as_dict(frame: pd.DataFrame) -> dict[dt.date, float]:
    return {pd.Timestamp(m).date(): v for m, v in zip(frame["month"], frame["value"], strict=True)}


# --- the store: as known at a moment ---------------------------------------------------------------


def test_nothing_is_known_before_the_first_upload(two_loads: Store) -> None:
    assert two_loads.measure_totals_as_of(dt.datetime(2020, 11, 1), ["ct_tests"]).empty


def test_as_known_between_the_loads_shows_the_old_value(two_loads: Store) -> None:
    frame = two_loads.measure_totals_as_of(dt.datetime(2020, 11, 10), ["ct_tests"])
    assert _as_dict(frame) == {JUL: 700.0, AUG: 850.0}


def test_as_known_after_the_second_load_shows_the_restated_value(two_loads: Store) -> None:
    frame = two_loads.measure_totals_as_of(dt.datetime(2020, 11, 20), ["ct_tests"])
    assert _as_dict(frame) == {JUL: 700.0, AUG: 900.0, SEP: 960.0}


def test_a_value_is_known_from_the_moment_it_was_loaded(two_loads: Store) -> None:
    assert _as_dict(two_loads.measure_totals_as_of(SECOND_LOAD, ["ct_tests"]))[AUG] == 900.0
    just_before = SECOND_LOAD - dt.timedelta(microseconds=1)
    assert _as_dict(two_loads.measure_totals_as_of(just_before, ["ct_tests"]))[AUG] == 850.0


def test_as_known_reads_one_site_and_a_month_range(two_loads: Store) -> None:
    frame = two_loads.measure_totals_as_of(dt.datetime(2020, 11, 10), ["ct_tests"], site="PRUH", start=AUG, end=AUG)
    assert _as_dict(frame) == {AUG: 600.0}


def test_as_known_now_matches_the_current_totals(two_loads: Store) -> None:
    now = dt.datetime(2030, 1, 1)
    current = _as_dict(two_loads.measure_totals(["ct_tests"]))
    known = _as_dict(two_loads.measure_totals_as_of(now, ["ct_tests"]))
    assert known == current == {JUL: 700.0, AUG: 900.0, SEP: 960.0}


def test_cells_of_named_pairs_as_known_at_a_moment_and_now(two_loads: Store) -> None:
    def cells(frame: pd.DataFrame) -> list[tuple]:
        return [(pd.Timestamp(r.month).date(), r.measure, r.site, r.value) for r in frame.itertuples(index=False)]

    keys = [(AUG, "ct_tests"), (SEP, "ct_tests"), (AUG, "mri_tests")]
    assert cells(two_loads.cells_of(keys, moment=dt.datetime(2020, 11, 10))) == [
        (AUG, "ct_tests", "ORPINGTON", 250.0), (AUG, "ct_tests", "PRUH", 600.0),
    ]
    now = [(AUG, "ct_tests", "ORPINGTON", 250.0), (AUG, "ct_tests", "PRUH", 650.0),
           (SEP, "ct_tests", "ORPINGTON", 260.0), (SEP, "ct_tests", "PRUH", 700.0)]
    assert cells(two_loads.cells_of(keys, moment=dt.datetime(2020, 11, 20))) == now
    assert cells(two_loads.cells_of([*keys, *keys])) == now  # a pair named twice is read once
    assert cells(two_loads.cells_of(keys, site="PRUH")) == [now[1], now[3]]
    assert two_loads.cells_of([(JUL, "ct_tests")], moment=dt.datetime(2020, 11, 1)).empty


def test_changes_between_name_the_upload_and_the_old_and_new_values(two_loads: Store) -> None:
    changes = two_loads.changes_between(dt.datetime(2020, 11, 10), dt.datetime(2020, 11, 20), ["ct_tests"])
    restated = changes[changes["change"] == "restated"]
    assert len(restated) == 1
    row = restated.iloc[0]
    assert (pd.Timestamp(row["month"]).date(), row["site"]) == (AUG, "PRUH")
    assert (row["old_value"], row["new_value"]) == (600, 650)
    assert (row["upload_id"], row["file_name"], row["uploaded_by"]) == (2, "november-restated.csv", "Bob")
    assert sorted(changes.loc[changes["change"] == "new", "site"]) == ["ORPINGTON", "PRUH"]


def test_the_change_summary_counts_values_per_month_and_upload(two_loads: Store) -> None:
    summary = two_loads.change_summary_between(dt.datetime(2020, 11, 1), dt.datetime(2020, 11, 20), ["ct_tests"])
    rows = [
        (pd.Timestamp(r.month).date(), r.change, r.upload_id, r.file_name, r.values)
        for r in summary.itertuples(index=False)
    ]
    assert rows == [
        (JUL, "new", 1, "november-first.csv", 2),
        (AUG, "new", 1, "november-first.csv", 1),  # ORPINGTON: only the first file wrote it
        (AUG, "new", 2, "november-restated.csv", 1),  # PRUH: the value known now is the second file's
        (SEP, "new", 2, "november-restated.csv", 2),
    ]


@pytest.mark.parametrize(
    ("earlier", "later", "ended"),
    [
        (dt.datetime(2020, 11, 1), dt.datetime(2020, 11, 20), False),  # both loads arrived: nothing known ended
        (dt.datetime(2020, 11, 1), dt.datetime(2020, 11, 10), False),
        (dt.datetime(2020, 11, 10), dt.datetime(2020, 11, 20), True),  # August at the PRUH was restated
    ],
)
def test_the_summary_of_arrivals_alone_is_the_summary_of_the_whole_join(
    two_loads: Store, monkeypatch, earlier: dt.datetime, later: dt.datetime, ended: bool
) -> None:
    # When no value known at the earlier moment ended by the later one, the summary is counted without the
    # join (issue 16: a store that all arrived recently); it must be what the join counts.
    assert two_loads._any_ended_between(earlier, later, ["ct_tests"]) is ended
    quick = two_loads.change_summary_between(earlier, later, ["ct_tests"])
    monkeypatch.setattr(Store, "_any_ended_between", lambda *args: True)
    joined = two_loads.change_summary_between(earlier, later, ["ct_tests"])
    pd.testing.assert_frame_equal(quick, joined)
    assert not quick.empty and set(quick["change"]) == ({"new", "restated"} if ended else {"new"})


def test_no_changes_between_two_moments_with_no_load_between(two_loads: Store) -> None:
    assert two_loads.changes_between(dt.datetime(2020, 11, 3), dt.datetime(2020, 11, 15)).empty
    assert two_loads.change_summary_between(dt.datetime(2020, 11, 3), dt.datetime(2020, 11, 15)).empty


def test_changes_between_refuses_moments_in_the_wrong_order(two_loads: Store) -> None:
    with pytest.raises(ValueError, match="swap the two dates"):
        two_loads.changes_between(dt.datetime(2020, 11, 20), dt.datetime(2020, 11, 10))


def test_an_undone_upload_shows_as_restored_by_its_undo(two_loads: Store) -> None:
    undone_at = dt.datetime(2020, 11, 18, 9, 0)
    two_loads.undo_upload(2, actor=named("Carol"), now=undone_at)
    assert _as_dict(two_loads.measure_totals_as_of(dt.datetime(2020, 11, 17), ["ct_tests"]))[AUG] == 900.0
    assert _as_dict(two_loads.measure_totals_as_of(dt.datetime(2020, 11, 19), ["ct_tests"])) == {JUL: 700.0, AUG: 850.0}
    changes = two_loads.changes_between(dt.datetime(2020, 11, 17), dt.datetime(2020, 11, 19), ["ct_tests"])
    assert sorted(changes["change"]) == ["removed", "removed", "restated"]
    assert set(changes["upload_id"]) == {2} and changes["by_undo"].all()


# --- pure comparison ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2020, 11, 8), dt.datetime(2020, 11, 8, 23, 59, 59, 999999)),  # GMT: UK time is UTC
        (dt.date(2020, 7, 1), dt.datetime(2020, 7, 1, 22, 59, 59, 999999)),  # BST: an hour ahead of UTC
    ],
)
def test_a_review_date_means_the_end_of_that_uk_day_in_utc(day: dt.date, expected: dt.datetime) -> None:
    assert review.end_of_day(day) == expected


def test_the_previous_review_defaults_to_a_fortnight_earlier() -> None:
    assert review.default_review_dates(dt.date(2020, 11, 22)) == (dt.date(2020, 11, 8), dt.date(2020, 11, 22))


def test_review_dates_in_the_wrong_order_get_a_sentence() -> None:
    assert review.check_review_dates(dt.date(2020, 11, 8), dt.date(2020, 11, 22)) is None
    assert "must be before" in review.check_review_dates(dt.date(2020, 11, 22), dt.date(2020, 11, 22))


def test_compare_values_finds_arrived_and_restated_months() -> None:
    nan = math.nan
    before = pd.DataFrame({"month": [JUL, AUG, SEP, OCT], "value": [0.70, 0.85, nan, nan]})
    after = pd.DataFrame({"month": [JUL, AUG, SEP, OCT], "value": [0.70, 0.90, 0.95, 1.01]})
    arrived, restated = review.compare_values(before, after)
    assert arrived == [SEP, OCT]
    assert restated.to_dict("records") == [{"month": AUG, "old_value": 0.85, "new_value": 0.90}]


def test_a_month_that_lost_its_value_counts_as_restated() -> None:
    arrived, restated = review.compare_values(
        pd.DataFrame({"month": [JUL], "value": [0.7]}), pd.DataFrame({"month": [JUL], "value": [math.nan]})
    )
    assert arrived == []
    assert restated["month"].tolist() == [JUL] and math.isnan(restated["new_value"].iloc[0])


@pytest.mark.parametrize(
    ("months", "expected"),
    [
        ([], "none"),
        ([OCT], "Oct 2020"),
        ([JUL, AUG, SEP], "Jul 2020 – Sep 2020"),
        ([JUL, SEP, OCT], "Jul 2020, Sep 2020 – Oct 2020"),
        ([dt.date(2020, 12, 1), dt.date(2021, 1, 1)], "Dec 2020 – Jan 2021"),
    ],
)
def test_months_are_described_as_runs(months: list[dt.date], expected: str) -> None:
    assert review.describe_months(months) == expected


@pytest.mark.parametrize(
    ("metric_id", "expected"),
    [
        ("ct_activity", {OCT, dt.date(2019, 10, 1)}),  # ratio to the same month of 2019/20
        ("virtual_share", {OCT}),  # share of the same month
        ("econsult_submissions", {OCT, dt.date(2020, 2, 1)}),  # count against February 2020
        ("rtt_52_week_waiters", {OCT}),  # count with no reference month
    ],
)
def test_months_feeding_a_metric(cfg: Config, metric_id: str, expected: set[dt.date]) -> None:
    assert review.months_feeding(cfg, cfg.metric(metric_id), OCT) == expected


def _changes(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["month", "measure", "segment", "upload_id", "by_undo", "file_name"]
    )


def test_responsible_uploads_include_a_restated_baseline_month(cfg: Config) -> None:
    changes = _changes([
        (pd.Timestamp("2019-10-01"), "ct_tests", "All", 3, False, "baseline-fix.csv"),
        (pd.Timestamp("2020-10-01"), "ct_tests", "All", 4, False, "october.csv"),
        (pd.Timestamp("2020-10-01"), "mri_tests", "All", 5, False, "mri.csv"),  # another metric's measure
        (pd.Timestamp("2020-10-01"), "ct_tests", "imd:1", 6, False, "segments.csv"),  # not the total
        (pd.Timestamp("2020-09-01"), "ct_tests", "All", 7, True, "september.csv"),  # another month
    ])
    assert review.responsible_uploads(changes, cfg, cfg.metric("ct_activity"), OCT) == (
        "baseline-fix.csv (upload 3); october.csv (upload 4)"
    )
    september = review.responsible_uploads(changes, cfg, cfg.metric("ct_activity"), SEP)
    assert september == "undo of september.csv (upload 7)"


def _series(cfg: Config, metric_id: str, values: list[float]) -> pd.DataFrame:
    months = [dt.date(2020, m, 1) for m in range(4, 4 + len(values))]
    metric = cfg.metric(metric_id)
    return pd.DataFrame({
        "month": months,
        "value": values,
        "numerator": values,
        "denominator": 1.0,
        "target": [cfg.target_for(metric, m) or math.nan for m in months],
        "gap": math.nan,
        "status": ["green" if not math.isnan(v) and v >= 0.9 else ("no_data" if math.isnan(v) else "red")
                   for v in values],
    })


def test_build_review_reports_arrivals_restatements_and_the_rag_move(cfg: Config) -> None:
    nan = math.nan
    metric = cfg.metric("ct_activity")
    before = _series(cfg, "ct_activity", [0.45, 0.55, 0.70, 0.85, 0.90, 0.88, nan])
    after = _series(cfg, "ct_activity", [0.45, 0.55, 0.70, 0.86, 0.90, 0.88, 1.00])
    changes = _changes([
        (pd.Timestamp("2020-07-01"), "ct_tests", "All", 2, False, "restated.csv"),
        (pd.Timestamp("2020-10-01"), "ct_tests", "All", 2, False, "restated.csv"),
    ])
    result = review.build_review(cfg, [metric], {metric.id: before}, {metric.id: after}, changes,
                                 dt.datetime(2020, 11, 8), dt.datetime(2020, 11, 22))
    row = result.summary.iloc[0]
    assert (row["arrived"], row["arrived_text"], row["restated"]) == (1, "Oct 2020", 1)
    assert row["before_text"] == "Sep 2020: 88.0% (Red)"
    assert row["after_text"] == "Oct 2020: 100.0% (Green)"
    assert row["status_text"] == "Red → Green" and bool(row["status_changed"])
    assert "RAG status moved for CT activity" in " ".join(review.describe_review(result, is_demo=False))
    assert result.restatements[["month", "old_text", "new_text", "uploads"]].to_dict("records") == [
        {"month": JUL, "old_text": "85.0%", "new_text": "86.0%", "uploads": "restated.csv (upload 2)"}
    ]
    assert result.arrivals[["month", "value_text", "uploads"]].to_dict("records") == [
        {"month": OCT, "value_text": "100.0%", "uploads": "restated.csv (upload 2)"}
    ]
    assert not result.nothing_known_before


def test_build_review_with_no_change_says_no_change(cfg: Config) -> None:
    metric = cfg.metric("ct_activity")
    series = _series(cfg, "ct_activity", [0.45, 0.55, 0.70, 0.85, 0.90, 0.88, 1.00])
    result = review.build_review(cfg, [metric], {metric.id: series}, {metric.id: series.copy()},
                                 pd.DataFrame(columns=["month", "measure", "segment", "upload_id", "by_undo"]),
                                 dt.datetime(2020, 11, 8), dt.datetime(2020, 11, 22))
    row = result.summary.iloc[0]
    assert (row["arrived"], row["restated"], row["status_text"]) == (0, 0, "Green")
    assert "→" not in row["variation_text"] and not row["icons_changed"]
    assert not result.changed_anything
    assert "No metric's RAG status or SPC icon has changed" in " ".join(review.describe_review(result, is_demo=False))


def test_icon_descriptions_use_the_letter_and_a_name() -> None:
    icon = {"name": "special_cause_improvement", "letter": "H", "colour": "#00b0f0", "text": "…"}
    assert review.describe_icon(icon, review.VARIATION_NAMES) == "H improvement"
    assert review.describe_icon(None, review.ASSURANCE_NAMES) == "none"


# --- the comparison on a store with a restatement --------------------------------------------------


def test_the_review_shows_the_restated_month_old_to_new_with_the_upload(restated_demo_db, cfg: Config) -> None:
    today = review.uk_day(dt.datetime.now(dt.UTC).replace(tzinfo=None))
    previous, current = review.default_review_dates(today)
    with Store(restated_demo_db) as store:
        result = views.load_review(store, cfg, previous, current)
    ct = result.restatements[result.restatements["metric"] == "ct_activity"]
    assert ct[["month", "old_text", "new_text", "uploads"]].to_dict("records") == [
        {"month": OCT, "old_text": "100.0%", "new_text": "90.0%", "uploads": f"{RESTATED_FILE_NAME} (upload 2)"}
    ]
    assert set(result.restatements["metric"]) == {"ct_activity"}  # CT feeds no other headline metric
    assert result.arrivals.empty and not result.nothing_known_before
    assert result.uploads["file_name"].tolist() == [RESTATED_FILE_NAME]
    table = review.restatement_table(result)
    assert table.loc["CT activity", "Old → new"] == "100.0% → 90.0%"


def test_as_known_before_the_restating_load_still_shows_the_old_value(restated_demo_db, cfg: Config) -> None:
    with Store(restated_demo_db) as store:
        loaded_at = store.uploads().set_index("file_name").loc[RESTATED_FILE_NAME, "uploaded_at"]
        before = store.measure_totals_as_of(loaded_at - pd.Timedelta(days=1), ["ct_tests"], start=OCT, end=OCT)
        after = store.measure_totals_as_of(loaded_at, ["ct_tests"], start=OCT, end=OCT)
    assert before["value"].tolist() == [3041.0]
    assert after["value"].tolist() == [2737.0]


def test_the_demonstration_store_says_everything_is_new(demo_store: Store, cfg: Config) -> None:
    today = review.uk_day(dt.datetime.now(dt.UTC).replace(tzinfo=None))
    result = views.load_review(demo_store, cfg, *review.default_review_dates(today))
    assert result.nothing_known_before and result.restatements.empty
    assert set(result.summary["arrived_text"]) <= {"Apr 2020 – Mar 2021", "Apr 2019 – Mar 2021"}
    sentences = " ".join(review.describe_review(result, is_demo=True))
    assert "every month below shows as newly arrived" in sentences
    assert "demonstration store, built in a single upload" in sentences
