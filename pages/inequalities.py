"""Inequalities: recovery of elective and outpatient activity by deprivation and ethnicity."""

import streamlit as st

from metrics import charts, inequalities
from metrics.months import format_month
from metrics.views import inequality_metrics, load_inequalities
from pages._cache import cached_view
from pages._shared import download_csv, get_config, get_store, month_picker, page_header

cfg = get_config()
store = get_store()

page_header(
    "Inequalities",
    "Is activity recovering as fast for everyone? Recovery by deprivation (IMD quintile) and ethnicity group",
)
choices = cached_view(inequality_metrics, store, cfg)
if not choices:
    st.info("The store holds no figures by IMD quintile or ethnicity yet. Load a file with a segment column "
            "(for example imd:1 … imd:5) on the Upload data page.")
    st.stop()

left, middle, right = st.columns([2, 1, 1])
with left:
    metric_id = st.selectbox("Activity", [m.id for m in choices], format_func=lambda m: cfg.metric(m).label,
                             key="inequalities_metric")
with middle:
    group = st.radio("Compare by", list(inequalities.GROUP_LABELS), format_func=inequalities.GROUP_LABELS.get,
                     key="inequalities_group")
page = cached_view(load_inequalities, store, cfg, metric_id, group)
if page is None:
    st.info(f"There are no {inequalities.GROUP_LABELS[group].lower()} figures for this activity yet.")
    st.stop()
with right:
    month = month_picker(page.months_available, key="inequalities_month", label="Month for the table",
                         default=page.month)
if month != page.month:
    page = cached_view(load_inequalities, store, cfg, metric_id, group, month)

with st.container(border=True):
    st.markdown("**How to read this page**")
    st.markdown(inequalities.READING_NOTE)
    st.caption(
        "Why it is here: the Phase 3 letter asked systems to “restore NHS services inclusively, so that they are "
        "used by those in greatest need. This will be guided by new, core performance monitoring of service use "
        "and outcomes among those from the most deprived neighbourhoods and from Black and Asian communities, by "
        "31 October.”"
    )

metric = page.metric
label = inequalities.GROUP_PHRASES[group]
one, two = st.columns([3, 2])
with one:
    st.plotly_chart(
        charts.build_segment_chart(page.recovery, metric, title=f"{metric.label}: recovery by {label}", height=430),
        width="stretch", key="inequalities_recovery_chart",
    )
    download_csv(inequalities.recovery_csv(page.recovery, metric), file_name=f"{metric.id}-by-{group}.csv",
                 key="inequalities_recovery_csv")
with two:
    st.plotly_chart(
        charts.build_gap_chart(page.gap, title="Gap: most minus least deprived quintile", height=430),
        width="stretch", key="inequalities_gap_chart",
    )
    download_csv(inequalities.gap_csv(page.gap, metric), file_name=f"{metric.id}-deprivation-gap.csv",
                 key="inequalities_gap_csv")

st.subheader(f"{metric.label} by {label}, {format_month(page.month)}")
table = inequalities.recovery_table_text(page.table)
st.dataframe(table, hide_index=True, width="stretch", key="inequalities_table")
st.caption("Recovery: activity as a share of the same month of 2019/20. “Compared with everyone” is the group's "
           "recovery minus the whole population's, in percentage points.")
download_csv(inequalities.recovery_table_csv(page.table, metric, page.month),
             file_name=f"{metric.id}-by-{group}-{page.month:%Y-%m}.csv", key="inequalities_table_csv",
             label="Download this table (CSV)")
