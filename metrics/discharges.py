"""Discharges through the Single Point of Access (SPA): totals for a period, monthly breakdowns.

Pure functions. Inputs are the store's monthly totals: `totals` (month, measure, value) for the
system, and breakdowns (month, measure, <dimension>, value) by pathway (`service`) or referring
site (`site`).

The Bromley plan's SPA case study reports its first three months (April–June 2020): 1,839
discharges, 854 from the PRUH, 75.5% within 24 hours, 4,459 saved bed days and 257 welfare calls.
That period is the page's default.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from metrics import compute
from metrics.config import Config
from metrics.months import format_month, month_range, to_month

DISCHARGES = "spa_discharges"
WITHIN_24H = "spa_discharges_within_24h"
SAVED_BED_DAYS = "spa_saved_bed_days"
WELFARE_CALLS = "spa_welfare_calls"
SPA_MEASURES = (DISCHARGES, WITHIN_24H, SAVED_BED_DAYS, WELFARE_CALLS)
PRUH = "PRUH"
OTHER_SITES = "Other referring sites"
# The SPA's first three months, as its case study in the Bromley plan reports them.
DEFAULT_PERIOD = (dt.date(2020, 4, 1), dt.date(2020, 6, 1))


@dataclass(frozen=True)
class PeriodTotals:
    """Cumulative SPA figures for the months from `start` to `end` inclusive."""

    start: dt.date
    end: dt.date
    months: int
    months_missing: tuple[dt.date, ...]
    discharges: float
    from_pruh: float
    within_24h: float
    saved_bed_days: float
    welfare_calls: float

    @property
    def share_within_24h(self) -> float:
        return self.within_24h / self.discharges if self.discharges else float("nan")

    @property
    def share_from_pruh(self) -> float:
        return self.from_pruh / self.discharges if self.discharges else float("nan")

    @property
    def period_label(self) -> str:
        """"Apr–Jun 2020", "Dec 2020–Feb 2021" or "Jul 2020"."""
        if self.start == self.end:
            return format_month(self.start)
        if self.start.year == self.end.year:
            return f"{self.start.strftime('%b')}–{format_month(self.end)}"
        return f"{format_month(self.start)}–{format_month(self.end)}"


def default_period(months: list[dt.date]) -> tuple[dt.date, dt.date]:
    """April–June 2020 when the store holds it; otherwise the latest three months with data."""
    if not months:
        raise ValueError("There are no SPA figures yet: load them on the Upload data page.")
    if DEFAULT_PERIOD[0] in months and DEFAULT_PERIOD[1] in months:
        return DEFAULT_PERIOD
    return months[max(0, len(months) - 3)], months[-1]


def _in_period(frame: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    if frame.empty:
        return frame
    months = frame["month"].map(to_month)
    return frame[(months >= start) & (months <= end)]


def _sum(frame: pd.DataFrame, measure: str) -> float:
    if frame.empty:
        return 0.0
    return float(frame.loc[frame["measure"] == measure, "value"].sum())


def period_totals(
    totals: pd.DataFrame, by_site: pd.DataFrame, start: dt.date, end: dt.date, pruh: str = PRUH
) -> PeriodTotals:
    """Discharges, those from the PRUH, those within 24 hours, saved bed days and welfare calls,
    summed over the months from `start` to `end`. `months_missing` lists months in the period with
    no discharge figure, so a short total is never mistaken for a complete one."""
    start, end = to_month(start), to_month(end)
    if start > end:
        raise ValueError(
            f"The period starts ({format_month(start)}) after it ends ({format_month(end)}); choose an earlier start."
        )
    chosen = _in_period(totals, start, end)
    sites = _in_period(by_site, start, end)
    pruh_rows = sites[(sites["measure"] == DISCHARGES) & (sites["site"] == pruh)] if not sites.empty else sites
    have = set(chosen.loc[chosen["measure"] == DISCHARGES, "month"].map(to_month)) if not chosen.empty else set()
    months = month_range(start, end)
    return PeriodTotals(
        start=start,
        end=end,
        months=len(months),
        months_missing=tuple(m for m in months if m not in have),
        discharges=_sum(chosen, DISCHARGES),
        from_pruh=float(pruh_rows["value"].sum()) if not pruh_rows.empty else 0.0,
        within_24h=_sum(chosen, WITHIN_24H),
        saved_bed_days=_sum(chosen, SAVED_BED_DAYS),
        welfare_calls=_sum(chosen, WELFARE_CALLS),
    )


def period_totals_frame(period: PeriodTotals) -> pd.DataFrame:
    """The period's figures as a two-column table (figure, value) for the CSV download."""
    return pd.DataFrame(
        [
            ("period", period.period_label),
            ("discharges through the SPA", period.discharges),
            ("of which referred from the PRUH", period.from_pruh),
            ("discharges within 24 hours", period.within_24h),
            ("share within 24 hours", round(period.share_within_24h, 6)),
            ("saved bed days", period.saved_bed_days),
            ("welfare calls", period.welfare_calls),
        ],
        columns=["figure", "value"],
    )


def monthly_breakdown(
    frame: pd.DataFrame, dimension: str, labels: dict[str, str], measure: str = DISCHARGES,
    order: list[str] | None = None, other_label: str | None = None,
) -> pd.DataFrame:
    """Monthly values by one dimension: month, group, label, value, share (of the month's total).

    Groups not in `labels` are added together as `other_label` (e.g. every referring site except the
    PRUH as "Other referring sites"); without `other_label` they are left out. `order` sets the
    order of the groups (stack order in a chart).
    """
    columns = ["month", "group", "label", "value", "share"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    subset = frame[frame["measure"] == measure].copy()
    subset["group"] = [g if g in labels else other_label for g in subset[dimension]]
    subset = subset[subset["group"].notna()]
    grouped = subset.groupby(["month", "group"], as_index=False)["value"].sum()
    grouped["month"] = grouped["month"].map(to_month)
    all_labels = {**labels, **({other_label: other_label} if other_label else {})}
    grouped["label"] = grouped["group"].map(all_labels)
    grouped["share"] = grouped["value"] / grouped.groupby("month")["value"].transform("sum")
    wanted = order or list(all_labels)
    grouped["order"] = grouped["group"].map({g: i for i, g in enumerate(wanted)}).fillna(len(wanted))
    grouped = grouped.sort_values(["month", "order"]).drop(columns="order")
    return grouped[columns].reset_index(drop=True)


def breakdown_csv(breakdown: pd.DataFrame, value_name: str) -> pd.DataFrame:
    """A breakdown as a person reads it: one row per month, one column per group."""
    if breakdown.empty:
        return pd.DataFrame(columns=["month"])
    wide = breakdown.pivot_table(index="month", columns="label", values="value", aggfunc="sum", sort=False)
    wide = wide.reindex(columns=list(dict.fromkeys(breakdown["label"])))
    wide.insert(0, "month", [format_month(m) for m in wide.index])
    wide.columns.name = None
    return wide.reset_index(drop=True).rename(columns=lambda c: c if c == "month" else f"{c} ({value_name})")


def monthly_table(totals: pd.DataFrame, by_site: pd.DataFrame, months: list[dt.date], pruh: str = PRUH) -> pd.DataFrame:
    """One row per month: month, discharges, from_pruh, within_24h, share_within_24h, saved_bed_days,
    welfare_calls (NaN where a figure has not arrived)."""
    def series(frame: pd.DataFrame, measure: str, site: str | None = None) -> dict[dt.date, float]:
        if frame.empty:
            return {}
        rows = frame[frame["measure"] == measure]
        if site is not None:
            rows = rows[rows["site"] == site]
        return rows.groupby(rows["month"].map(to_month))["value"].sum().to_dict()

    discharges = series(totals, DISCHARGES)
    pruh_rows = series(by_site, DISCHARGES, pruh)
    within = series(totals, WITHIN_24H)
    beds = series(totals, SAVED_BED_DAYS)
    calls = series(totals, WELFARE_CALLS)
    nan = float("nan")
    rows = []
    for m in map(to_month, months):
        d, w = discharges.get(m, nan), within.get(m, nan)
        rows.append((m, d, pruh_rows.get(m, nan), w, w / d if d else nan, beds.get(m, nan), calls.get(m, nan)))
    return pd.DataFrame(
        rows,
        columns=["month", "discharges", "from_pruh", "within_24h", "share_within_24h", "saved_bed_days",
                 "welfare_calls"],
    )


def monthly_table_csv(table: pd.DataFrame) -> pd.DataFrame:
    """The monthly table as a person reads it (share as a fraction, 0.755 = 75.5%)."""
    frame = table.copy()
    frame["month"] = [format_month(m) for m in frame["month"]]
    frame["share_within_24h"] = frame["share_within_24h"].round(6)
    return frame.rename(columns={
        "discharges": "discharges through the SPA", "from_pruh": "referred from the PRUH",
        "within_24h": "discharged within 24 hours", "share_within_24h": "share within 24 hours",
        "saved_bed_days": "saved bed days", "welfare_calls": "welfare calls",
    })


def in_period(table: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The rows of a monthly frame from `start` to `end` inclusive."""
    return _in_period(table, to_month(start), to_month(end)).reset_index(drop=True)


def period_tiles(cfg: Config, period: PeriodTotals, metric_id: str = "spa_within_24h") -> pd.DataFrame:
    """The five headline figures for the period: label, value_text, detail_text, status, status_text.
    Only the share within 24 hours has a target (a local ambition in config.yaml); its status is judged
    as every other metric's is."""
    metric = cfg.metric(metric_id)
    target = cfg.target_for(metric, period.end)
    share = period.share_within_24h
    status = compute.rag_status(share, target, metric.improvement, cfg.rag.amber_margin)
    gap = share - target if target is not None else float("nan")
    missing = (
        f" · no figures yet for {', '.join(format_month(m) for m in period.months_missing)}"
        if period.months_missing else ""
    )
    rows = [
        ("Discharges through the SPA", f"{period.discharges:,.0f}", f"{period.period_label}{missing}", "", ""),
        ("Referred from the PRUH", f"{period.from_pruh:,.0f}",
         f"{period.share_from_pruh:.1%} of SPA discharges" if period.discharges else "–", "", ""),
        ("Discharged within 24 hours", compute.format_value(share, metric),
         f"{period.within_24h:,.0f} discharges · target {compute.format_value(target, metric)}"
         if target is not None else f"{period.within_24h:,.0f} discharges",
         status, compute.describe_status(status, gap, metric, cfg.rag.amber_margin)),
        ("Saved bed days", f"{period.saved_bed_days:,.0f}", "Counted for discharges from the PRUH", "", ""),
        ("Welfare calls", f"{period.welfare_calls:,.0f}", "Calls to patients after discharge", "", ""),
    ]
    return pd.DataFrame(rows, columns=["label", "value_text", "detail_text", "status", "status_text"])


def monthly_table_text(table: pd.DataFrame) -> pd.DataFrame:
    """The monthly table as the page shows it: "Apr 2020", "1,234", "75.5%" ("–" where missing)."""
    def count(x: float) -> str:
        return "–" if pd.isna(x) else f"{x:,.0f}"

    return pd.DataFrame({
        "Month": [format_month(m) for m in table["month"]],
        "Discharges": [count(x) for x in table["discharges"]],
        "From the PRUH": [count(x) for x in table["from_pruh"]],
        "Within 24 hours": [count(x) for x in table["within_24h"]],
        "Share within 24 hours": ["–" if pd.isna(x) else f"{x:.1%}" for x in table["share_within_24h"]],
        "Saved bed days": [count(x) for x in table["saved_bed_days"]],
        "Welfare calls": [count(x) for x in table["welfare_calls"]],
    })
