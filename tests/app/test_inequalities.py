"""AppTest of the Inequalities page on a private copy of the demonstration store."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.kit import open_page


@pytest.fixture
def app(demo_db, monkeypatch) -> AppTest:
    return open_page(demo_db, monkeypatch, "app_pages/inequalities.py")


def table(at: AppTest):
    return next(d.value for d in at.dataframe if "Group" in d.value.columns)


def test_the_page_shows_recovery_by_imd_quintile_with_a_note_on_reading_it(app):
    assert not app.exception
    assert app.title[0].value == "Inequalities"
    assert table(app)["Group"].tolist() == [
        "IMD quintile 1 (most deprived)", "IMD quintile 2", "IMD quintile 3", "IMD quintile 4",
        "IMD quintile 5 (least deprived)", "Everyone",
    ]
    notes = " ".join(m.value for m in app.markdown) + " ".join(c.value for c in app.caption)
    assert "How to read this page" in notes
    assert "from the most deprived neighbourhoods and from Black and Asian communities, by 31 October" in notes


def test_the_most_deprived_quintile_trails_the_least_deprived_in_the_demo(app):
    rows = table(app).set_index("Group")
    most = float(rows.loc["IMD quintile 1 (most deprived)", "Recovery"].rstrip("%"))
    least = float(rows.loc["IMD quintile 5 (least deprived)", "Recovery"].rstrip("%"))
    assert most < least


def test_comparing_by_ethnicity_lists_the_ethnicity_groups(app):
    app.radio(key="inequalities_group").set_value("ethnicity").run()
    assert not app.exception
    assert table(app)["Group"].tolist() == ["White", "Black", "Asian", "Mixed", "Other ethnic group", "Everyone"]


def test_another_activity_and_month_change_the_table(app):
    before = table(app)
    app.selectbox(key="inequalities_metric").set_value("op_followup_activity").run()
    assert any("Follow-up outpatient attendances by IMD quintile" in s.value for s in app.subheader)
    after_metric = table(app)
    assert not before.equals(after_metric)
    app.selectbox(key="inequalities_month").set_value(dt.date(2020, 8, 1)).run()
    assert not app.exception
    assert any(s.value.endswith("Aug 2020") for s in app.subheader)
    assert not after_metric.equals(table(app))


def test_every_chart_has_its_csv_download(app):
    charts = app.get("plotly_chart")
    downloads = [b for b in app.get("download_button") if "behind this chart" in str(b.proto.label)]
    assert len(charts) == 2 and len(downloads) == len(charts)


def test_a_store_without_these_figures_says_what_to_do(calls_only_db, monkeypatch):
    at = open_page(calls_only_db, monkeypatch, "app_pages/inequalities.py")
    assert not at.exception
    assert any("The store holds no figures by IMD quintile or ethnicity yet" in i.value for i in at.info)


def test_a_share_metric_by_deprivation_uses_its_own_words_and_the_standard(app):
    app.selectbox(key="inequalities_metric").set_value("cervical_screening").run()
    assert not app.exception
    rows = table(app)
    assert list(rows.columns) == ["Group", "Count", "Out of", "Share", "Compared with everyone", "Target",
                                  "Gap to target"]
    assert rows["Group"].tolist()[0] == "IMD quintile 1 (most deprived)"
    assert set(rows["Target"]) == {"80.0%"}


def test_ethnicity_shows_a_not_stated_group_and_how_completely_ethnicity_is_recorded(app):
    app.selectbox(key="inequalities_metric").set_value("iapt_referrals_activity").run()
    assert not app.exception
    assert app.radio(key="inequalities_group").options == ["Ethnicity group"]
    assert table(app)["Group"].tolist()[-2:] == ["Not stated", "Everyone"]
    recorded = [m.value for m in app.markdown if m.value.startswith("**Ethnicity recorded for")]
    assert len(recorded) == 1 and "not stated" in recorded[0]
    assert any("no figures by IMD quintile" in i.value for i in app.info)
