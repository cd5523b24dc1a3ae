"""eConsult by primary care network against February 2020 (metrics.primary_care)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from metrics import primary_care

FEB, JUL = dt.date(2020, 2, 1), dt.date(2020, 7, 1)
LABELS = {"PCN_A": "A PCN", "PCN_B": "B PCN", "PCN_C": "C PCN"}
ROWS = pd.DataFrame(
    [(FEB, "econsult_submissions", "PCN_A", 100.0), (FEB, "econsult_submissions", "PCN_B", 50.0),
     (JUL, "econsult_submissions", "PCN_A", 450.0), (JUL, "econsult_submissions", "PCN_B", 200.0),
     (JUL, "video_consultations", "PCN_A", 9.0)],
    columns=["month", "measure", "site", "value"],
)


def test_each_pcn_is_compared_with_its_own_reference_month():
    table = primary_care.pcn_month_table(ROWS, "econsult_submissions", JUL, FEB, LABELS)
    assert table[["label", "value", "reference", "ratio"]].iloc[:2].values.tolist() == [
        ["A PCN", 450.0, 100.0, 4.5], ["B PCN", 200.0, 50.0, 4.0],
    ]
    assert table.iloc[2][["value", "ratio"]].isna().all()  # no figures for C PCN


def test_without_a_reference_month_there_is_no_ratio():
    table = primary_care.pcn_month_table(ROWS, "econsult_submissions", JUL, None, LABELS)
    assert table["ratio"].isna().all()


def test_the_csv_names_the_months_it_compares():
    table = primary_care.pcn_month_table(ROWS, "econsult_submissions", JUL, FEB, LABELS)
    csv = primary_care.pcn_csv(table, "eConsult submissions", JUL, FEB)
    assert csv.columns.tolist() == ["primary care network", "eConsult submissions, Jul 2020",
                                    "eConsult submissions, Feb 2020", "ratio to Feb 2020"]
