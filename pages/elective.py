"""Elective & diagnostics: elective spells and MRI, CT and endoscopy tests against the Phase 3
trajectories, by service, and the long waits (52-week waiters, cancer 62-day backlog)."""

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

ACTIVITY = ["elective_activity", "mri_activity", "ct_activity", "endoscopy_activity"]
WAITS = ["rtt_52_week_waiters", "cancer_62_day_backlog"]
BY_SERVICE = "elective_activity"

cfg = get_config()
store = get_store()

page_header(
    "Elective & diagnostics",
    "Elective spells and diagnostic tests as a share of the same month of 2019/20, against the Phase 3 "
    "trajectories; long waits, where lower is better.",
)
options = cached_view(load_page_options, store, cfg, ACTIVITY + WAITS, [BY_SERVICE])
if not options.months:
    st.info("The store holds no elective or diagnostic figures yet. Load them on the Upload data page.")
    st.stop()

left, right = st.columns([1, 2])
with left:
    site = site_picker(cfg, options.sites, key="elective_site")
with right:
    start, end = month_range_picker(options.months, key="elective_months")

page = cached_view(
    load_service_page, store, cfg, ACTIVITY + WAITS, site=site, start=start, end=end,
    heatmap_metric=BY_SERVICE if BY_SERVICE in options.heatmap_metrics else None,
)
scope = {"site": cfg.label_for("site", site), "months": f"{format_month(start)} to {format_month(end)}"}

st.subheader(f"{cfg.label_for('site', site)}, {format_month_long(end)}")
render_tiles(page.tiles, per_row=3)

st.subheader("Activity against the Phase 3 trajectory")
st.caption(
    "Blue: actual, as a share of the same month of 2019/20. Red dashed steps: the trajectory (elective 70% in "
    "August, 80% in September, 90% from October 2020; MRI, CT and endoscopy 90% in September, 100% from "
    "October). Dotted lines mark the start of each financial year. Hover a point for its value, target and gap."
)
render_chart_grid(page, ACTIVITY, key_prefix="elective", scope=scope)

st.subheader("By service")
render_service_breakdown(page, key_prefix="elective", scope=scope)

st.subheader("Long waits (lower is better)")
st.caption(
    "Patients waiting 52 weeks or more for treatment, and cancer patients waiting over 62 days. The cancer "
    "target is the February 2020 level, from October 2020; the tinted area above it is worse than target."
)
render_chart_grid(page, WAITS, key_prefix="elective", scope=scope)
