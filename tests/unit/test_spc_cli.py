"""`python -m metrics spc`: Making Data Count SPC from the command line, for checking against other tools."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from metrics.__main__ import main

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RISING = "1,2,3,4,5,6,7"  # mean 4, MRbar 1, limits 4 ± 2.66 = 1.34 … 6.66: 1 and 7 outside, a trend between


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(["spc", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys: pytest.CaptureFixture, *args: str) -> dict:
    code, out, err = run(capsys, *args, "--format", "json")
    assert (code, err) == (0, "")
    return json.loads(out)


def test_csv_has_one_row_per_point_with_limits_and_point_type(capsys):
    code, out, err = run(capsys, "--values", RISING, "--format", "csv")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "index,value,mean,lpl,upl,point_type",
        "0,1,4,1.34,6.66,special_cause_concern",
        "1,2,4,1.34,6.66,special_cause_improvement",
        "2,3,4,1.34,6.66,special_cause_improvement",
        "3,4,4,1.34,6.66,special_cause_improvement",
        "4,5,4,1.34,6.66,special_cause_improvement",
        "5,6,4,1.34,6.66,special_cause_improvement",
        "6,7,4,1.34,6.66,special_cause_improvement",
    ]


def test_json_lists_points_and_names_the_icons(capsys):
    document = run_json(capsys, "--values", RISING, "--target", "10")
    assert list(document) == ["points", "variation", "assurance"]
    assert document["points"][0] == {
        "index": 0,
        "value": 1.0,
        "mean": 4.0,
        "lpl": pytest.approx(1.34),
        "upl": pytest.approx(6.66),
        "point_type": "special_cause_concern",
    }
    assert (document["variation"], document["assurance"]) == ("special_cause_improvement", "fail")


@pytest.mark.parametrize(
    ("improvement", "target", "variation", "assurance"),
    [
        ("increase", "10", "special_cause_improvement", "fail"),
        ("decrease", "10", "special_cause_concern", "pass"),
        ("increase", "0", "special_cause_improvement", "pass"),
        ("decrease", "0", "special_cause_concern", "fail"),
        ("increase", "4", "special_cause_improvement", "hit_and_miss"),
        ("neutral", "4", "special_cause_neutral_high", None),
        ("increase", None, "special_cause_improvement", None),
    ],
)
def test_json_icons_follow_the_improvement_direction_and_target(capsys, improvement, target, variation, assurance):
    args = ["--values", RISING, "--improvement", improvement, *(["--target", target] if target else [])]
    document = run_json(capsys, *args)
    assert (document["variation"], document["assurance"]) == (variation, assurance)


def test_rebase_index_starts_a_new_group(capsys):
    # Group means (1+2+1+2+1)/5 = 1.4 and (10+11+10+11+10)/5 = 10.4.
    document = run_json(capsys, "--values", "1,2,1,2,1,10,11,10,11,10", "--rebase-index", "5")
    assert [p["mean"] for p in document["points"]] == pytest.approx([1.4] * 5 + [10.4] * 5)


def test_no_screen_keeps_the_outlying_moving_ranges(capsys):
    # Moving ranges 1 ×7 and 40 ×2: screened MRbar 1 (UPL 14.4 + 2.66), unscreened 87/9 (UPL 14.4 + 25.71).
    values = "10,11,10,11,10,50,10,11,10,11"
    screened = run_json(capsys, "--values", values)
    unscreened = run_json(capsys, "--values", values, "--no-screen")
    assert screened["points"][0]["upl"] == pytest.approx(17.06)
    assert unscreened["points"][0]["upl"] == pytest.approx(14.4 + 2.66 * 87 / 9)


def test_fix_after_freezes_the_limits(capsys):
    values = ",".join(["12,10"] * 6 + ["20", "20"])
    document = run_json(capsys, "--values", values, "--fix-after", "12")
    assert {p["mean"] for p in document["points"]} == {11.0}
    assert [p["point_type"] for p in document["points"][-2:]] == ["special_cause_improvement"] * 2


def test_a_negative_first_value_can_be_given_with_an_equals_sign(capsys):
    document = run_json(capsys, "--values=-1,0,1")
    assert [p["value"] for p in document["points"]] == [-1.0, 0.0, 1.0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--values", "1,x,3"], "--values item 2 ('x') is not a number"),
        (["--values", "1,,3"], "--values item 2 ('') is not a number"),
        (["--values", ""], "--values needs at least one number"),
        (["--values", "1,inf"], "is not a finite number"),
        (["--values", "1,2", "--fix-after", "11"], "--fix-after must be at least 12"),
        (["--values", "1,2", "--rebase-index", "2"], "rebase index 2 is outside the series of 2 point(s)"),
        (["--values", "1,2", "--rebase-index", "one"], "--rebase-index 'one' is not a whole number"),
        (["--values", "1,2", "--target", "nan"], "--target must be an ordinary number"),
    ],
    ids=["text", "blank", "empty", "infinite", "fix_after_small", "rebase_out_of_range", "rebase_text", "target_nan"],
)
def test_bad_input_gets_a_sentence_and_exit_code_2(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [["--values", "1,2", "--improvement", "up"], ["--values", "1,2", "--fix-after", "x"], ["--format", "json"]],
    ids=["unknown_direction", "fix_after_text", "no_values"],
)
def test_malformed_options_are_refused_by_the_parser_with_exit_code_2(capsys, args):
    with pytest.raises(SystemExit) as exit_info:
        main(["spc", *args])
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_spc_needs_no_store_file(tmp_path):
    missing = tmp_path / "nowhere" / "recovery.duckdb"
    env = {**os.environ, "RECOVERY_DB": str(missing), "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "metrics", "spc", "--values", RISING, "--format", "json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["variation"] == "special_cause_improvement"
    assert not missing.exists()
    assert not missing.parent.exists()
