"""Sources (metrics.sources): every published figure the demonstration reproduces is listed with its
document and whose it is, and the demonstration store reproduces every one of them; seed 001's figures
are never called One Bromley's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from metrics import sources, views
from metrics.assessment import RAG_VALUES
from metrics.months import parse_month

ROOT = Path(__file__).resolve().parents[2]


def test_every_figure_the_demonstration_pins_is_in_the_sources_panel():
    from data.demo import PINNED

    checked = {(check[1], month) for f in sources.FIGURES for check in f.checks if check[0] == "metric"
               for month in [check[2]]}
    checked |= {(check[1], month) for f in sources.FIGURES for check in f.checks if check[0] == "total"
                for month in check[2]}
    for measure, month in PINNED:
        metric_like = {"ct_tests": "ct_activity", "mri_tests": "mri_activity",
                       "op_first_attendances": "op_first_activity",
                       "op_followup_attendances": "op_followup_activity"}.get(measure, measure)
        if month == "2019-07":
            continue  # July 2019 totals are chosen so that July 2020 gives the published ratio
        assert (metric_like, month) in checked or (measure, month) in checked, (measure, month)


def test_the_demonstration_store_reproduces_every_listed_figure(demo_store, cfg):
    for figure in sources.FIGURES:
        for check in figure.checks:
            kind = check[0]
            if kind == "metric":
                _, metric_id, month, expected = check
                report = views.load_report(demo_store, cfg, parse_month(month)).set_index("metric")
                assert report.loc[metric_id, "value"] == pytest.approx(expected, abs=5e-4), figure.figure
            elif kind in ("total", "site_total"):
                measure, months = check[1], [parse_month(m) for m in check[-2]]
                site = check[2] if kind == "site_total" else "All"
                totals = demo_store.measure_totals([measure], site=site, start=min(months), end=max(months))
                assert totals["value"].sum() == check[-1], figure.figure
            elif kind == "window_total":
                _, measure, parts, expected = check
                total = sum(float(demo_store.measure_totals([measure], start=parse_month(m), end=parse_month(m))
                                  ["value"].sum()) * share for m, share in parts)
                assert round(total) == expected, figure.figure
            elif kind == "metric_range":
                _, metric_id, months, low, high = check
                for month in months:
                    report = views.load_report(demo_store, cfg, parse_month(month)).set_index("metric")
                    assert low <= report.loc[metric_id, "value"] <= high, (figure.figure, month)
            elif kind == "rag_counts":
                _, day, expected = check
                page = views.load_assessment(demo_store, cfg, sources.SPECIALIST_TRUST)
                row = page.counts[page.counts["review_date"] == dt.date.fromisoformat(day)].iloc[0]
                assert tuple(int(row[rag]) for rag in RAG_VALUES) == expected, figure.figure
            else:
                raise AssertionError(f"unknown check {kind}")


def test_seed_001_figures_are_attributed_to_the_specialist_trust_never_to_one_bromley():
    for figure in sources.FIGURES:
        if "seed 001" in figure.document:
            assert figure.organisation.startswith(sources.SPECIALIST_TRUST)
            assert "outside Bromley" in figure.organisation
        else:
            assert figure.organisation.startswith("One Bromley")


def test_the_demonstration_reviews_belong_to_the_specialist_trust(demo_store, cfg):
    reviews = demo_store.assessment_reviews()
    assert set(reviews["organisation"]) == {sources.SPECIALIST_TRUST}
    assert all("Not One Bromley's position" in note for note in reviews["note"])
    page = views.load_assessment(demo_store, cfg)
    assert page.organisation == sources.SPECIALIST_TRUST
    assert page.organisations[1:] == cfg.partners  # each partner can keep its own reviews
    assert views.load_assessment(demo_store, cfg, cfg.partners[0]).counts.empty


@pytest.mark.parametrize("path", ["README.md", "app_pages/_shared.py", "metrics/pack.py", "data/demo.py"])
def test_no_text_calls_the_seed_001_figures_bromleys_or_a_trust_assessment_of_ours(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    assert "Only the published figures quoted in the README are real" not in text
    assert "| Trust assessment against Phase 3 |" not in text
    assert "Trust assessment (001)" not in text
