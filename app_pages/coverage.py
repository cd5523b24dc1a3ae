"""Data coverage & history: what has arrived, what has not, what was restated, and what each figure means."""

import streamlit as st

from app_pages._cache import cached_view
from app_pages._shared import download_csv, get_config, get_store, page_header
from metrics import coverage
from metrics.safe_text import escape_markdown
from metrics.views import load_coverage

cfg = get_config()
store = get_store()

page_header(
    "Data coverage & history",
    "Which measures have arrived for which months, the latest upload of each, values restated by a later "
    "upload, and the data dictionary",
)
page = cached_view(load_coverage, store, cfg)

st.subheader("Coverage: measure × month")
left, middle, _ = st.columns([1, 1, 2])
with left:
    years = page.financial_years
    year = st.selectbox("Financial year", ["All", *years], index=len(years) if years else 0,
                        format_func=lambda y: "All years" if y == "All" else f"{y} (April–March)",
                        key="coverage_year")
with middle:
    st.markdown("<div style='padding-top:1.9rem'></div>", unsafe_allow_html=True)
    gaps_only = st.checkbox("Only measures with gaps", key="coverage_gaps_only")
if year != "All" or gaps_only:
    page = cached_view(load_coverage, store, cfg, None if year == "All" else year, gaps_only)

if not page.months:
    st.info("The store holds no figures yet, so nothing has arrived. Load the month's CSV on the Upload data page.")
elif page.matrix.empty:
    st.success("Every measure has every expected figure (all its services and sites) for every month shown.",
               icon="✅")
else:
    gaps = page.summary[(page.summary[coverage.PARTIAL] > 0) | (page.summary[coverage.MISSING] > 0)]
    st.markdown(
        f"{len(page.summary)} measures × {len(page.months)} months. "
        + (f"**{len(gaps)} measure(s) have gaps**: " + "; ".join(
            f"{r.label} (first gap {r.first_gap})" for r in gaps.itertuples(index=False)) + "."
           if not gaps.empty else "**Every measure is complete** for the months shown.")
    )
    st.markdown(coverage.coverage_grid_html(page.matrix), unsafe_allow_html=True)
    st.caption("✔ present: every expected cell (service × site) has arrived · ◐ partial: some have not, e.g. ◐ 3/36 "
               "= 3 of the 36 cells the same month of 2019/20 held · ✖ missing: no figures at all · – not yet "
               "collected (before the service began). The grid runs to the latest month in the store; scroll "
               "sideways for earlier years.")
    download_csv(coverage.coverage_csv(page.grid, page.labels), file_name="coverage.csv", key="coverage_csv",
                 label="Download the coverage grid (CSV)")

if page.months:
    st.subheader("Completeness of each metric")
    st.caption("What the Overview, the service pages and the board pack read: ✔ complete · ◐ partial (shown with "
               "what has arrived and no RAG status) · ✖ no data · – not shown for that month (a ratio in its own "
               "baseline year, a service before it began).")
    st.markdown(coverage.coverage_grid_html(page.metric_matrix, "Completeness by metric and month"),
                unsafe_allow_html=True)
    if page.partial_months:
        lines = "\n".join(f"- {escape_markdown(line)}" for line in page.partial_months)
        st.markdown(f"**Partial months**\n\n{lines}")

st.subheader("Latest upload of each measure")
if page.latest_uploads.empty:
    st.info("No uploads yet.")
else:
    st.dataframe(page.latest_uploads, hide_index=True, width="stretch", key="coverage_latest_uploads",
                 height=35 * (len(page.latest_uploads) + 1) + 3,
                 column_order=["Measure", "Upload", "File", "Loaded by", "Loaded at (UK time)", "Months it wrote"],
                 column_config={"Measure": st.column_config.TextColumn(width=240),
                                "Upload": st.column_config.TextColumn(width=130),
                                "File": st.column_config.TextColumn(width=160),
                                "Loaded by": st.column_config.TextColumn(width=150),
                                "Loaded at (UK time)": st.column_config.TextColumn(width=125),
                                "Months it wrote": st.column_config.TextColumn(width=130)})
    st.caption("The CSV also gives how many of each upload's values are still current.")
    download_csv(page.latest_uploads, file_name="latest-upload-per-measure.csv", key="coverage_latest_csv",
                 label="Download this table (CSV)")

st.subheader("Restatements")
st.caption("Values that a later upload changed. The old value is kept in the store's history, so nothing is "
           "lost and an upload can be undone.")
if page.restatements.empty:
    st.info("No values have been restated: every figure is as first loaded.")
else:
    st.dataframe(page.restatements, hide_index=True, width="stretch", key="coverage_restatements")
    download_csv(page.restatements, file_name="restatements.csv", key="coverage_restatements_csv",
                 label="Download the restatements (CSV)")

st.subheader("Data dictionary")
st.caption("Generated from config.yaml: the measures analysts upload and the metrics the dashboard builds from them.")
st.dataframe(
    page.dictionary, hide_index=True, width="stretch", key="coverage_dictionary", row_height=74, height=640,
    column_config={
        "kind": st.column_config.TextColumn("Kind", width=70),
        "id": st.column_config.TextColumn("Id", width=170),
        "label": st.column_config.TextColumn("Label", width=200),
        "unit": st.column_config.TextColumn("Unit", width=80),
        "description": st.column_config.TextColumn("Description", width=290),
        "source": st.column_config.TextColumn("Source", width=120),
    },
)
download_csv(page.dictionary, file_name="data-dictionary.csv", key="coverage_dictionary_csv",
             label="Download the data dictionary (CSV)")
