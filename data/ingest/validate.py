"""Validation of the canonical layouts (long and wide): header, periods, names, values, grain."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from data.ingest.cells import (
    _EUROPEAN_AMBIGUOUS,
    _INVISIBLE,
    _OLD_YEAR,
    MAX_SIGNIFICANT_DIGITS,
    PERIOD_EXAMPLES,
    _clip,
    _column_letter,
    _digits_message,
    _formula_message,
    _number,
    fold_name,
    non_ascii_digits,
    parse_period,
    parse_value,
    significant_digits,
)
from data.ingest.common import (
    COLUMN_NAMES,
    FIRST_DATA_ROW,
    FORMULA_PREFIXES,
    LONG_REQUIRED,
    MAX_PROBLEMS,
    MAX_SUGGESTIONS,
    Problem,
    Progress,
    UploadCheck,
    _Collector,
)
from data.ingest.names import _Names, _Vocabulary
from data.ingest.reading import _Table
from metrics.config import Config, normalise_name
from metrics.months import format_month


@dataclass
class _Validated:
    """Valid values in long form with the integer codes used for the vectorised checks."""

    rows: pd.DataFrame  # KEY_COLUMNS + value + row + column
    month_index: np.ndarray  # year * 12 + month - 1
    series_key: np.ndarray  # (measure, service, site, segment) as one integer
    headers: dict[str, str]  # column → header as the analyst wrote it


@dataclass(frozen=True)
class _Labels:
    """A column header per value, held as codes into the headers: `labels[i]` is value i's header."""

    codes: np.ndarray  # int64
    names: list[str]

    def __getitem__(self, i: int) -> str:
        return self.names[self.codes[i]]

    def take(self, positions: np.ndarray) -> _Labels:
        return _Labels(self.codes[positions], self.names)


@dataclass(frozen=True)
class _Column:
    """One column's cells as integer codes into its distinct texts, each trimmed of surrounding spaces: a
    check judges each distinct text once and maps its verdict back to the rows by code, so a million
    rows of a few hundred distinct names cost a few hundred judgements, and no cell is copied."""

    codes: np.ndarray  # int64, one per cell
    uniques: np.ndarray  # object: the distinct trimmed texts

    @classmethod
    def of(cls, cells: pd.Series) -> _Column:
        """Factorise the raw cells, then trim the distinct texts with the column's own `str.strip` (the
        same trim as stripping every cell) and merge those that become equal (" a" and "a")."""
        codes, uniques = pd.factorize(cells, use_na_sentinel=False)
        trimmed = pd.Series(uniques, dtype=cells.dtype).str.strip()
        merged, distinct = pd.factorize(trimmed, use_na_sentinel=False)
        if not len(codes):
            codes = np.zeros(0, dtype=np.int64)
        elif len(distinct) < len(uniques):  # else trimming merged nothing and `merged` is 0, 1, 2 …
            codes = merged[codes]
        return cls(codes.astype(np.int64, copy=False), np.asarray(distinct, dtype=object))

    @classmethod
    def concat(cls, pieces: list[_Column]) -> _Column:
        """The cells of several columns one after another (a distinct text may then appear more than once
        among the uniques, which only means it is judged more than once)."""
        if not pieces:
            return cls(np.zeros(0, dtype=np.int64), np.array([], dtype=object))
        offsets = np.cumsum([0] + [len(p.uniques) for p in pieces[:-1]])
        codes = np.concatenate([p.codes + offset for p, offset in zip(pieces, offsets, strict=True)])
        return cls(codes, np.concatenate([p.uniques for p in pieces]))

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, positions: np.ndarray) -> _Column:
        return _Column(self.codes[positions], self.uniques)

    def has_blank(self) -> bool:
        return bool(np.asarray(self.uniques == "", dtype=bool).any())

    def blank(self) -> np.ndarray:
        """Per cell: empty once trimmed."""
        empty = np.asarray(self.uniques == "", dtype=bool)
        return empty[self.codes] if len(self.codes) and empty.any() else np.zeros(len(self.codes), dtype=bool)


def _validate(
    table: _Table,
    cfg: Config,
    today: dt.date,
    errors: _Collector,
    warnings: _Collector,
    check: UploadCheck,
    report: Progress,
) -> _Validated | None:
    vocab = _Vocabulary.from_config(cfg)
    header = table.header
    roles, measure_columns = _read_header(header, vocab, errors, warnings)
    if roles is None:
        return None
    cells = table.cells
    # Each column as codes into its distinct texts, trimmed: every check below judges a distinct text once.
    columns = [_Column.of(cells[position]) for position in range(len(header))]
    blank = np.zeros(len(cells), dtype=bool)
    if all(each.has_blank() for each in columns):  # a row is blank only when every one of its cells is
        blank = ~blank
        for each in columns:
            blank &= each.blank()
    check.data_rows = int((~blank).sum())
    if check.data_rows == 0:
        errors.add(
            Problem(None, None, "The file has a header row but no figures under it; add the figures.", "no_data")
        )
        return None
    layout = "long" if "measure" in roles or "value" in roles else "wide"
    check.layout = layout
    keep = np.flatnonzero(~blank)
    every_row = len(keep) == len(cells)
    row_numbers = table.rows[keep] if table.rows is not None else keep + FIRST_DATA_ROW
    headers = {role: header[position] for role, position in roles.items()}
    missing = [c for c in (LONG_REQUIRED if layout == "long" else ("period",)) if c not in roles]
    for column_name in missing:
        errors.add(Problem(1, column_name, _missing_column_message(column_name, layout), "missing_column"))

    def kept(position: int) -> _Column:
        return columns[position] if every_row else columns[position].take(keep)

    def column(role: str) -> _Column | None:
        return kept(roles[role]) if role in roles else None

    # Per row: the month and the names that apply to every value on the row.
    report(0.35, "Checking periods and names…")
    month_index = _check_periods(column("period"), row_numbers, headers.get("period"), cfg, today, errors)
    dimension_codes = {}
    for kind in ("service", "site", "segment"):
        named = column(kind)
        if named is None:
            dimension_codes[kind] = np.zeros(len(keep), dtype=np.int64)
        else:
            dimension_codes[kind] = _check_names(named, row_numbers, headers[kind], getattr(vocab, kind), errors)

    # Per value: long layout has one per row; wide one per filled measure cell.
    if layout == "long":
        value_text = column("value")
        measure_codes = (
            _check_names(column("measure"), row_numbers, headers["measure"], vocab.measure, errors)
            if "measure" in roles
            else np.full(len(keep), -1, dtype=np.int64)
        )
        if value_text is None:
            return None
        measure_codes_for_fact = measure_codes
        fact_row = None  # one value per row: the rows themselves
        fact_column = _Labels(np.zeros(len(keep), dtype=np.int64), [headers["value"]])
    else:
        pieces_text, pieces_row, pieces_measure, pieces_column, column_names = [], [], [], [], []
        for position, measure_index in measure_columns:
            text = kept(position)
            filled = np.flatnonzero(~text.blank())
            pieces_text.append(text.take(filled))
            pieces_row.append(filled)
            pieces_measure.append(np.full(len(filled), measure_index, dtype=np.int64))
            pieces_column.append(np.full(len(filled), len(column_names), dtype=np.int64))
            column_names.append(header[position])
        value_text = _Column.concat(pieces_text)
        fact_row = np.concatenate(pieces_row) if pieces_row else np.array([], dtype=np.int64)
        measure_codes = np.concatenate(pieces_measure) if pieces_measure else np.array([], dtype=np.int64)
        fact_column = _Labels(
            np.concatenate(pieces_column) if pieces_column else np.array([], dtype=np.int64), column_names
        )
        if len(fact_row) == 0:
            errors.add(Problem(None, None, "No measure column holds any figure; fill in the figures.", "no_data"))
            return None
        measure_codes_for_fact = measure_codes
    report(0.5, "Checking values…")

    def per_value(per_row: np.ndarray) -> np.ndarray:
        return per_row if fact_row is None else per_row[fact_row]

    values = _check_values(value_text, per_value(row_numbers), fact_column, table.delimiter, errors, warnings)
    if missing:
        return None

    valid = (
        ~np.isnan(values)
        & (per_value(month_index) >= 0)
        & (measure_codes_for_fact >= 0)
        & (per_value(dimension_codes["service"]) >= 0)
        & (per_value(dimension_codes["site"]) >= 0)
        & (per_value(dimension_codes["segment"]) >= 0)
    )
    f = np.flatnonzero(valid)
    if fact_row is None and len(f) == len(valid):  # every row holds one valid value: nothing to select
        f = row_of = None
    else:
        row_of = f if fact_row is None else fact_row[f]

    def chosen(array: np.ndarray, positions: np.ndarray | None) -> np.ndarray:
        return array if positions is None else array[positions]

    codes = {
        "month": chosen(month_index, row_of),
        "measure": chosen(measure_codes_for_fact, f),
        "service": chosen(dimension_codes["service"], row_of),
        "site": chosen(dimension_codes["site"], row_of),
        "segment": chosen(dimension_codes["segment"], row_of),
    }
    sizes = {kind: len(getattr(vocab, kind).ids) for kind in ("measure", "service", "site", "segment")}
    series_key = ((codes["measure"] * sizes["service"] + codes["service"]) * sizes["site"] + codes["site"]) * sizes[
        "segment"
    ] + codes["segment"]
    spreadsheet_rows = chosen(row_numbers, row_of)
    value_column = fact_column if f is None else fact_column.take(f)
    report(0.6, "Checking for repeated rows and the grain rule…")
    _check_duplicates(series_key, codes["month"], spreadsheet_rows, value_column, codes, vocab, errors)
    _check_grain_in_file(codes, sizes, spreadsheet_rows, headers, vocab, errors)
    _check_available_from(codes, spreadsheet_rows, headers, vocab, cfg, errors)

    months = (codes["month"] - 1970 * 12).astype("datetime64[M]").astype("datetime64[s]")
    rows = pd.DataFrame(
        {
            "month": months,
            "measure": _ids_column(vocab.measure.ids, codes["measure"]),
            "service": _ids_column(vocab.service.ids, codes["service"]),
            "site": _ids_column(vocab.site.ids, codes["site"]),
            "segment": _ids_column(vocab.segment.ids, codes["segment"]),
            "value": chosen(values, f),
            "row": spreadsheet_rows,
            "column": _ids_column(value_column.names, value_column.codes),
        }
    )
    return _Validated(rows, codes["month"], series_key, headers)


def _ids_column(ids: list[str], codes: np.ndarray) -> pd.Series:
    """Ids by code as a pandas string column (built by Arrow: a million rows in milliseconds)."""
    taken = pa.array(ids, type=pa.large_string()).take(pa.array(codes, type=pa.int64()))
    return pd.Series(taken, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _missing_column_message(column: str, layout: str) -> str:
    if column == "period":
        return f"There is no 'period' column; add one headed period holding the month ({PERIOD_EXAMPLES})."
    if column == "measure":
        return (
            "There is no 'measure' column; add one naming the measure of each figure "
            "(a measure id from the template)."
        )
    return "There is no 'value' column; add one headed value holding the figure for each row."


def _read_header(
    header: list[str], vocab: _Vocabulary, errors: _Collector, warnings: _Collector
) -> tuple[dict[str, int] | None, list[tuple[int, int]]]:
    roles: dict[str, int] = {}
    measure_columns: list[tuple[int, int]] = []
    seen_measures: dict[int, int] = {}
    unknown: list[int] = []
    duplicated = False
    for position, name in enumerate(header):
        key = fold_name(name)
        role = COLUMN_NAMES.get(key)
        if role is not None:
            if role in roles:
                errors.add(
                    Problem(
                        1,
                        name,
                        f"The file has two '{role}' columns ({_column_letter(roles[role])} and "
                        f"{_column_letter(position)}); keep one of them.",
                        "duplicate_column",
                    )
                )
                duplicated = True
            else:
                roles[role] = position
            continue
        measure = vocab.measure.lookup.get(key) if key else None
        if measure is not None:
            if measure in seen_measures:
                errors.add(
                    Problem(
                        1,
                        name,
                        f"Columns {_column_letter(seen_measures[measure])} and {_column_letter(position)} are both "
                        f"for the measure {vocab.measure.ids[measure]}; keep one of them.",
                        "duplicate_column",
                    )
                )
                duplicated = True
            else:
                seen_measures[measure] = position
                measure_columns.append((position, measure))
            continue
        unknown.append(position)
    if "period" not in roles and any(parse_period(name) for name in header):
        errors.add(
            Problem(
                1,
                None,
                "The first row holds figures, not the header; add a header row above them: period, measure, "
                "service, site, segment, value (or start from a template).",
                "missing_header",
            )
        )
        return None, []
    long_layout = "measure" in roles or "value" in roles
    if long_layout and measure_columns:
        for position, _ in measure_columns:
            warnings.add(
                Problem(
                    1,
                    header[position],
                    "This column is named after a measure, but the file has measure and value columns (the long "
                    "layout), so it was ignored. Use one layout or the other.",
                    "unknown_column",
                    severity="warning",
                )
            )
    if not long_layout and not measure_columns and "period" in roles:
        errors.add(
            Problem(
                1,
                None,
                "The header has neither measure and value columns (long layout) nor any column named after a "
                "measure (wide layout); start from one of the templates.",
                "missing_column",
            )
        )
        duplicated = True
    if not roles and not measure_columns:
        names = ", ".join(f"'{_clip(h, 30)}'" for h in header[:6] if h) or "nothing"
        errors.add(
            Problem(
                1,
                None,
                f"The first row should be the header (period, measure, service, site, segment, value) but it holds "
                f"{names}; add the header row or start from a template.",
                "missing_column",
            )
        )
        return None, []
    for position in unknown[:MAX_PROBLEMS]:
        name = header[position]
        if not name:
            continue
        hint = vocab.measure.hint(name) if not long_layout else ""
        if not hint:
            close = difflib.get_close_matches(normalise_name(name), list(COLUMN_NAMES), n=1, cutoff=0.7)
            hint = f" Did you mean '{close[0]}'?" if close else ""
        invisible = _INVISIBLE.findall(name)
        if invisible:
            codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in invisible}))
            hint += f" The name holds an invisible character ({codes}); retype it."
        if long_layout:
            warnings.add(
                Problem(
                    1,
                    name,
                    f"'{_clip(name)}' is not a column this upload uses, so it was ignored.{hint}",
                    "unknown_column",
                    severity="warning",
                )
            )
        else:
            # In the wide layout every other column is a measure: a misspelt one must not be dropped silently.
            errors.add(
                Problem(
                    1,
                    name,
                    f"'{_clip(name)}' is not a measure id or label, so its figures cannot be loaded.{hint} Rename the "
                    "column to a measure id from the wide template, or delete the column.",
                    "unknown_column",
                )
            )
    if duplicated:
        return None, []
    return roles, measure_columns



def _emit(
    bad: np.ndarray,
    row_numbers: np.ndarray,
    columns: _Labels | str | None,
    messages: Callable[[int], tuple[str, str]],
    errors: _Collector,
) -> None:
    """Turn a mask of bad cells into problems: all counted, the first MAX_PROBLEMS written out."""
    where = np.flatnonzero(bad)
    if not len(where):
        return
    problems = []
    for i in where[:MAX_PROBLEMS]:
        kind, message = messages(int(i))
        column = columns if columns is None or isinstance(columns, str) else columns[i]
        problems.append(Problem(int(row_numbers[i]), column, message, kind))
    errors.add_many(len(where), problems)


def _judge_distinct(column: _Column, judge: Callable[[str], tuple[object, str | None, str | None]]):
    """Judge each distinct text once; return per-row codes, the verdicts and a per-row bad mask."""
    codes = column.codes
    verdicts = [judge(str(u)) for u in column.uniques]
    bad_unique = np.array([v[1] is not None for v in verdicts], dtype=bool)
    return codes, verdicts, bad_unique[codes] if len(codes) else np.zeros(0, dtype=bool)


def _check_periods(
    series: _Column | None,
    row_numbers: np.ndarray,
    header: str | None,
    cfg: Config,
    today: dt.date,
    errors: _Collector,
) -> np.ndarray:
    if series is None:
        return np.full(len(row_numbers), -1, dtype=np.int64)
    latest = today.year * 12 + today.month - 1
    first = cfg.first_month.year * 12 + cfg.first_month.month - 1

    def judge(text: str) -> tuple[int, str | None, str | None]:
        if not text:
            return -1, "missing_period", f"The period is empty; write the month ({PERIOD_EXAMPLES})."
        month = parse_period(text)
        if month is None:
            if text.startswith(FORMULA_PREFIXES):
                return -1, "formula", _formula_message(text)
            if non_ascii_digits(text):
                return -1, "period_digits", _digits_message(text, "period")
            if _OLD_YEAR.search(text):
                return -1, "bad_period", (
                    f"'{_clip(text)}' has a year before 1900 (the year is written with four digits as it stands: "
                    f"0023 is not 2023); write the month as {PERIOD_EXAMPLES}."
                )
            return -1, "bad_period", f"'{_clip(text)}' is not a month; write it as {PERIOD_EXAMPLES}."
        index = month.year * 12 + month.month - 1
        if index > latest:
            return -1, "future_period", (
                f"{format_month(month)} is in the future (today is {today:%-d %b %Y}); correct the period."
            )
        if index < first:
            return -1, "period_before_baseline", (
                f"{format_month(month)} is before {format_month(cfg.first_month)}, the start of the baseline year "
                f"{cfg.baseline_year}/{(cfg.baseline_year + 1) % 100:02d}; correct the period or remove the row."
            )
        return index, None, None

    codes, verdicts, bad = _judge_distinct(series, judge)
    _emit(bad, row_numbers, header, lambda i: verdicts[codes[i]][1:], errors)
    index_of = np.array([v[0] for v in verdicts], dtype=np.int64)
    return index_of[codes] if len(codes) else np.zeros(0, dtype=np.int64)


def _check_names(
    series: _Column, row_numbers: np.ndarray, header: str, names: _Names, errors: _Collector
) -> np.ndarray:
    # Each distinct text is looked up once; the sentence (with its fuzzy "did you mean") is written only
    # for the problems that are shown, so a million distinct unknown names cost a million dictionary
    # look-ups, not a million fuzzy searches.
    codes, uniques = series.codes, series.uniques
    index_of = names.indices_of(uniques)
    if not len(codes):
        return np.zeros(0, dtype=np.int64)
    sentences: dict[int, tuple[str, str]] = {}

    def message(i: int) -> tuple[str, str]:
        code = int(codes[i])
        if code not in sentences:
            _, kind, sentence = names.resolve(str(uniques[code]), suggest=len(sentences) < MAX_SUGGESTIONS)
            sentences[code] = (kind, sentence)
        return sentences[code]

    if (index_of < 0).any():
        _emit((index_of < 0)[codes], row_numbers, header, message, errors)
    return index_of[codes]


def _check_values(
    series: _Column,
    row_numbers: np.ndarray,
    columns: _Labels,
    delimiter: str,
    errors: _Collector,
    warnings: _Collector,
) -> np.ndarray:
    codes, verdicts, bad = _judge_distinct(series, parse_value)
    _emit(bad, row_numbers, columns, lambda i: verdicts[codes[i]][1:], errors)
    value_of = np.array([np.nan if v[0] is None else v[0] for v in verdicts], dtype=np.float64)
    # Warnings that need "load anyway": a figure is read, but perhaps not as the analyst meant it.
    texts = [str(u) for u in series.uniques]
    doubtful: dict[str, tuple[str, str]] = {}
    for text, verdict in zip(texts, verdicts, strict=True):
        if verdict[1] is not None:
            continue
        if delimiter == ";" and len(text) >= 5 and _EUROPEAN_AMBIGUOUS.fullmatch(text.strip()):
            doubtful[text] = ("separator_ambiguous", (
                f"'{text.strip()}' in a semicolon-separated file is read as {_number(verdict[0])}, but in a European "
                f"spreadsheet the dot is a thousands separator ({text.strip().replace('.', '')}?). Write the figure "
                "without separators (for example 1500), or load anyway only if it is right."
            ))
        elif len(text) > MAX_SIGNIFICANT_DIGITS and significant_digits(text) > MAX_SIGNIFICANT_DIGITS:
            doubtful[text] = ("too_precise", (
                f"'{_clip(text)}' has {significant_digits(text)} significant digits; a figure is kept to about "
                f"{MAX_SIGNIFICANT_DIGITS}, so it would be stored as {verdict[0]!r}. Round it, or load anyway."
            ))
    if doubtful:
        flag = np.array([t in doubtful for t in texts], dtype=bool)[codes]
        where = np.flatnonzero(flag)
        warnings.add_many(len(where), [
            Problem(int(row_numbers[i]), columns[i], doubtful[texts[codes[i]]][1], doubtful[texts[codes[i]]][0],
                    severity="warning", needs_confirmation=True)
            for i in where[:MAX_PROBLEMS]
        ])
    return value_of[codes] if len(codes) else np.zeros(0, dtype=np.float64)


def _describe_key(codes: dict[str, np.ndarray], i: int, vocab: _Vocabulary) -> str:
    month = int(codes["month"][i])
    parts = [vocab.measure.ids[codes["measure"][i]]]
    for kind in ("service", "site", "segment"):
        ident = getattr(vocab, kind).ids[codes[kind][i]]
        parts.append(f"{kind} {ident}")
    return f"{', '.join(parts)}, {format_month(dt.date(month // 12, month % 12 + 1, 1))}"


def _check_duplicates(
    series_key: np.ndarray,
    month_index: np.ndarray,
    rows: np.ndarray,
    columns: _Labels,
    codes: dict[str, np.ndarray],
    vocab: _Vocabulary,
    errors: _Collector,
) -> None:
    combined = series_key * 100_000 + month_index
    if (np.diff(np.sort(combined)) != 0).all():  # no key repeats: a sort is quicker than hashing a million
        return
    key = pd.Series(combined)
    repeated = key.duplicated(keep="first").to_numpy()
    if not repeated.any():
        return
    first_row = pd.Series(rows).groupby(key.to_numpy()).transform("first").to_numpy()

    def message(i: int) -> tuple[str, str]:
        return "duplicate_row", (
            f"Rows {first_row[i]} and {rows[i]} both give a figure for the same thing "
            f"({_describe_key(codes, i, vocab)}); keep one of the two rows."
        )

    _emit(repeated, rows, columns, message, errors)


def _grain_groups(
    inverse: np.ndarray, count: int, is_total: np.ndarray, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (month, measure, segment) group: the first file row giving the total for all of a dimension,
    the first giving a breakdown by it (0 when none), and the position of the group's first value."""
    big = np.iinfo(np.int64).max
    total_row, breakdown_row, first = (np.full(count, big, dtype=np.int64) for _ in range(3))
    np.minimum.at(total_row, inverse, np.where(is_total, rows, big))
    np.minimum.at(breakdown_row, inverse, np.where(is_total, big, rows))
    np.minimum.at(first, inverse, np.arange(len(rows)))
    total_row[total_row == big] = 0
    breakdown_row[breakdown_row == big] = 0
    return total_row, breakdown_row, first


def _check_grain_in_file(
    codes: dict[str, np.ndarray],
    sizes: dict[str, int],
    rows: np.ndarray,
    headers: dict[str, str],
    vocab: _Vocabulary,
    errors: _Collector,
) -> None:
    if not len(rows):
        return
    group = (codes["month"] * sizes["measure"] + codes["measure"]) * sizes["segment"] + codes["segment"]
    # First, cheaply: does any (month, measure, segment) group hold both a total and a breakdown?
    grouped = pd.factorize(group)[0]
    values_per_group = np.bincount(grouped)
    mixing = [
        dimension for dimension in ("service", "site")
        if ((totals := np.bincount(grouped, weights=codes[dimension] == 0, minlength=len(values_per_group))) > 0).any()
        and ((totals > 0) & (totals < values_per_group)).any()
    ]
    if not mixing:
        return
    _, inverse = np.unique(group, return_inverse=True)
    count = int(inverse.max()) + 1
    for dimension in mixing:
        total_row, breakdown_row, first = _grain_groups(inverse, count, codes[dimension] == 0, rows)
        mixed = np.flatnonzero((total_row > 0) & (breakdown_row > 0))
        mixed = mixed[np.argsort(total_row[mixed], kind="stable")]
        problems = []
        for g in mixed[:MAX_PROBLEMS]:
            i = int(first[g])
            measure, month = vocab.measure.ids[codes["measure"][i]], _month_label(int(codes["month"][i]))
            problems.append(
                Problem(
                    int(total_row[g]),
                    headers.get(dimension, dimension),
                    f"This row gives {measure} for {month} for all {dimension}s together, while row "
                    f"{breakdown_row[g]} breaks the same figure down by {dimension}; that would count the same "
                    f"activity twice. Send either the breakdown or the total, not both.",
                    "grain",
                )
            )
        errors.add_many(len(mixed), problems)


def _check_available_from(
    codes: dict[str, np.ndarray],
    rows: np.ndarray,
    headers: dict[str, str],
    vocab: _Vocabulary,
    cfg: Config,
    errors: _Collector,
) -> None:
    """A figure for a month before its measure began (`available_from` in config.yaml) is refused: the
    service did not exist then, so the figure belongs to another measure or another month."""
    began = {i: cfg.available_from(m) for i, m in enumerate(vocab.measure.ids)}
    first_index = np.array(
        [b.year * 12 + b.month - 1 if b else -1 for b in (began[i] for i in range(len(vocab.measure.ids)))],
        dtype=np.int64,
    )
    if not len(codes["measure"]) or (first_index < 0).all():
        return
    early = np.flatnonzero(codes["month"] < first_index[codes["measure"]])
    problems = []
    for i in early[:MAX_PROBLEMS]:
        measure = vocab.measure.ids[codes["measure"][i]]
        start = began[codes["measure"][i]]
        problems.append(Problem(
            int(rows[i]), headers.get("period", "period"),
            f"{cfg.measure_by_id[measure].label} began in {format_month(start)} (available_from in config.yaml), "
            f"so there can be no figure for {_month_label(int(codes['month'][i]))}; correct the period or the measure.",
            "before_available",
        ))
    errors.add_many(len(early), problems)


def _month_label(month_index: int) -> str:
    return format_month(dt.date(month_index // 12, month_index % 12 + 1, 1))
