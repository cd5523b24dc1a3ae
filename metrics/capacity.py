"""Demand and capacity: the referral-to-treatment queue per service, projected under a scenario.

Pure: frames in, frames and arrays out (the arithmetic is `metrics.waiting_list`, the scenario's
multipliers `metrics.scenarios`). Units: demand (referrals, clock starts) and capacity (removals, clock
stops, admitted and non-admitted) are counts a month; waits are weeks; the NHSRwaitinglist formulas are
applied to weekly rates (a month's count ÷ 52/12).

How a projection is made (the page and `python -m metrics scenario` say the same):
- It starts from the latest complete month (`metrics.completeness`), or an earlier one for a backtest.
- Each projected month's demand = referrals in the same month of the baseline year × the scenario's demand
  multiplier; its capacity = removals in that month × the capacity multiplier. A blank multiplier keeps the
  starting month's own share of its baseline month ("as now").
- The list follows `waiting_list.project_waiting_list`; the band is `simulate_waiting_list` (Poisson, seeded).
- 52-week waiters follow `waiting_list.project_long_waiters`, anchored on the starting month's actual count.
- The capacity needed by the target date is the larger of NHSRwaitinglist's relief capacity (to bring the
  list to its 18-week target size by then) and target capacity (to hold it there), per service.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics import compute, scenarios
from metrics import waiting_list as wl
from metrics.months import add_months, baseline_month, format_month, month_range, to_month

# The queue's measures (config.yaml), by the role each plays.
REFERRALS = "rtt_clock_starts"
REMOVALS = ("rtt_clock_stops_admitted", "rtt_clock_stops_non_admitted")
WAITING_LIST = "rtt_waiting_list"
OVER_52 = "rtt_52_week_waiters"
OVER_104 = "rtt_104_week_waiters"
# Months the page's actual figures need to be complete in before a projection starts from them.
QUEUE_MEASURES = [REFERRALS, *REMOVALS, WAITING_LIST]
ALL_MEASURES = [*QUEUE_MEASURES, OVER_52, OVER_104]
TABLE_COLUMNS = ["service", "month", "referrals", "removals", "waiting_list", "over_52", "over_104"]
HORIZONS = (6, 12, 18, 24)


@dataclass(frozen=True)
class Projection:
    """A projection of the chosen services' lists from `start` under one scenario."""

    start: dt.date
    months: list[dt.date]
    services: list[str]
    start_list: np.ndarray  # (S,) the actual list at the end of `start`
    demand: np.ndarray  # (S, T) referrals a month
    capacity: np.ndarray  # (S, T) removals a month
    projected: np.ndarray  # (S, T) deterministic
    simulation: wl.Simulation
    over_52: np.ndarray  # (S, T)

    def total_frame(self) -> pd.DataFrame:
        """Month by month for the services together: demand, capacity, projected list, band, 52-week waiters;
        the first row is the starting month's actual list (so the projected line joins the actual one)."""
        rows = [{"month": self.start, "demand": math.nan, "capacity": math.nan,
                 "projected": float(self.start_list.sum()), "median": float(self.start_list.sum()),
                 "lower": float(self.start_list.sum()), "upper": float(self.start_list.sum()),
                 "over_52": math.nan}]
        sim = self.simulation
        for t, month in enumerate(self.months):
            rows.append({
                "month": month, "demand": float(self.demand[:, t].sum()), "capacity": float(self.capacity[:, t].sum()),
                "projected": float(self.projected[:, t].sum()), "median": float(sim.total_median[t]),
                "lower": float(sim.total_lower[t]), "upper": float(sim.total_upper[t]),
                "over_52": float(self.over_52[:, t].sum()),
            })
        return pd.DataFrame(rows)

    def service_frame(self) -> pd.DataFrame:
        """One row per service and projected month: demand, capacity, projected list, band, 52-week waiters."""
        sim = self.simulation
        records = []
        for i, service in enumerate(self.services):
            for t, month in enumerate(self.months):
                records.append({
                    "month": month, "service": service, "demand": self.demand[i, t], "capacity": self.capacity[i, t],
                    "projected": self.projected[i, t], "median": sim.median[i, t], "lower": sim.lower[i, t],
                    "upper": sim.upper[i, t], "over_52": self.over_52[i, t],
                })
        return pd.DataFrame(records)


def queue_table(by_service: pd.DataFrame) -> pd.DataFrame:
    """The queue per service and month (service, month, referrals, removals, waiting_list, over_52,
    over_104) from `Store.measure_totals_by("service", ALL_MEASURES)` (month, measure, service, value)."""
    if by_service.empty:
        return pd.DataFrame(columns=TABLE_COLUMNS)
    frame = by_service.assign(month=by_service["month"].map(to_month))
    wide = frame.pivot_table(index=["service", "month"], columns="measure", values="value", aggfunc="sum")
    wide = wide.reindex(columns=ALL_MEASURES)
    out = pd.DataFrame({
        "referrals": wide[REFERRALS],
        "removals": wide[list(REMOVALS)].sum(axis=1, min_count=len(REMOVALS)),
        "waiting_list": wide[WAITING_LIST],
        "over_52": wide[OVER_52],
        "over_104": wide[OVER_104],
    }).reset_index()
    return out[TABLE_COLUMNS].sort_values(["service", "month"]).reset_index(drop=True)


def services_with_queue(table: pd.DataFrame) -> list[str]:
    """Services that have a waiting list figure, in table order."""
    return list(dict.fromkeys(table.loc[table["waiting_list"].notna(), "service"]))


def latest_complete_month(measure_months: pd.DataFrame, measures: list[str] = QUEUE_MEASURES) -> dt.date | None:
    """The latest month in which every queue measure is complete (`completeness.measure_months` rows)."""
    if measure_months.empty:
        return None
    complete = measure_months[(measure_months["state"] == "complete") & measure_months["measure"].isin(measures)]
    counts = complete.groupby(complete["month"].map(to_month))["measure"].nunique()
    months = [m for m, n in counts.items() if n == len(set(measures))]
    return max(months) if months else None


def complete_months(measure_months: pd.DataFrame, measures: list[str] = QUEUE_MEASURES) -> list[dt.date]:
    """Every month in which every queue measure is complete, oldest first."""
    if measure_months.empty:
        return []
    complete = measure_months[(measure_months["state"] == "complete") & measure_months["measure"].isin(measures)]
    counts = complete.groupby(complete["month"].map(to_month))["measure"].nunique()
    return sorted(m for m, n in counts.items() if n == len(set(measures)))


def _lookup(table: pd.DataFrame, services: list[str], month: dt.date, column: str) -> np.ndarray:
    here = table[table["month"] == month].set_index("service")[column]
    return np.array([float(here.get(s, math.nan)) for s in services])


def project(
    table: pd.DataFrame,
    services: list[str],
    start: dt.date,
    horizon: int,
    rows: pd.DataFrame,
    baseline_year: int,
    *,
    runs: int = wl.DEFAULT_RUNS,
    seed: int = wl.DEFAULT_SEED,
) -> Projection:
    """Project the chosen services' lists for `horizon` months after `start` under a scenario's rows
    (`metrics.scenarios` rows; empty for "as now"). Raises ValueError with a sentence when the figures a
    projection needs are missing."""
    if not services:
        raise ValueError("Choose at least one service to project.")
    if horizon < 1:
        raise ValueError("The horizon must be at least one month.")
    start = to_month(start)
    months = [add_months(start, i) for i in range(1, horizon + 1)]
    start_list = _lookup(table, services, start, "waiting_list")
    base_start = baseline_month(start, baseline_year)
    now_referrals, now_removals = (_lookup(table, services, start, c) for c in ("referrals", "removals"))
    base_referrals, base_removals = (_lookup(table, services, base_start, c) for c in ("referrals", "removals"))
    missing = [s for s, values in zip(services, zip(start_list, now_referrals, now_removals, base_referrals,
                                                   base_removals, strict=True), strict=True)
               if any(math.isnan(v) for v in values)]
    if missing:
        raise ValueError(
            f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} no waiting list, referrals or removals "
            f"for {format_month(start)} or {format_month(base_start)}; choose other services or another month."
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio_demand = np.where(base_referrals > 0, now_referrals / np.where(base_referrals > 0, base_referrals, 1), 1)
        ratio_capacity = np.where(base_removals > 0, now_removals / np.where(base_removals > 0, base_removals, 1), 1)
    base_demand = np.column_stack([_lookup(table, services, baseline_month(m, baseline_year), "referrals")
                                   for m in months])
    base_capacity = np.column_stack([_lookup(table, services, baseline_month(m, baseline_year), "removals")
                                     for m in months])
    if np.isnan(base_demand).any() or np.isnan(base_capacity).any():
        raise ValueError("Some months of the baseline year have no referrals or removals for these services, so "
                         "the scenario has nothing to multiply; load the baseline year's figures first.")
    mult_demand, mult_capacity = scenarios.multiplier_grid(rows, services, months)
    mult_demand = np.where(np.isnan(mult_demand), ratio_demand[:, None], mult_demand)
    mult_capacity = np.where(np.isnan(mult_capacity), ratio_capacity[:, None], mult_capacity)
    demand, capacity = base_demand * mult_demand, base_capacity * mult_capacity
    projected = wl.project_waiting_list(start_list, demand, capacity)
    simulation = wl.simulate_waiting_list(start_list, demand, capacity, runs=runs, seed=seed)
    anchor = np.nan_to_num(_lookup(table, services, start, "over_52"), nan=0.0)
    queue = np.column_stack([start_list, projected])
    # One weekly demand per service across the months (their mean), so the long-wait tail moves with the
    # list rather than with each month's seasonal referrals.
    weekly = np.repeat(demand.mean(axis=1, keepdims=True), horizon + 1, axis=1) / wl.WEEKS_PER_MONTH
    over_52 = wl.project_long_waiters(queue, weekly, anchor, threshold_weeks=52)[:, 1:]
    return Projection(start, months, list(services), start_list, demand, capacity, projected, simulation, over_52)


SUMMARY_COLUMNS = [
    "service", "list_now", "projected", "lower", "upper", "target_queue", "demand", "planned_capacity",
    "needed_capacity", "capacity_gap", "load", "pressure_now", "pressure_target", "status",
]


def summarise(
    projection: Projection,
    table: pd.DataFrame,
    target: dt.date,
    *,
    target_weeks: float = wl.RTT_TARGET_WEEKS,
    factor: float = wl.DEFAULT_FACTOR,
    margin: float = 0.05,
) -> pd.DataFrame:
    """Per service, then 'All' for the services together, at the target month: the list now and projected
    (with the band), the 18-week target queue size, demand and planned capacity a month (averages to the
    target), the capacity needed a month, the gap (planned − needed), queue load, pressure now and at the
    target, and RAG: the projected list against the target queue size (amber within `margin` of it)."""
    target = to_month(target)
    if target not in projection.months:
        raise ValueError(
            f"The target date must fall within the projection ({format_month(projection.months[0])} to "
            f"{format_month(projection.months[-1])}); choose a later horizon or an earlier date."
        )
    k = projection.months.index(target) + 1
    weeks = k * wl.WEEKS_PER_MONTH
    sim = projection.simulation
    demand_week = projection.demand[:, :k].mean(axis=1) / wl.WEEKS_PER_MONTH
    planned_week = projection.capacity[:, :k].mean(axis=1) / wl.WEEKS_PER_MONTH
    target_queue = np.asarray(wl.target_queue_size(demand_week, target_weeks, factor), dtype=float)
    relief = np.asarray(wl.relief_capacity(demand_week, projection.start_list, target_queue, weeks), dtype=float)
    hold = np.asarray(wl.target_capacity(demand_week, target_weeks, factor), dtype=float)
    needed_week = np.maximum(relief, hold)
    now_referrals = _lookup(table, projection.services, projection.start, "referrals") / wl.WEEKS_PER_MONTH
    at_target = projection.projected[:, k - 1]
    demand_at_target = projection.demand[:, k - 1] / wl.WEEKS_PER_MONTH

    def row(label, list_now, projected, lower, upper, tq, d, c, needed, d_now, d_target) -> dict:
        load = wl.queue_load(d, c) if c > 0 else math.inf
        pressure_now = wl.waiting_list_pressure(wl.mean_wait_weeks(list_now, d_now), target_weeks)
        pressure_target = wl.waiting_list_pressure(wl.mean_wait_weeks(projected, d_target), target_weeks)
        month = wl.WEEKS_PER_MONTH
        return {
            "service": label, "list_now": list_now, "projected": projected, "lower": lower, "upper": upper,
            "target_queue": tq, "demand": d * month, "planned_capacity": c * month, "needed_capacity": needed * month,
            "capacity_gap": (c - needed) * month, "load": load, "pressure_now": pressure_now,
            "pressure_target": pressure_target,
            "status": compute.rag_status(projected, tq, "decrease", margin, relative_margin=True),
        }

    records = [
        row(s, projection.start_list[i], at_target[i], sim.lower[i, k - 1], sim.upper[i, k - 1], target_queue[i],
            demand_week[i], planned_week[i], needed_week[i], now_referrals[i], demand_at_target[i])
        for i, s in enumerate(projection.services)
    ]
    # The services together: capacity is not shared between specialties, so the capacity needed is the sum
    # of each service's need, not the need of one pooled list.
    records.append(row(
        scenarios.ALL_SERVICES, projection.start_list.sum(), at_target.sum(), sim.total_lower[k - 1],
        sim.total_upper[k - 1], target_queue.sum(), demand_week.sum(), planned_week.sum(), needed_week.sum(),
        now_referrals.sum(), demand_at_target.sum(),
    ))
    return pd.DataFrame(records, columns=SUMMARY_COLUMNS)


def history_frame(table: pd.DataFrame, services: list[str], end: dt.date) -> pd.DataFrame:
    """The chosen services' actual figures together, month by month up to `end`: referrals, removals,
    waiting_list, over_52, over_104 (a month is NaN where any chosen service has no figure)."""
    chosen = table[table["service"].isin(services) & (table["month"] <= to_month(end))]
    if chosen.empty:
        return pd.DataFrame(columns=["month", "referrals", "removals", "waiting_list", "over_52", "over_104"])
    grouped = chosen.groupby("month")
    n = len(services)
    out = pd.DataFrame({
        c: grouped[c].sum(min_count=1).where(grouped[c].count() == n) for c in
        ("referrals", "removals", "waiting_list", "over_52", "over_104")
    }).reset_index()
    return out


def comparison_frame(first: Projection, second: Projection, labels: tuple[str, str]) -> pd.DataFrame:
    """Two projections' totals side by side, long: month, scenario, projected, median, lower, upper, over_52."""
    frames = []
    for projection, label in zip((first, second), labels, strict=True):
        frames.append(projection.total_frame().assign(scenario=label))
    return pd.concat(frames, ignore_index=True)[
        ["month", "scenario", "projected", "median", "lower", "upper", "over_52", "demand", "capacity"]
    ]


@dataclass(frozen=True)
class Backtest:
    """A projection from a past month against what happened since."""

    start: dt.date
    end: dt.date
    frame: pd.DataFrame  # month, actual, projected, lower, upper, error, error_share
    mean_abs_pct_error: float
    final_error: float
    final_error_share: float
    within_band: int

    def sentence(self) -> str:
        """What the backtest shows, in words (the page, the pack and the CSV say the same)."""
        direction = "over" if self.final_error > 0 else "under"
        months = len(self.frame) - 1
        return (
            f"Projected from {format_month(self.start)} with that month's referrals and removals held at their share "
            f"of the baseline year, the list in {format_month(self.end)} was {direction}-projected by "
            f"{abs(self.final_error):,.0f} patients ({abs(self.final_error_share):.1%}). Mean absolute error "
            f"{self.mean_abs_pct_error:.1%} over {months} month{'s' if months != 1 else ''}; the actual list was "
            f"inside the simulation's band in {self.within_band} of them."
        )


def backtest(
    table: pd.DataFrame, services: list[str], start: dt.date, end: dt.date, baseline_year: int,
    *, runs: int = wl.DEFAULT_RUNS, seed: int = wl.DEFAULT_SEED,
) -> Backtest:
    """Project from `start` "as then" (no scenario: demand and capacity at `start`'s share of the baseline
    year) to `end`, and compare with the actual list each month."""
    start, end = to_month(start), to_month(end)
    horizon = len(month_range(start, end)) - 1
    if horizon < 1:
        raise ValueError(f"A backtest needs at least one month after {format_month(start)} with figures; "
                         "choose an earlier month.")
    projection = project(table, services, start, horizon, pd.DataFrame(columns=scenarios.EDITOR_COLUMNS),
                         baseline_year, runs=runs, seed=seed)
    actual = history_frame(table, services, end).set_index("month")["waiting_list"]
    frame = projection.total_frame()[["month", "projected", "lower", "upper"]].copy()
    frame["actual"] = [float(actual.get(m, math.nan)) for m in frame["month"]]
    frame["error"] = frame["projected"] - frame["actual"]
    frame["error_share"] = frame["error"] / frame["actual"]
    after = frame.iloc[1:]
    inside = int(((after["actual"] >= after["lower"]) & (after["actual"] <= after["upper"])).sum())
    last = after.dropna(subset=["actual"]).iloc[-1] if after["actual"].notna().any() else None
    if last is None:
        raise ValueError(f"There are no actual figures after {format_month(start)} to compare with.")
    return Backtest(
        start=start, end=to_month(last["month"]),
        frame=frame[["month", "actual", "projected", "lower", "upper", "error", "error_share"]],
        mean_abs_pct_error=float(after["error_share"].abs().mean()), final_error=float(last["error"]),
        final_error_share=float(last["error_share"]), within_band=inside,
    )


def summary_table(summary: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The summary as the page and the pack show it: words and rounded numbers, RAG with its icon."""
    out = pd.DataFrame({
        "Service": [labels.get(s, "All chosen services" if s == scenarios.ALL_SERVICES else s)
                    for s in summary["service"]],
        "Status": [f"{compute.STATUS_ICONS[s]} {compute.STATUS_WORDS[s]}" for s in summary["status"]],
        "List now": summary["list_now"].round().astype(int),
        "Projected at target date": summary["projected"].round().astype(int),
        "80% band": [f"{lo:,.0f}–{hi:,.0f}" for lo, hi in zip(summary["lower"], summary["upper"], strict=True)],
        "18-week target list": summary["target_queue"].round().astype(int),
        "Referrals a month": summary["demand"].round().astype(int),
        "Removals a month (planned)": summary["planned_capacity"].round().astype(int),
        "Removals a month needed": summary["needed_capacity"].round().astype(int),
        "Gap a month": summary["capacity_gap"].round().astype(int),
        "Queue load": summary["load"].round(2),
        "Pressure now": summary["pressure_now"].round(2),
        "Pressure at target date": summary["pressure_target"].round(2),
    })
    return out


def describe_total(row: dict, target: dt.date, scenario_label: str) -> str:
    """One sentence an executive can read for the services together."""
    gap = row["capacity_gap"]
    need = (f"planned removals are {abs(gap):,.0f} a month short of the {row['needed_capacity']:,.0f} needed"
            if gap < 0 else f"planned removals cover the {row['needed_capacity']:,.0f} a month needed")
    return (
        f"Under “{scenario_label}”, the list is projected at {row['projected']:,.0f} by the end of "
        f"{format_month(target)} (80% band {row['lower']:,.0f}–{row['upper']:,.0f}) against an 18-week target list "
        f"of {row['target_queue']:,.0f}; {need} to reach the 18-week target by then."
    )


CSV_COLUMNS = [
    "scenario", "month", "service", "kind", "waiting_list", "lower", "upper", "over_52", "demand", "capacity",
]


def projection_csv_frame(projection: Projection, history: pd.DataFrame, scenario: str, by_service: bool = False,
                         ) -> pd.DataFrame:
    """The projection as a CSV for other tools: one row per month for the services together ('All'), the
    actual months first (kind `actual`) then the projected ones (kind `projected`, with the band and the
    scenario's demand and capacity); with `by_service`, each service's projected rows too."""
    actual = pd.DataFrame({
        "month": history["month"], "service": scenarios.ALL_SERVICES, "kind": "actual",
        "waiting_list": history["waiting_list"], "lower": math.nan, "upper": math.nan, "over_52": history["over_52"],
        "demand": history["referrals"], "capacity": history["removals"],
    })
    total = projection.total_frame().iloc[1:]
    projected = pd.DataFrame({
        "month": total["month"], "service": scenarios.ALL_SERVICES, "kind": "projected",
        "waiting_list": total["projected"], "lower": total["lower"], "upper": total["upper"],
        "over_52": total["over_52"], "demand": total["demand"], "capacity": total["capacity"],
    })
    frames = [actual, projected]
    if by_service:
        each = projection.service_frame()
        frames.append(pd.DataFrame({
            "month": each["month"], "service": each["service"], "kind": "projected", "waiting_list": each["projected"],
            "lower": each["lower"], "upper": each["upper"], "over_52": each["over_52"], "demand": each["demand"],
            "capacity": each["capacity"],
        }))
    out = pd.concat(frames, ignore_index=True).assign(scenario=scenario)
    out["month"] = [to_month(m).strftime("%Y-%m") for m in out["month"]]
    for column in ("waiting_list", "lower", "upper", "over_52", "demand", "capacity"):
        out[column] = out[column].round(1)
    return out[CSV_COLUMNS]
