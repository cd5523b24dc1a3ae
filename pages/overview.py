"""Overview (executive): every headline metric against its trajectory for one month."""

import streamlit as st

from metrics.charts import build_trajectory_chart
from metrics.months import format_month_long
from metrics.views import load_overview
from pages._shared import get_config, get_store, month_picker, page_header, render_tiles, to_uk_time

cfg = get_config()
store = get_store()

page_header("Overview", f"{cfg.organisation}: recovery of services against the Phase 3 trajectories")
overview = load_overview(store, cfg)
if overview is None:
    st.info("The store holds no figures yet. Load the month's CSV on the Upload data page.")
    st.stop()

left, right = st.columns([1, 3])
with left:
    month = month_picker(overview.months_available, key="overview_month", default=overview.month)
with right:
    st.markdown(
        f"<div style='padding-top:2rem;color:#425563'>Figures as at <b>{to_uk_time(overview.figures_as_at)}</b> "
        "(time of the latest upload). Activity is compared with the same month of 2019/20.</div>",
        unsafe_allow_html=True,
    )
if month != overview.month:
    overview = load_overview(store, cfg, month)

st.subheader(f"Headline metrics, {format_month_long(overview.month)}")
render_tiles(overview.tiles)

st.subheader("Trajectories")
st.caption(
    "Blue: actual. Red dashed steps: the Phase 3 trajectory or target. Dotted lines mark the start of each "
    "financial year. Hover a point for its value, target and gap."
)
metric_ids = list(overview.series)
for start in range(0, len(metric_ids), 2):
    columns = st.columns(2)
    for column, metric_id in zip(columns, metric_ids[start : start + 2], strict=False):
        metric = cfg.metric(metric_id)
        figure = build_trajectory_chart(overview.series[metric_id], metric, title=metric.label)
        column.plotly_chart(figure, width="stretch", key=f"overview_chart_{metric_id}")
