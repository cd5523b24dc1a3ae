"""Data coverage: the measure × month grid, restatements, latest uploads, the dictionary
(metrics.coverage)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from metrics import coverage

JAN, FEB, MAR, APR = (dt.date(2021, m, 1) for m in (1, 2, 3, 4))


def measured(*items: tuple) -> pd.DataFrame:
    """metrics.completeness.measure_months rows: (measure, month, arrived, expected)."""
    rows = [
        {"month": month, "measure": measure, "value": 1.0, "expected": expected, "arrived": arrived, "extra": 0,
         "matched_value": 1.0, "matched_baseline": 1.0, "sites_expected": None, "sites_arrived": None,
         "services_expected": None, "services_arrived": None,
         "state": "complete" if arrived >= expected else "partial"}
        for measure, month, arrived, expected in items
    ]
    return pd.DataFrame(rows)


MEASURED = measured(
    ("ct_tests", JAN, 3, 3), ("ct_tests", FEB, 3, 3), ("ct_tests", MAR, 2, 3),
    ("spa_welfare_calls", JAN, 1, 1), ("spa_welfare_calls", MAR, 1, 1),
)


def test_each_month_is_present_partial_missing_or_not_yet_collected(cfg):
    early = [dt.date(2020, 3, 1), dt.date(2020, 4, 1)]
    grid = coverage.coverage_grid(cfg, MEASURED, ["ct_tests", "spa_welfare_calls", "mri_tests"], [JAN, FEB, MAR])
    states = {(r.measure, r.month): r.state for r in grid.itertuples(index=False)}
    assert states == {
        ("ct_tests", JAN): "present", ("ct_tests", FEB): "present", ("ct_tests", MAR): "partial",
        ("spa_welfare_calls", JAN): "present", ("spa_welfare_calls", FEB): "missing",
        ("spa_welfare_calls", MAR): "present",
        ("mri_tests", JAN): "missing", ("mri_tests", FEB): "missing", ("mri_tests", MAR): "missing",
    }
    assert coverage.measures_with_gaps(grid) == ["ct_tests", "spa_welfare_calls", "mri_tests"]
    # The SPA began in April 2020 (available_from): March 2020 is not a gap.
    before = coverage.coverage_grid(cfg, MEASURED.iloc[:0], ["spa_welfare_calls"], early)
    assert before["state"].tolist() == ["not_collected", "missing"]
    assert coverage.coverage_matrix(before, {}).values.tolist() == [["spa_welfare_calls", "–", "✖"]]


def test_the_matrix_uses_labels_uk_months_and_symbols(cfg):
    grid = coverage.coverage_grid(cfg, MEASURED, ["ct_tests", "spa_welfare_calls"], [JAN, FEB, MAR])
    matrix = coverage.coverage_matrix(grid, {"ct_tests": "CT tests", "spa_welfare_calls": "Welfare calls"})
    assert matrix.columns.tolist() == ["Measure", "Jan 2021", "Feb 2021", "Mar 2021"]
    assert matrix.values.tolist() == [["CT tests", "✔", "✔", "◐ 2/3"], ["Welfare calls", "✔", "✖", "✔"]]


def test_the_summary_names_the_first_gap(cfg):
    grid = coverage.coverage_grid(cfg, MEASURED, ["ct_tests", "spa_welfare_calls"], [JAN, FEB, MAR])
    summary = coverage.coverage_summary(grid, {"ct_tests": "CT tests"})
    assert summary.values.tolist() == [
        ["ct_tests", "CT tests", 2, 1, 0, 0, "Mar 2021"],
        ["spa_welfare_calls", "spa_welfare_calls", 2, 0, 1, 0, "Feb 2021"],
    ]


def test_each_metric_month_reads_the_series_completeness():
    series = {"m": pd.DataFrame({"month": [JAN, FEB], "completeness": ["complete", "partial"],
                                 "completeness_text": ["", "partial: 1 of 3 sites (PRUH)"]})}
    grid = coverage.metric_grid(series, {"m": "My metric"}, [JAN, FEB, MAR])
    assert grid.values.tolist() == [["My metric", "✔", "◐", "–"]]
    assert coverage.partial_metric_months(series, {"m": "My metric"}) == [
        "Feb 2021 — My metric: partial: 1 of 3 sites (PRUH)"
    ]


def test_the_grid_html_escapes_text_and_marks_each_state():
    matrix = pd.DataFrame({"Measure": ["<b>CT</b>"], "Jan 2021": ["✔"], "Feb 2021": ["◐ 2/3"], "Mar 2021": ["✖"]})
    markup = coverage.coverage_grid_html(matrix)
    assert "&lt;b&gt;CT&lt;/b&gt;" in markup and "<b>CT</b>" not in markup
    assert "<td class='present'>✔</td>" in markup
    assert "<td class='partial'>◐ 2/3</td>" in markup and "<td class='missing'>✖</td>" in markup


def test_months_are_chosen_by_financial_year():
    months = [dt.date(2020, 3, 1), dt.date(2020, 4, 1), dt.date(2021, 3, 1), dt.date(2021, 4, 1)]
    assert coverage.financial_years(months) == ["2019/20", "2020/21", "2021/22"]
    assert coverage.months_in_year(months, "2020/21") == [dt.date(2020, 4, 1), dt.date(2021, 3, 1)]
    assert coverage.months_in_year(months, None) == months


def test_restatements_read_old_to_new_with_the_upload_that_made_them(cfg):
    restated = pd.DataFrame({
        "month": [pd.Timestamp("2020-07-01")], "measure": ["ct_tests"], "service": ["All"], "site": ["PRUH"],
        "segment": ["All"], "old_value": [1200.0], "old_upload_id": [1], "new_value": [1150.0], "replaced_by": [2],
        "file_name": ["july.csv"], "uploaded_by": ["analyst"], "restated_at": [pd.Timestamp("2020-08-03 09:30")],
    })
    table = coverage.restatements_table(restated, cfg)
    assert table.iloc[0].tolist() == [
        "Jul 2020", "CT tests", "All services", "Princess Royal University Hospital", "Everyone", "1,200", "1,150",
        "−50", "#2 july.csv", "analyst", "3 Aug 2020, 10:30",
    ]


def test_latest_uploads_are_listed_in_config_order_with_uk_times(cfg):
    latest = pd.DataFrame({
        "measure": ["spa_welfare_calls", "ct_tests"], "upload_id": [3, 1], "kind": ["upload", "demo"],
        "file_name": ["calls.csv", "demo"], "uploaded_by": ["analyst", "builder"],
        "uploaded_at": [pd.Timestamp("2021-01-05 12:00"), pd.Timestamp("2020-12-01 12:00")],
        "first_month": [pd.Timestamp("2020-12-01")] * 2, "last_month": [pd.Timestamp("2020-12-01"),
                                                                      pd.Timestamp("2021-03-01")],
        "current_values": [1, 1234],
    })
    table = coverage.latest_uploads_table(latest, cfg)
    assert table["Measure"].tolist() == ["CT tests", "Welfare calls"]
    assert table.loc[0, ["Upload", "Loaded at (UK time)", "Months it wrote", "Values current"]].tolist() == [
        "#1 (demonstration)", "1 Dec 2020, 12:00", "Dec 2020 – Mar 2021", "1,234",
    ]
    assert table.loc[1, ["Loaded at (UK time)", "Months it wrote"]].tolist() == ["5 Jan 2021, 12:00", "Dec 2020"]


def test_the_dictionary_lists_every_measure_and_metric_from_config(cfg):
    dictionary = coverage.data_dictionary(cfg)
    assert len(dictionary) == len(cfg.measures) + len(cfg.metrics)
    ct = dictionary[dictionary["id"] == "ct_tests"].iloc[0]
    assert ct[["kind", "label", "unit", "source"]].tolist() == ["Measure", "CT tests", "tests",
                                                                 "Diagnostic Imaging Dataset"]
    assert "CT activity" in ct["description"]
    metric = dictionary[dictionary["id"] == "spa_within_24h"].iloc[0]
    assert metric["description"] == cfg.metric("spa_within_24h").description
