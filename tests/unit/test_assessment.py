"""Phase 3 reviews and plan milestones: counts, changes, checking a new review, overdue items
(metrics.assessment)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from metrics import assessment

REQUIREMENTS = pd.DataFrame({
    "requirement_id": ["A1.1", "A2.1", "C2.3"],
    "section": ["A1", "A2", "C2"],
    "section_title": ["Cancer services", "Elective activity", "Health inequalities and prevention"],
    "requirement": ["Restore cancer referrals.", "Recover elective activity.", "Restore services inclusively."],
    "sort_order": [1, 2, 3],
})
REVIEWS = pd.DataFrame({
    "review_id": [1, 2],
    "review_date": [pd.Timestamp("2020-08-03"), pd.Timestamp("2020-08-27")],
    "recorded_by": ["a", "b"], "recorded_at": [pd.Timestamp("2020-08-03")] * 2, "note": ["", ""],
    "based_on": [None, 1],
})


def review_rows(review_id: int, *rows: tuple) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=["requirement_id", "lead_role", "rag", "assessment"])
    frame.insert(0, "review_id", review_id)
    return frame


FIRST = review_rows(1, ("A1.1", "Medical Director", "Green", "In strategy"),
                    ("A2.1", "Chief Operating Officer", "Amber", "CT at 85.4%"),
                    ("C2.3", "To be confirmed", "TBC", ""))
SECOND = review_rows(2, ("A1.1", "Medical Director", "Green", "In strategy"),
                     ("A2.1", "Chief Operating Officer", "Green", "CT at 100%"),
                     ("C2.3", "Medical Director", "TBC", ""))
ROWS = pd.concat([FIRST, SECOND], ignore_index=True)


def test_rag_counts_are_one_row_per_review_with_every_rating_even_zero():
    counts = assessment.rag_counts(REVIEWS, ROWS)
    assert counts[["label", "Red", "Amber", "Green", "TBC", "total"]].values.tolist() == [
        ["3 Aug 2020", 0, 1, 1, 1, 3],
        ["27 Aug 2020", 0, 0, 2, 1, 3],
    ]


def test_two_reviews_on_the_same_date_are_told_apart_by_their_id():
    same_day = REVIEWS.assign(review_date=[pd.Timestamp("2020-08-27")] * 2)
    assert assessment.review_labels(same_day) == {1: "27 Aug 2020 (review 1)", 2: "27 Aug 2020 (review 2)"}


def test_the_chart_frame_says_each_rating_in_words_and_icon():
    long = assessment.rag_counts_long(assessment.rag_counts(REVIEWS, ROWS))
    first = long[long["review_id"] == 1]
    assert first["text"].tolist() == ["✖ Red 0", "▲ Amber 1", "✔ Green 1", "? TBC 1"]
    assert first["status"].tolist() == ["red", "amber", "green", "no_data"]


def test_a_review_table_joins_the_requirement_text_in_the_letters_order():
    table = assessment.review_table(REQUIREMENTS, FIRST.iloc[::-1])
    assert table["requirement_id"].tolist() == ["A1.1", "A2.1", "C2.3"]
    assert table.loc[1, ["requirement", "rag_text"]].tolist() == ["Recover elective activity.", "▲ Amber"]
    filtered = assessment.filter_review_table(table, rags=["Amber", "TBC"], sections=["C2"])
    assert filtered["requirement_id"].tolist() == ["C2.3"]


def test_changes_between_reviews_name_the_direction_of_each_move():
    changes = assessment.compare_reviews(REQUIREMENTS, FIRST, SECOND)
    assert changes[["requirement_id", "change", "rating"]].values.tolist() == [
        ["A2.1", "Improved", "▲ Amber → ✔ Green"],
        ["C2.3", "Same rating", "? TBC → ? TBC"],  # the lead changed, the rating did not
    ]
    assert changes.loc[0, "text_changed"] and not changes.loc[1, "text_changed"]
    assert changes.loc[1, ["lead_before", "lead_after"]].tolist() == ["To be confirmed", "Medical Director"]


def test_a_worse_rating_and_an_added_requirement_are_reported():
    worse = review_rows(3, ("A1.1", "Medical Director", "Red", "Lost capacity"))
    changes = assessment.compare_reviews(REQUIREMENTS, FIRST.iloc[:1], pd.concat([worse, SECOND.iloc[1:2]]))
    assert changes[["requirement_id", "change"]].values.tolist() == [["A1.1", "Worsened"], ["A2.1", "Added"]]


def test_the_summary_sentence_counts_the_moves():
    sentence = assessment.describe_changes(assessment.compare_reviews(REQUIREMENTS, FIRST, SECOND))
    assert sentence == ("1 requirement improved (Amber → Green: 1); 1 requirement kept its rating with a new lead "
                        "or assessment text.")
    assert assessment.describe_changes(assessment.compare_reviews(REQUIREMENTS, FIRST, FIRST)).startswith(
        "Nothing changed")


# --- checking a review -------------------------------------------------------------------------


def edited(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=["Requirement ID", "Lead", "RAG", "Assessment text"])


def test_a_review_with_friendly_headings_and_ratings_is_accepted_in_the_letters_order():
    review = assessment.prepare_review(
        edited(("c2.3", "Medical Director", " tbc", None), ("A1.1", "Medical Director", "g", "ok"),
               ("A2.1", "Chief Operating Officer", "▲ Amber", "  CT at 90%  ")),
        REQUIREMENTS,
    )
    assert review.values.tolist() == [
        ["A1.1", "Medical Director", "Green", "ok"],
        ["A2.1", "Chief Operating Officer", "Amber", "CT at 90%"],
        ["C2.3", "Medical Director", "TBC", ""],
    ]


def test_every_problem_is_reported_at_once_with_its_row_number():
    with pytest.raises(assessment.ReviewError) as caught:
        assessment.prepare_review(
            edited(("A1.1", "", "Purple", "x"), ("A2.2", "Chief Operating Officer", "Green", ""),
                   ("A1.1", "Medical Director", "Green", "")),
            REQUIREMENTS, first_row=2,
        )
    assert caught.value.problems == [
        "Row 2 (A1.1): 'Purple' is not a rating; use Red, Amber, Green or TBC.",
        "Row 2 (A1.1): the lead role is empty; name the role that leads it (for example Chief Operating Officer), "
        "or 'To be confirmed'.",
        "Row 3: 'A2.2' is not a Phase 3 requirement on this dashboard. Did you mean A2.1?",
        "Row 4: A1.1 already appears in row 2; keep one row per requirement.",
    ]


def test_a_review_that_leaves_out_a_requirement_is_refused():
    with pytest.raises(assessment.ReviewError, match=r"no row for A2\.1, C2\.3: a review rates every requirement"):
        assessment.prepare_review(edited(("A1.1", "Medical Director", "Green", "")), REQUIREMENTS)


def test_a_review_without_a_rag_column_says_which_heading_to_add():
    frame = pd.DataFrame({"requirement_id": ["A1.1"], "lead_role": ["Medical Director"]})
    with pytest.raises(assessment.ReviewError, match="no 'rag' column"):
        assessment.prepare_review(frame, REQUIREMENTS)


@pytest.mark.parametrize(
    "data",
    [
        "\ufeffrequirement_id,lead_role,rag,assessment\nA1.1,Medical Director,Green,fine\n".encode(),
        b"requirement_id;lead_role;rag;assessment\nA1.1;Medical Director;Green;fine\n",
        "requirement_id\tlead_role\trag\tassessment\nA1.1\tMedical Director\tGreen\tfine\n".encode("cp1252"),
    ],
)
def test_review_files_are_read_whatever_the_encoding_and_separator(data):
    frame = assessment.read_review_csv(data)
    assert frame.columns.tolist() == ["requirement_id", "lead_role", "rag", "assessment"]
    assert frame.iloc[0].tolist() == ["A1.1", "Medical Director", "Green", "fine"]


def test_a_windows_1252_file_keeps_its_pound_sign():
    frame = assessment.read_review_csv("requirement_id,assessment\nB2.1,£3 billion\n".encode("cp1252"))
    assert frame.loc[0, "assessment"] == "£3 billion"


def test_an_empty_review_file_says_what_to_do():
    with pytest.raises(assessment.ReviewError, match="The file is empty"):
        assessment.read_review_csv(b"  \n")


# --- milestones --------------------------------------------------------------------------------

MILESTONES = pd.DataFrame({
    "workstream": ["Urgent care", "Urgent care", "Diabetes", "Workforce", "Digital"],
    "milestone": ["Set up groups", "Mobilise", "Clinic at PRUH", "Risk assessments", "Office 365"],
    "due_text": ["July 2020", "Sept 2020", "Q1/2 2020-21", "Ongoing", "Dec 2020"],
    "due_month": [pd.Timestamp("2020-07-01"), pd.Timestamp("2020-09-01"), pd.Timestamp("2020-09-01"), pd.NaT,
                  pd.Timestamp("2020-12-01")],
    "status": ["In progress", "In progress", "Complete", "In progress", "Not started"],
})


def test_a_milestone_is_overdue_once_its_due_month_has_ended():
    table = assessment.milestone_table(MILESTONES, dt.date(2020, 9, 15))
    assert table["overdue"].tolist() == [True, False, False, False, False]
    assert table["state"].tolist() == [
        "⚠ Overdue (due Jul 2020)", "◷ Due this month", "✔ Complete", "No fixed date", "Not yet due",
    ]


def test_complete_and_open_ended_milestones_are_never_overdue():
    table = assessment.milestone_table(MILESTONES, dt.date(2030, 1, 1))
    assert table["overdue"].tolist() == [True, True, False, False, True]


def test_the_due_column_keeps_the_plans_own_words_when_they_are_not_a_month():
    table = assessment.milestone_table(MILESTONES, dt.date(2020, 9, 1))
    assert table["due"].tolist() == ["Jul 2020", "Sep 2020", "Sep 2020 (Q1/2 2020-21)", "Ongoing", "Dec 2020"]


def test_milestones_filter_and_summary():
    table = assessment.milestone_table(MILESTONES, dt.date(2021, 1, 1))
    assert assessment.milestone_summary(table) == {"total": 5, "complete": 1, "overdue": 3, "open": 1}
    overdue_urgent = assessment.filter_milestones(table, ["Urgent care"], overdue_only=True)
    assert overdue_urgent["milestone"].tolist() == ["Set up groups", "Mobilise"]
    csv = assessment.milestones_csv(table)
    assert csv["overdue"].tolist() == ["yes", "yes", "no", "no", "yes"]
