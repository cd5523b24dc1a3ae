"""SPA discharges: period totals, monthly breakdowns and the headline tiles (metrics.discharges)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from metrics import discharges

APR, MAY, JUN, JUL = (dt.date(2020, m, 1) for m in (4, 5, 6, 7))


def totals(*items: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(items), columns=["month", "measure", "value"])


def by_site(*items: tuple) -> pd.DataFrame:
    return pd.DataFrame(list(items), columns=["month", "measure", "site", "value"])


SYSTEM = totals(
    (APR, "spa_discharges", 100.0), (MAY, "spa_discharges", 200.0), (JUL, "spa_discharges", 50.0),
    (APR, "spa_discharges_within_24h", 80.0), (MAY, "spa_discharges_within_24h", 150.0),
    (APR, "spa_saved_bed_days", 300.0), (MAY, "spa_saved_bed_days", 310.0),
    (APR, "spa_welfare_calls", 7.0), (MAY, "spa_welfare_calls", 9.0),
)
SITES = by_site(
    (APR, "spa_discharges", "PRUH", 40.0), (APR, "spa_discharges", "KCH_DH", 60.0),
    (MAY, "spa_discharges", "PRUH", 90.0), (MAY, "spa_discharges", "OTHER_ACUTE", 110.0),
    (JUL, "spa_discharges", "PRUH", 50.0),
)


def test_period_totals_add_up_the_chosen_months_only():
    period = discharges.period_totals(SYSTEM, SITES, APR, MAY)
    assert (period.discharges, period.from_pruh, period.within_24h) == (300.0, 130.0, 230.0)
    assert (period.saved_bed_days, period.welfare_calls) == (610.0, 16.0)
    assert period.share_within_24h == pytest.approx(230 / 300)
    assert period.share_from_pruh == pytest.approx(130 / 300)
    assert period.months == 2 and period.months_missing == ()


def test_a_month_with_no_discharge_figure_is_named_not_hidden():
    period = discharges.period_totals(SYSTEM, SITES, APR, JUN)
    assert period.discharges == 300.0
    assert period.months_missing == (JUN,)


def test_a_period_that_ends_before_it_starts_is_refused_with_a_sentence():
    with pytest.raises(ValueError, match="starts \\(Jul 2020\\) after it ends \\(Apr 2020\\)"):
        discharges.period_totals(SYSTEM, SITES, JUL, APR)


def test_an_empty_period_has_no_share_rather_than_a_division_error():
    period = discharges.period_totals(SYSTEM.iloc[0:0], SITES.iloc[0:0], APR, APR)
    assert period.discharges == 0.0 and math.isnan(period.share_within_24h)


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [(APR, JUN, "Apr–Jun 2020"), (APR, APR, "Apr 2020"), (dt.date(2020, 12, 1), dt.date(2021, 2, 1),
                                                          "Dec 2020–Feb 2021")],
)
def test_the_period_label_reads_as_uk_months(start, end, label):
    assert discharges.period_totals(SYSTEM, SITES, start, end).period_label == label


def test_the_default_period_is_april_to_june_2020_when_the_store_has_it():
    months = [dt.date(2020, m, 1) for m in range(1, 13)]
    assert discharges.default_period(months) == (APR, JUN)


def test_without_april_to_june_2020_the_default_is_the_latest_three_months():
    months = [dt.date(2021, m, 1) for m in range(1, 6)]
    assert discharges.default_period(months) == (dt.date(2021, 3, 1), dt.date(2021, 5, 1))
    with pytest.raises(ValueError, match="no SPA figures"):
        discharges.default_period([])


def test_referring_sites_other_than_the_pruh_are_added_together():
    frame = discharges.monthly_breakdown(SITES, "site", {"PRUH": "PRUH"}, other_label="Other referring sites")
    april = frame[frame["month"] == APR]
    assert april[["group", "value"]].values.tolist() == [["PRUH", 40.0], ["Other referring sites", 60.0]]
    assert april["share"].tolist() == [0.4, 0.6]


def test_a_breakdown_without_an_other_label_leaves_unknown_groups_out_and_keeps_the_given_order():
    rows = by_site((APR, "spa_discharges", "B", 1.0), (APR, "spa_discharges", "A", 3.0),
                   (APR, "spa_discharges", "Z", 5.0))
    rows = rows.rename(columns={"site": "service"})
    frame = discharges.monthly_breakdown(rows, "service", {"A": "Pathway A", "B": "Pathway B"})
    assert frame["label"].tolist() == ["Pathway A", "Pathway B"]
    assert frame["share"].tolist() == [0.75, 0.25]


def test_the_breakdown_csv_has_one_row_per_month_and_a_column_per_group():
    frame = discharges.monthly_breakdown(SITES, "site", {"PRUH": "PRUH"}, other_label="Others")
    csv = discharges.breakdown_csv(frame, "discharges")
    assert csv.columns.tolist() == ["month", "PRUH (discharges)", "Others (discharges)"]
    assert csv["month"].tolist() == ["Apr 2020", "May 2020", "Jul 2020"]
    assert csv.loc[0, "Others (discharges)"] == 60.0


def test_the_monthly_table_leaves_a_gap_where_a_figure_has_not_arrived():
    table = discharges.monthly_table(SYSTEM, SITES, [APR, JUN])
    assert table.loc[0, ["discharges", "from_pruh", "within_24h"]].tolist() == [100.0, 40.0, 80.0]
    assert table.loc[0, "share_within_24h"] == 0.8
    assert table.loc[1, ["discharges", "welfare_calls"]].isna().all()
    text = discharges.monthly_table_text(table)
    assert text.loc[0, "Share within 24 hours"] == "80.0%"
    assert text.loc[1, "Discharges"] == "–"


def test_the_tiles_judge_the_24_hour_share_against_the_configured_target(cfg):
    green = discharges.period_totals(SYSTEM, SITES, APR, APR)  # 80% against a 75% local target
    tiles = discharges.period_tiles(cfg, green)
    share = tiles[tiles["label"] == "Discharged within 24 hours"].iloc[0]
    assert (share["value_text"], share["status"], share["status_text"]) == ("80.0%", "green", "Green: target met")
    exactly = discharges.period_totals(SYSTEM, SITES, MAY, MAY)  # 150 of 200: exactly the 75% target
    assert discharges.period_tiles(cfg, exactly).loc[2, "status"] == "green"
    short = totals((JUN, "spa_discharges", 100.0), (JUN, "spa_discharges_within_24h", 60.0))
    tiles = discharges.period_tiles(cfg, discharges.period_totals(short, SITES.iloc[0:0], JUN, JUN))
    assert (tiles.loc[2, "status"], tiles.loc[2, "status_text"]) == ("red", "Red: 15.0 points below target")
    assert tiles["value_text"].tolist()[:2] == ["100", "0"]


def test_the_totals_csv_names_each_figure():
    frame = discharges.period_totals_frame(discharges.period_totals(SYSTEM, SITES, APR, MAY))
    assert dict(zip(frame["figure"], frame["value"], strict=True))["of which referred from the PRUH"] == 130.0
