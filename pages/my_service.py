"""My service: one service at one site (and optionally one population segment), every metric with
figures for it against its trajectory, each with its latest tile.

The choice lives in the address (`?service=cardiology&site=PRUH`), so a clinician can bookmark or share
it: ids, labels and aliases are accepted in any case, and ids are written back. A name the dashboard
does not know gets a sentence with a suggestion, never an error.
"""

import streamlit as st

from metrics.months import format_month_long
from metrics.services import ALL, choice_query_params, parse_service_choice
from metrics.views import load_my_service, load_service_sites
from pages._cache import cached_view
from pages._shared import get_config, get_store, page_header, render_metric_chart, show_message, tile_html

KEYS = {"service": "my_service_service", "site": "my_service_site", "segment": "my_service_segment"}
# The link last applied to the widgets: a different link (opened, or edited by hand) is applied anew.
APPLIED_LINK = "my_service_applied_link"

cfg = get_config()
store = get_store()

page_header("My service", "One service's recovery against the Phase 3 trajectories. Bookmark or share the address.")

link = st.query_params.to_dict()
choice = parse_service_choice(cfg, link, default_service=cfg.services[0].id)
if st.session_state.get(APPLIED_LINK) != link or any(key not in st.session_state for key in KEYS.values()):
    for kind, key in KEYS.items():
        st.session_state[key] = getattr(choice, kind)
    st.session_state[APPLIED_LINK] = link
# The link's problems stand until the reader has chosen in place of every unknown name.
if any(st.session_state[key] is None for key in KEYS.values()):
    for problem in choice.problems:
        show_message("warning", problem, icon="⚠️")

left, middle, right = st.columns(3)
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

if None in (service, site, segment):
    st.info("Choose a service, a site and (optionally) a population segment above.")
    st.stop()
params = choice_query_params(service, site, segment)
if link != params:
    st.query_params.from_dict(params)
    st.session_state[APPLIED_LINK] = params

view = cached_view(load_my_service, store, cfg, service, site, segment)
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


def render_rows(series_by_metric: dict, tiles) -> None:
    rows = {row["metric"]: row for row in tiles.to_dict("records")}
    for metric_id, series in series_by_metric.items():
        tile_column, chart_column = st.columns([1, 3])
        tile_column.markdown(tile_html(rows[metric_id]), unsafe_allow_html=True)
        with chart_column:
            render_metric_chart(
                metric_id, series, key=f"my_service_{metric_id}", file_name=f"{metric_id}-{stub}.csv", scope=scope
            )


render_rows(view.series, view.tiles)
if view.wider_series:
    st.subheader(f"{service_label} across all sites")
    st.caption(f"There are no figures for these at {site_label}; they are shown for {service_label} across all sites.")
    render_rows(view.wider_series, view.wider_tiles)
