"""app_pages._cache and Store.version: page data computed once per store version, seen fresh after any write."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pandas as pd
import pytest

from app_pages import _cache
from data.store import KEY_COLUMNS, Store
from metrics import views
from metrics.config import Config
from tests.actors import named

WRITER = named("Cache tester")


@pytest.fixture(autouse=True)
def fresh_cache():
    _cache.VIEWS.clear()
    yield
    _cache.VIEWS.clear()


def count_cursors(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every cursor the store opens (every query goes through one), with the method asking."""
    opened: list[str] = []
    original = store.cursor

    def spy():
        import inspect

        opened.append(inspect.stack()[1].function)
        return original()

    monkeypatch.setattr(store, "cursor", spy)
    return opened


def same(a, b) -> bool:
    """Deep equality for the page dataclasses (frames compared by content)."""
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(
            same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    if isinstance(a, pd.DataFrame):
        return isinstance(b, pd.DataFrame) and a.equals(b) and list(a.columns) == list(b.columns)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b or (a != a and b != b)  # NaN equals NaN here


# --- Store.version ------------------------------------------------------------------------------------


def test_every_write_raises_the_store_version_and_a_read_does_not(cfg: Config, demo_store: Store) -> None:
    start = demo_store.version()
    views.load_overview(demo_store, cfg)
    demo_store.record_event(WRITER, "sign-in")  # an audit event is not a change to the figures
    assert demo_store.version() == start
    month = demo_store.latest_month()
    demo_store.add_commentary("rtt_waiting_list", month, "Holding steady.", actor=WRITER)
    assert demo_store.version() == start + 1


def test_a_write_that_changes_nothing_leaves_the_version_alone(demo_store: Store) -> None:
    start = demo_store.version()
    rows = demo_store.facts().head(3)
    result = demo_store.commit_rows(rows, file_name="same.csv", sha256="x", actor=WRITER)
    assert result.upload_id is None
    assert demo_store.version() == start


def test_a_failed_write_leaves_the_version_alone(demo_store: Store) -> None:
    start = demo_store.version()
    with pytest.raises(ValueError):
        demo_store.add_commentary("rtt_waiting_list", dt.date(2021, 1, 1), "x" * 5000, actor=WRITER)
    assert demo_store.version() == start


# --- the cache ----------------------------------------------------------------------------------------


def test_a_second_view_of_an_unchanged_store_reads_only_its_version(
    cfg: Config, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = count_cursors(demo_store, monkeypatch)
    first = _cache.cached_view(views.load_overview, demo_store, cfg)
    queries_first = len(opened)
    opened.clear()
    second = _cache.cached_view(views.load_overview, demo_store, cfg)
    assert queries_first > 3
    assert opened == ["version"]
    assert second is first
    assert _cache.VIEWS.stats.hits == 1 and _cache.VIEWS.stats.misses == 1


def test_within_a_script_run_the_version_is_read_once_until_this_process_writes(
    cfg: Config, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = threading.Event()  # stands for the current script run's coordinator
    monkeypatch.setattr(_cache, "_current_run", lambda: run)
    opened = count_cursors(demo_store, monkeypatch)
    first = _cache.cached_view(views.load_commentary, demo_store, cfg, dt.date(2021, 3, 1))
    opened.clear()
    assert _cache.cached_view(views.load_commentary, demo_store, cfg, dt.date(2021, 3, 1)) is first
    assert _cache.store_is_demo(demo_store)
    assert opened.count("version") == 0
    demo_store.add_commentary(cfg.headline_metrics[0].id, dt.date(2021, 3, 1), "Written.", actor=WRITER)
    after = _cache.cached_view(views.load_commentary, demo_store, cfg, dt.date(2021, 3, 1))
    assert after[cfg.headline_metrics[0].id]["body"] == "Written."


def test_a_write_another_process_made_is_seen_once_the_version_is_read_again(
    cfg: Config, demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    metric, month = cfg.headline_metrics[0].id, dt.date(2021, 3, 1)
    first = _cache.cached_view(views.load_commentary, demo_store, cfg, month)
    with demo_store.cursor() as cur:  # as another app process on the same database would
        cur.execute("INSERT INTO commentary VALUES (999, ?, ?, 'Elsewhere.', 'X', TIMESTAMP '2026-01-01 00:00:00')",
                    [metric, month])
        cur.execute("UPDATE store_version SET version = version + 1")
    second = _cache.cached_view(views.load_commentary, demo_store, cfg, month)
    assert metric not in first
    assert second[metric]["body"] == "Elsewhere."


def test_other_parameters_are_other_entries(cfg: Config, demo_store: Store) -> None:
    latest = _cache.cached_view(views.load_overview, demo_store, cfg)
    earlier = _cache.cached_view(views.load_overview, demo_store, cfg, latest.months_available[-3])
    assert earlier.month == latest.months_available[-3] != latest.month
    assert _cache.VIEWS.stats.misses == 2


def test_the_cache_keeps_at_most_its_bound(cfg: Config, demo_store: Store) -> None:
    small = _cache.ViewCache(max_entries=3)
    for n in range(10):
        small.get_or_compute(demo_store, "square", n, lambda n=n: n * n)
    assert len(small) == 3
    assert small.get_or_compute(demo_store, "square", 9, lambda: -1) == 81  # the newest is kept
    assert small.get_or_compute(demo_store, "square", 0, lambda: -1) == -1  # the oldest went


def test_entries_older_than_the_age_limit_are_computed_again(demo_store: Store) -> None:
    aged = _cache.ViewCache(max_age_seconds=0.0)
    calls = []
    aged.get_or_compute(demo_store, "view", (), lambda: calls.append(1))
    aged.get_or_compute(demo_store, "view", (), lambda: calls.append(1))
    assert len(calls) == 2


def test_sessions_asking_at_once_share_one_computation(demo_store: Store) -> None:
    cache = _cache.ViewCache()
    started, release = threading.Event(), threading.Event()
    calls = []

    def slow():
        calls.append(1)
        started.set()
        release.wait(10)
        return "figures"

    results = []
    first = threading.Thread(target=lambda: results.append(cache.get_or_compute(demo_store, "v", (), slow)))
    first.start()
    started.wait(10)
    others = [threading.Thread(target=lambda: results.append(cache.get_or_compute(demo_store, "v", (), slow)))
              for _ in range(5)]
    for t in others:
        t.start()
    release.set()
    for t in [first, *others]:
        t.join(10)
    assert results == ["figures"] * 6
    assert len(calls) == 1


def test_a_failed_computation_is_not_kept(demo_store: Store) -> None:
    cache = _cache.ViewCache()

    def fail():
        raise RuntimeError("store went away")

    with pytest.raises(RuntimeError):
        cache.get_or_compute(demo_store, "v", (), fail)
    assert cache.get_or_compute(demo_store, "v", (), lambda: 7) == 7


def test_two_stores_never_share_entries(cfg: Config, demo_store: Store, empty_store: Store) -> None:
    assert _cache.cached_view(views.load_overview, demo_store, cfg) is not None
    assert _cache.cached_view(views.load_overview, empty_store, cfg) is None


# --- invalidation: after each kind of write, every cached view shows what a fresh read shows -----------


def cached_views(store: Store, cfg: Config, month: dt.date) -> dict[str, object]:
    """The views the Overview and the assessment page read, through the cache."""
    previous, current = dt.date(2020, 1, 1), dt.date.today()
    return {
        "overview": _cache.cached_view(views.load_overview, store, cfg),
        "overview_month": _cache.cached_view(views.load_overview, store, cfg, month),
        "commentary": _cache.cached_view(views.load_commentary, store, cfg, month),
        "review": _cache.cached_view(views.load_review, store, cfg, previous, current),
        "assessment": _cache.cached_view(views.load_assessment, store, cfg),
        "is_demo": _cache.store_is_demo(store),
        "latest_upload": _cache.latest_upload(store),
    }


def fresh_views(store: Store, cfg: Config, month: dt.date) -> dict[str, object]:
    previous, current = dt.date(2020, 1, 1), dt.date.today()
    return {
        "overview": views.load_overview(store, cfg),
        "overview_month": views.load_overview(store, cfg, month),
        "commentary": views.load_commentary(store, cfg, month),
        "review": views.load_review(store, cfg, previous, current),
        "assessment": views.load_assessment(store, cfg),
        "is_demo": store.is_demo(),
        "latest_upload": store.latest_upload(),
    }


def assert_cache_matches_store(store: Store, cfg: Config, month: dt.date) -> dict[str, object]:
    cached = cached_views(store, cfg, month)
    fresh = fresh_views(store, cfg, month)
    stale = [name for name in cached if not same(cached[name], fresh[name])]
    assert stale == []
    return cached


def test_every_cached_view_reflects_a_commit_an_undo_a_commentary_and_a_review(
    cfg: Config, demo_store: Store
) -> None:
    overview = views.load_overview(demo_store, cfg)
    month = overview.month
    before = assert_cache_matches_store(demo_store, cfg, month)

    # A commit that doubles one headline figure in the month shown.
    measure = cfg.headline_metrics[0].input_measures[0]
    facts = demo_store.facts()
    row = facts[(facts["measure"] == measure) & (facts["segment"] == "All")
                & (pd.to_datetime(facts["month"]).dt.date == month)].head(1)
    changed = row[[*KEY_COLUMNS, "value"]].assign(value=row["value"] * 2 + 1)
    upload_id = demo_store.commit_rows(changed, file_name="restated.csv", sha256="r", actor=WRITER).upload_id
    after_commit = assert_cache_matches_store(demo_store, cfg, month)
    assert not same(after_commit["overview"].series, before["overview"].series)
    assert after_commit["latest_upload"]["upload_id"] == upload_id

    # Undoing it brings back the figures from before.
    demo_store.undo_upload(upload_id, actor=WRITER)
    after_undo = assert_cache_matches_store(demo_store, cfg, month)
    values = {m: frame[["month", "value"]] for m, frame in before["overview"].series.items()}
    assert same({m: frame[["month", "value"]] for m, frame in after_undo["overview"].series.items()}, values)
    assert after_undo["overview"] is not before["overview"]

    # Commentary shows under its tile.
    metric = cfg.headline_metrics[0].id
    demo_store.add_commentary(metric, month, "Improving after the new clinic.", actor=WRITER)
    after_commentary = assert_cache_matches_store(demo_store, cfg, month)
    assert after_commentary["commentary"][metric]["body"] == "Improving after the new clinic."

    # A new Phase 3 review is the assessment page's latest.
    reviews = demo_store.assessment_reviews()
    latest = reviews.sort_values("review_id").iloc[-1]
    rows = demo_store.assessment_rows([int(latest["review_id"])])[["requirement_id", "lead_role", "rag", "assessment"]]
    review_id = demo_store.record_review(
        rows, review_date=dt.date(2026, 1, 5), actor=WRITER, organisation=latest["organisation"]
    )
    after_review = assert_cache_matches_store(demo_store, cfg, month)
    assert not same(after_review["assessment"], after_commentary["assessment"])
    assert review_id in set(demo_store.assessment_reviews()["review_id"])


def test_a_cached_figure_draws_the_same_chart_and_is_built_once(cfg: Config, demo_store: Store) -> None:
    import json

    import plotly.io as pio

    from metrics import charts

    overview = views.load_overview(demo_store, cfg)
    metric = cfg.metric(next(iter(overview.series)))
    built = []

    def build():
        built.append(1)
        return charts.build_trajectory_chart(overview.series[metric.id], metric, title=metric.label)

    first = _cache.cached_figure(demo_store, "chart", (metric.id,), build)
    second = _cache.cached_figure(demo_store, "chart", (metric.id,), build)
    assert second is first and len(built) == 1
    assert json.loads(pio.to_json(first, validate=False)) == json.loads(pio.to_json(build(), validate=False))
