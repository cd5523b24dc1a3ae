"""Inequalities: any metric whose figures carry population segments, by deprivation and ethnicity, with
how completely ethnicity is recorded."""

import streamlit as st

from app_pages._cache import cached_view
from app_pages._shared import download_csv, get_config, get_store, month_picker, page_header
from metrics import charts, inequalities
from metrics.months import format_month
from metrics.views import inequality_groups, inequality_metrics, load_inequalities

cfg = get_config()
store = get_store()

page_header(
    "Inequalities",
    "Is care recovering as fast for everyone? Each metric recorded by deprivation (IMD quintile) or ethnicity group",
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
groups = [g for g in cached_view(inequality_groups, store, cfg, metric_id) if g in inequalities.GROUP_LABELS]
with middle:
    group = st.radio("Compare by", groups or list(inequalities.GROUP_LABELS),
                     format_func=inequalities.GROUP_LABELS.get, key="inequalities_group")
page = cached_view(load_inequalities, store, cfg, metric_id, group)
if page is None:
    st.info(f"There are no {inequalities.GROUP_LABELS[group].lower()} figures for this activity yet.")
    st.stop()
with right:
    month = month_picker(page.months_available, key="inequalities_month", label="Month for the table",
                         default=page.month)
if month != page.month:
    page = cached_view(load_inequalities, store, cfg, metric_id, group, month)

metric = page.metric
words = inequalities.value_words(metric)
with st.container(border=True):
    st.markdown("**How to read this page**")
    st.markdown(inequalities.READING_NOTE if metric.type == "ratio_to_baseline" else inequalities.SHARE_NOTE
                if metric.type == "share" else inequalities.COUNT_NOTE)
    st.caption(
        "Why it is here: the Phase 3 letter asked systems to “restore NHS services inclusively, so that they are "
        "used by those in greatest need. This will be guided by new, core performance monitoring of service use "
        "and outcomes among those from the most deprived neighbourhoods and from Black and Asian communities, by "
        "31 October.”"
    )

label = inequalities.GROUP_PHRASES[group]
if not page.completeness.empty:
    latest = page.completeness.iloc[-1]
    first = page.completeness.iloc[0]
    st.markdown(
        f"**Ethnicity recorded for {latest['share']:.1%}** of {metric.label.lower()} figures in "
        f"{format_month(latest['month'])} ({latest['not_stated']:,.0f} not stated), against {first['share']:.1%} in "
        f"{format_month(first['month'])}. “Not stated” is shown as a group of its own: a group's figures are only as "
        "complete as its recording."
    )
one, two = st.columns([3, 2])
with one:
    if metric.type == "ratio_to_baseline":
        figure = charts.build_segment_chart(page.recovery, metric, title=f"{metric.label}: recovery by {label}",
                                            height=430)
    else:
        figure = charts.build_group_chart(page.recovery, metric, title=f"{metric.label} by {label}", height=430)
    st.plotly_chart(figure, width="stretch", key="inequalities_recovery_chart")
    download_csv(inequalities.recovery_csv(page.recovery, metric), file_name=f"{metric.id}-by-{group}.csv",
                 key="inequalities_recovery_csv")
with two:
    if page.gap["gap"].notna().any():
        st.plotly_chart(
            charts.build_gap_chart(page.gap, title="Gap: most minus least deprived quintile", height=430),
            width="stretch", key="inequalities_gap_chart",
        )
        download_csv(inequalities.gap_csv(page.gap, metric), file_name=f"{metric.id}-deprivation-gap.csv",
                     key="inequalities_gap_csv")
    else:
        st.info("This metric has no figures by IMD quintile, so there is no deprivation gap to draw.")

st.subheader(f"{metric.label} by {label}, {format_month(page.month)}")
table = inequalities.recovery_table_text(page.table, metric)
st.dataframe(table, hide_index=True, width="stretch", key="inequalities_table")
st.caption(f"{words['value']}: " + {"ratio_to_baseline": "activity as a share of the same month of 2019/20",
                                    "share": metric.description.rstrip(".").lower(),
                                    "count": "the group's count"}[metric.type]
           + ". “Compared with everyone” is the group's figure minus the whole population's, in percentage points.")
download_csv(inequalities.recovery_table_csv(page.table, metric, page.month),
             file_name=f"{metric.id}-by-{group}-{page.month:%Y-%m}.csv", key="inequalities_table_csv",
             label="Download this table (CSV)")
