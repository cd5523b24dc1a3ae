"""AppTest of the Phase 3 assessment & milestones page on a private copy of the demonstration store."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data import demo_plan
from data.store import Store
from tests.actors import LOCAL_USER
from tests.app.kit import open_page, plain

EDITOR = "assessment_editor_2"  # the editor starts from the latest review, id 2 in the demo store


@pytest.fixture
def app(demo_db, monkeypatch) -> AppTest:
    return open_page(demo_db, monkeypatch, "app_pages/assessment.py")


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def counts(at: AppTest) -> list[list]:
    return frame_with(at, "Review date").values.tolist()


def stored(db) -> tuple[pd.DataFrame, pd.DataFrame]:
    with Store(db) as store:  # the page holds the store open in this process; a second Store shares it
        return store.assessment_reviews(), store.assessment_rows()


def test_the_page_shows_the_published_rag_counts_per_review_date(app):
    assert not app.exception
    assert app.title[0].value == "Phase 3 assessment & milestones"
    assert counts(app) == [["3 Aug 2020", 0, 17, 17, 2, 36], ["27 Aug 2020", 0, 14, 20, 2, 36]]


def test_the_rating_and_section_filters_narrow_the_requirements(app):
    assert len(frame_with(app, "rag_text")) == 36
    app.multiselect(key="assessment_rag_filter").select("Amber").run()
    assert not app.exception
    table = frame_with(app, "rag_text")
    assert len(table) == 14 and set(table["rag_text"]) == {"▲ Amber"}
    app.multiselect(key="assessment_section_filter").select("C1").run()
    assert frame_with(app, "rag_text")["requirement_id"].tolist() == [f"C1.{i}" for i in range(1, 8)]
    app.selectbox(key="assessment_review").set_value(1).run()
    assert len(frame_with(app, "rag_text")) == 7  # all of C1 was Amber on 3 Aug too


def test_what_changed_lists_the_three_requirements_that_turned_green(app):
    changes = frame_with(app, "change")
    assert changes["requirement_id"].tolist() == ["A2.7", "A4.1", "A4.2"]
    assert set(changes["rating"]) == {"▲ Amber → ✔ Green"}
    assert any("3 requirements improved (Amber → Green: 3)" in m.value for m in app.markdown)


def test_editing_the_latest_review_records_a_new_one_and_keeps_the_old(app, demo_db):
    before_reviews, before_rows = stored(demo_db)
    app.session_state[EDITOR] = {"edited_rows": {0: {"rag": "Red"}}, "added_rows": [], "deleted_rows": []}
    app.date_input(key="assessment_review_date").set_value(dt.date(2020, 9, 10))
    app.button(key="assessment_save").click().run()
    assert not app.exception
    assert "Saved review 3 (10 Sep 2020)" in plain(app.success[0].value)
    assert counts(app)[-1] == ["10 Sep 2020", 1, 14, 19, 2, 36]
    assert counts(app)[:2] == [["3 Aug 2020", 0, 17, 17, 2, 36], ["27 Aug 2020", 0, 14, 20, 2, 36]]
    reviews, rows = stored(demo_db)
    assert reviews["review_id"].tolist() == [1, 2, 3]
    assert reviews.iloc[-1][["recorded_by", "based_on"]].tolist() == [LOCAL_USER, 2]
    pd.testing.assert_frame_equal(rows[rows["review_id"] <= 2].reset_index(drop=True), before_rows)
    pd.testing.assert_frame_equal(reviews.iloc[:2], before_reviews)
    new = rows[rows["review_id"] == 3].set_index("requirement_id")
    assert new.loc["A1.1", "rag"] == "Red" and new.loc["A1.2", "rag"] == "Green"


def test_a_review_can_be_uploaded_as_csv(app, demo_db):
    review = demo_plan.review_frame(1)
    review.loc[review["requirement_id"] == "C2.2", ["lead_role", "rag"]] = ["Director of Public Health", "Amber"]
    data = review.rename(columns={"lead_role": "Lead role", "rag": "RAG"}).to_csv(index=False).encode("utf-8-sig")
    app.file_uploader(key="assessment_upload").set_value(("review.csv", data, "text/csv")).run()
    app.button(key="assessment_upload_save").click().run()
    assert not app.exception
    assert "from review.csv" in plain(app.success[0].value)
    assert counts(app)[-1][1:] == [0, 15, 20, 1, 36]
    assert len(stored(demo_db)[0]) == 3


def test_an_uploaded_file_with_mistakes_changes_nothing_and_lists_them(app, demo_db):
    data = b"requirement_id,lead_role,rag\nA1.1,Medical Director,Purple\nA9.9,Medical Director,Green\n"
    app.file_uploader(key="assessment_upload").set_value(("bad.csv", data, "text/csv")).run()
    app.button(key="assessment_upload_save").click().run()
    message = plain(app.error[0].value)
    assert "Row 2 (A1.1): 'Purple' is not a rating" in message
    assert "Row 3: 'A9.9' is not a Phase 3 requirement" in message
    assert len(stored(demo_db)[0]) == 2


def test_milestones_are_judged_against_the_chosen_date(app):
    def overdue(at: AppTest) -> list[str]:
        table = frame_with(at, "state")
        return table[table["state"].str.startswith("⚠")]["milestone"].tolist()

    late = overdue(app)
    assert late and "Mobilise" in late  # due Sept 2020, still in progress at 31 Mar 2021
    app.date_input(key="milestones_as_at").set_value(dt.date(2020, 8, 15)).run()
    early = overdue(app)
    assert "Mobilise" not in early and len(early) < len(late)
    app.checkbox(key="milestones_overdue_only").check().run()
    assert frame_with(app, "state")["milestone"].tolist() == early


def test_a_store_without_these_figures_says_what_to_do(calls_only_db, monkeypatch):
    at = open_page(calls_only_db, monkeypatch, "app_pages/assessment.py")
    assert not at.exception
    assert any("The store holds no Phase 3 assessment yet" in i.value for i in at.info)
