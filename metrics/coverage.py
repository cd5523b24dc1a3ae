"""Data coverage and history: what has arrived, what is missing, what was restated, what it means.

Pure functions. Inputs come from `metrics.completeness` (what arrived against what was expected) and
`data.store.Store`: `latest_upload_by_measure()`, `restatements()`, and the validated config.

A month is *present* for a measure when every breakdown cell it is expected to hold has arrived,
*partial* when some have not, *missing* when it holds none, and *not yet collected* before the
measure began. What is expected is decided in one place, `metrics.completeness` (the cells of the
same month of the baseline year, or those declared in config.yaml). Each state has a symbol and a
word, never colour alone.
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd

from metrics.config import Config
from metrics.months import baseline_month, financial_year_label, format_month, format_uk_time, to_month

PRESENT, PARTIAL, MISSING, NOT_COLLECTED = "present", "partial", "missing", "not_collected"
STATE_SYMBOLS = {PRESENT: "✔", PARTIAL: "◐", MISSING: "✖", NOT_COLLECTED: "–"}
STATE_WORDS = {PRESENT: "present", PARTIAL: "partial", MISSING: "missing", NOT_COLLECTED: "not yet collected"}
GRID_COLUMNS = ["measure", "month", "state", "arrived", "expected"]


def coverage_grid(
    cfg: Config, measure_months: pd.DataFrame, measures: list[str], months: list[dt.date]
) -> pd.DataFrame:
    """One row per (measure, month): state and the cells arrived against those expected.

    `measure_months` is `metrics.completeness.measure_months` at the system total: the one rule that
    decides completeness, so this grid, the tiles and the board pack agree. A month before a measure
    began (`available_from`) is "not yet collected", not missing; so is an empty month of a seasonal
    measure (flu vaccinations from September to March) whose same month of the baseline year was empty
    too while the baseline year held figures: the rule expects what that month held, which is nothing."""
    have = {(r["measure"], to_month(r["month"])): r for r in measure_months.to_dict("records")}
    baseline_year = {measure for measure, month in have if baseline_month(month, cfg.baseline_year) == month}
    records = []
    for measure in measures:
        began = cfg.available_from(measure)
        for month in map(to_month, months):
            row = have.get((measure, month))
            if row is None:
                seasonal = measure in baseline_year and (measure, baseline_month(month, cfg.baseline_year)) not in have
                state = NOT_COLLECTED if (began is not None and month < began) or seasonal else MISSING
                records.append((measure, month, state, 0, 0))
                continue
            state = PRESENT if row["state"] == "complete" else PARTIAL
            records.append((measure, month, state, int(row["arrived"]), int(row["expected"])))
    return pd.DataFrame(records, columns=GRID_COLUMNS)


def cell_text(state: str, arrived: int, expected: int) -> str:
    """"✔" present, "◐ 2/3" partial (2 of the 3 expected cells), "✖" missing, "–" not yet collected:
    short enough for a grid cell; the page's key says what each symbol means."""
    if state == PARTIAL:
        return f"◐ {arrived}/{expected}"
    return STATE_SYMBOLS[state]


def metric_grid(
    series_by_metric: dict[str, pd.DataFrame], labels: dict[str, str], months: list[dt.date]
) -> pd.DataFrame:
    """Completeness per metric and month as a table (one row per metric, one column per month), read
    from the `completeness` columns of `metrics.compute.compute_series` frames."""
    columns = [format_month(m) for m in months]
    rows = []
    for metric_id, series in series_by_metric.items():
        states = {to_month(m): c for m, c in zip(series["month"], series["completeness"], strict=True)}
        cells = []
        for month in map(to_month, months):
            state = states.get(month)
            cells.append({"complete": "✔", "partial": "◐", "no_data": "✖"}.get(state, "–"))
        rows.append([labels.get(metric_id, metric_id), *cells])
    return pd.DataFrame(rows, columns=["Metric", *columns])


def partial_metric_months(series_by_metric: dict[str, pd.DataFrame], labels: dict[str, str]) -> list[str]:
    """"Apr 2021 — First outpatient attendances: partial: 1 of 3 sites (…)" for every partial metric-month."""
    out = []
    for metric_id, series in series_by_metric.items():
        for month, state, text in zip(series["month"], series["completeness"], series["completeness_text"],
                                      strict=True):
            if state == "partial":
                out.append((to_month(month), f"{format_month(month)} — {labels.get(metric_id, metric_id)}: {text}"))
    return [text for _month, text in sorted(out, key=lambda pair: pair[0])]


def coverage_matrix(grid: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The grid as a table: one row per measure (its label), one column per month ("Jul 2020")."""
    if grid.empty:
        return pd.DataFrame(columns=["Measure"])
    frame = grid.copy()
    frame["text"] = [cell_text(s, n, u) for s, n, u in zip(frame["state"], frame["arrived"], frame["expected"],
                                                            strict=True)]
    frame["column"] = [format_month(m) for m in frame["month"]]
    wide = frame.pivot_table(index="measure", columns="column", values="text", aggfunc="first", sort=False)
    wide = wide.reindex(index=list(dict.fromkeys(frame["measure"])), columns=list(dict.fromkeys(frame["column"])))
    wide.insert(0, "Measure", [labels.get(m, m) for m in wide.index])
    wide.columns.name = None
    return wide.reset_index(drop=True)


def coverage_summary(grid: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Per measure: label, months present, partial, missing, and the first month not fully present."""
    columns = ["measure", "label", PRESENT, PARTIAL, MISSING, NOT_COLLECTED, "first_gap"]
    if grid.empty:
        return pd.DataFrame(columns=columns)
    records = []
    for measure, rows in grid.groupby("measure", sort=False):
        counts = rows["state"].value_counts()
        gaps = rows[rows["state"].isin([PARTIAL, MISSING])]["month"]
        records.append((measure, labels.get(measure, measure), int(counts.get(PRESENT, 0)),
                        int(counts.get(PARTIAL, 0)), int(counts.get(MISSING, 0)), int(counts.get(NOT_COLLECTED, 0)),
                        format_month(gaps.min()) if not gaps.empty else "–"))
    return pd.DataFrame(records, columns=columns)


def measures_with_gaps(grid: pd.DataFrame) -> list[str]:
    """Measures with at least one partial or missing month, in grid order."""
    if grid.empty:
        return []
    return list(dict.fromkeys(grid.loc[grid["state"].isin([PARTIAL, MISSING]), "measure"]))


def financial_years(months: list[dt.date]) -> list[str]:
    """The financial years ("2020/21") the months fall in, oldest first."""
    return list(dict.fromkeys(financial_year_label(m) for m in months))


def months_in_year(months: list[dt.date], year: str | None) -> list[dt.date]:
    """The months of one financial year (all months when `year` is None)."""
    return [m for m in months if year is None or financial_year_label(m) == year]


def latest_uploads_table(latest: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    """The latest upload per measure as a person reads it."""
    columns = ["Measure", "Upload", "File", "Loaded by", "Loaded at (UK time)", "Months it wrote", "Values current"]
    if latest.empty:
        return pd.DataFrame(columns=columns)
    order = {m.id: i for i, m in enumerate(cfg.measures)}
    latest = latest.sort_values("measure", key=lambda s: s.map(order).fillna(len(order))).reset_index(drop=True)
    return pd.DataFrame({
        "Measure": [cfg.label_for("measure", m) for m in latest["measure"]],
        "Upload": [f"#{int(u)}" + (" (demonstration)" if k == "demo" else "")
                   for u, k in zip(latest["upload_id"], latest["kind"], strict=True)],
        "File": latest["file_name"],
        "Loaded by": latest["uploaded_by"],
        "Loaded at (UK time)": [format_uk_time(t) for t in latest["uploaded_at"]],
        "Months it wrote": [f"{format_month(a)} – {format_month(b)}" if to_month(a) != to_month(b) else format_month(a)
                            for a, b in zip(latest["first_month"], latest["last_month"], strict=True)],
        "Values current": [f"{int(n):,}" for n in latest["current_values"]],
    })[columns]


def restatements_table(restatements: pd.DataFrame, cfg: Config) -> pd.DataFrame:
    """Restated values as a person reads them: what, old → new, by which upload, when."""
    columns = ["Month", "Measure", "Service", "Site", "Segment", "Old value", "New value", "Change",
               "Restated by upload", "Loaded by", "Restated at (UK time)"]
    if restatements.empty:
        return pd.DataFrame(columns=columns)

    def number(x: object) -> str:
        return "–" if x is None or pd.isna(x) else f"{float(x):,.0f}" if float(x).is_integer() else f"{float(x):,.2f}"

    change = [
        "–" if pd.isna(new) or pd.isna(old) else (f"+{new - old:,.0f}" if new >= old else f"−{old - new:,.0f}")
        for old, new in zip(restatements["old_value"], restatements["new_value"], strict=True)
    ]
    return pd.DataFrame({
        "Month": [format_month(m) for m in restatements["month"]],
        "Measure": [cfg.label_for("measure", m) for m in restatements["measure"]],
        "Service": [cfg.label_for("service", s) for s in restatements["service"]],
        "Site": [cfg.label_for("site", s) for s in restatements["site"]],
        "Segment": [cfg.label_for("segment", s) for s in restatements["segment"]],
        "Old value": [number(v) for v in restatements["old_value"]],
        "New value": [number(v) for v in restatements["new_value"]],
        "Change": change,
        "Restated by upload": [f"#{int(u)} {f}" for u, f in zip(restatements["replaced_by"],
                                                                 restatements["file_name"].fillna(""), strict=True)],
        "Loaded by": restatements["uploaded_by"].fillna("–"),
        "Restated at (UK time)": [format_uk_time(t) for t in restatements["restated_at"]],
    })[columns]


def data_dictionary(cfg: Config) -> pd.DataFrame:
    """Every measure and metric in config.yaml: kind, id, label, unit, description, source.

    A measure has no description of its own in config.yaml, so its description says which metrics
    read it — the question an analyst loading it usually has.
    """
    used_by: dict[str, list[str]] = {}
    for metric in cfg.metrics:
        for measure in metric.input_measures:
            used_by.setdefault(measure, []).append(metric.label)
    rows = []
    for measure in cfg.measures:
        description = measure.description or (
            f"Uploaded monthly count. Used by: {'; '.join(used_by[measure.id])}."
            if measure.id in used_by else "Uploaded monthly count (not used by any metric yet)."
        )
        rows.append(("Measure", measure.id, measure.label, measure.unit, description, measure.source))
    for metric in cfg.metrics:
        unit = "percent of baseline" if metric.type == "ratio_to_baseline" else metric.unit
        rows.append(("Metric", metric.id, metric.label, unit, metric.description, metric.source))
    return pd.DataFrame(rows, columns=["kind", "id", "label", "unit", "description", "source"])


def coverage_csv(grid: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The grid, one row per (measure, month), for the CSV download."""
    return pd.DataFrame({
        "measure": grid["measure"],
        "measure label": [labels.get(m, m) for m in grid["measure"]],
        "month": [format_month(m) for m in grid["month"]],
        "state": [STATE_WORDS[s] for s in grid["state"]],
        "cells arrived": grid["arrived"],
        "cells expected": grid["expected"],
    })


# A compact grid: a financial year's months fit across the page, the measure names stay put while
# the months scroll, and a partial or missing cell is tinted as well as marked with its symbol.
GRID_CSS = """
<style>
.coverage-grid {overflow-x:auto; border:1px solid #D8DDE0; border-radius:4px}
.coverage-grid table {border-collapse:collapse; font-size:0.8rem; width:100%}
.coverage-grid th, .coverage-grid td {border-bottom:1px solid #E8EDEE; padding:4px 5px; white-space:nowrap}
.coverage-grid thead th {background:#F0F4F5; font-weight:600; color:#212B32; text-align:center}
.coverage-grid td {text-align:center; color:#212B32}
.coverage-grid th:first-child {text-align:left; position:sticky; left:0; background:#FFFFFF; min-width:11rem;
    white-space:normal; font-weight:400; word-break:normal; overflow-wrap:normal; hyphens:manual}
.coverage-grid:focus-visible {outline:3px solid #FFEB3B; box-shadow:0 0 0 3px #212B32}
.coverage-grid thead th:first-child {background:#F0F4F5; font-weight:600}
.coverage-grid td.partial {background:#FFF4D6; font-weight:600}
.coverage-grid td.missing {background:#FDE8E6; font-weight:600}
</style>
"""


def coverage_grid_html(matrix: pd.DataFrame, label: str = "Coverage by measure and month") -> str:
    """The coverage matrix as an HTML table (escaped text; the symbol in each cell carries the state)."""
    head = "".join(f"<th scope='col'>{html.escape(str(c))}</th>" for c in matrix.columns)
    rows = []
    for name, *cells in matrix.itertuples(index=False):
        tds = "".join(
            f"<td class='{_cell_class(str(c))}'>{html.escape(str(c))}</td>" for c in cells
        )
        rows.append(f"<tr><th scope='row'>{html.escape(str(name))}</th>{tds}</tr>")
    return (
        # tabindex: a region that scrolls sideways must be reachable by keyboard (WCAG 2.1.1; axe-core's
        # scrollable-region-focusable). Words in the measure column never break inside ("attendanc es").
        f"{GRID_CSS}<div class='coverage-grid' role='region' tabindex='0' aria-label='{html.escape(label)}'>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _cell_class(text: str) -> str:
    if text.startswith(STATE_SYMBOLS[PARTIAL]):
        return PARTIAL
    if text.startswith(STATE_SYMBOLS[MISSING]):
        return MISSING
    if text.startswith(STATE_SYMBOLS[NOT_COLLECTED]):
        return NOT_COLLECTED
    return PRESENT
