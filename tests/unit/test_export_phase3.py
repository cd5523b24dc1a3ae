"""`python -m data export DIR` of the demonstration store carries the Phase 3 RAG counts per review
date and the SPA figures the Bromley plan published (issue 5, acceptance 2)."""

from __future__ import annotations

import pandas as pd
import pytest

from data.__main__ import main


@pytest.fixture
def exported(demo_db, tmp_path):
    out = tmp_path / "export"
    assert main(["export", "--db", str(demo_db), str(out)]) == 0
    return out


def test_the_export_shows_the_rag_counts_per_review_date(exported):
    reviews = pd.read_csv(exported / "assessment_reviews.csv")
    rows = pd.read_csv(exported / "assessment_rows.csv", keep_default_na=False)
    counts = (
        rows.merge(reviews[["review_id", "review_date"]], on="review_id")
        .groupby(["review_date", "rag"]).size().unstack(fill_value=0)
        .reindex(columns=["Red", "Amber", "Green", "TBC"], fill_value=0)
    )
    assert counts.loc["2020-08-03"].to_dict() == {"Red": 0, "Amber": 17, "Green": 17, "TBC": 2}
    assert counts.loc["2020-08-27"].to_dict() == {"Red": 0, "Amber": 14, "Green": 20, "TBC": 2}
    assert len(pd.read_csv(exported / "requirements.csv")) == 36
    assert len(pd.read_csv(exported / "milestones.csv")) == 63


def test_the_export_shows_the_spa_figures_for_april_to_june_2020(exported):
    facts = pd.read_csv(exported / "facts.csv", parse_dates=["month"])
    period = facts[(facts["month"] >= "2020-04-01") & (facts["month"] <= "2020-06-01") & (facts["segment"] == "All")]

    def total(measure: str, site: str | None = None) -> float:
        chosen = period[period["measure"] == measure]
        return chosen[chosen["site"] == site]["value"].sum() if site else chosen["value"].sum()

    assert total("spa_discharges") == 1839
    assert total("spa_discharges", "PRUH") == 854
    assert round(total("spa_discharges_within_24h") / total("spa_discharges"), 3) == 0.755
    assert total("spa_saved_bed_days") == 4459
    assert total("spa_welfare_calls") == 257
