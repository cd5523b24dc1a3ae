"""Outpatients & virtual care: first and follow-up attendances against the Phase 3 trajectory, the
share held by telephone or video against 25% (60% of follow-ups), and each by service."""

import streamlit as st

from metrics.months import format_month, format_month_long
from metrics.views import load_page_options, load_service_page
from pages._cache import cached_view
from pages._shared import (
    get_config,
    get_store,
    month_range_picker,
    page_header,
    render_chart_grid,
    render_service_breakdown,
    render_tiles,
    site_picker,
)

METRICS = ["op_first_activity", "op_followup_activity", "virtual_share", "virtual_share_followup"]

cfg = get_config()
store = get_store()

page_header(
    "Outpatients & virtual care",
    "First and follow-up attendances (face to face or virtual) as a share of the same month of 2019/20, and the "
    "share held by telephone or video.",
)
options = cached_view(load_page_options, store, cfg, METRICS, METRICS)
if not options.months:
    st.info("The store holds no outpatient figures yet. Load them on the Upload data page.")
    st.stop()

left, middle, right = st.columns([1, 1, 2])
with left:
    site = site_picker(cfg, options.sites, key="outpatients_site")
with middle:
    by_service = st.selectbox(
        "By service: show", options.heatmap_metrics or METRICS[:1],
        format_func=lambda m: cfg.metric(m).label, key="outpatients_by_service",
    )
with right:
    start, end = month_range_picker(options.months, key="outpatients_months")

page = cached_view(
    load_service_page, store, cfg, METRICS, site=site, start=start, end=end,
    heatmap_metric=by_service if by_service in options.heatmap_metrics else None,
)
scope = {"site": cfg.label_for("site", site), "months": f"{format_month(start)} to {format_month(end)}"}

st.subheader(f"{cfg.label_for('site', site)}, {format_month_long(end)}")
render_tiles(page.tiles, per_row=4)

st.subheader("Attendances against the Phase 3 trajectory")
st.caption(
    "Blue: actual, as a share of the same month of 2019/20. Red dashed steps: the trajectory (90% in August, "
    "100% from September 2020). Hover a point for its value, target and gap."
)
render_chart_grid(page, METRICS[:2], key_prefix="outpatients", scope=scope)

st.subheader("Attendances by telephone or video")
st.caption("Phase 3 asks for at least 25% of all outpatient attendances, and 60% of follow-ups, to be virtual.")
render_chart_grid(page, METRICS[2:], key_prefix="outpatients", scope=scope)

st.subheader("By service")
render_service_breakdown(page, key_prefix="outpatients", scope=scope)
