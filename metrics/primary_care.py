"""Primary care digital: eConsult submissions and video consultations by primary care network.

Pure functions. The input is the store's breakdown by site (month, measure, site, value); PCNs are
the configured sites of kind `pcn`. eConsult is judged against February 2020, the last month before
total triage (the Bromley plan reports 3,481 submissions then and 15,091 in July 2020).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from metrics.months import format_month, to_month


def pcn_month_table(
    by_site: pd.DataFrame, measure: str, month: dt.date, reference: dt.date | None, labels: dict[str, str]
) -> pd.DataFrame:
    """One row per PCN (in `labels` order): site, label, value (the month), reference (the reference
    month, NaN without one), ratio (value ÷ reference)."""
    columns = ["site", "label", "value", "reference", "ratio"]
    month = to_month(month)
    rows = by_site[by_site["measure"] == measure] if not by_site.empty else by_site

    def values_in(when: dt.date | None) -> dict[str, float]:
        if when is None or rows.empty:
            return {}
        chosen = rows[rows["month"].map(to_month) == to_month(when)]
        return chosen.groupby("site")["value"].sum().to_dict()

    now, before = values_in(month), values_in(reference)
    records = []
    for site, label in labels.items():
        value, ref = now.get(site, float("nan")), before.get(site, float("nan"))
        ratio = value / ref if pd.notna(value) and pd.notna(ref) and ref else float("nan")
        records.append((site, label, value, ref, ratio))
    return pd.DataFrame(records, columns=columns)


def pcn_csv(table: pd.DataFrame, measure_label: str, month: dt.date, reference: dt.date | None) -> pd.DataFrame:
    """The data behind the PCN chart, as a person reads it (ratio as a fraction: 4.34 = 434%)."""
    frame = pd.DataFrame({
        "primary care network": table["label"],
        f"{measure_label}, {format_month(month)}": table["value"],
    })
    if reference is not None:
        frame[f"{measure_label}, {format_month(reference)}"] = table["reference"]
        frame[f"ratio to {format_month(reference)}"] = table["ratio"].round(6)
    return frame
