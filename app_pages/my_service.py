"""My service: one service at one site (and optionally one population segment), every metric with
figures for it up to a chosen month: its tile, its chart (trajectory or Making Data Count SPC view), its
CSV, and a table of its months.

The choice lives in the address (`?service=cardiology&site=PRUH`, and `&month=2020-10` when a month
before the latest is chosen), so a clinician can bookmark or share it: ids, labels and aliases are
accepted in any case, and ids are written back. A name or month the dashboard does not know gets a
sentence with a suggestion, never an error. A link without a month follows the latest month.
"""

import pandas as pd
import streamlit as st

from app_pages._cache import cached_view
from app_pages._shared import (
    PLOTLY_CONFIG,
    download_csv,
    get_config,
    get_store,
    month_picker,
    page_header,
    show_message,
    show_text_table,
    tile_html,
)
from metrics import charts, compute, services
from metrics.months import format_month, format_month_long, month_range, parse_month
from metrics.services import ALL, choice_query_params, parse_service_choice
from metrics.views import load_my_service, load_service_sites, spc_for_metrics

KEYS = {"service": "my_service_service", "site": "my_service_site", "segment": "my_service_segment"}
MONTH_KEY = "my_service_month"
# The link last applied to the widgets: a different link (opened, or edited by hand) is applied anew.
APPLIED_LINK = "my_service_applied_link"

cfg = get_config()
store = get_store()

page_header("My service", "One service's recovery against the Phase 3 trajectories. Bookmark or share the address.")

link = st.query_params.to_dict()
choice = parse_service_choice(cfg, link, default_service=cfg.services[0].id)
latest = store.latest_month()
months = month_range(cfg.first_month, latest) if latest else []
link_month, month_problem = None, ""
if link.get("month"):
    try:
        link_month = parse_month(str(link["month"]))
    except ValueError:
        link_month = None
    if link_month not in months:
        shown = "".join(ch for ch in str(link["month"])[:20] if ch.isprintable())
        month_problem = (f"The link asks for the month “{shown}”, which has no figures; showing the latest month"
                         f"{f' ({format_month(latest)})' if latest else ''}. Months are written like 2020-10.")
        link_month = None
widget_keys = [*KEYS.values(), MONTH_KEY]
if st.session_state.get(APPLIED_LINK) != link or any(key not in st.session_state for key in widget_keys):
    for kind, key in KEYS.items():
        st.session_state[key] = getattr(choice, kind)
    if months:
        st.session_state[MONTH_KEY] = link_month or months[-1]
    st.session_state[APPLIED_LINK] = link
if month_problem:
    show_message("warning", month_problem, icon="⚠️")
# The link's problems stand until the reader has chosen in place of every unknown name.
if any(st.session_state[key] is None for key in KEYS.values()):
    for problem in choice.problems:
        show_message("warning", problem, icon="⚠️")

left, middle, right, last = st.columns(4)
with left:
    service = st.selectbox(
        "Service", [ALL, *(s.id for s in cfg.services)], format_func=lambda s: cfg.label_for("service", s),
        placeholder="Choose a service", key=KEYS["service"],
    )
with middle:
    sites = cached_view(load_service_sites, store, cfg, service) if service else []
    current_site = st.session_state[KEYS["site"]]
    site = st.selectbox(
        "Site", [ALL, *sites, *([current_site] if current_site not in (None, ALL, *sites) else [])],
        format_func=lambda s: cfg.label_for("site", s), placeholder="Choose a site", key=KEYS["site"],
    )
with right:
    segment = st.selectbox(
        "Population segment (optional)", [ALL, *(s.id for s in cfg.segments)],
        format_func=lambda s: cfg.label_for("segment", s), placeholder="Choose a segment", key=KEYS["segment"],
    )

with last:
    month = month_picker(months, key=MONTH_KEY, label="Up to month") if months else None

if None in (service, site, segment):
    st.info("Choose a service, a site and (optionally) a population segment above.")
    st.stop()
params = choice_query_params(service, site, segment)
if month is not None and month != months[-1]:
    params["month"] = f"{month:%Y-%m}"  # the shared link keeps a chosen month; none means "the latest"
if link != params:
    st.query_params.from_dict(params)
    st.session_state[APPLIED_LINK] = params

view = cached_view(load_my_service, store, cfg, service, site, segment, month)
service_label, site_label = cfg.label_for("service", service), cfg.label_for("site", site)
where = "across all sites" if site == ALL else f"at {site_label}"
segment_text = "" if segment == ALL else f", {cfg.label_for('segment', segment)}"
st.subheader(f"{service_label} {where}{segment_text}")

if not view.series:
    lines = [f"There are no figures for {service_label} {where}{segment_text}."]
    if view.figures_without_segment:
        lines.append("There are figures for everyone together: choose **Everyone** as the population segment.")
    elif site != ALL and view.sites_with_data:
        named = ", ".join(cfg.label_for("site", s) for s in view.sites_with_data)
        lines.append(f"{service_label} has figures at: {named}.")
    st.info(" ".join(lines))
    if not view.wider_series:
        st.stop()
else:
    st.caption(
        f"Latest month with figures: {format_month_long(view.month)}. Blue: actual. Red dashed steps: the Phase 3 "
        "trajectory or target. Hover a point for its value, target and gap."
    )
scope = {"service": service_label, "site": site_label, "segment": cfg.label_for("segment", segment)}
stub = "-".join(part for part in (service, site, segment if segment != ALL else "") if part).replace(":", "_")


def months_table(series, metric):
    """The service's months for one metric, newest first, as the page shows them (value, target, gap,
    status in words, and whether the month is partial)."""
    frame = series.sort_values("month", ascending=False)
    return {
        "Month": [format_month(m) for m in frame["month"]],
        "Value": [compute.format_value(v, metric) for v in frame["value"]],
        "Target": [compute.format_value(v, metric) for v in frame["target"]],
        "Gap": [compute.format_gap(v, metric) for v in frame["gap"]],
        "Status": [f"{compute.STATUS_ICONS.get(s, '')} {compute.STATUS_WORDS.get(s, s)}" for s in frame["status"]],
    }


def render_rows(series_by_metric: dict, tiles) -> None:
    rows = {row["metric"]: row for row in tiles.to_dict("records")}
    spc = spc_for_metrics(cfg, series_by_metric)
    for metric_id, series in series_by_metric.items():
        metric = cfg.metric(metric_id)
        tile_column, chart_column = st.columns([1, 3])
        tile_column.markdown(tile_html(rows[metric_id]), unsafe_allow_html=True)
        with chart_column:
            view = st.segmented_control(
                f"View for {metric.label}", ["Trajectory", "SPC"], default="Trajectory",
                label_visibility="collapsed", key=f"my_service_view_{metric_id}",
            )
            if view == "SPC":
                figure = charts.build_spc_chart(series, spc[metric_id].frame, metric, title=metric.label)
            else:
                figure = charts.build_trajectory_chart(series, metric, title=metric.label)
            st.plotly_chart(figure, width="stretch", key=f"my_service_{metric_id}_chart", config=PLOTLY_CONFIG,
                            alt=f"{metric.label}, {view or 'Trajectory'} view; the months are in the table below")
            with st.expander(f"{metric.label}: the months as a table"):
                show_text_table(pd.DataFrame(months_table(series, metric)))
            frame = charts.chart_csv_frame(series, metric)
            download_csv(services.scoped_csv_frame(frame, scope), file_name=f"{metric_id}-{stub}.csv",
                         key=f"my_service_{metric_id}_csv")


render_rows(view.series, view.tiles)
if view.wider_series:
    st.subheader(f"{service_label} across all sites")
    st.caption(f"There are no figures for these at {site_label}; they are shown for {service_label} across all sites.")
    render_rows(view.wider_series, view.wider_tiles)
