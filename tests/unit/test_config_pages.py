"""Declared pages in config.yaml (`pages:`): the project's own are valid, and each kind of mistake is named
with the page and block to fix, every one at once."""

from __future__ import annotations

import copy

import pytest
import yaml

from metrics.config import (
    BLOCK_KINDS,
    CONFIG_ENV_VAR,
    DEFAULT_CONFIG_PATH,
    ConfigError,
    config_path,
    load_config,
    parse_config,
)


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))


def _problems(doc: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(doc)
    return caught.value.problems


def _page(url: str = "winter", **changes) -> dict:
    page = {
        "url": url, "title": "Winter", "description": "Winter pressures.", "section": "Services",
        "blocks": [{"kind": "tiles", "metrics": ["elective_activity"]},
                   {"kind": "charts", "metrics": ["mri_activity"]}],
    }
    page.update(changes)
    return page


def _with_pages(raw: dict, *pages: dict) -> dict:
    doc = copy.deepcopy(raw)
    doc["pages"] = [*doc.get("pages", []), *pages]
    return doc


def test_the_project_declares_the_elective_and_outpatient_pages_over_known_metrics():
    cfg = load_config()
    assert {"elective", "outpatients"} <= set(cfg.page_by_url)
    elective = cfg.page_by_url["elective"]
    assert elective.title == "Elective & diagnostics"
    assert [b.kind for b in elective.blocks][:2] == ["tiles", "charts"]
    assert elective.by_service_ids == ["elective_activity"]
    for page in cfg.pages:
        assert set(page.metric_ids) <= set(cfg.metric_by_id), page.url
        assert {b.kind for b in page.blocks} <= set(BLOCK_KINDS), page.url


def test_a_new_page_over_existing_metrics_is_valid(raw):
    cfg = parse_config(_with_pages(raw, _page()))
    assert cfg.page_by_url["winter"].metric_ids == ["elective_activity", "mri_activity"]


def test_an_unknown_metric_is_named_with_its_page_block_and_a_suggestion(raw):
    blocks = [{"kind": "tiles", "metrics": ["elective_activty"]}]
    problems = _problems(_with_pages(raw, _page(blocks=blocks)))
    assert problems == [
        "pages → 'winter' → block 1 (tiles): unknown metric 'elective_activty'. Did you mean 'elective_activity'?"
    ]


def test_an_unknown_block_kind_is_named_with_the_kinds_there_are(raw):
    blocks = [{"kind": "heatmapp", "metrics": ["elective_activity"]}]
    (problem,) = _problems(_with_pages(raw, _page(blocks=blocks)))
    assert "block 1 (heatmapp): unknown block kind 'heatmapp'. Did you mean 'heatmap'?" in problem
    assert "tiles, charts, heatmap, ranking, breakdown, table, text" in problem


def test_a_duplicate_url_is_named_once(raw):
    problems = _problems(_with_pages(raw, _page(), _page(title="Winter again")))
    assert problems == ["pages: the url 'winter' is declared 2 times; give each page its own url."]


def test_a_url_of_a_built_in_page_or_with_a_slash_is_refused(raw):
    problems = _problems(_with_pages(raw, _page("overview"), _page("winter/2020")))
    assert any("url 'overview' is a built-in page's address" in p for p in problems)
    assert any("'winter/2020'" in p and "lower-case letters, digits" in p for p in problems)


def test_an_unknown_navigation_section_is_named(raw):
    (problem,) = _problems(_with_pages(raw, _page(section="Servics")))
    assert "unknown navigation section 'Servics'. Did you mean 'Services'?" in problem


def test_blocks_that_need_metrics_text_or_a_dimension_say_so(raw):
    blocks = [
        {"kind": "charts"},
        {"kind": "text"},
        {"kind": "breakdown", "metrics": ["elective_activity"], "dimension": "ward"},
        {"kind": "tiles", "metrics": ["elective_activity"], "per_row": 9},
    ]
    problems = _problems(_with_pages(raw, _page(blocks=blocks)))
    assert problems == [
        "pages → 'winter' → block 1 (charts): name the metrics it shows (metrics: [...]).",
        "pages → 'winter' → block 2 (text): a text block needs its text.",
        "pages → 'winter' → block 3 (breakdown): dimension must be one of site, service, imd, ethnicity "
        "(found 'ward').",
        "pages → 'winter' → block 4 (tiles): per_row must be between 1 and 6.",
    ]


def test_a_page_without_blocks_and_a_heatmap_and_ranking_that_disagree_are_named(raw):
    blocks = [{"kind": "heatmap", "metrics": ["elective_activity"]}, {"kind": "ranking", "metrics": ["mri_activity"]}]
    problems = _problems(_with_pages(raw, _page(blocks=[]), _page("cancer", blocks=blocks)))
    assert "pages → 'winter': a page needs at least one block." in problems
    assert any(p.startswith("pages → 'cancer': the heatmap and the ranking") for p in problems)


def test_a_missing_field_and_an_unknown_setting_are_named_by_pydantic(raw):
    page = _page()
    del page["title"]
    page["colour"] = "blue"
    problems = _problems(_with_pages(raw, page))
    assert any("pages → 'winter'" in p and "title" in p and "Field required" in p for p in problems)
    assert any("colour: is not a setting this dashboard knows" in p for p in problems)


def test_every_problem_in_every_page_is_listed_at_once(raw):
    bad = [{"kind": "tiles", "metrics": ["nope"]}, {"kind": "pie", "metrics": ["elective_activity"]}]
    problems = _problems(_with_pages(raw, _page(blocks=bad), _page("winter", section="Nowhere")))
    assert len(problems) == 4  # the duplicate url, the unknown metric, the unknown kind, the unknown section


def test_recovery_config_points_the_dashboard_at_another_file(tmp_path, monkeypatch, raw):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(_with_pages(raw, _page())), encoding="utf-8")
    monkeypatch.setenv(CONFIG_ENV_VAR, str(path))
    assert config_path() == path
    assert "winter" in load_config().page_by_url


def test_a_metric_charted_twice_or_two_heatmaps_are_named(raw):
    blocks = [{"kind": "charts", "metrics": ["mri_activity"]}, {"kind": "charts", "metrics": ["mri_activity"]},
              {"kind": "charts", "metrics": ["mri_activity"], "chart": "spc"},
              {"kind": "heatmap", "metrics": ["mri_activity"]}, {"kind": "heatmap", "metrics": ["ct_activity"]}]
    problems = _problems(_with_pages(raw, _page(blocks=blocks)))
    assert problems == [
        "pages → 'winter': a page has one heatmap block (it follows the page's by-service choice).",
        "pages → 'winter': metric 'mri_activity' has two trajectory charts on the page; show it once.",
    ]
