"""Primary care digital: eConsult submissions and video consultations in Bromley general practice."""

import math

import streamlit as st

from app_pages._cache import cached_view
from app_pages._shared import download_csv, get_config, get_store, month_picker, page_header, render_figure_tiles
from metrics import charts, primary_care
from metrics.months import format_month, format_month_long
from metrics.views import load_primary_care

cfg = get_config()
store = get_store()

page_header(
    "Primary care digital",
    "eConsult submissions and video consultations in Bromley general practice, against February 2020, "
    "the last month before total triage",
)
page = cached_view(load_primary_care, store, cfg)
if page is None:
    st.info("The store holds no eConsult or video consultation figures yet. Load them on the Upload data page.")
    st.stop()

left, middle, right = st.columns([1, 1, 2])
with left:
    month = month_picker(page.months_available, key="primary_care_month", default=page.month)
with middle:
    pcn = st.selectbox(
        "Primary care network", ["All", *page.pcns],
        format_func=lambda p: "All PCNs" if p == "All" else page.pcns.get(p, p), key="primary_care_pcn",
    )
with right:
    st.markdown(
        "<div style='padding-top:2rem;color:#425563'>The network filter applies to the monthly charts and the "
        "figures below; the PCN comparison always shows every network.</div>",
        unsafe_allow_html=True,
    )
if (month, pcn) != (page.month, page.pcn):
    page = cached_view(load_primary_care, store, cfg, month, pcn)

scope = "all PCNs" if page.pcn == "All" else page.pcns.get(page.pcn, page.pcn)
st.subheader(f"{format_month_long(page.month)}, {scope}")
tiles = [(f"{row.label}, {format_month(page.month)}", row.value_text, row.context_text or "", "")
         for row in page.tiles.itertuples(index=False)]
if page.reference_month:
    reference = page.reference_value
    tiles.append((f"eConsult submissions, {format_month(page.reference_month)}",
                  "–" if math.isnan(reference) else f"{reference:,.0f}",
                  "The last month before total triage: the reference for the rise", ""))
render_figure_tiles(tiles, per_row=3)
st.caption(
    "From the One Bromley recovery plan: “as of April 2020 all practices in Bromley are offering Econsult to their "
    "patients in response to the national requirement for total triage and Covid-19. As a result of this, "
    "utilisation has increased significantly from 3481 consultations submitted in February 2020 to 15,091 in "
    "July 2020.” (data from eConsult Health Ltd)."
)

econsult = cfg.metric("econsult_submissions")
video = cfg.metric("video_consultations")
stub = page.pcn.lower()
one, two = st.columns(2)
with one:
    st.plotly_chart(
        charts.build_reference_chart(page.econsult, econsult, reference_month=page.reference_month,
                                     title=f"eConsult submissions per month, {scope}"),
        width="stretch", key="primary_care_econsult_chart",
    )
    download_csv(charts.chart_csv_frame(page.econsult, econsult), file_name=f"econsult-{stub}.csv",
                 key="primary_care_econsult_csv")
with two:
    st.plotly_chart(
        charts.build_reference_chart(page.video, video, reference_month=None,
                                     title=f"Video consultations per month, {scope}"),
        width="stretch", key="primary_care_video_chart",
    )
    download_csv(charts.chart_csv_frame(page.video, video), file_name=f"video-consultations-{stub}.csv",
                 key="primary_care_video_csv")

reference_label = format_month(page.reference_month) if page.reference_month else None
st.subheader(f"eConsult submissions by primary care network, {format_month(page.month)}")
st.caption(f"Each bar is the network's submissions in {format_month(page.month)}"
           + (f", with its share of its own {reference_label} figure." if reference_label else "."))
st.plotly_chart(
    charts.build_pcn_chart(page.by_pcn, value_name="eConsult submissions", reference_label=reference_label),
    width="stretch", key="primary_care_pcn_chart",
)
download_csv(primary_care.pcn_csv(page.by_pcn, "eConsult submissions", page.month, page.reference_month),
             file_name=f"econsult-by-pcn-{page.month:%Y-%m}.csv", key="primary_care_pcn_csv")
