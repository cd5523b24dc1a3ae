"""AppTest of the My service page: the choice restored from the link, written back as ids, and an
unknown name in the link answered with a sentence rather than an error."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.paths import APP_PATH

TIMEOUT_S = 60


@pytest.fixture
def open_link(demo_db, monkeypatch):
    """Open My service with the given query parameters, as a shared link would: the session's first run
    is the page (before a first run AppTest finds the page by its file's name, its url_path)."""
    monkeypatch.setenv("RECOVERY_DB", str(demo_db))

    def opener(**params: str) -> AppTest:
        at = AppTest.from_file(APP_PATH, default_timeout=TIMEOUT_S)
        at.switch_page("app_pages/my_service.py")
        at.query_params.update(params)
        return at.run()

    return opener


def chart_keys(at: AppTest) -> list[str]:
    return [c.key for c in at.get("plotly_chart")]


def tile_texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if 'class="metric-tile"' in m.value]


def choice(at: AppTest) -> tuple:
    return tuple(at.selectbox(key=f"my_service_{k}").value for k in ("service", "site", "segment"))


def test_a_link_with_labels_restores_the_view_and_is_rewritten_with_ids(open_link):
    at = open_link(service="Cardiology", site="Princess Royal University Hospital")
    assert not at.exception
    assert choice(at) == ("cardiology", "PRUH", "All")
    assert at.subheader[0].value == "Cardiology at Princess Royal University Hospital"
    assert at.query_params == {"service": "cardiology", "site": "PRUH"}
    assert chart_keys(at)[:5] == [
        "my_service_elective_activity_chart", "my_service_op_first_activity_chart",
        "my_service_op_followup_activity_chart", "my_service_virtual_share_chart",
        "my_service_virtual_share_followup_chart",
    ]
    assert len(tile_texts(at)) == len(chart_keys(at))


@pytest.mark.parametrize(("service", "site"), [("cardiology", "PRUH"), ("CARDIOLOGY", "pruh"), ("320", "RJZ30")])
def test_ids_aliases_and_any_case_open_the_same_view(open_link, service, site):
    at = open_link(service=service, site=site)
    assert not at.exception
    assert choice(at) == ("cardiology", "PRUH", "All")


def test_metrics_held_for_the_service_across_all_sites_are_shown_apart(open_link):
    at = open_link(service="cardiology", site="PRUH")
    assert [s.value for s in at.subheader] == [
        "Cardiology at Princess Royal University Hospital", "Cardiology across all sites",
    ]
    assert "my_service_rtt_52_week_waiters_chart" in chart_keys(at)


def test_an_unknown_service_in_the_link_gets_a_sentence_naming_it(open_link):
    at = open_link(service="Cardiolgy", site="PRUH")
    assert not at.exception
    warnings = [w.value for w in at.warning if "unknown service" in w.value]
    assert len(warnings) == 1
    assert "'Cardiolgy'" in warnings[0] and "Did you mean 'Cardiology'?" in warnings[0]
    assert at.selectbox(key="my_service_service").value is None
    assert chart_keys(at) == []
    assert any("Choose a service" in i.value for i in at.info)


def test_choosing_a_service_after_a_bad_link_shows_it_and_fixes_the_link(open_link):
    at = open_link(service="Cardiolgy")
    at.selectbox(key="my_service_service").set_value("urology").run()
    assert not at.exception
    assert at.subheader[0].value == "Urology across all sites"
    assert at.query_params == {"service": "urology", "site": "All"}
    assert not [w for w in at.warning if "unknown" in w.value]


def test_changing_the_site_changes_the_view_and_the_link(open_link):
    at = open_link(service="cardiology", site="PRUH")
    before = tile_texts(at)
    at.selectbox(key="my_service_site").set_value("ORPINGTON").run()
    assert not at.exception
    assert at.subheader[0].value == "Cardiology at Orpington Hospital"
    assert tile_texts(at) != before
    assert at.query_params == {"service": "cardiology", "site": "ORPINGTON"}


def test_a_new_link_in_the_same_session_is_applied(open_link):
    at = open_link(service="cardiology", site="PRUH")
    at.query_params["service"] = "dermatology"
    at.run()
    assert choice(at) == ("dermatology", "PRUH", "All")
    assert at.subheader[0].value == "Dermatology at Princess Royal University Hospital"


def test_a_segment_without_figures_for_the_service_says_what_to_choose(open_link):
    at = open_link(service="cardiology", site="PRUH", segment="IMD quintile 1 (most deprived)")
    assert not at.exception
    assert choice(at) == ("cardiology", "PRUH", "imd:1")
    assert chart_keys(at) == []
    assert any("choose **Everyone**" in i.value for i in at.info)
    assert at.query_params == {"service": "cardiology", "site": "PRUH", "segment": "imd:1"}


def test_a_segment_with_figures_is_shown(open_link):
    at = open_link(service="All", site="All", segment="imd:1")
    assert not at.exception
    assert at.subheader[0].value == "All services across all sites, IMD quintile 1 (most deprived)"
    assert "my_service_elective_activity_chart" in chart_keys(at)


def test_no_link_opens_the_first_service_across_all_sites(open_link, cfg):
    at = open_link()
    assert not at.exception
    assert choice(at) == (cfg.services[0].id, "All", "All")
    assert at.query_params == {"service": cfg.services[0].id, "site": "All"}


def test_a_site_without_figures_for_the_service_names_the_sites_that_have_them(open_link):
    at = open_link(service="cardiology", site="Beckenham PCN")
    assert not at.exception
    assert choice(at) == ("cardiology", "PCN_BECKENHAM", "All")
    infos = [i.value for i in at.info]
    assert any(
        "There are no figures for Cardiology at Beckenham PCN" in i
        and "Princess Royal University Hospital, Orpington Hospital, Beckenham Beacon" in i
        for i in infos
    ), infos
    # What the service has across all sites is still shown, under its own heading.
    assert [s.value for s in at.subheader] == ["Cardiology at Beckenham PCN", "Cardiology across all sites"]
    assert "my_service_elective_activity_chart" in chart_keys(at)


# --- issue 10: the month picker, the SPC view and the table of months --------------------------------------


def caption_with(at: AppTest, text: str) -> list[str]:
    return [c.value for c in at.caption if text in c.value]


def test_a_link_with_a_month_opens_that_month_and_keeps_it(open_link):
    at = open_link(service="cardiology", site="All", month="2020-10")
    assert not at.exception
    assert at.selectbox(key="my_service_month").value.isoformat() == "2020-10-01"
    assert caption_with(at, "Latest month with figures: October 2020")
    assert at.query_params == {"service": "cardiology", "site": "All", "month": "2020-10"}


def test_choosing_a_month_puts_it_in_the_link_and_the_latest_takes_it_out(open_link):
    at = open_link(service="cardiology", site="All")
    latest = at.selectbox(key="my_service_month").value
    assert "month" not in at.query_params
    at.selectbox(key="my_service_month").set_value(latest.replace(month=1 if latest.month != 1 else 2)).run()
    chosen = at.selectbox(key="my_service_month").value
    assert at.query_params["month"] == f"{chosen:%Y-%m}"
    assert caption_with(at, f"Latest month with figures: {chosen:%B %Y}")
    at.selectbox(key="my_service_month").set_value(latest).run()
    assert "month" not in at.query_params


def test_a_month_without_figures_in_the_link_gets_a_sentence_and_the_latest_month(open_link):
    at = open_link(service="cardiology", site="All", month="2031-13")
    assert not at.exception
    assert any("which has no figures" in w.value and "2020-10" in w.value for w in at.warning)
    assert "month" not in at.query_params


def test_each_metric_has_a_table_of_its_months_newest_first(open_link):
    at = open_link(service="cardiology", site="All", month="2020-10")
    tables = at.table
    assert len(tables) >= 3
    first = tables[0].value
    assert list(first.columns) == ["Month", "Value", "Target", "Gap", "Status"]
    assert first.iloc[0]["Month"] == "Oct 2020"
    assert first["Month"].is_unique


def test_each_metric_switches_to_its_spc_view(open_link):
    import json

    at = open_link(service="cardiology", site="All", month="2020-10")
    key = "my_service_view_elective_activity"
    chart = at.get_by_key("my_service_elective_activity_chart")

    def trace_names() -> set[str]:
        spec = json.loads(at.get_by_key("my_service_elective_activity_chart").proto.spec)
        return {trace.get("name") for trace in spec["data"]}

    assert chart is not None and "Process limits" not in trace_names()
    at.segmented_control(key=key).set_value("SPC").run()
    assert not at.exception
    assert {"Process limits", "Mean"} <= trace_names()
