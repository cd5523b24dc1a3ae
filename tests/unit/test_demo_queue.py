"""The demonstration's referral-to-treatment queue: consistent month to month, a wave-1 dip, a backlog, and
every published figure untouched (its Generator is its own)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from data.demo import HOSPITAL_SITES, QUEUE_MEASURES, build_demo_frame
from metrics import capacity


def queue(cfg) -> pd.DataFrame:
    frame = build_demo_frame(cfg)
    return frame[frame["measure"].isin(QUEUE_MEASURES)]


def test_the_queue_is_by_specialty_and_hospital_site_from_april_2019_to_march_2021(cfg):
    rows = queue(cfg)
    specialties = {s.id for s in cfg.services if s.kind == "specialty"}
    for measure in QUEUE_MEASURES:
        mine = rows[rows["measure"] == measure]
        assert set(mine["service"]) == specialties and set(mine["site"]) == set(HOSPITAL_SITES)
        assert mine["month"].min() == dt.date(2019, 4, 1) and mine["month"].max() == dt.date(2021, 3, 1)
        assert len(mine) == 24 * len(specialties) * len(HOSPITAL_SITES)


def test_each_cells_list_is_last_months_list_plus_referrals_minus_removals(cfg):
    wide = queue(cfg).pivot_table(index=["service", "site", "month"], columns="measure", values="value")
    for _, cell in wide.groupby(level=["service", "site"]):
        change = cell["rtt_waiting_list"].diff().iloc[1:]
        flow = (cell["rtt_clock_starts"] - cell["rtt_clock_stops_admitted"]
                - cell["rtt_clock_stops_non_admitted"]).iloc[1:]
        assert (change == flow).all()
        assert (cell >= 0).all().all()


def test_wave_one_cut_referrals_and_removals_and_left_a_backlog(cfg):
    rows = queue(cfg)
    by_service = rows.groupby(["month", "measure", "service"], as_index=False)["value"].sum()
    table = capacity.queue_table(by_service)
    total = table.groupby("month")[["referrals", "removals", "waiting_list"]].sum()
    april_2020, april_2019 = total.loc[dt.date(2020, 4, 1)], total.loc[dt.date(2019, 4, 1)]
    assert april_2020["referrals"] < 0.4 * april_2019["referrals"]
    assert april_2020["removals"] < 0.35 * april_2019["removals"]
    assert total.loc[dt.date(2021, 3, 1), "waiting_list"] > 1.25 * total.loc[dt.date(2020, 3, 1), "waiting_list"]
    assert total.loc[dt.date(2021, 3, 1), "waiting_list"] == 46674


def test_the_queue_leaves_every_other_figure_as_it_was(cfg):
    # The queue is drawn from its own Generator: without it the frame is exactly the earlier demonstration.
    frame = build_demo_frame(cfg)
    others = frame[~frame["measure"].isin(QUEUE_MEASURES)]
    assert others["value"].sum() == 4_690_788.0  # the frame before the queue was added (commit dea1970)
    assert len(others) == 7368
