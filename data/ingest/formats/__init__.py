"""NHS England's national files read as published (one small module per layout: rtt, dm01, ae, cwt, mar;
workbook.py reads the two published as Excel workbooks).

`adapt` recognises a layout from the header, keeps the rows of the partnership's organisations
(`national_files` in config.yaml) and counts the rest, and sums the published figures into the canonical
long rows (period, measure, service, site, value) that `validate` then checks like any upload. Problems
in the published file (a missing column, a period that is not the file's month, an unknown treatment
function or test, an organisation code config.yaml does not know, a figure that is not a number) are
reported with the published row and column, and nothing is loaded.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from data.ingest.cells import _clip, parse_period
from data.ingest.common import FIRST_DATA_ROW, Problem, _Collector
from data.ingest.formats import ae, cwt, dm01, mar, rtt
from data.ingest.formats.layout import Layout, fold
from data.ingest.formats.workbook import read_workbook
from data.ingest.names import _Vocabulary
from data.ingest.reading import _Table
from data.store import ALL
from metrics.config import Config, NationalFormat, NationalMeasure

LAYOUTS: tuple[Layout, ...] = (rtt.LAYOUT, dm01.LAYOUT, ae.LAYOUT, cwt.LAYOUT, mar.LAYOUT)
CANONICAL_HEADER = ["period", "measure", "service", "site", "value"]
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?", re.ASCII)


@dataclass
class Adapted:
    """A recognised national file: what it is, how many of its rows were kept, and the canonical rows."""

    layout: Layout
    title: str  # "NHS England RTT full CSV extract, December 2020"
    source_rows: int = 0
    kept_rows: int = 0
    kept_for: str = ""  # "provider RJZ"
    notes: list[str] = field(default_factory=list)
    table: _Table | None = None  # None when the file has problems

    @property
    def kept_text(self) -> str:
        return f"kept {self.kept_rows:,} of {self.source_rows:,} rows: {self.kept_for}"


def detect(header: list[str]) -> Layout | None:
    """The published layout a header row is, or None (our own long / wide layouts, or anything else)."""
    folded = {fold(name) for name in header}
    return next((layout for layout in LAYOUTS if layout.recognises(folded)), None)


def parse_national_period(text: str, prefix: str) -> tuple[int, int] | None:
    """(year, month) of a published period such as RTT-December-2020, DM01-JULY-2020 or MSitAE-JULY-2020."""
    match = re.fullmatch(rf"{re.escape(prefix)}-([A-Za-z]+)-(\d{{4}})", text.strip(), re.IGNORECASE)
    if not match or match.group(1).lower() not in _MONTHS:
        return None
    return int(match.group(2)), _MONTHS[match.group(1).lower()]


def adapt(table: _Table, cfg: Config, errors: _Collector) -> Adapted | None:
    """The canonical rows of a national file, or None when the header is not a national layout."""
    layout = detect(table.header)
    if layout is None:
        return None
    return _Adapter(layout, table, cfg, errors).run()


class _Adapter:
    def __init__(self, layout: Layout, table: _Table, cfg: Config, errors: _Collector) -> None:
        self.layout, self.table, self.cfg, self.errors = layout, table, cfg, errors
        self.header = table.header
        self.position: dict[str, int] = {}
        for position, name in enumerate(self.header):
            self.position.setdefault(fold(name), position)
        self.result = Adapted(layout, layout.title)
        self.vocab = _Vocabulary.from_config(cfg)

    # --- helpers ---

    def column(self, name: str) -> pd.Series:
        return self.table.cells[self.position[fold(name)]]

    def published(self, name: str) -> str:
        """A column's name as the file spells it."""
        return self.header[self.position[fold(name)]]

    def problems(self, mask: np.ndarray, column: str | None, kind: str, message) -> None:
        where = np.flatnonzero(mask)
        if not len(where):
            return
        shown = [Problem(int(self.rows[i]), column, message(int(i)), kind) for i in where[:1000]]
        self.errors.add_many(len(where), shown)

    # --- the steps ---

    def run(self) -> Adapted:
        layout, cfg = self.layout, self.cfg
        national = cfg.national_files
        settings: NationalFormat | None = national.formats.get(layout.id) if national else None
        if settings is None:
            self.errors.add(Problem(None, None, (
                f"This is the {layout.title}, but config.yaml does not say what it feeds (national_files.formats."
                f"{layout.id}); add the mapping there, or upload the figures in the long or wide layout."
            ), "format_not_configured"))
            return self.result
        needed = [*layout.required]
        for item in settings.measures:
            needed += [*item.columns, *item.minus]
        missing = list(dict.fromkeys(name for name in needed if fold(name) not in self.position))
        for name in missing:
            self.errors.add(Problem(self.table.header_row, name, (
                f"The {layout.title} has a column '{name}', but this file does not; download the file again from "
                f"NHS England and upload it as published ({layout.published})."
            ), "missing_column"))
        if missing:
            return self.result
        cells = self.table.cells
        self.rows = self.table.rows if self.table.rows is not None else np.arange(len(cells)) + FIRST_DATA_ROW
        blank = np.ones(len(cells), dtype=bool)
        for name in layout.required:
            blank &= (self.column(name).str.strip() == "").to_numpy()
        self.result.source_rows = int((~blank).sum())
        if self.result.source_rows == 0:
            self.errors.add(Problem(None, None, "The file has a header row but no rows under it.", "no_data"))
            return self.result
        month = self.period(blank)
        if month is None:
            return self.result
        self.result.title = f"{layout.title}, {month:%B %Y}"
        before = self.errors.count
        kept, site = self.organisations(blank, settings)
        if kept is None:
            return self.result
        category = self.categories(kept)
        service = self.services(kept, settings)
        values = self.values(kept, settings)
        if self.errors.count > before:
            return self.result
        self.result.table = self.canonical(month, kept, site, category, service, values, settings)
        return self.result

    def period(self, blank: np.ndarray):
        layout = self.layout
        text = self.column(layout.period_column).str.strip()
        if layout.period_kind == "year_and_month":
            text = self.column(layout.year_column).str.strip() + " " + text
        codes, uniques = pd.factorize(text)
        parsed = [_parse_period(str(u), layout) for u in uniques]
        first = int(np.flatnonzero(~blank)[0])
        header = self.published(layout.period_column)
        example = {"prefixed": f"{layout.period_prefix}-December-2020", "month": "2020-12-01 or Dec-20",
                   "year_and_month": "2020-21 and May"}[layout.period_kind]
        bad = np.array([p is None for p in parsed], dtype=bool)[codes] & ~blank
        self.problems(bad, header, "bad_period", lambda i: (
            f"'{_clip(str(uniques[codes[i]]))}' is not a period of the {layout.title} (such as {example}); "
            "upload the file as published."
        ))
        found = parsed[codes[first]]
        if found is None:
            return None
        month = dt.date(found[0], found[1], 1)
        other = np.array([p is not None and p != found for p in parsed], dtype=bool)[codes] & ~blank
        self.problems(other, header, "period_mismatch", lambda i: (
            f"'{_clip(str(uniques[codes[i]]))}' is not the file's month ({month:%B %Y}, from row "
            f"{self.rows[first]}); a published file holds one month, so this row belongs to another file."
        ))
        return month if not bad.any() and not other.any() else None

    def organisations(self, blank: np.ndarray, settings: NationalFormat):
        layout, national = self.layout, self.cfg.national_files
        provider = national.provider.strip().upper()
        org = self.column(layout.org_column).str.strip().str.upper()
        site = pd.Series(ALL, index=org.index, dtype=object)
        if settings.level == "commissioner" and layout.commissioner_column:
            wanted = {c.strip().upper() for c in national.commissioners}
            commissioner = self.column(layout.commissioner_column).str.strip().str.upper()
            kept = commissioner.isin(wanted).to_numpy() & ~blank
            self.result.kept_for = "commissioner" + ("s " if len(wanted) > 1 else " ") + ", ".join(sorted(wanted))
        else:
            kept = (org == provider).to_numpy() & ~blank
            self.result.kept_for = f"provider {provider}"
            # A site of the provider (RJZ30 …) is kept as that site; a code config.yaml does not know is refused.
            coded = (org.str.startswith(provider) & (org != provider)).to_numpy() & ~blank
            if coded.any():
                distinct = pd.unique(org[coded])
                sites = {code: self.vocab.site.index_of(code) for code in distinct}
                known = org.map(lambda code: sites.get(code, -1) > 0).to_numpy() & coded
                for code, index in sites.items():
                    if index > 0:
                        site[(org == code).to_numpy()] = self.vocab.site.ids[index]
                kept |= known
                header = self.published(layout.org_column)
                self.problems(coded & ~known, header, "unknown_org", lambda i: (
                    f"'{_clip(org.iat[i])}' looks like an organisation code of provider {provider}, but no site in "
                    "config.yaml has it as an alias; add it to the site's aliases, or tell the performance team."
                ))
        self.result.kept_rows = int(kept.sum())
        if not kept.any():
            self.errors.add(Problem(None, self.published(layout.org_column), (
                f"The file holds no rows for {self.result.kept_for} (national_files in config.yaml) among its "
                f"{self.result.source_rows:,} rows; check it is the national file (not another region's extract)."
            ), "no_rows_kept"))
            return None, None
        return kept, site.to_numpy()

    def categories(self, kept: np.ndarray) -> np.ndarray | None:
        layout = self.layout
        if not layout.category_column:
            return None
        category = _map_distinct(self.column(layout.category_column), fold)
        known = np.isin(category, list(layout.categories | layout.totals))
        header = self.published(layout.category_column)
        text = self.column(layout.category_column)
        self.problems(kept & ~known, header, "unknown_code", lambda i: (
            f"'{_clip(text.iat[i])}' is not a {header.lower()} value of the {layout.title}; check the file is as "
            "published, or tell the performance team if NHS England has added it."
        ))
        return category

    def services(self, kept: np.ndarray, settings: NationalFormat) -> np.ndarray | None:
        layout = self.layout
        if not layout.tfc_column:
            return None
        text = self.column(layout.tfc_column).str.strip().str.upper()
        header = self.published(layout.tfc_column)
        known = text.isin(list(rtt.TREATMENT_FUNCTIONS)).to_numpy()
        self.problems(kept & ~known, header, "unknown_code", lambda i: (
            f"'{_clip(text.iat[i])}' is not a treatment function code of the RTT extract (C_100 … C_502, X01 … "
            "X06 or C_999); check the file is as published."
        ))
        service_of: dict[str, str | None] = {}
        for code in pd.unique(text[kept & known]):
            number = rtt.tfc_number(code)
            index = self.vocab.service.index_of(number) if number else -1
            service_of[code] = self.vocab.service.ids[index] if index > 0 else None
        unmapped = sorted(code for code, service in service_of.items() if service is None and code != rtt.TOTAL_TFC)
        if unmapped and any(item.by_service for item in settings.measures):
            names = ", ".join(f"{code} {rtt.TREATMENT_FUNCTIONS[code]}" for code in unmapped[:8])
            more = f" and {len(unmapped) - 8} more" if len(unmapped) > 8 else ""
            self.result.notes.append(
                f"Treatment functions with no service in config.yaml are not loaded by service: {names}{more}; "
                "the services' figures are theirs alone, and C_999 (the total of all treatment functions) is never "
                "added to them."
            )
        self.tfc = text.to_numpy(dtype=object)
        return _map_distinct(text, service_of.get)

    def values(self, kept: np.ndarray, settings: NationalFormat) -> dict[int, np.ndarray]:
        positions = set()
        self.bands = rtt.week_bands([fold(h) for h in self.header]) if self.layout.id == "rtt" else []
        for item in settings.measures:
            positions |= {self.position[fold(c)] for c in (*item.columns, *item.minus)}
            positions |= set(rtt.band_columns(self.bands, item.weeks_from, item.weeks_under) or [])
        values = {}
        for position in sorted(positions):
            text = self.table.cells[position].str.strip()
            codes, uniques = pd.factorize(text)
            parsed = np.array([_figure(str(u)) for u in uniques], dtype=np.float64)
            value = parsed[codes] if len(codes) else np.zeros(0)
            header = self.header[position]
            self.problems(kept & np.isnan(value), header, "value_not_number", lambda i, text=text, header=header: (
                f"'{_clip(text.iat[i])}' is not a figure; the {header} column holds counts such as 12,455 (or - for "
                "none). Upload the file as published."
            ))
            values[position] = value
        return values

    def canonical(self, month, kept, site, category, service, values, settings: NationalFormat) -> _Table:
        frames = []
        for item in settings.measures:
            mask = kept.copy()
            if item.part:
                mask &= category == fold(item.part)
            if item.tests:
                mask &= np.isin(category, [fold(t) for t in item.tests])
            if item.standards:
                mask &= np.isin(category, [fold(s) for s in item.standards])
            if self.layout.total_column:
                mask &= ~np.isin(_map_distinct(self.column(self.layout.total_column), fold), list(self.layout.totals))
            if service is not None:
                if item.by_service:
                    mask &= pd.notna(service)
                    services = service
                else:
                    mask &= self.tfc == rtt.TOTAL_TFC
                    services = np.full(len(mask), ALL, dtype=object)
            else:
                services = np.full(len(mask), ALL, dtype=object)
            if item.weeks_from is not None or item.weeks_under is not None:
                columns = rtt.band_columns(self.bands, item.weeks_from, item.weeks_under)
                if columns is None:
                    self.result.notes.append(
                        f"{self.cfg.label_for('measure', item.measure)} is not in this layout (its week bands stop "
                        "at 52 weeks or more, as before April 2021), so it is not loaded from this file."
                    )
                    continue
            else:
                columns = [self.position[fold(c)] for c in item.columns]
            minus = [self.position[fold(c)] for c in item.minus]
            value = sum((values[c] for c in columns), np.zeros(len(mask)))
            value = value - sum((values[c] for c in minus), np.zeros(len(mask)))
            where = np.flatnonzero(mask)
            if not len(where):
                continue
            part = pd.DataFrame({
                "service": services[where], "site": site[where], "value": value[where], "row": self.rows[where],
            })
            grouped = part.groupby(["service", "site"], sort=True).agg(value=("value", "sum"), row=("row", "min"))
            grouped = grouped.reset_index().assign(measure=item.measure)
            frames.append(grouped)
        rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
            columns=["service", "site", "value", "row", "measure"]
        )
        rows = rows.sort_values("row", kind="stable").reset_index(drop=True)
        cells = pd.DataFrame({
            0: f"{month:%Y-%m}",
            1: rows["measure"].astype(str),
            2: rows["service"].map(lambda s: "" if s == ALL else s).astype(str),
            3: rows["site"].map(lambda s: "" if s == ALL else s).astype(str),
            4: [_text(v) for v in rows["value"]],
        }, index=range(len(rows)))
        cells = cells.astype("str")
        return _Table(list(CANONICAL_HEADER), cells, self.table.encoding, ",", rows["row"].to_numpy(dtype=np.int64))


def _parse_period(text: str, layout: Layout) -> tuple[int, int] | None:
    if layout.period_kind == "prefixed":
        return parse_national_period(text, layout.period_prefix)
    if layout.period_kind == "month":
        month = parse_period(text)
        return (month.year, month.month) if month else None
    match = re.fullmatch(r"(\d{4})-(\d{2})\s+([A-Za-z]+)", text)
    if not match or match.group(3).lower() not in _MONTHS:
        return None
    first_year, month = int(match.group(1)), _MONTHS[match.group(3).lower()]
    if (first_year + 1) % 100 != int(match.group(2)):
        return None
    return (first_year if month >= 4 else first_year + 1), month


def _map_distinct(series: pd.Series, function) -> np.ndarray:
    """`function` applied once per distinct value of `series`, mapped back to every row."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    mapped = np.array([function(u) for u in uniques] + [None], dtype=object)[:-1]
    return mapped[codes] if len(codes) else np.array([], dtype=object)


def _figure(text: str) -> float:
    """A published figure: "12,455" → 12455, "-" or empty → 0 (none); NaN when it is not a figure."""
    if text in ("", "-"):
        return 0.0
    return float(text.replace(",", "")) if _NUMBER.fullmatch(text) else float("nan")


def _text(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else repr(float(value))


__all__ = ["LAYOUTS", "Adapted", "NationalMeasure", "adapt", "detect", "parse_national_period", "read_workbook"]
