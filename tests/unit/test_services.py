"""Service-level views: the heatmap frame, the ranking, a service's own metrics, names read from a
link, and the figures and queries built on them (heatmap legibility, lower-is-better marking, the
service-page views on the demonstration store)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from metrics import charts, services, views
from tests.actors import named

JUL19, AUG19, SEP19 = dt.date(2019, 7, 1), dt.date(2019, 8, 1), dt.date(2019, 9, 1)
JUL20, AUG20, SEP20 = dt.date(2020, 7, 1), dt.date(2020, 8, 1), dt.date(2020, 9, 1)
ORDINARY, DAYCASE = "elective_ordinary_spells", "elective_daycase_spells"


def by_service(rows: list[tuple[dt.date, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["month", "measure", "service", "value"])


@pytest.fixture
def elective(cfg):
    return cfg.metric("elective_activity")


@pytest.fixture
def small_heatmap(cfg, elective) -> pd.DataFrame:
    """Urology listed first on purpose: the frame must follow config order (cardiology first).

    Cardiology: Aug 2019 100 + 100 = 200, Aug 2020 130 + 20 = 150 → 75% against 70% (green, +5 pts);
                Sep 2019 200, Sep 2020 160 → 80% against 80% (green, ±0).
    Urology:    Aug 2019 200, Aug 2020 120 → 60% (red, −10 pts); Sep 2019 100, Sep 2020 76 → 76% (amber).
    ENT:        baseline only, nothing in 2020 → left out.
    """
    rows = [
        (AUG19, ORDINARY, "urology", 150), (AUG19, DAYCASE, "urology", 50),
        (AUG20, ORDINARY, "urology", 100), (AUG20, DAYCASE, "urology", 20),
        (SEP19, ORDINARY, "urology", 50), (SEP19, DAYCASE, "urology", 50),
        (SEP20, ORDINARY, "urology", 40), (SEP20, DAYCASE, "urology", 36),
        (AUG19, ORDINARY, "cardiology", 100), (AUG19, DAYCASE, "cardiology", 100),
        (AUG20, ORDINARY, "cardiology", 130), (AUG20, DAYCASE, "cardiology", 20),
        (SEP19, ORDINARY, "cardiology", 100), (SEP19, DAYCASE, "cardiology", 100),
        (SEP20, ORDINARY, "cardiology", 100), (SEP20, DAYCASE, "cardiology", 60),
        (AUG19, ORDINARY, "ent", 10), (AUG19, DAYCASE, "ent", 10),
    ]
    return services.heatmap_frame(cfg, elective, by_service(rows), [AUG20, SEP20])


# --- heatmap frame ---------------------------------------------------------------------------------


def test_the_heatmap_has_one_row_per_service_and_month_in_config_order(small_heatmap):
    assert list(small_heatmap.columns) == services.HEATMAP_COLUMNS
    assert list(zip(small_heatmap["service"], small_heatmap["month"], strict=True)) == [
        ("cardiology", AUG20), ("cardiology", SEP20), ("urology", AUG20), ("urology", SEP20),
    ]
    assert list(small_heatmap["label"]) == ["Cardiology", "Cardiology", "Urology", "Urology"]


def test_the_heatmap_holds_each_services_ratio_target_gap_and_status(small_heatmap):
    assert small_heatmap["value"].round(6).tolist() == [0.75, 0.8, 0.6, 0.76]
    assert small_heatmap["numerator"].tolist() == [150.0, 160.0, 120.0, 76.0]
    assert small_heatmap["denominator"].tolist() == [200.0, 200.0, 200.0, 100.0]
    assert small_heatmap["target"].tolist() == [0.7, 0.8, 0.7, 0.8]
    assert small_heatmap["gap"].round(6).tolist() == [0.05, 0.0, -0.1, -0.04]
    assert small_heatmap["status"].tolist() == ["green", "green", "red", "amber"]


def test_a_service_without_a_value_in_any_month_shown_is_left_out(small_heatmap):
    assert "ent" not in set(small_heatmap["service"])


def test_an_empty_breakdown_gives_an_empty_heatmap_with_the_columns(cfg, elective):
    frame = services.heatmap_frame(cfg, elective, by_service([]), [AUG20])
    assert frame.empty
    assert list(frame.columns) == services.HEATMAP_COLUMNS


def test_a_share_metric_heatmap_divides_within_the_month(cfg):
    metric = cfg.metric("virtual_share_followup")
    rows = [
        (AUG20, "op_followup_virtual", "dermatology", 45), (AUG20, "op_followup_attendances", "dermatology", 100),
    ]
    frame = services.heatmap_frame(cfg, metric, by_service(rows), [AUG20])
    assert frame[["service", "value", "target", "status"]].to_dict("records") == [
        {"service": "dermatology", "value": 0.45, "target": 0.6, "status": "red"}
    ]


# --- ranking ---------------------------------------------------------------------------------------


def test_the_ranking_month_is_the_latest_month_with_a_gap(small_heatmap):
    assert services.ranking_month(small_heatmap) == SEP20


def test_the_ranking_month_falls_back_to_the_latest_value_when_no_month_has_a_target(cfg, elective):
    rows = [(JUL19, ORDINARY, "cardiology", 100), (JUL19, DAYCASE, "cardiology", 100),
            (JUL20, ORDINARY, "cardiology", 80), (JUL20, DAYCASE, "cardiology", 40)]
    frame = services.heatmap_frame(cfg, elective, by_service(rows), [JUL20])
    assert frame["target"].isna().all()
    assert services.ranking_month(frame) == JUL20
    assert services.ranking_month(frame.iloc[0:0]) is None


def test_services_are_ranked_furthest_below_target_first(small_heatmap):
    ranking = services.rank_services(small_heatmap, AUG20)
    assert list(ranking.columns) == services.RANKING_COLUMNS
    assert ranking[["rank", "service"]].values.tolist() == [[1, "urology"], [2, "cardiology"]]
    assert ranking["gap"].round(6).tolist() == [-0.1, 0.05]


def test_a_lower_is_better_ranking_puts_the_largest_excess_first():
    frame = pd.DataFrame(
        {
            "service": ["a", "b", "c"], "label": ["A", "B", "C"], "month": [AUG20] * 3,
            "value": [10.0, 30.0, 20.0], "target": [20.0, 20.0, 20.0], "gap": [-10.0, 10.0, 0.0],
            "status": ["green", "red", "green"],
        }
    )
    assert services.rank_services(frame, AUG20, "decrease")["service"].tolist() == ["b", "c", "a"]
    assert services.rank_services(frame, AUG20, "increase")["service"].tolist() == ["a", "c", "b"]


def test_rows_without_a_gap_follow_lowest_value_first_and_ties_go_by_label():
    nan = float("nan")
    frame = pd.DataFrame(
        {
            "service": ["z", "y", "x", "w", "v"], "label": ["Zeta", "Yota", "Xi", "Beta", "Alpha"],
            "month": [AUG20] * 5,
            "value": [0.9, nan, 0.5, 0.8, 0.8], "target": [nan, nan, nan, 0.9, 0.9],
            "gap": [nan, nan, nan, -0.1, -0.1], "status": ["no_target", "no_data", "no_target", "red", "red"],
        }
    )
    ranking = services.rank_services(frame, AUG20)
    assert ranking["label"].tolist() == ["Alpha", "Beta", "Xi", "Zeta", "Yota"]
    assert ranking["rank"].tolist() == [1, 2, 3, 4, 5]


def test_ranking_a_month_not_in_the_heatmap_gives_an_empty_ranking(small_heatmap):
    assert services.rank_services(small_heatmap, JUL20).empty


def test_an_unknown_improvement_direction_is_refused(small_heatmap):
    with pytest.raises(ValueError, match="increase, decrease or neutral"):
        services.rank_services(small_heatmap, AUG20, "upwards")


def test_the_heatmap_is_ordered_like_the_ranking(small_heatmap):
    ranking = services.rank_services(small_heatmap, AUG20)
    ordered = services.order_heatmap(small_heatmap, ranking)
    assert list(zip(ordered["service"], ordered["month"], strict=True)) == [
        ("urology", AUG20), ("urology", SEP20), ("cardiology", AUG20), ("cardiology", SEP20),
    ]


def test_the_ranking_table_gives_status_in_an_icon_and_words(small_heatmap, elective):
    table = services.ranking_table(services.rank_services(small_heatmap, AUG20), elective, amber_margin=0.05)
    assert table.to_dict("records") == [
        {"Rank": 1, "Service": "Urology", "Value": "60.0%", "Target": "70.0%", "Gap": "−10.0 pts",
         "Status": "✖ Red: 10.0 points below target"},
        {"Rank": 2, "Service": "Cardiology", "Value": "75.0%", "Target": "70.0%", "Gap": "+5.0 pts",
         "Status": "✔ Green: target met"},
    ]


def test_the_ranking_csv_keeps_fractions_and_uk_months(small_heatmap, elective):
    frame = services.ranking_csv_frame(services.rank_services(small_heatmap, SEP20), elective)
    assert frame.to_dict("records") == [
        {"rank": 1, "service": "Urology", "month": "Sep 2020", "metric": "Elective activity (overnight + day case)",
         "value": 0.76, "target": 0.8, "gap": -0.04, "status": "Amber"},
        {"rank": 2, "service": "Cardiology", "month": "Sep 2020", "metric": "Elective activity (overnight + day case)",
         "value": 0.8, "target": 0.8, "gap": 0.0, "status": "Green"},
    ]


# --- a service's own metrics -----------------------------------------------------------------------


def series(values: list[float], months: list[dt.date]) -> pd.DataFrame:
    return pd.DataFrame({"month": months, "value": values})


def test_only_metrics_with_a_value_count_as_having_data():
    nan = float("nan")
    given = {
        "a": series([nan, 0.5], [AUG20, SEP20]),
        "b": series([nan, nan], [AUG20, SEP20]),
        "c": series([3.0], [JUL20]),
    }
    assert services.metrics_with_data(given) == ["a", "c"]
    assert services.latest_month_with_data(given) == SEP20
    assert services.latest_month_with_data({"b": given["b"]}) is None


def test_a_scoped_csv_frame_leads_with_the_scope():
    frame = pd.DataFrame({"month": ["Aug 2020"], "value": [0.5]})
    scoped = services.scoped_csv_frame(frame, {"service": "Cardiology", "site": "All sites"})
    assert scoped.to_dict("records") == [
        {"service": "Cardiology", "site": "All sites", "month": "Aug 2020", "value": 0.5}
    ]
    assert list(frame.columns) == ["month", "value"]  # the input is left alone


# --- names from a link -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cardiology", "cardiology"),
        ("Cardiology", "cardiology"),
        ("  CARDIOLOGY ", "cardiology"),
        ("320", "cardiology"),  # treatment function code alias
        ("t&o", "trauma_orthopaedics"),
        ("Trauma   and orthopaedics", "trauma_orthopaedics"),
        ("Clinical Haematology", "clinical_haematology"),
        ("all", "All"),
        ("All services", "All"),
    ],
)
def test_a_service_is_found_by_id_label_or_alias_in_any_case(cfg, text, expected):
    assert services.resolve_name(text, cfg.services, "service") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("PRUH", "PRUH"), ("pruh", "PRUH"), ("Princess Royal University Hospital", "PRUH"), ("rjz30", "PRUH"),
     ("All sites", "All")],
)
def test_a_site_is_found_by_id_label_or_alias_in_any_case(cfg, text, expected):
    assert services.resolve_name(text, cfg.sites, "site") == expected


def test_everyone_is_the_total_for_segments_only(cfg):
    assert services.resolve_name("Everyone", cfg.segments, "segment") == "All"
    assert services.resolve_name("imd:1", cfg.segments, "segment") == "imd:1"
    with pytest.raises(services.UnknownNameError):
        services.resolve_name("everyone", cfg.services, "service")


def test_an_unknown_name_says_so_and_suggests_the_nearest(cfg):
    with pytest.raises(services.UnknownNameError) as caught:
        services.resolve_name("Cardiolgy", cfg.services, "service")
    assert str(caught.value) == "There is no service called 'Cardiolgy'. Did you mean 'Cardiology'?"


def test_an_unknown_name_with_nothing_close_has_no_suggestion(cfg):
    with pytest.raises(services.UnknownNameError) as caught:
        services.resolve_name("zzzz", cfg.sites, "site")
    assert str(caught.value) == "There is no site called 'zzzz'."


def test_a_name_from_a_link_is_shown_literally_and_kept_short():
    assert services.shown_name("[click](http://x)") == "[click](http://x)"  # escaped where shown, not here
    assert services.shown_name("a*b_c$") == "a*b_c$"
    assert services.shown_name("bad\nname") == "badname"
    long = services.shown_name("x" * 100)
    assert len(long) == services.MAX_SHOWN_NAME and long.endswith("…")


def test_a_link_is_read_into_ids(cfg):
    choice = services.parse_service_choice(cfg, {"service": "Cardiology", "site": "pruh"}, "urology")
    assert choice == services.ServiceChoice("cardiology", "PRUH", "All", ())
    assert choice.is_complete


def test_missing_or_blank_parameters_take_the_defaults(cfg):
    assert services.parse_service_choice(cfg, {}, "urology") == services.ServiceChoice("urology", "All", "All", ())
    blank = services.parse_service_choice(cfg, {"service": " ", "site": ""}, "urology")
    assert blank == services.ServiceChoice("urology", "All", "All", ())


def test_a_repeated_parameter_counts_once_with_its_last_value(cfg):
    choice = services.parse_service_choice(cfg, {"service": ["ent", "urology"], "segment": ["imd:5"]}, "ent")
    assert (choice.service, choice.segment) == ("urology", "imd:5")


def test_an_unknown_name_in_a_link_becomes_none_with_a_sentence_naming_it(cfg):
    choice = services.parse_service_choice(cfg, {"service": "Cardiolgy", "site": "Mars General"}, "urology")
    assert (choice.service, choice.site, choice.segment) == (None, None, "All")
    assert not choice.is_complete
    assert choice.problems == (
        "The link asks for an unknown service. There is no service called 'Cardiolgy'. Did you mean 'Cardiology'? "
        "Choose a service from the list below.",
        "The link asks for an unknown site. There is no site called 'Mars General'. Choose a site from the list "
        "below.",
    )


def test_a_choice_is_written_back_as_ids():
    assert services.choice_query_params("cardiology", "PRUH") == {"service": "cardiology", "site": "PRUH"}
    assert services.choice_query_params("All", "All", "imd:1") == {"service": "All", "site": "All", "segment": "imd:1"}


# --- figures built from these frames ---------------------------------------------------------------


def test_scale_colours_and_contrast_follow_wcag():
    assert charts.scale_colour(0.0) == "#B35806"
    assert charts.scale_colour(0.5) == "#F7F7F7"
    assert charts.scale_colour(1.0) == "#2166AC"
    assert charts.scale_colour(2.0) == "#2166AC"  # clipped
    assert round(charts.contrast_ratio("#000000", "#FFFFFF"), 1) == 21.0
    assert charts.text_colour_on("#B35806") == "#FFFFFF"
    assert charts.text_colour_on("#F7F7F7") == charts.NHS_TEXT


def test_every_heatmap_cell_prints_its_value_and_icon_in_a_legible_colour(cfg, small_heatmap, elective):
    fig = charts.build_service_heatmap(small_heatmap, elective)
    texts = [a.text for a in fig.layout.annotations if a.yref != "paper"]
    assert texts == ["75.0% ✔", "80.0% ✔", "60.0% ✖", "76.0% ▲"]
    gaps = fig.data[1].z
    for annotation in fig.layout.annotations:
        if annotation.yref == "paper":
            continue
        position = gaps[annotation.y][annotation.x]
        fill = charts.scale_colour(position)
        assert charts.contrast_ratio(fill, annotation.font.color) >= 4.5


def test_the_heatmap_is_centred_on_each_months_target(small_heatmap, elective):
    fig = charts.build_service_heatmap(small_heatmap, elective)
    z = fig.data[1].z
    # +5 pts is a quarter of the way to full blue, 0 is the middle, −10 pts half way to full orange.
    assert [[round(v, 3) for v in row] for row in z] == [[0.625, 0.5], [0.25, 0.4]]
    assert fig.layout.xaxis.ticktext[0].startswith("Aug 2020<br>")
    assert "target 70%" in fig.layout.xaxis.ticktext[0] and "target 80%" in fig.layout.xaxis.ticktext[1]
    assert list(fig.layout.yaxis.ticktext) == ["Cardiology", "Urology"]


def test_a_month_without_a_target_is_grey_not_coloured(cfg, elective):
    rows = [(JUL19, ORDINARY, "cardiology", 100), (JUL19, DAYCASE, "cardiology", 100),
            (JUL20, ORDINARY, "cardiology", 80), (JUL20, DAYCASE, "cardiology", 40)]
    fig = charts.build_service_heatmap(services.heatmap_frame(cfg, elective, by_service(rows), [JUL20]), elective)
    grey, gap = fig.data
    assert grey.z[0][0] == 0 and gap.z[0][0] is None
    assert [a.text for a in fig.layout.annotations] == ["60.0%"]  # no RAG icon without a target
    assert "no target" in fig.layout.xaxis.ticktext[0]


def test_the_heatmap_refuses_a_count_metric(cfg, small_heatmap):
    with pytest.raises(ValueError, match="percentage metrics"):
        charts.build_service_heatmap(small_heatmap, cfg.metric("rtt_52_week_waiters"))


def test_a_lower_is_better_chart_says_so_and_tints_the_worse_side(cfg):
    metric = cfg.metric("cancer_62_day_backlog")
    frame = pd.DataFrame(
        {"month": [SEP20, dt.date(2020, 10, 1), dt.date(2020, 11, 1)], "value": [90.0, 70.0, 50.0],
         "target": [math.nan, 60.0, 60.0], "gap": [math.nan, 10.0, -10.0], "status": ["no_target", "amber", "green"]}
    )
    fig = charts.build_trajectory_chart(frame, metric, title=metric.label)
    assert "Lower is better" in fig.layout.title.text
    assert [(s.y0, s.y1) for s in fig.layout.shapes if s.type == "rect"] == [(60.0, pytest.approx(100.8))]
    rising = charts.build_trajectory_chart(frame, cfg.metric("elective_activity"), title="x")
    assert "Lower is better" not in rising.layout.title.text


# --- the service-page views and the store query behind them ---------------------------------------


def test_the_sites_holding_figures_for_a_service_are_listed(demo_store, cfg):
    assert demo_store.dimension_values_within("site", service="cardiology") == ["BECKENHAM_BEACON", "ORPINGTON", "PRUH"]
    assert views.load_service_sites(demo_store, cfg, "cardiology") == ["PRUH", "ORPINGTON", "BECKENHAM_BEACON"]
    assert demo_store.dimension_values_within("site", service="spa_p0") == ["KCH_DH", "OTHER_ACUTE", "PRUH"]
    assert demo_store.dimension_values_within("service", site="ORPINGTON", measures=["mri_tests"]) == []
    with pytest.raises(ValueError, match="not a dimension"):
        demo_store.dimension_values_within("month")


def test_a_metric_not_held_by_site_is_shown_for_all_sites_with_a_note(demo_store, cfg):
    page = views.load_service_page(
        demo_store, cfg, ["elective_activity", "rtt_52_week_waiters"], site="PRUH",
        start=dt.date(2020, 4, 1), end=dt.date(2021, 3, 1), heatmap_metric="elective_activity",
    )
    assert list(page.notes) == ["rtt_52_week_waiters"]
    assert "Princess Royal University Hospital" in page.notes["rtt_52_week_waiters"]
    assert page.series["rtt_52_week_waiters"]["value"].iloc[-1] == 1010  # the demo's March 2021 total
    assert page.ranking_month == dt.date(2021, 3, 1)
    assert len(page.ranking) == 12 and page.ranking["rank"].tolist() == list(range(1, 13))
    assert list(dict.fromkeys(page.heatmap["service"])) == page.ranking["service"].tolist()


def test_my_service_holds_the_metrics_with_figures_at_the_site_and_those_held_for_all_sites(demo_store, cfg):
    view = views.load_my_service(demo_store, cfg, "cardiology", "PRUH")
    # The waiting list and its 18-week share (issue 14) are held by specialty and site too.
    assert list(view.series) == [
        "elective_activity", "op_first_activity", "op_followup_activity", "virtual_share", "virtual_share_followup",
        "rtt_waiting_list", "rtt_18_weeks",
    ]
    assert list(view.wider_series) == ["rtt_52_week_waiters"]
    assert view.month == dt.date(2021, 3, 1)
    assert view.tiles["metric"].tolist() == list(view.series)


def test_my_service_for_a_segment_without_figures_says_everyone_has_them(demo_store, cfg):
    view = views.load_my_service(demo_store, cfg, "cardiology", "PRUH", "imd:1")
    assert view.series == {} and view.wider_series == {}
    assert view.figures_without_segment


@pytest.mark.parametrize(
    "metric_id", ["elective_activity", "op_followup_activity", "virtual_share", "rtt_52_week_waiters"]
)
def test_the_heatmap_matches_each_services_own_series(demo_store, cfg, metric_id):
    """The all-services-at-once heatmap gives exactly what compute_series gives service by service."""
    from metrics import compute

    metric = cfg.metric(metric_id)
    months = compute.chart_months(cfg, metric, dt.date(2021, 3, 1))
    totals = demo_store.measure_totals_by("service", metric.input_measures, start=cfg.first_month)
    frame = services.heatmap_frame(cfg, metric, totals, months)
    assert len(set(frame["service"])) == 12
    for service, rows in frame.groupby("service", sort=False):
        own = compute.compute_series(cfg, metric, demo_store.measure_totals(metric.input_measures, service=service),
                                     months, service=service)
        expected = own[["month", "value", "numerator", "denominator", "target", "gap", "status"]]
        got = rows[expected.columns].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_page_options_offer_a_heatmap_only_for_metrics_held_by_service(demo_store, cfg):
    options = views.load_page_options(
        demo_store, cfg, ["elective_activity", "mri_activity"], ["elective_activity", "mri_activity"]
    )
    assert options.heatmap_metrics == ["elective_activity"]
    assert options.sites == ["PRUH", "ORPINGTON", "BECKENHAM_BEACON"]  # config order
    assert (options.months[0], options.months[-1]) == (dt.date(2019, 4, 1), dt.date(2021, 3, 1))


def test_filter_options_come_from_one_pass_over_the_facts(demo_store):
    options = demo_store.filter_options(["mri_tests", "rtt_52_week_waiters", "op_first_virtual"])
    assert options["sites"] == ["BECKENHAM_BEACON", "ORPINGTON", "PRUH"]
    assert options["by_service"] == ["op_first_virtual", "rtt_52_week_waiters"]
    assert (options["months"][0], options["months"][-1], len(options["months"])) == (
        dt.date(2019, 4, 1), dt.date(2021, 3, 1), 24,
    )


def test_a_service_missing_a_site_is_partial_in_the_heatmap_like_for_like(demo_store, cfg):
    """A heatmap cell says what a tile would: an April 2021 month holding cardiology at the PRUH only is
    partial, its ratio against the PRUH's own April 2019 cardiology figure."""
    import pandas as pd

    april, baseline = dt.date(2021, 4, 1), dt.date(2019, 4, 1)
    metric = cfg.metric("op_first_activity")
    demo_store.commit_rows(
        pd.DataFrame([(april, "op_first_attendances", "cardiology", "PRUH", "All", 500.0)],
                     columns=["month", "measure", "service", "site", "segment", "value"]),
        file_name="april.csv", sha256="a", actor=named("analyst"),
    )
    totals = demo_store.measure_totals_by("service", metric.input_measures, start=cfg.first_month)
    detail = sorted({m for ms in services.services_needing_detail(cfg, totals).values() for m in ms})
    assert detail == [baseline, april]
    cells = demo_store.cells(detail, metric.input_measures)
    frame = services.heatmap_frame(cfg, metric, totals, [april], cells=cells)
    row = frame[frame["service"] == "cardiology"].iloc[0]
    pruh_2019 = cells[(cells["month"].astype(str).str.startswith("2019-04")) & (cells["service"] == "cardiology")
                      & (cells["site"] == "PRUH")]["value"].iloc[0]
    assert row["status"] == "partial"
    assert row["value"] == pytest.approx(500.0 / pruh_2019)
