"""Months, UK labels and April–March financial years."""

import datetime as dt

import pytest

from metrics import months


@pytest.mark.parametrize("text", ["2020-13", "2020-7", "July 2020", "", "2020/07"])
def test_a_month_must_be_written_yyyy_mm(text):
    with pytest.raises(ValueError, match="YYYY-MM"):
        months.parse_month(text)


@pytest.mark.parametrize(
    ("month", "fy"),
    [(dt.date(2020, 3, 1), "2019/20"), (dt.date(2020, 4, 1), "2020/21"), (dt.date(2021, 1, 1), "2020/21")],
)
def test_financial_years_run_april_to_march(month, fy):
    assert months.financial_year_label(month) == fy


@pytest.mark.parametrize(
    ("month", "baseline"),
    [(dt.date(2020, 7, 1), dt.date(2019, 7, 1)), (dt.date(2021, 2, 1), dt.date(2020, 2, 1)),
     (dt.date(2019, 5, 1), dt.date(2019, 5, 1))],
)
def test_the_baseline_month_is_the_same_month_of_the_baseline_financial_year(month, baseline):
    assert months.baseline_month(month, 2019) == baseline


def test_labels_are_uk_style():
    assert months.format_month(dt.date(2020, 7, 1)) == "Jul 2020"
    assert months.format_month_long("2020-07") == "July 2020"


def test_month_arithmetic_crosses_years():
    assert months.add_months(dt.date(2020, 11, 1), 3) == dt.date(2021, 2, 1)
    assert months.add_months(dt.date(2020, 1, 1), -1) == dt.date(2019, 12, 1)
    assert len(months.month_range(dt.date(2019, 4, 1), dt.date(2021, 3, 1))) == 24
