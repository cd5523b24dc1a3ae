"""Data coverage and history: what has arrived, what is missing, what was restated, what it means.

Pure functions. Inputs come from `data.store.Store`: `measure_coverage()` (measure, month, sites,
values), `latest_upload_by_measure()`, `restatements()`, and the validated config.

A month is *present* for a measure when it holds values from as many sites as the measure usually
has, *partial* when it holds fewer (a site's return has not arrived), and *missing* when it holds
none. "Usually" is the most common number of sites across the measure's months (the larger on a tie),
so one odd month does not redefine normal. Each state has a symbol and a word, never colour alone.
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd

from metrics.config import Config
from metrics.months import financial_year_label, format_month, format_uk_time, to_month

PRESENT, PARTIAL, MISSING = "present", "partial", "missing"
STATE_SYMBOLS = {PRESENT: "✔", PARTIAL: "◐", MISSING: "✖"}
STATE_WORDS = {PRESENT: "present", PARTIAL: "partial", MISSING: "missing"}


def usual_sites(coverage: pd.DataFrame) -> dict[str, int]:
    """measure → the most common number of sites across its months (the larger on a tie)."""
    usual: dict[str, int] = {}
    if coverage.empty:
        return usual
    for measure, rows in coverage.groupby("measure"):
        counts = rows["sites"].fillna(0).astype(int)
        counts = counts[counts > 0]
        if counts.empty:
            usual[measure] = 0
            continue
        frequency = counts.value_counts()
        top = frequency.max()
        usual[measure] = int(max(n for n, f in frequency.items() if f == top))
    return usual


def coverage_grid(coverage: pd.DataFrame, measures: list[str], months: list[dt.date]) -> pd.DataFrame:
    """One row per (measure, month): measure, month, state, sites, usual_sites."""
    usual = usual_sites(coverage)
    have: dict[tuple[str, dt.date], int] = {}
    for row in coverage.itertuples(index=False):
        have[(row.measure, to_month(row.month))] = 0 if pd.isna(row.sites) else int(row.sites)
    records = []
    for measure in measures:
        normal = usual.get(measure, 0)
        for month in map(to_month, months):
            if (measure, month) not in have:
                records.append((measure, month, MISSING, 0, normal))
                continue
            sites = have[(measure, month)]
            state = PARTIAL if sites < normal else PRESENT
            records.append((measure, month, state, sites, normal))
    return pd.DataFrame(records, columns=["measure", "month", "state", "sites", "usual_sites"])


def cell_text(state: str, sites: int, usual: int) -> str:
    """"✔" present, "◐ 2/3" partial (2 of the usual 3 sites), "✖" missing: short enough for a grid
    cell; the page's key says what each symbol means."""
    if state == PARTIAL:
        return f"◐ {sites}/{usual}"
    if state == MISSING:
        return "✖"
    return "✔"


def coverage_matrix(grid: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The grid as a table: one row per measure (its label), one column per month ("Jul 2020")."""
    if grid.empty:
        return pd.DataFrame(columns=["Measure"])
    frame = grid.copy()
    frame["text"] = [cell_text(s, n, u) for s, n, u in zip(frame["state"], frame["sites"], frame["usual_sites"],
                                                            strict=True)]
    frame["column"] = [format_month(m) for m in frame["month"]]
    wide = frame.pivot_table(index="measure", columns="column", values="text", aggfunc="first", sort=False)
    wide = wide.reindex(index=list(dict.fromkeys(frame["measure"])), columns=list(dict.fromkeys(frame["column"])))
    wide.insert(0, "Measure", [labels.get(m, m) for m in wide.index])
    wide.columns.name = None
    return wide.reset_index(drop=True)


def coverage_summary(grid: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Per measure: label, months present, partial, missing, and the first month not fully present."""
    columns = ["measure", "label", PRESENT, PARTIAL, MISSING, "first_gap"]
    if grid.empty:
        return pd.DataFrame(columns=columns)
    records = []
    for measure, rows in grid.groupby("measure", sort=False):
        counts = rows["state"].value_counts()
        gaps = rows[rows["state"] != PRESENT]["month"]
        records.append((measure, labels.get(measure, measure), int(counts.get(PRESENT, 0)),
                        int(counts.get(PARTIAL, 0)), int(counts.get(MISSING, 0)),
                        format_month(gaps.min()) if not gaps.empty else "–"))
    return pd.DataFrame(records, columns=columns)


def measures_with_gaps(grid: pd.DataFrame) -> list[str]:
    """Measures with at least one partial or missing month, in grid order."""
    if grid.empty:
        return []
    return list(dict.fromkeys(grid.loc[grid["state"] != PRESENT, "measure"]))


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
        "sites": grid["sites"],
        "usual sites": grid["usual_sites"],
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
    white-space:normal; font-weight:400}
.coverage-grid thead th:first-child {background:#F0F4F5; font-weight:600}
.coverage-grid td.partial {background:#FFF4D6; font-weight:600}
.coverage-grid td.missing {background:#FDE8E6; font-weight:600}
</style>
"""


def coverage_grid_html(matrix: pd.DataFrame) -> str:
    """The coverage matrix as an HTML table (escaped text; the symbol in each cell carries the state)."""
    head = "".join(f"<th scope='col'>{html.escape(str(c))}</th>" for c in matrix.columns)
    rows = []
    for measure, *cells in matrix.itertuples(index=False):
        tds = "".join(
            f"<td class='{_cell_class(str(c))}'>{html.escape(str(c))}</td>" for c in cells
        )
        rows.append(f"<tr><th scope='row'>{html.escape(str(measure))}</th>{tds}</tr>")
    return (
        f"{GRID_CSS}<div class='coverage-grid' role='region' aria-label='Coverage by measure and month'>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _cell_class(text: str) -> str:
    if text.startswith(STATE_SYMBOLS[PARTIAL]):
        return PARTIAL
    if text.startswith(STATE_SYMBOLS[MISSING]):
        return MISSING
    return PRESENT
