"""Overview (executive): every headline metric against its trajectory for one month, with its Making
Data Count icons, what changed since the last review, commentary and the board pack."""

import datetime as dt
import html

import streamlit as st

from app_pages._cache import cached_derived, cached_figure, cached_view, store_is_demo
from app_pages._shared import (
    PLOTLY_CONFIG,
    commentary_html,
    download_csv,
    get_config,
    get_store,
    month_picker,
    page_header,
    render_tile_grid,
    show_message,
    show_text_table,
    spc_icon_html,
    tile_grid_html,
)
from app_pages._signin import current_actor, record_download
from metrics import review
from metrics.access import AccessDenied, refusal
from metrics.charts import build_spc_chart, build_trajectory_chart
from metrics.charts import chart_csv_frame as build_csv_frame
from metrics.months import UK, format_month, format_month_long, format_uk_time
from metrics.pack import MEDIA_TYPES, build_pack, pack_file_name
from metrics.provenance import describe_figures_as_at
from metrics.safe_text import escape_markdown
from metrics.views import (
    load_commentary,
    load_commentary_versions,
    load_overview,
    load_review,
    save_commentary,
    spc_for_metrics,
)

# Charts drawn at once on the Overview; the others open from an expander.
FIRST_CHARTS = 4

cfg = get_config()
store = get_store()
actor = current_actor()

page_header("Overview", f"{cfg.organisation}: recovery of services against the Phase 3 trajectories")
overview = cached_view(load_overview, store, cfg)
if overview is None:
    st.info("The store holds no figures yet. Load the month's CSV on the Upload data page.")
    st.stop()

left, right = st.columns([1, 3])
with left:
    month = month_picker(
        overview.months_available, key="overview_month", default=overview.month, format_func=overview.month_label
    )
if month != overview.month:
    overview = cached_view(load_overview, store, cfg, month)
with right:
    st.markdown(
        f"<div style='padding-top:2rem;color:#425563'>Figures as at <b>{format_uk_time(overview.figures_as_at)}</b>"
        f"{escape_markdown(describe_figures_as_at(overview.latest_upload))}. Activity is compared with the same "
        "month of 2019/20, over the same services and sites.</div>",
        unsafe_allow_html=True,
    )
if overview.month_states.get(overview.month) == "partial":
    st.warning(
        f"{format_month_long(overview.month)} is a partial month: some expected figures have not arrived, so tiles "
        "show what has arrived with no RAG status and no SPC icons. The Overview opens on the latest complete month."
    )
# Stored totals too large to be real are left out of the figures, and said so.
for problem in overview.problems:
    show_message("warning", problem, icon=":material/warning:")
spc = cached_derived(store, "overview_spc", (id(cfg), overview.month), lambda: spc_for_metrics(cfg, overview.series))
commentary = cached_view(load_commentary, store, cfg, overview.month)

# --- tiles with their SPC icons and commentary ------------------------------------------------------
st.subheader(f"Headline metrics, {format_month_long(overview.month)}")
st.caption(
    "Each tile: the month's value against its target, the RAG status in words, and the Making Data Count "
    "icons — variation (is something unusual happening?) and assurance (will the target be met?). "
    "Hover an icon or read the line beside it."
)


def _tiles_html() -> str:
    extra = {
        metric_id: spc_icon_html(view.variation, "Variation")
        + spc_icon_html(view.assurance, "Assurance")
        + (f'<div class="spc-icon-text">{html.escape(view.note)}</div>' if view.note else "")
        + commentary_html(commentary.get(metric_id))
        for metric_id, view in spc.items()
    }
    return tile_grid_html(overview.tiles, extra=extra, sources=overview.sources)


# Written once per store version and month, then shared by every session: turning the tiles' frame into
# HTML was a tenth of a cached view's server time under 50 viewers (issue 16). A commentary saved is a
# write, so the next run writes the tiles again.
render_tile_grid(cached_derived(store, "overview_tiles_html", (id(cfg), overview.month), _tiles_html))

# --- what changed since the last review -------------------------------------------------------------
# Computed when asked for (the expander opened), not on every viewer's run of the Overview (issue 16).
st.subheader("What changed since the last review")
review_section = st.expander(
    "Show what changed since the last review: uploads, new months and restated figures between two dates",
    key="overview_review_open", on_change="rerun", icon=":material/compare_arrows:",
)
if review_section.open:
    with review_section:
        today = dt.datetime.now(UK).date()
        default_previous, default_current = review.default_review_dates(today)
        dates = st.columns(2)
        previous = dates[0].date_input(
            "Previous review", value=default_previous, format="DD/MM/YYYY", key="overview_previous_review_date"
        )
        current = dates[1].date_input(
            "This review", value=default_current, format="DD/MM/YYYY", key="overview_review_date"
        )
        problem = review.check_review_dates(previous, current)
        if problem:
            st.warning(problem)
        else:
            comparison = cached_view(load_review, store, cfg, previous, current)
            st.markdown(
                "\n\n".join(escape_markdown(s) for s in review.describe_review(comparison, store_is_demo(store)))
            )
            show_text_table(review.summary_table(comparison))
            if len(comparison.restatements):
                st.markdown("**Values restated since the previous review**")
                show_text_table(review.restatement_table(comparison))

# --- board pack -----------------------------------------------------------------------------------------
st.subheader("Board pack")
st.caption(
    f"The pack for {format_month_long(overview.month)}: a cover with the summary of every headline metric, then a "
    "page per metric with its trajectory and SPC charts (drawn for print, with a sentence under each saying what it "
    "shows), figures and commentary. One click builds and saves it."
)
pack_columns = st.columns([1, 2])
pack_format = pack_columns[0].radio(
    "Format", ["pdf", "pptx"], format_func={"pdf": "PDF", "pptx": "PowerPoint"}.get, horizontal=True,
    key="overview_pack_format",
)
pack_name = pack_file_name(cfg, overview.month, pack_format)
pack_month = overview.month


def _pack_bytes() -> bytes:
    # Built when the button is pressed (Streamlit runs this on its own thread), so one click downloads.
    return build_pack(store, cfg, pack_month, pack_format)


pack_columns[1].download_button(
    f"Download board pack ({pack_name})", data=_pack_bytes, file_name=pack_name, mime=MEDIA_TYPES[pack_format],
    icon=":material/download:", on_click=record_download(store, f"board pack {pack_name}"), type="primary",
    key="overview_pack_download",
)

# --- trajectories, each with its SPC view ---------------------------------------------------------
st.subheader("Trajectories")
st.caption(
    "Trajectory view — blue: actual; red dashed steps: the Phase 3 trajectory or target; dotted lines: the start of "
    "each financial year. SPC view — points by type (grey circle common cause, blue diamond improvement, orange "
    "square concern, purple triangle neither), the mean and process limits for each period since a rebase, and the "
    "trajectory in red. Hover a point for its figures."
)
metric_ids = list(overview.series)


def _chart_rows(ids: list[str]) -> None:
    """Each metric's chart (trajectory or SPC view) with its CSV download, two to a row."""
    for start in range(0, len(ids), 2):
        columns = st.columns(2)
        for column, metric_id in zip(columns, ids[start : start + 2], strict=False):
            metric = cfg.metric(metric_id)
            with column:
                view = st.segmented_control(
                    f"View for {metric.label}", ["Trajectory", "SPC"], default="Trajectory",
                    label_visibility="collapsed", key=f"overview_view_{metric_id}",
                )
                # Built once per store version, month and view, then shared by every session.
                if view == "SPC":
                    figure = cached_figure(
                        store, "overview_spc_chart", (id(cfg), overview.month, metric_id),
                        lambda m=metric: build_spc_chart(overview.series[m.id], spc[m.id].frame, m, title=m.label),
                    )
                else:
                    figure = cached_figure(
                        store, "overview_trajectory_chart", (id(cfg), overview.month, metric_id),
                        lambda m=metric: build_trajectory_chart(overview.series[m.id], m, title=m.label),
                    )
                st.plotly_chart(figure, width="stretch", key=f"overview_chart_{metric_id}", config=PLOTLY_CONFIG,
                                alt=f"{metric.label}: {view} view; the figures are in the CSV below")
                # The CSV is built when the button is pressed, not on every run.
                download_csv(lambda s=overview.series[metric_id], m=metric: build_csv_frame(s, m),
                             file_name=f"{metric_id}-{overview.month:%Y-%m}.csv", key=f"overview_csv_{metric_id}",
                             label=f"{metric.label}: figures (CSV)", store=store)


# The first charts are drawn at once; the rest when asked for, so a viewer's first run sends a few
# figures, not one per headline metric (issue 16). Every chart stays one click away.
_chart_rows(metric_ids[:FIRST_CHARTS])
if len(metric_ids) > FIRST_CHARTS:
    more = st.expander(
        f"Show the other {len(metric_ids) - FIRST_CHARTS} charts", key="overview_more_charts", on_change="rerun",
        icon=":material/stacked_line_chart:",
    )
    if more.open:
        with more:
            _chart_rows(metric_ids[FIRST_CHARTS:])

# --- commentary -----------------------------------------------------------------------------------------
st.subheader(f"Commentary, {format_month_long(overview.month)}")
st.caption(
    "A short narrative per metric for the month, shown under its tile and in the board pack. Saving again keeps the "
    "earlier version: every version stays with who wrote it and when."
)
labels = {m.id: m.label for m in cfg.headline_metrics}
chosen = st.selectbox("Metric", list(labels), format_func=labels.get, key="overview_commentary_metric")
if actor.can("commentary"):
    with st.form("overview_commentary_form", clear_on_submit=True):
        body = st.text_area(
            f"Commentary on {labels[chosen]}, {format_month(overview.month)}", max_chars=1500,
            key="overview_commentary_text",
        )
        st.caption(escape_markdown(f"Saved as written by {actor.label}."))
        if st.form_submit_button("Save commentary"):
            try:
                save_commentary(store, cfg, chosen, overview.month, body, actor)
            except (ValueError, AccessDenied) as exc:
                show_message("error", str(exc))
            else:
                # Run the page again so the tile above shows the new text at once.
                st.session_state["overview_commentary_saved"] = (
                    f"Saved. The commentary on {labels[chosen]} now shows under its tile and in the board pack."
                )
                st.rerun()
else:
    st.caption(escape_markdown(refusal(actor, "commentary")))
if saved := st.session_state.pop("overview_commentary_saved", None):
    st.success(saved)
versions = cached_view(load_commentary_versions, store, cfg, chosen, overview.month)
if len(versions):
    st.markdown(f"**Versions for {labels[chosen]}, {format_month(overview.month)}** (newest first)")
    st.dataframe(
        review.commentary_versions_table(versions), hide_index=True, width="stretch", key="overview_commentary_versions"
    )
