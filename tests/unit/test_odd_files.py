"""The red team's odd files, kept as a table-driven and a property-based suite: every odd value is
either refused (a problem with its row, column and sentence) or loaded only after an explicit
"load anyway" — never stored silently — and a refused file changes nothing in the store."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.ingest import (
    MAX_COLUMNS,
    MAX_PROBLEMS,
    UploadRefused,
    check_upload,
    commit_upload,
)
from data.store import Store
from metrics.config import Config
from tests.actors import named

ODD = Path(__file__).resolve().parents[1] / "fixtures" / "odd"

# file → (severity, kind, row, column, words the sentence must contain)
ODD_FILES: dict[str, tuple[str, str, int, str | None, str]] = {
    "value_fullwidth_digits.csv": ("error", "value_digits", 2, "value", "digits that are not 0-9 (U+FF11"),
    "value_arabic_indic_digits.csv": ("error", "value_digits", 2, "value", "digits that are not 0-9 (U+0661"),
    "value_devanagari_digits.csv": ("error", "value_digits", 2, "value", "digits that are not 0-9 (U+0967"),
    "value_mathematical_bold_digits.csv": ("error", "value_digits", 2, "value", "digits that are not 0-9 (U+1D7CF"),
    "value_mixed_script_digits.csv": ("error", "value_digits", 2, "value", "Type the figure with the digits 0-9"),
    "value_1e308.csv": ("error", "value_too_large", 2, "value", "a count of activity has a plausible ceiling"),
    "value_largest_double.csv": ("error", "value_too_large", 2, "value", "too large to be a monthly figure"),
    "value_huge_at_two_sites.csv": ("error", "value_too_large", 2, "value", "no measure here comes near 100,000,000"),
    "value_23_digit_integer.csv": ("error", "value_too_large", 2, "value", "too large to be a monthly figure"),
    "value_23_significant_digits.csv": ("warning", "too_precise", 2, "value", "has 23 significant digits"),
    "semicolon_dot_thousands.csv": ("warning", "separator_ambiguous", 2, "value", "read as 1.50, but in a European"),
    "period_year_0023.csv": ("error", "bad_period", 2, "period", "0023 is not 2023"),
    "period_iso_year_0023.csv": ("error", "bad_period", 2, "period", "a year before 1900"),
    "period_fullwidth_digits.csv": ("error", "period_digits", 2, "period", "Type the period with the digits 0-9"),
    "wide_typo_column.csv": ("error", "unknown_column", 1, "ct_test", "Did you mean 'ct_tests'?"),
    "wide_zero_width_space_column.csv": ("error", "unknown_column", 1, "ct_tests\u200b", "invisible character"),
    "double_bom.csv": ("error", "double_bom", 1, None, "two byte-order marks"),
    "header_cell_200000_chars.csv": ("error", "header_too_long", 1, None, "column C is 200,000 characters long"),
    "ansi_escapes_in_names.csv": ("error", "unknown_measure", 2, "measure", "is not a measure this dashboard knows"),
}


@pytest.fixture
def store(cfg: Config, empty_store: Store) -> Store:
    """A store holding one ordinary upload (July and August 2020 by service and site)."""
    check = check_upload((ODD.parent / "good" / "plain.csv").read_bytes(), "plain.csv", cfg, empty_store)
    commit_upload(empty_store, check, actor=named("Analyst"))
    return empty_store


def snapshot(store: Store) -> tuple:
    return (
        store.facts().sort_values(["month", "measure", "service", "site", "segment"]).to_numpy().tolist(),
        store.history().to_numpy().tolist(),
        store.uploads().to_numpy().tolist(),
    )


def test_every_odd_fixture_has_an_expectation() -> None:
    assert {p.name for p in ODD.glob("*.csv")} == set(ODD_FILES)


@pytest.mark.parametrize("name", sorted(ODD_FILES))
def test_an_odd_file_is_refused_or_needs_load_anyway_with_row_column_and_sentence(
    name: str, cfg: Config, store: Store
) -> None:
    severity, kind, row, column, words = ODD_FILES[name]
    before = snapshot(store)
    check = check_upload((ODD / name).read_bytes(), name, cfg, store)
    found = check.errors if severity == "error" else check.warnings
    matching = [p for p in found if p.kind == kind]
    assert matching, [p.describe() for p in check.errors + check.warnings]
    problem = matching[0]
    assert (problem.row, problem.column) == (row, column)
    assert words in problem.message
    if severity == "error":
        assert not check.ok
    else:
        assert check.ok and problem.needs_confirmation and check.needs_confirmation
    with pytest.raises(UploadRefused):
        commit_upload(store, check, actor=named("Red team"))  # no "load anyway"
    assert snapshot(store) == before


def test_a_warned_file_loads_only_with_load_anyway(cfg: Config, store: Store) -> None:
    data = (ODD / "semicolon_dot_thousands.csv").read_bytes()
    check = check_upload(data, "eu.csv", cfg, store)
    result = commit_upload(store, check, actor=named("Analyst"), load_anyway=True)
    assert result.upload_id is not None


def test_a_file_of_a_hundred_thousand_columns_is_refused_at_once(cfg: Config, store: Store) -> None:
    header = "period," + ",".join(f"c{i}" for i in range(100_000))
    data = (header + "\n2020-07," + ",".join("1" for _ in range(100_000)) + "\n").encode()
    started = time.perf_counter()
    check = check_upload(data, "wide.csv", cfg, store)
    assert time.perf_counter() - started < 5
    assert [(p.kind, p.row) for p in check.errors] == [("too_many_columns", 1)]
    assert f"The header row has 100,001 columns; an upload has at most {MAX_COLUMNS}" in check.errors[0].message


def test_a_million_distinct_unknown_names_get_suggestions_only_where_shown(cfg: Config) -> None:
    rows = "\n".join(f"2020-07,ct_tests,,site-{i:07d},1" for i in range(200_000))
    data = ("period,measure,service,site,value\n" + rows + "\n").encode()
    started = time.perf_counter()
    check = check_upload(data, "sites.csv", cfg)
    assert time.perf_counter() - started < 10
    assert check.error_count == 200_000 and len(check.errors) == MAX_PROBLEMS
    assert check.errors[0].kind == "unknown_site" and check.errors[0].row == 2


# --- property-based: any odd value is refused or warned, never stored silently ---------------------

_OTHER_DIGITS = "０１２３４５６７８９٠١٢٣٤٥٦٧٨٩०१२३४५६७८९𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"


@st.composite
def odd_values(draw) -> str:
    """Values a spreadsheet or a red team might send: other scripts' digits, huge magnitudes, locale
    separators, exponents, non-finite words."""
    kind = draw(st.sampled_from(["digits", "huge", "euro", "precise", "word"]))
    if kind == "digits":
        ascii_part = draw(st.text("0123456789", max_size=3))
        other = draw(st.text(_OTHER_DIGITS, min_size=1, max_size=4))
        return ascii_part + other if draw(st.booleans()) else other + ascii_part
    if kind == "huge":
        exponent = draw(st.integers(min_value=9, max_value=308))
        return f"{draw(st.integers(min_value=1, max_value=9))}e{exponent}"
    if kind == "euro":
        return f"{draw(st.integers(1, 999))}." + ".".join(
            f"{draw(st.integers(0, 999)):03d}" for _ in range(draw(st.integers(1, 2)))
        )
    if kind == "precise":
        return f"{draw(st.integers(1, 9999))}." + "".join(draw(st.text("0123456789", min_size=16, max_size=22))) + "1"
    return draw(st.sampled_from(["inf", "-inf", "NaN", "Infinity", "1e999", "-0x10", "１e3"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=odd_values())
def test_any_odd_value_is_refused_or_needs_load_anyway(value: str, cfg: Config) -> None:
    data = f"period;measure;service;site;value\n2020-07;ct_tests;;;{value}\n".encode()
    check = check_upload(data, "odd.csv", cfg)
    refused = not check.ok and any(p.row == 2 and p.column == "value" for p in check.errors)
    warned = check.ok and any(
        p.row == 2 and p.column == "value" and p.needs_confirmation for p in check.warnings
    )
    assert refused or warned, (value, [p.describe() for p in check.errors + check.warnings])
