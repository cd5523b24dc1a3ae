"""Demand and capacity scenarios as data: checking an edited scenario, and its monthly multipliers.

A scenario version is a small table (month, service_group, demand, capacity): multipliers on the same month
of the baseline year's referrals (demand) and removals (capacity), for every service ('All') or one
service (its id). A blank multiplier keeps the level of the month the projection starts from ("as now").
A row for one service wins over the 'All' row of the same month. Versions are kept by the store
(`Store.save_scenario_version`), append-only; this module is pure.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from metrics.months import format_month, month_key, parse_month, to_month

ALL_SERVICES = "All"
EDITOR_COLUMNS = ["month", "service_group", "demand", "capacity"]
# A multiplier beyond this is almost certainly a typing slip (500% of last year's referrals).
MAX_MULTIPLIER = 5.0
MAX_ROWS = 600  # 25 service groups × 24 months; a scenario is a planning sketch, not a data file


class ScenarioError(ValueError):
    """An edited scenario has problems; `problems` lists each as a sentence with its row."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _month(value: object) -> dt.date:
    if isinstance(value, str):
        text = value.strip()
        try:
            return parse_month(text[:7])
        except ValueError:
            return to_month(pd.Timestamp(text))  # "Nov 2020", "2020-11-01"
    return to_month(value)


def _multiplier(value: object) -> float:
    if _blank(value):
        return math.nan
    text = str(value).strip().rstrip("%")
    number = float(text)
    if str(value).strip().endswith("%"):
        number /= 100
    if not math.isfinite(number):
        raise ValueError
    return number


def prepare_rows(frame: pd.DataFrame, services: dict[str, str], first_row: int = 1) -> pd.DataFrame:
    """Check an edited scenario and return its rows (month as a date, service_group an id, multipliers as
    floats, NaN for blank). `services` maps service ids to labels; a label is accepted for its id.
    Raises ScenarioError listing every problem, each with its row number (`first_row` for the first)."""
    missing = [c for c in EDITOR_COLUMNS if c not in frame.columns]
    if missing:
        raise ScenarioError([f"The scenario needs the column(s) {', '.join(missing)}."])
    by_label = {label.lower(): ident for ident, label in services.items()}
    problems, rows = [], []
    for offset, record in enumerate(frame[EDITOR_COLUMNS].to_dict("records")):
        row = first_row + offset
        if all(_blank(record[c]) for c in EDITOR_COLUMNS):
            continue  # an empty row left in the editor
        try:
            month = _month(record["month"])
        except (ValueError, TypeError):
            problems.append(f"Row {row}: '{record['month']}' is not a month; write it as YYYY-MM, e.g. 2020-11.")
            continue
        group = ALL_SERVICES if _blank(record["service_group"]) else str(record["service_group"]).strip()
        if group != ALL_SERVICES and group not in services:
            if group.lower() in by_label:
                group = by_label[group.lower()]
            else:
                problems.append(f"Row {row}: '{group}' is not a service; use All or one of the configured services.")
                continue
        values = {}
        for column, word in (("demand", "demand"), ("capacity", "capacity")):
            try:
                values[column] = _multiplier(record[column])
            except (ValueError, TypeError):
                problems.append(f"Row {row}: the {word} multiplier '{record[column]}' is not a number; write 0.6 "
                                "for 60% of the same month last year, or leave it blank for “as now”.")
                continue
            number = values[column]
            if not math.isnan(number) and not 0 <= number <= MAX_MULTIPLIER:
                problems.append(f"Row {row}: the {word} multiplier {number:g} is outside 0 to {MAX_MULTIPLIER:g}; "
                                "1.1 means 110% of the same month of the baseline year.")
        if len(values) == 2:
            rows.append({"month": month, "service_group": group, **values, "row": row})
    seen: dict[tuple[dt.date, str], int] = {}
    for r in rows:
        key = (r["month"], r["service_group"])
        if key in seen:
            problems.append(f"Row {r['row']}: {format_month(r['month'])} for {r['service_group']} is already on row "
                            f"{seen[key]}; keep one row per month and service group.")
        else:
            seen[key] = r["row"]
    if len(rows) > MAX_ROWS:
        problems.append(f"The scenario has {len(rows)} rows; keep it to {MAX_ROWS} or fewer.")
    if problems:
        raise ScenarioError(problems)
    out = pd.DataFrame(rows, columns=[*EDITOR_COLUMNS, "row"]).drop(columns="row")
    return out.sort_values(["month", "service_group"]).reset_index(drop=True)


def editor_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """A version's rows as the page's editor shows them: month as "YYYY-MM" text, blanks for "as now"."""
    out = pd.DataFrame({
        "month": pd.Series([month_key(m) for m in rows["month"]], dtype="string"),
        "service_group": pd.Series(list(rows["service_group"]), dtype="string"),
        "demand": pd.Series(pd.to_numeric(rows["demand"]).to_numpy(), dtype="float64"),
        "capacity": pd.Series(pd.to_numeric(rows["capacity"]).to_numpy(), dtype="float64"),
    })
    return out.reset_index(drop=True)


def multiplier_grid(
    rows: pd.DataFrame, services: list[str], months: list[dt.date]
) -> tuple[np.ndarray, np.ndarray]:
    """Demand and capacity multipliers (len(services) × len(months)), NaN where the scenario keeps the
    starting month's level; a service's own row wins over the 'All' row of the same month."""
    demand = np.full((len(services), len(months)), np.nan)
    capacity = np.full((len(services), len(months)), np.nan)
    if rows.empty:
        return demand, capacity
    column = {m: i for i, m in enumerate(months)}
    line = {s: i for i, s in enumerate(services)}
    ordered = rows.assign(_own=rows["service_group"] != ALL_SERVICES).sort_values("_own")  # 'All' first
    for r in ordered.itertuples(index=False):
        j = column.get(to_month(r.month))
        if j is None:
            continue
        targets = range(len(services)) if r.service_group == ALL_SERVICES else [line.get(r.service_group)]
        for i in targets:
            if i is None:
                continue
            if not _blank(r.demand):
                demand[i, j] = float(r.demand)
            if not _blank(r.capacity):
                capacity[i, j] = float(r.capacity)
    return demand, capacity


def version_label(row: dict) -> str:
    """"Wave 2 — severe (example), version 1" for a picker."""
    return f"{row['scenario']}, version {int(row['version'])}"


def describe_version(row: dict, saved_at_text: str) -> str:
    """"Saved by Shipped example on 1 Dec 2026 14:00. <description>" under the picker."""
    text = f"Version {int(row['version'])}, saved by {row['saved_by']} on {saved_at_text}."
    if row.get("description"):
        text += f" {row['description']}"
    return text
