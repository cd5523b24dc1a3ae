"""The store's Phase 3 reviews, milestones, coverage and restatements (data.store, migration 3)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from data.store import Store
from tests.actors import EVERYONE, named

# Store tests run on both engines: a DuckDB file and a PostgreSQL database (tests/conftest.py).
BOTH_ENGINES = True

REQUIREMENTS = pd.DataFrame({
    "requirement_id": ["A1.1", "A2.1"],
    "section": ["A1", "A2"],
    "section_title": ["Cancer services", "Elective activity"],
    "requirement": ["Restore cancer referrals.", "Recover elective activity."],
    "sort_order": [1, 2],
})


def review(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["requirement_id", "lead_role", "rag", "assessment"])


@pytest.fixture
def store(empty_store: Store) -> Store:
    empty_store.add_requirements(REQUIREMENTS, actor=EVERYONE)
    return empty_store


def test_migration_3_creates_the_assessment_and_milestone_tables(empty_store):
    assert 3 in empty_store.applied_migrations()
    assert {"requirements", "assessment_reviews", "assessment_rows", "milestones"} <= set(empty_store.table_names())


def test_a_new_review_never_overwrites_an_earlier_one(store):
    first = store.record_review(
        review(("A1.1", "Medical Director", "Amber", "in hand"), ("A2.1", "Chief Operating Officer", "Amber", "")),
        review_date=dt.date(2020, 8, 3), actor=named("analyst"), note="first",
        now=dt.datetime(2020, 8, 3, 9, 0),
    )
    before = store.assessment_rows([first])
    second = store.record_review(
        review(("A1.1", "Medical Director", "Green", "done"), ("A2.1", "Chief Operating Officer", "Amber", "")),
        review_date=dt.date(2020, 8, 27), actor=named("lead"), based_on=first,
    )
    assert second != first
    pd.testing.assert_frame_equal(store.assessment_rows([first]), before)
    reviews = store.assessment_reviews()
    assert reviews[["review_id", "recorded_by", "note"]].values.tolist() == [[first, "analyst", "first"],
                                                                               [second, "lead", ""]]
    assert reviews.loc[0, "recorded_at"] == pd.Timestamp("2020-08-03 09:00")
    assert int(reviews.loc[1, "based_on"]) == first
    assert store.assessment_rows()["rag"].tolist() == ["Amber", "Amber", "Green", "Amber"]


def test_two_reviews_on_the_same_date_are_both_kept(store):
    rows = review(("A1.1", "Medical Director", "Green", ""), ("A2.1", "Chief Operating Officer", "Red", ""))
    ids = [store.record_review(rows, review_date=dt.date(2020, 9, 1), actor=named("analyst")) for _ in range(2)]
    assert len(set(ids)) == 2
    assert len(store.assessment_rows()) == 4


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (review(("A1.1", "Medical Director", "Purple", "")), "RAG must be one of Red, Amber, Green, TBC"),
        (review(("A9.9", "Medical Director", "Green", "")), "Unknown requirement"),
        (review(("A1.1", "Medical Director", "Green", ""), ("A1.1", "Medical Director", "Red", "")), "only once"),
        (review(), "no rows"),
    ],
)
def test_a_review_the_store_cannot_keep_is_refused_and_writes_nothing(store, rows, message):
    with pytest.raises(ValueError, match=message):
        store.record_review(rows, review_date=dt.date(2020, 9, 1), actor=named("analyst"))
    assert store.assessment_reviews().empty and store.assessment_rows().empty


def test_a_stored_requirement_is_never_changed_by_adding_it_again(store):
    changed = REQUIREMENTS.assign(requirement=["Something else.", "Recover elective activity."])
    extra = pd.DataFrame({"requirement_id": ["C2.3"], "section": ["C2"], "section_title": ["Inequalities"],
                          "requirement": ["Restore services inclusively."], "sort_order": [3]})
    assert store.add_requirements(pd.concat([changed, extra]), actor=EVERYONE) == 1
    assert store.requirements()["requirement"].tolist() == [
        "Restore cancer referrals.", "Recover elective activity.", "Restore services inclusively.",
    ]


def test_milestones_keep_an_open_timescale_without_a_due_month(empty_store):
    frame = pd.DataFrame({
        "workstream": ["Workforce", "Workforce"], "milestone": ["Increase student placements", "Risk assessments"],
        "due_text": ["Sept 2020", "Ongoing"], "due_month": [dt.date(2020, 9, 1), None],
        "status": ["Complete", "In progress"], "sort_order": [1, 2],
    })
    assert empty_store.add_milestones(frame, actor=EVERYONE) == 2
    stored = empty_store.milestones()
    assert stored["milestone_id"].tolist() == [1, 2]
    assert stored.loc[0, "due_month"] == pd.Timestamp("2020-09-01") and pd.isna(stored.loc[1, "due_month"])


def facts(*items: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(items), columns=["month", "measure", "service", "site", "segment", "value"])


def test_restatements_list_the_old_and_new_value_and_the_upload_that_changed_it(empty_store):
    jul = dt.date(2020, 7, 1)
    first = empty_store.commit_rows(facts((jul, "ct_tests", "All", "PRUH", "All", 5.0)),
                                    file_name="a.csv", sha256="a", actor=named("analyst"))
    second = empty_store.commit_rows(facts((jul, "ct_tests", "All", "PRUH", "All", 7.0)),
                                     file_name="b.csv", sha256="b", actor=named("lead"))
    third = empty_store.commit_rows(facts((jul, "ct_tests", "All", "PRUH", "All", 8.0)),
                                    file_name="c.csv", sha256="c", actor=named("analyst"))
    restated = empty_store.restatements()
    assert restated[["old_value", "old_upload_id", "new_value", "replaced_by", "file_name"]].values.tolist() == [
        [7.0, second.upload_id, 8.0, third.upload_id, "c.csv"],
        [5.0, first.upload_id, 7.0, second.upload_id, "b.csv"],
    ]
    latest = empty_store.latest_upload_by_measure()
    assert latest[["measure", "upload_id", "file_name", "current_values"]].values.tolist() == [
        ["ct_tests", third.upload_id, "c.csv", 1],
    ]


def test_the_new_tables_are_exported_with_the_rest(store, tmp_path):
    store.record_review(review(("A1.1", "Medical Director", "Green", "ok"), ("A2.1", "COO", "TBC", "")),
                        review_date=dt.date(2020, 8, 3), actor=named("analyst"))
    names = {p.name for p in store.export_csv(tmp_path / "out")}
    assert {"requirements.csv", "assessment_reviews.csv", "assessment_rows.csv", "milestones.csv"} <= names
    exported = pd.read_csv(tmp_path / "out" / "assessment_rows.csv")
    assert exported["rag"].tolist() == ["Green", "TBC"]
