"""Discharges (SPA): supported hospital discharges through the Single Point of Access."""

import streamlit as st

from app_pages._cache import cached_view
from app_pages._shared import download_csv, get_config, get_store, page_header, rag_badge_html, render_figure_tiles
from metrics import charts, discharges
from metrics.months import format_month
from metrics.views import load_discharges

cfg = get_config()
store = get_store()

page_header(
    "Discharges (SPA)",
    "Supported hospital discharges through the Single Point of Access: one route to every community "
    "discharge pathway, set up by One Bromley partners in April 2020",
)
page = cached_view(load_discharges, store, cfg)
if page is None:
    st.info("The store holds no SPA discharge figures yet. Load them on the Upload data page.")
    st.stop()

months = page.months_available
left, middle, right = st.columns([1, 1, 2])
with left:
    start = st.selectbox("From", months, index=months.index(page.period.start), format_func=format_month,
                         key="discharges_from")
with middle:
    end = st.selectbox("To", months, index=months.index(page.period.end), format_func=format_month,
                       key="discharges_to")
with right:
    st.markdown(
        "<div style='padding-top:2rem;color:#425563'>Totals below add up the months chosen. The Bromley plan's "
        "SPA case study reports the first three months, April–June 2020.</div>",
        unsafe_allow_html=True,
    )
if start > end:
    st.error(f"The period starts ({format_month(start)}) after it ends ({format_month(end)}): choose a 'From' month "
             "no later than the 'To' month.")
    st.stop()
if (start, end) != (page.period.start, page.period.end):
    page = cached_view(load_discharges, store, cfg, start, end)

period = page.period
st.subheader(f"Totals, {period.period_label}")
render_figure_tiles([
    (row.label, row.value_text, row.detail_text, rag_badge_html(row.status, row.status_text) if row.status else "")
    for row in page.tiles.itertuples(index=False)
])
st.caption(
    "Published for April–June 2020 in the One Bromley recovery plan (SPA case study): “1839 discharges through "
    "the SPA to date: 854 from the PRUH, 75.5% within 1 day”, “4459 saved bed days from the PRUH in 3 month "
    "period”, “257 Welfare Calls in the period”. The 24-hour target is a local ambition set in config.yaml."
)
download_csv(discharges.period_totals_frame(period), file_name=f"spa-totals-{start:%Y-%m}-to-{end:%Y-%m}.csv",
             key="discharges_totals_csv", label="Download these totals (CSV)")

st.subheader("Month by month")
st.caption("The chosen period is shaded (a dashed frame over the bars). Dotted lines mark the start of each "
           "financial year. Hover a bar or point for its figures.")
within_metric = cfg.metric("spa_within_24h")
chosen = (period.start, period.end)
one, two = st.columns(2)
with one:
    st.plotly_chart(
        charts.build_share_chart(page.within_24h, within_metric, title="Discharged within 24 hours", period=chosen),
        width="stretch", key="discharges_within_chart",
    )
    download_csv(charts.chart_csv_frame(page.within_24h, within_metric), file_name="spa-within-24-hours.csv",
                 key="discharges_within_csv")
with two:
    st.plotly_chart(
        charts.build_breakdown_chart(page.by_pathway, title="Discharges by pathway", value_name="Discharges",
                                     period=chosen),
        width="stretch", key="discharges_pathway_chart",
    )
    download_csv(discharges.breakdown_csv(page.by_pathway, "discharges"), file_name="spa-discharges-by-pathway.csv",
                 key="discharges_pathway_csv")
three, four = st.columns(2)
with three:
    st.plotly_chart(
        charts.build_breakdown_chart(page.by_site, title="Discharges by referring site", value_name="Discharges",
                                     period=chosen),
        width="stretch", key="discharges_site_chart",
    )
    download_csv(discharges.breakdown_csv(page.by_site, "discharges"), file_name="spa-discharges-by-site.csv",
                 key="discharges_site_csv")
with four:
    st.plotly_chart(
        charts.build_count_chart(page.monthly, "saved_bed_days", name="Saved bed days", title="Saved bed days",
                                 period=chosen),
        width="stretch", key="discharges_beds_chart",
    )
    download_csv(discharges.monthly_table_csv(page.monthly)[["month", "saved bed days"]],
                 file_name="spa-saved-bed-days.csv", key="discharges_beds_csv")
five, six = st.columns(2)
with five:
    st.plotly_chart(
        charts.build_count_chart(page.monthly, "welfare_calls", name="Welfare calls", title="Welfare calls",
                                 period=chosen),
        width="stretch", key="discharges_calls_chart",
    )
    download_csv(discharges.monthly_table_csv(page.monthly)[["month", "welfare calls"]],
                 file_name="spa-welfare-calls.csv", key="discharges_calls_csv")
with six, st.container(border=True):
    st.markdown("**What the SPA figures mean**")
    st.markdown(
        "- **Pathways** follow the Hospital Discharge Service: 0 simple discharge home, 1 home with support, "
        "2 a rehabilitation bed, 3 a care home placement.\n"
        "- **Within 24 hours**: discharged within a day of referral to the SPA.\n"
        "- **Saved bed days**: hospital bed days saved at the PRUH by discharging through the SPA.\n"
        "- **Welfare calls**: calls to patients after discharge. The plan: “Welfare Calls provide significant "
        "system benefits including improving quality of discharge and maximising independence”."
    )

st.subheader(f"The chosen months, {period.period_label}")
st.dataframe(discharges.monthly_table_text(page.period_monthly), hide_index=True, width="stretch",
             key="discharges_table")
download_csv(discharges.monthly_table_csv(page.period_monthly),
             file_name=f"spa-monthly-{start:%Y-%m}-to-{end:%Y-%m}.csv", key="discharges_table_csv",
             label="Download this table (CSV)")
