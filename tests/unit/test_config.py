"""config.yaml validation: the project's file is valid; each kind of mistake is named, all at once."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
import yaml

from metrics.config import DEFAULT_CONFIG_PATH, ConfigError, load_config, parse_config, resolve_db_path


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))


def _metric(doc: dict, metric_id: str) -> dict:
    return next(m for m in doc["metrics"] if m["id"] == metric_id)


def _problems(doc: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(doc)
    return caught.value.problems


REQUIRED_MEASURES = {
    "elective_ordinary_spells", "elective_daycase_spells", "mri_tests", "ct_tests", "endoscopy_tests",
    "op_first_attendances", "op_followup_attendances", "op_first_virtual", "op_followup_virtual",
    "spa_discharges", "spa_discharges_within_24h", "spa_saved_bed_days", "spa_welfare_calls",
    "econsult_submissions", "video_consultations", "rtt_52_week_waiters", "cancer_62_day_backlog",
}
REQUIRED_METRICS = {
    "elective_activity", "mri_activity", "ct_activity", "endoscopy_activity", "diagnostics_activity",
    "op_first_activity", "op_followup_activity", "virtual_share", "virtual_share_followup", "spa_discharges",
    "spa_within_24h", "econsult_submissions", "rtt_52_week_waiters", "cancer_62_day_backlog",
}


def test_the_project_config_declares_every_measure_and_metric_other_tools_rely_on():
    cfg = load_config()
    assert set(cfg.measure_by_id) >= REQUIRED_MEASURES
    assert set(cfg.metric_by_id) >= REQUIRED_METRICS
    assert cfg.site_by_id["PRUH"].label == "Princess Royal University Hospital"
    assert {"P0", "P1", "P2", "P3"} <= {a for s in cfg.services if s.kind == "spa_pathway" for a in s.aliases}
    assert cfg.rag.amber_margin == 0.05
    assert cfg.baseline_year == 2019


@pytest.mark.parametrize(
    ("metric_id", "month", "expected"),
    [
        ("elective_activity", "2020-07", None),
        ("elective_activity", "2020-08", 0.70),
        ("elective_activity", "2020-09", 0.80),
        ("elective_activity", "2020-10", 0.90),
        ("elective_activity", "2021-03", 0.90),
        ("elective_activity", "2021-04", None),
        ("mri_activity", "2020-08", None),
        ("mri_activity", "2020-09", 0.90),
        ("ct_activity", "2020-10", 1.00),
        ("op_first_activity", "2020-08", 0.90),
        ("op_followup_activity", "2020-09", 1.00),
        ("virtual_share", "2020-07", None),
        ("virtual_share", "2020-08", 0.25),
        ("virtual_share_followup", "2020-12", 0.60),
    ],
)
def test_targets_follow_the_phase3_letter_month_by_month(metric_id, month, expected):
    cfg = load_config()
    target = cfg.target_for(cfg.metric(metric_id), dt.date(int(month[:4]), int(month[5:]), 1))
    assert target == expected


def test_lower_is_better_metrics_are_declared_as_decrease():
    cfg = load_config()
    assert cfg.metric("rtt_52_week_waiters").improvement == "decrease"
    assert cfg.metric("cancer_62_day_backlog").improvement == "decrease"


def test_a_metric_naming_a_missing_measure_is_named_with_a_suggestion(raw):
    doc = copy.deepcopy(raw)
    _metric(doc, "ct_activity")["measures"] = ["ct_test"]
    problems = _problems(doc)
    assert any("metric 'ct_activity'" in p and "unknown measure 'ct_test'" in p and "'ct_tests'" in p for p in problems)


def test_a_malformed_trajectory_month_is_named(raw):
    doc = copy.deepcopy(raw)
    doc["trajectories"]["phase3_elective"]["steps"] = {"2020-8": 0.7, "2020-09": 0.8}
    problems = _problems(doc)
    assert any("phase3_elective" in p and "'2020-8'" in p for p in problems)


def test_a_share_without_denominator_is_named(raw):
    doc = copy.deepcopy(raw)
    del _metric(doc, "virtual_share")["denominator"]
    problems = _problems(doc)
    assert any("metric 'virtual_share'" in p and "denominator" in p for p in problems)


@pytest.mark.parametrize("section", ["measures", "metrics", "services", "sites", "segments"])
def test_duplicate_ids_are_named(raw, section):
    doc = copy.deepcopy(raw)
    doc[section].append(copy.deepcopy(doc[section][0]))
    problems = _problems(doc)
    assert any(f"id '{doc[section][0]['id']}' is declared 2 times" in p for p in problems)


def test_an_unknown_improvement_direction_is_named_with_the_value_found(raw):
    doc = copy.deepcopy(raw)
    _metric(doc, "ct_activity")["improvement"] = "up"
    problems = _problems(doc)
    assert any("'ct_activity'" in p and "improvement" in p and "'up'" in p for p in problems)


def test_an_unknown_service_in_a_per_service_override_is_named(raw):
    doc = copy.deepcopy(raw)
    _metric(doc, "elective_activity")["overrides"] = {"cardiolgy": {"target": 0.8}}
    problems = _problems(doc)
    assert any("unknown service 'cardiolgy'" in p and "'cardiology'" in p for p in problems)


def test_a_trajectory_that_does_not_exist_is_named(raw):
    doc = copy.deepcopy(raw)
    _metric(doc, "mri_activity")["trajectory"] = "phase3_diagnostic"
    problems = _problems(doc)
    assert any("unknown trajectory 'phase3_diagnostic'" in p for p in problems)


def test_an_unknown_setting_is_named(raw):
    doc = copy.deepcopy(raw)
    _metric(doc, "ct_activity")["colour"] = "red"
    problems = _problems(doc)
    assert any("colour" in p and "not a setting" in p for p in problems)


def test_every_problem_is_reported_at_once(raw):
    doc = copy.deepcopy(raw)
    _metric(doc, "ct_activity")["measures"] = ["nope"]
    del _metric(doc, "virtual_share")["denominator"]
    doc["measures"].append(copy.deepcopy(doc["measures"][0]))
    problems = _problems(doc)
    assert len(problems) >= 3


def test_a_per_service_override_replaces_the_target_for_that_service_only(raw):
    doc = copy.deepcopy(raw)
    _metric(doc, "elective_activity")["overrides"] = {"cardiology": {"target": 0.8, "target_from": "2020-08"}}
    cfg = parse_config(doc)
    metric = cfg.metric("elective_activity")
    assert cfg.target_for(metric, dt.date(2020, 10, 1), "cardiology") == 0.8
    assert cfg.target_for(metric, dt.date(2020, 10, 1), "urology") == 0.9


def test_an_empty_file_is_refused_with_a_sentence():
    with pytest.raises(ConfigError) as caught:
        parse_config(None)
    assert "YAML mapping" in caught.value.problems[0]


def test_invalid_yaml_is_refused_with_a_sentence(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("metrics: [unclosed\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "not valid YAML" in caught.value.problems[0]


def test_the_store_path_comes_from_the_argument_then_the_environment_then_config(monkeypatch, tmp_path):
    cfg = load_config()
    monkeypatch.setenv("RECOVERY_DB", str(tmp_path / "env.duckdb"))
    assert resolve_db_path(cfg, tmp_path / "arg.duckdb") == tmp_path / "arg.duckdb"
    assert resolve_db_path(cfg) == tmp_path / "env.duckdb"
    monkeypatch.delenv("RECOVERY_DB")
    assert resolve_db_path(cfg).name == "recovery.duckdb"


def test_the_project_config_declares_access_with_an_admin():
    access = load_config().access
    assert access is not None and access.roles["admin"] and access.contact


def test_every_access_problem_is_named_at_once(raw):
    doc = copy.deepcopy(raw)
    doc["access"] = {
        "contact": "the performance team (perf@nhs.net)",
        "allowed_domains": ["nhs net"],
        "allowed_emails": ["ann.nhs.net"],
        "roles": {"analsyt": ["ann@nhs.net"], "editor": ["ed at nhs.net"]},
    }
    assert _problems(doc) == [
        "access → allowed_domains: 'nhs net' is not a domain such as nhs.net (no @, no spaces).",
        "access → allowed_emails: 'ann.nhs.net' is not an email address such as name@nhs.net.",
        "access → roles: unknown role 'analsyt'. Did you mean 'analyst'?",
        "access → roles → editor: 'ed at nhs.net' is not an email address such as name@nhs.net.",
        "access → roles → admin: name at least one admin address, so someone can always read the audit log "
        "and see who has which role.",
    ]


def test_access_without_a_contact_or_anyone_allowed_is_named(raw):
    doc = copy.deepcopy(raw)
    doc["access"] = {"contact": " ", "roles": {"admin": []}}
    problems = _problems(doc)
    assert problems[0].startswith("access → contact: say whom people")
    assert "access: nobody may sign in" in problems[-1]


def test_access_is_optional_for_local_mode(raw):
    doc = copy.deepcopy(raw)
    del doc["access"]
    assert parse_config(doc).access is None
