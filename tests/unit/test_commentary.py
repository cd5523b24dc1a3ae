"""Commentary: a narrative per metric per month, every version kept with who wrote it and when."""

from __future__ import annotations

import datetime as dt

import pytest

from data.store import MAX_COMMENTARY_CHARS, Store
from metrics import views
from metrics.config import Config
from tests.actors import named

# Store tests run on both engines: a DuckDB file and a PostgreSQL database (tests/conftest.py).
BOTH_ENGINES = True

OCT, SEP = dt.date(2020, 10, 1), dt.date(2020, 9, 1)
MORNING, AFTERNOON = dt.datetime(2020, 11, 20, 9, 0), dt.datetime(2020, 11, 20, 15, 30)


def test_commentary_is_migration_4(empty_store: Store) -> None:
    assert 4 in empty_store.applied_migrations()
    assert "commentary" in empty_store.table_names()


def test_a_saved_commentary_is_the_latest_for_its_metric_and_month(empty_store: Store) -> None:
    empty_store.add_commentary("ct_activity", OCT, "  CT back to last year's level.  ", actor=named("Ann Analyst"),
                               now=MORNING)
    latest = empty_store.latest_commentary(OCT)
    assert latest[["metric", "body", "written_by", "versions"]].to_dict("records") == [
        {"metric": "ct_activity", "body": "CT back to last year's level.", "written_by": "Ann Analyst", "versions": 1}
    ]
    assert latest["written_at"].iloc[0] == MORNING


def test_a_new_version_is_a_new_row_and_the_earlier_one_is_kept(empty_store: Store) -> None:
    first = empty_store.add_commentary("ct_activity", OCT, "First draft.", actor=named("Ann Analyst"), now=MORNING)
    second = empty_store.add_commentary("ct_activity", OCT, "Agreed wording – £2m → scanner.", actor=named("Dr Lead"),
                                        now=AFTERNOON)
    assert second > first
    latest = empty_store.latest_commentary(OCT).iloc[0]
    assert (latest["body"], latest["written_by"]) == ("Agreed wording – £2m → scanner.", "Dr Lead")
    assert latest["versions"] == 2
    versions = empty_store.commentary_versions("ct_activity", OCT)
    assert versions[["body", "written_by"]].to_dict("records") == [
        {"body": "Agreed wording – £2m → scanner.", "written_by": "Dr Lead"},
        {"body": "First draft.", "written_by": "Ann Analyst"},
    ]


def test_commentary_is_kept_per_metric_and_month(empty_store: Store) -> None:
    empty_store.add_commentary("ct_activity", OCT, "October CT.", actor=named("Ann"), now=MORNING)
    empty_store.add_commentary("ct_activity", SEP, "September CT.", actor=named("Ann"), now=MORNING)
    empty_store.add_commentary("mri_activity", OCT, "October MRI.", actor=named("Ann"), now=MORNING)
    latest = empty_store.latest_commentary(OCT)
    assert dict(zip(latest["metric"], latest["body"], strict=True)) == {
        "ct_activity": "October CT.",
        "mri_activity": "October MRI.",
    }
    assert empty_store.latest_commentary(OCT, ["mri_activity"])["body"].tolist() == ["October MRI."]
    assert empty_store.latest_commentary(dt.date(2020, 8, 1)).empty


@pytest.mark.parametrize(
    ("body", "author", "message"),
    [
        ("   ", "Ann", "The commentary is empty"),
        ("x" * (MAX_COMMENTARY_CHARS + 1), "Ann", "shorten it to 1,500 or fewer"),
    ],
)
def test_bad_commentary_is_refused_with_a_sentence_and_nothing_is_kept(
    empty_store: Store, body: str, author: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        empty_store.add_commentary("ct_activity", OCT, body, actor=named(author))
    assert empty_store.commentary_versions("ct_activity", OCT).empty


def test_views_refuse_an_unknown_metric(empty_store: Store, cfg: Config) -> None:
    with pytest.raises(ValueError, match="Did you mean 'ct_activity'"):
        views.save_commentary(empty_store, cfg, "ct_activty", OCT, "Text.", named("Ann"))
    assert empty_store.latest_commentary(OCT).empty


def test_load_commentary_gives_the_latest_per_headline_metric(empty_store: Store, cfg: Config) -> None:
    views.save_commentary(empty_store, cfg, "ct_activity", dt.date(2020, 10, 15), "Mid-month date is the month.",
                          named("Ann"))
    views.save_commentary(empty_store, cfg, "diagnostics_activity", OCT, "Not a headline metric.", named("Ann"))
    notes = views.load_commentary(empty_store, cfg, OCT)
    assert list(notes) == ["ct_activity"]
    assert notes["ct_activity"]["body"] == "Mid-month date is the month."
