"""The demonstration Phase 3 assessment and milestones, transcribed from the seeds (data.demo_plan)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from data import demo_plan
from data.store import RAG_VALUES
from metrics import assessment

# Everyone the Trust assessment (seed 001) names as a lead or in its text. The dashboard gives leads
# as roles and quotes the text without people's names.
NAMES_IN_THE_SEED = [
    "Lisa", "Shacklock", "Maggie", "Maxwell", "Carrie", "Symington", "Helen", "Rodriques", "Kate", "Waters",
    "Ivan", "lvan", "Graham", "Andrew", "Selby", "Tim", "Glenn", "Karen", "Webster", "Judith", "Clarke", "Gibbs",
    "Penny", "Martin", "Sophie", "Harrison", "Andy", "Raynes", "Oonagh", "Monkhouse", "Tony", "Bottiglieri",
]


def test_the_two_reviews_reproduce_the_published_rag_counts():
    first = demo_plan.review_frame(0)["rag"].value_counts().to_dict()
    second = demo_plan.review_frame(1)["rag"].value_counts().to_dict()
    assert {r: first.get(r, 0) for r in RAG_VALUES} == {"Red": 0, "Amber": 17, "Green": 17, "TBC": 2}
    assert {r: second.get(r, 0) for r in RAG_VALUES} == {"Red": 0, "Amber": 14, "Green": 20, "TBC": 2}


def test_where_the_source_rates_a_row_the_reviews_follow_it():
    first, second = (demo_plan.review_frame(i).set_index("requirement_id") for i in (0, 1))
    assert first.loc["A2.4", "rag"] == second.loc["A2.4", "rag"] == "TBC"  # lead and rating both "TBC"
    assert first.loc["C2.2", "rag"] == second.loc["C2.2", "rag"] == "TBC"
    assert (first.loc["A2.7", "rag"], second.loc["A2.7", "rag"]) == ("Amber", "Green")  # "Complete 24/8/2020"
    assert second.loc["A2.7", "assessment"].endswith("Complete 24/8/2020")
    assert "85.4%" in first.loc["A2.1", "assessment"] and "92.3%" in first.loc["A2.1", "assessment"]


@pytest.mark.parametrize("which", [0, 1])
def test_no_person_is_named_anywhere_in_the_demonstration_assessment(which):
    rows = demo_plan.review_frame(which)
    text = " ".join([*rows["lead_role"], *rows["assessment"], *demo_plan.requirements_frame()["requirement"]])
    named = [n for n in NAMES_IN_THE_SEED if re.search(rf"\b{n}\b", text)]
    assert named == []
    assert not re.search(r"\b(IG|HW)\b", text)  # the seed's initials before dated updates


def test_every_requirement_has_a_section_a_lead_role_and_a_rating():
    requirements = demo_plan.requirements_frame()
    assert len(requirements) == 36 and requirements["requirement_id"].is_unique
    assert set(requirements["section"]) == {"A1", "A2", "A4", "B1", "B2", "C1", "C2"}
    review = demo_plan.review_frame(0)
    assert review["lead_role"].str.strip().ne("").all()
    # The demonstration rows pass the same check as a review an analyst records.
    assert len(assessment.prepare_review(review, requirements)) == 36


def test_milestones_are_the_plans_with_a_due_month_where_the_timescale_allows():
    frame = demo_plan.milestones_frame()
    assert len(frame) == 63
    assert set(frame["status"]) <= set(assessment.MILESTONE_STATUSES)
    open_ended = frame[frame["due_month"].isna()]
    assert sorted(open_ended["due_text"]) == ["Ongoing", "Ongoing", "TBC"]
    mobilise = frame[frame["milestone"] == "Mobilise"].iloc[0]
    assert (mobilise["workstream"], mobilise["due_text"], mobilise["due_month"]) == (
        "Urgent care", "Sept 2020", dt.date(2020, 9, 1))


def test_the_demo_builder_seeds_the_plan_once(empty_store):
    assert demo_plan.build_demo_plan(empty_store) == [1, 2]
    assert demo_plan.build_demo_plan(empty_store) == [1, 2]  # a second run adds nothing
    assert len(empty_store.assessment_rows()) == 72 and len(empty_store.milestones()) == 63
    reviews = empty_store.assessment_reviews()
    assert [d.date() for d in reviews["review_date"]] == [dt.date(2020, 8, 3), dt.date(2020, 8, 27)]
