"""What every page shares: the cached config and store, the demonstration banner, tiles and badges.

Streamlit-only helpers. No SQL and no computation: pages call `metrics.views` for data and
`metrics.charts` for figures, and these helpers for the common pieces of layout.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from app_pages._cache import latest_upload, store_is_demo
from app_pages._signin import record_download
from data.store import Store, StoreError, disk_full_message, is_disk_full
from metrics import charts, compute, services
from metrics.config import Config, ConfigError, config_path, load_config, resolve_db_path
from metrics.months import format_month, format_uk_time
from metrics.safe_text import csv_bytes, escape_markdown
from metrics.sources import DEMO_STATEMENT

if TYPE_CHECKING:
    from collections.abc import Callable

    from metrics.views import ServicePage



# app.py names the declared page being run here; app_pages/declared.py draws it.
DECLARED_PAGE_KEY = "declared_page"


@st.cache_resource(show_spinner=False)
def _config_at(path: str) -> Config:
    return load_config(path)


def _config() -> Config:
    """The validated config from RECOVERY_CONFIG or the project's config.yaml (cached per file)."""
    return _config_at(str(config_path()))


def get_config() -> Config:
    """The validated config; a broken config stops the page with every problem listed."""
    try:
        return _config()
    except ConfigError as exc:
        st.error("The dashboard cannot start because config.yaml has problems:")
        st.markdown("\n".join(f"- {escape_markdown(p)}" for p in exc.problems))
        st.stop()
        raise  # unreachable: st.stop() ends the script run


@st.cache_resource(show_spinner="Opening the store…")
def _store(path: str) -> Store:
    # The dashboard owns the store file: one read-write connection for the whole server;
    # each call opens its own cursor. A missing store is built from the demonstration data.
    store = Store(path)
    if store.fact_count() == 0 and not store.uploads().shape[0]:
        from data.demo import build_demo_store  # only for a missing store: not imported on every start

        build_demo_store(store, _config())
    return store


def get_store() -> Store:
    """The shared Store for this server (path from RECOVERY_DB or config.yaml)."""
    cfg = get_config()
    path = resolve_db_path(cfg)
    try:
        return _store(str(path))
    except StoreError as exc:
        st.error(escape_markdown(str(exc)))
        st.stop()
        raise


def db_path() -> Path:
    return resolve_db_path(get_config())


def page_header(title: str, subtitle: str) -> None:
    st.title(title)
    st.caption(subtitle)


def demo_banner(store: Store) -> None:
    """The "demonstration data" label every page carries while the store holds the demo."""
    if store_is_demo(store):
        # A Material icon: an emoji icon makes Streamlit load its list of every emoji (0.1 s of a fresh
        # server's first view) just to check this one (issue 16).
        st.warning(f"**Demonstration data.** {DEMO_STATEMENT}", icon=":material/warning:")
        st.page_link("app_pages/sources.py", label="Sources: the published figures, their documents and whose they are",
                     icon=":material/menu_book:")


def month_picker(
    months: list[dt.date],
    *,
    key: str,
    label: str = "Month",
    default: dt.date | None = None,
    format_func=format_month,
) -> dt.date:
    """A select box of months, newest last, labelled "Jul 2020" (or by `format_func`, e.g. "(partial)")."""
    index = months.index(default) if default in months else len(months) - 1
    return st.selectbox(label, months, index=index, format_func=format_func, key=key)


def rag_badge_html(status: str, text: str | None = None) -> str:
    """A RAG badge: icon + words on the status colour (never colour alone; AA contrast)."""
    background, foreground = compute.STATUS_COLOURS.get(status, compute.STATUS_COLOURS["no_data"])
    icon = compute.STATUS_ICONS.get(status, "")
    words = html.escape(text or compute.STATUS_WORDS.get(status, status))
    return (
        f'<span class="rag-badge" style="background:{background};color:{foreground};'
        f'padding:2px 8px;border-radius:4px;font-weight:600;font-size:0.85rem;display:inline-block">'
        f'<span aria-hidden="true">{icon}</span> {words}</span>'
    )


# Charts without Plotly's toolbar: its eight buttons were eight tab stops per chart. The figures stay
# downloadable as CSV beside each chart, and hover still shows each point.
PLOTLY_CONFIG = {"displayModeBar": False, "displaylogo": False}


# Styles for the HTML pieces below; colours from the NHS identity palette, AA contrast on white.
CSS = """
<style>
.metric-tile {border:1px solid #D8DDE0; border-top:4px solid #005EB8; border-radius:4px;
              padding:10px 12px; background:#FFFFFF; min-height:178px; margin-bottom:12px}
.metric-tile .label {font-size:0.9rem; font-weight:600; color:#212B32; min-height:2.4em}
.metric-tile .value {font-size:1.9rem; font-weight:700; color:#003087; line-height:1.2}
.metric-tile .detail {font-size:0.85rem; color:#425563}
.metric-tile .status {margin-top:6px}
.metric-tile .extra {margin-top:6px; font-size:0.85rem; color:#425563}
.spc-icons {margin-top:4px}
.spc-icon-row {display:flex; align-items:flex-start; gap:6px; margin-top:3px; line-height:1.25}
.spc-icon {display:inline-flex; align-items:center; justify-content:center; flex:none; width:1.6em;
           height:1.6em; border-radius:50%; font-weight:700; font-size:0.85rem; cursor:help}
.spc-icon-text {font-size:0.78rem; color:#425563}
.tile-commentary {margin-top:8px; padding-top:6px; border-top:1px solid #D8DDE0; font-size:0.82rem;
                  color:#212B32}
.tile-commentary .byline {color:#425563; font-size:0.75rem}
.tile-source {margin-top:6px; font-size:0.78rem; color:#425563}
.tile-source summary {cursor:pointer; color:#005EB8}
/* WCAG 2.1 AA: Streamlit's captions are #747b80 (3.88:1 on the sidebar); NHS secondary text is 5.75:1 there. */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p, [data-testid="stCaptionContainer"] li
  {color:#4C6272 !important; opacity:1 !important}
.nav-section {margin:0.9rem 0 0.15rem 0; font-size:0.8rem; font-weight:700; color:#4C6272;
              text-transform:uppercase; letter-spacing:0.03em}
/* Keyboard focus: the NHS focus style (yellow with a dark bar), unlike the grey current-page highlight. */
a:focus-visible, button:focus-visible, summary:focus-visible, [role="tab"]:focus-visible,
[role="radio"]:focus-visible, [role="checkbox"]:focus-visible, input:focus-visible, textarea:focus-visible
  {outline:3px solid #FFEB3B !important; outline-offset:0; box-shadow:0 0 0 3px #FFEB3B, 0 4px 0 3px #212B32 !important}
[data-testid="stPageLink-NavLink"]:focus-visible {background:#FFEB3B !important; color:#212B32 !important;
  box-shadow:inset 0 -4px 0 #212B32 !important; outline:none !important}
[data-testid="stPageLink-NavLink"]:focus-visible span {color:#212B32 !important}
/* Responsive (issue 10): tiles 4 to a row on a desktop, 2 on a tablet, 1 on a phone; a value never
   splits from its unit, a RAG badge wraps its words rather than being cut off. */
.metric-tile .value {white-space:nowrap}
.rag-badge {white-space:normal; max-width:100%; overflow-wrap:break-word}
[data-testid="stHorizontalBlock"]:has(.metric-tile) {flex-wrap:wrap !important; row-gap:0}
.tile-grid {display:grid; grid-template-columns:repeat(4, minmax(0, 1fr)); column-gap:1rem}
@media (max-width: 1180px) {.tile-grid {grid-template-columns:repeat(2, minmax(0, 1fr))}}
@media (max-width: 640px) {.tile-grid {grid-template-columns:minmax(0, 1fr)}}
@media (max-width: 1180px) {
  [data-testid="stHorizontalBlock"]:has(.metric-tile) > [data-testid="stColumn"]
    {flex:1 1 calc(50% - 1rem) !important; min-width:calc(50% - 1rem) !important; max-width:calc(50% - 0.5rem)}
}
@media (max-width: 1180px) {
  /* A tile beside its chart (My service): the chart needs the width, so each takes a row. */
  [data-testid="stHorizontalBlock"]:has(.metric-tile):has([data-testid="stPlotlyChart"]) > [data-testid="stColumn"]
    {flex:1 1 100% !important; min-width:100% !important; max-width:100%}
}
@media (max-width: 640px) {
  [data-testid="stHorizontalBlock"]:has(.metric-tile) > [data-testid="stColumn"]
    {flex:1 1 100% !important; min-width:100% !important; max-width:100%}
}
/* A link's words wrap on a phone rather than being cut off. */
[data-testid="stPageLink-NavLink"] p, [data-testid="stPageLink-NavLink"] span
  {white-space:normal !important; overflow:visible !important; text-overflow:clip !important}
/* Charts on pages that do not pass PLOTLY_CONFIG: no toolbar, so no tab stops in it. */
.modebar-container {display:none !important}
/* Narrow screens: tables wrap inside the page rather than scroll inside a box no keyboard can reach. */
@media (max-width: 640px) {
  [data-testid="stTableStyledTable"] {width:100% !important}
  [data-testid="stTableStyledTable"] th, [data-testid="stTableStyledTable"] td,
  [data-testid="stTableStyledTable"] th *, [data-testid="stTableStyledTable"] td *
    {white-space:normal !important; overflow-wrap:anywhere !important; word-break:normal; min-width:0 !important}
}
</style>
"""


# --- the sidebar's navigation: one element, links that keep the session ---------------------------------

# Clicking a link changes the address and lets Streamlit's own history handling run that page in this same
# session (what the browser's Back button does): no page reload, so sign-in and session state stay. A click
# with a modifier key (new tab or window) and any other link are left to the browser. Installed once per tab.
# Drawn like Streamlit's page links. Sent with the links (not with the page's CSS, which comes later in the
# run), so the list is never seen unstyled.
NAVIGATION_CSS = """<style>
.site-nav {margin-bottom:-8px}
.site-nav ul {list-style:none; margin:0; padding:0}
.site-nav li {margin:0; padding:4px 0}
.site-nav .nav-section {margin:8px 0 -6px 0; line-height:26px; font-size:16px; letter-spacing:0.48px; font-weight:700;
  color:#4C6272; text-transform:uppercase}
.site-nav .nav-section:first-child {margin-top:0}
.site-nav a.site-nav-link {display:flex; align-items:center; gap:8px; padding:0 8px; margin:0; min-height:28px;
  border-radius:8px; text-decoration:none; color:#212B32; font-size:14px; line-height:1.25}
.site-nav a.site-nav-link:hover {background:rgba(160, 187, 187, 0.15)}
.site-nav a.site-nav-link[aria-current="page"] {background:rgba(160, 187, 187, 0.15); font-weight:600}
.site-nav .site-nav-icon {flex:none; display:flex; align-items:center; justify-content:center; width:16px;
  height:16px; font-size:16px; line-height:16px; color:#212B32}
.site-nav .site-nav-icon.material {font-family:"Material Symbols Rounded"; font-weight:400; font-style:normal;
  letter-spacing:normal; text-transform:none; white-space:nowrap; direction:ltr; -webkit-font-smoothing:antialiased}
.site-nav .site-nav-label {display:block; margin:0; padding:5px 0; font-size:14px; line-height:18px;
  white-space:normal; overflow-wrap:break-word}
.site-nav a.site-nav-link:focus-visible {background:#FFEB3B !important; color:#212B32 !important;
  box-shadow:inset 0 -4px 0 #212B32 !important; outline:none !important}
</style>"""

NAVIGATION_SCRIPT = """<script>
if (!window.siteNavigationInstalled) {
  window.siteNavigationInstalled = true;
  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey
        || event.altKey) return;
    var link = event.target.closest ? event.target.closest("a.site-nav-link") : null;
    if (!link) return;
    event.preventDefault();
    var target = new URL(link.getAttribute("href"), document.baseURI);
    if (target.pathname !== window.location.pathname) window.history.pushState({}, "", target.pathname);
    window.dispatchEvent(new PopStateEvent("popstate", {state: window.history.state}));
  });
}
</script>"""


def _nav_icon_html(icon: str | None) -> str:
    if not icon:
        return ""
    if icon.startswith(":material/") and icon.endswith(":"):
        name = html.escape(icon[len(":material/"):-1])
        return f'<span class="site-nav-icon material" aria-hidden="true" translate="no">{name}</span>'
    return f'<span class="site-nav-icon" aria-hidden="true">{html.escape(icon)}</span>'


def navigation_html(sections: list[tuple[str, list[tuple[str, str, str | None]]]], current: str) -> str:
    """The sidebar's page list as one block of HTML: each section a heading and a list of links
    ((url path, title, icon) each), the current page marked `aria-current="page"`. One element instead of a
    link, a block and a heading each (24 elements sent to every viewer on every run, issue 16). The wrapper
    keeps the class the keyed container had (`st-key-site_navigation`), which the browser tests find it by."""
    parts = ['<nav class="site-nav st-key-site_navigation" aria-label="Pages">']
    for section, links in sections:
        parts.append(f'<p class="nav-section">{html.escape(section)}</p><ul>')
        for url_path, title, icon in links:
            mark = ' aria-current="page"' if url_path == current else ""
            parts.append(
                f'<li><a class="site-nav-link" href="{html.escape(url_path)}"{mark}>{_nav_icon_html(icon)}'
                f'<p class="site-nav-label">{html.escape(title)}</p></a></li>'
            )
        parts.append("</ul>")
    parts.append("</nav>")
    return NAVIGATION_CSS + "".join(parts) + NAVIGATION_SCRIPT


def inject_css() -> None:
    st.markdown(CSS, unsafe_allow_html=True)


def tile_html(row: dict, extra_html: str = "", source: str = "") -> str:
    """One metric tile: label, value, target and gap, RAG badge (text and icon, not colour alone), and
    where the number comes from (a disclosure the reader opens)."""
    target, gap = html.escape(row["target_text"]), html.escape(row["gap_text"])
    extra = f'<div class="extra">{extra_html}</div>' if extra_html else ""
    if source:
        extra += (f'<details class="tile-source"><summary>Where this number comes from</summary>'
                  f"{escape_markdown(source)}</details>")
    return (
        f'<div class="metric-tile" role="group" aria-label="{html.escape(row["label"])}">'
        f'<div class="label">{html.escape(row["label"])}</div>'
        f'<div class="value">{html.escape(row["value_text"])}</div>'
        f'<div class="detail">Target {target} · Gap {gap}</div>'
        + (f'<div class="detail">{html.escape(row["context_text"])}</div>' if row.get("context_text") else "")
        +
        f'<div class="status">{rag_badge_html(row["status"], row["status_text"])}</div>'
        f"{extra}</div>"
    )


def render_tiles(
    tiles: pd.DataFrame, per_row: int = 4, extra: dict[str, str] | None = None, sources: dict[str, str] | None = None
) -> None:
    """Tiles in rows of `per_row` columns."""
    records = tiles.to_dict("records")
    for start in range(0, len(records), per_row):
        columns = st.columns(per_row)
        for column, row in zip(columns, records[start : start + per_row], strict=False):
            column.markdown(
                tile_html(row, (extra or {}).get(row["metric"], ""), (sources or {}).get(row["metric"], "")),
                unsafe_allow_html=True,
            )


def tile_grid_html(tiles: pd.DataFrame, extra: dict[str, str] | None = None,
                   sources: dict[str, str] | None = None) -> str:
    """Every tile in one block laid out by CSS (`.tile-grid`: 4 to a row on a desktop, 2 on a tablet, 1 on a
    phone): one element instead of a row, four columns and a block per tile, which is what a page with many
    tiles sends to each viewer on every run (issue 16)."""
    body = "".join(
        tile_html(row, (extra or {}).get(row["metric"], ""), (sources or {}).get(row["metric"], ""))
        for row in tiles.to_dict("records")
    )
    return f'<div class="tile-grid">{body}</div>'


def render_tile_grid(grid_html: str) -> None:
    """Draw a block from `tile_grid_html` (which a page may build once and share between sessions)."""
    st.markdown(grid_html, unsafe_allow_html=True)


_LOG = logging.getLogger("recovery_dashboard")
# Set by the test suite so that an unexpected error still fails the test that met it.
RAISE_ERRORS_VARIABLE = "RECOVERY_RAISE_ERRORS"


def report_unexpected_error(exc: Exception) -> str:
    """What a viewer sees when a page fails unexpectedly: a sentence and a reference id; the details
    (with the same id) go to the server's log, never to the browser. Returns the reference."""
    reference = uuid.uuid4().hex[:8].upper()
    _LOG.error("Unexpected error on a page, reference %s", reference, exc_info=exc)
    if isinstance(exc, StoreError):
        st.error(escape_markdown(str(exc)), icon=":material/error:")
    elif is_disk_full(exc):
        st.error(escape_markdown(disk_full_message(db_path())), icon=":material/error:")
    else:
        st.error(
            "Something went wrong while showing this page, so it stopped. Please try again; if it happens again, "
            f"tell the dashboard's administrator the reference **{reference}** (the details are in the server's "
            "log under it).",
            icon=":material/error:",
        )
    if os.environ.get(RAISE_ERRORS_VARIABLE):
        raise exc
    return reference


def show_message(kind: str, text: str, **kwargs) -> None:
    """st.success / info / warning / error for a sentence that may carry user text (a file name, a
    name, a cell): shown exactly as written, never as markdown."""
    getattr(st, kind)(escape_markdown(text), **kwargs)


def show_text_table(frame: pd.DataFrame, **kwargs) -> None:
    """st.table (which renders markdown in cells) for a frame that may hold user text: every cell and
    label shown as written."""
    safe = frame.map(lambda v: escape_markdown(v) if isinstance(v, str) else v)
    safe.index = [escape_markdown(v) if isinstance(v, str) else v for v in safe.index]
    safe.index.name = frame.index.name
    safe.columns = [escape_markdown(c) for c in frame.columns]
    st.table(safe, **kwargs)


def figures_as_at(store: Store) -> str:
    latest = latest_upload(store)
    return format_uk_time(latest["uploaded_at"]) if latest else "no uploads yet"


# --- service pages (issue 4): filters, charts with their CSV, the service heatmap and ranking -------

CSV_LABEL = "Download the data behind this chart (CSV)"


def site_picker(cfg: Config, sites: list[str], *, key: str, label: str = "Site") -> str:
    """A select box of "All sites" and the given site ids, shown by their labels."""
    return st.selectbox(label, ["All", *sites], format_func=lambda s: cfg.label_for("site", s), key=key)


def month_range_picker(months: list[dt.date], *, key: str, label: str = "Months") -> tuple[dt.date, dt.date]:
    """A range slider over the months, "Jul 2020" labels; the latest twelve months to start with."""
    if len(months) == 1:
        return months[0], months[0]
    default = (months[max(0, len(months) - 12)], months[-1])
    start, end = st.select_slider(label, options=months, value=default, format_func=format_month, key=key)
    return start, end


def download_csv(
    frame: pd.DataFrame | Callable[[], pd.DataFrame], *, file_name: str, key: str, label: str = CSV_LABEL,
    store: Store | None = None,
) -> None:
    """A download button for a frame as CSV whose text cells cannot run as spreadsheet formulas.

    The CSV is written when the button is pressed (Streamlit calls `data` then), not on every run of the
    page: a page with a dozen charts would otherwise spend most of a repeat view writing CSVs nobody asked
    for (issue 16). `frame` may itself be a callable, so building the frame waits for the click too. A page
    with the store at hand passes it (`store=`): two cached-resource look-ups fewer per button."""
    st.download_button(
        label, data=lambda: csv_bytes(frame() if callable(frame) else frame), file_name=file_name, mime="text/csv",
        key=key,
        on_click=record_download(store or get_store(), f"CSV {file_name}"), icon=":material/download:",
    )


def render_metric_chart(
    metric_id: str,
    series: pd.DataFrame,
    *,
    key: str,
    file_name: str,
    note: str | None = None,
    scope: dict[str, str] | None = None,
) -> None:
    """One metric's chart against its trajectory, an optional note, and its CSV download."""
    metric = get_config().metric(metric_id)
    figure = charts.build_trajectory_chart(series, metric, title=metric.label)
    st.plotly_chart(figure, width="stretch", key=f"{key}_chart", config=PLOTLY_CONFIG,
                    alt=f"{metric.label} against its trajectory; the figures are in the CSV below")
    if note:
        st.caption(f"ℹ️ {note}")
    frame = charts.chart_csv_frame(series, metric)
    download_csv(services.scoped_csv_frame(frame, scope) if scope else frame, file_name=file_name, key=f"{key}_csv")


def render_chart_grid(
    page: ServicePage, metric_ids: list[str], *, key_prefix: str, scope: dict[str, str], per_row: int = 2
) -> None:
    """The page's charts for `metric_ids`, `per_row` to a row, each with its note and CSV download."""
    stub = "-".join(v.replace(" ", "_") for v in scope.values())
    for start in range(0, len(metric_ids), per_row):
        columns = st.columns(per_row)
        for column, metric_id in zip(columns, metric_ids[start : start + per_row], strict=False):
            with column:
                render_metric_chart(
                    metric_id, page.series[metric_id], key=f"{key_prefix}_{metric_id}",
                    file_name=f"{metric_id}-{stub}.csv", note=page.notes.get(metric_id), scope=scope,
                )


def render_heatmap(page: ServicePage, *, key_prefix: str, scope: dict[str, str]) -> bool:
    """The service × month heatmap with its CSV; False (and a note) when there are no figures by service."""
    cfg = get_config()
    if not page.heatmap_metric or page.heatmap.empty:
        st.info("There are no figures by service for this site and these months.")
        return False
    metric = cfg.metric(page.heatmap_metric)
    stub = "-".join(v.replace(" ", "_") for v in scope.values())
    figure = charts.build_service_heatmap(page.heatmap, metric, title=f"{metric.label} by service")
    st.plotly_chart(figure, width="stretch", key=f"{key_prefix}_heatmap", config=PLOTLY_CONFIG)
    st.caption(
        "Each cell shows the service's value for the month (✔ target met, ▲ amber, ✖ red). Colour shows the gap "
        "to that month's target: orange below it, blue above it, paler nearer the target; grey where the month "
        "has no target. Services are ordered furthest below target first."
    )
    download_csv(
        services.scoped_csv_frame(charts.heatmap_csv_frame(page.heatmap, metric), scope),
        file_name=f"{metric.id}-by-service-{stub}.csv", key=f"{key_prefix}_heatmap_csv",
    )
    return True


def render_ranking(page: ServicePage, *, key_prefix: str, scope: dict[str, str]) -> None:
    """Services ranked by gap to the latest month's target, with status in words and icons, and its CSV."""
    cfg = get_config()
    if not page.heatmap_metric or page.ranking.empty:
        return
    metric = cfg.metric(page.heatmap_metric)
    stub = "-".join(v.replace(" ", "_") for v in scope.values())
    st.markdown(f"**Services ranked by gap to the {format_month(page.ranking_month)} target** (furthest below first)")
    table = services.ranking_table(page.ranking, metric, cfg.rag.amber_margin)
    st.dataframe(
        charts.build_ranking_table(table, list(page.ranking["status"])),
        hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3, key=f"{key_prefix}_ranking",
        column_config={"Rank": st.column_config.NumberColumn(width="small"),
                       "Status": st.column_config.TextColumn(width="large")},
    )
    download_csv(
        services.scoped_csv_frame(services.ranking_csv_frame(page.ranking, metric), scope),
        file_name=f"{metric.id}-ranking-{stub}.csv", key=f"{key_prefix}_ranking_csv",
        label="Download the data behind this table (CSV)",
    )


# --- the executive review (issue 6): SPC icons and commentary on the tiles ------------------------

# A tile shows the start of the commentary; the whole text is in the commentary section and the pack.
TILE_COMMENTARY_CHARS = 240


def spc_icon_html(icon: dict | None, heading: str) -> str:
    """A Making Data Count icon: its letter on its colour, the sentence as a tooltip (title) and as small
    text beside it, so it is never hover-only nor colour-only. Empty when there is no icon."""
    if not icon:
        return ""
    ink = charts.readable_text_on(icon["colour"])
    sentence, heading = html.escape(icon["text"]), html.escape(heading)
    return (
        f'<div class="spc-icon-row"><span class="spc-icon" role="img" title="{sentence}" '
        f'aria-label="{heading}: {sentence}" style="background:{icon["colour"]};color:{ink}">'
        f'{html.escape(icon["letter"])}</span><span class="spc-icon-text">{heading}: {sentence}</span></div>'
    )


def commentary_html(note: dict | None) -> str:
    """The latest commentary under a tile: the text (shortened if long) and who wrote it, when."""
    if not note:
        return ""
    body = str(note["body"])
    if len(body) > TILE_COMMENTARY_CHARS:
        body = body[:TILE_COMMENTARY_CHARS].rsplit(" ", 1)[0] + "…"
    versions = int(note.get("versions", 1) or 1)
    earlier = f" · {versions - 1} earlier version{'s' if versions > 2 else ''}" if versions > 1 else ""
    byline = f'{escape_markdown(note["written_by"])}, {format_uk_time(note["written_at"])}{earlier}'
    return f'<div class="tile-commentary">{escape_markdown(body)}<div class="byline">— {byline}</div></div>'


# --- discharges, primary care, inequalities, assessment, coverage pages (issue 5) -----------------


def figure_tile_html(label: str, value: str, detail: str = "", badge: str = "") -> str:
    """A tile for a figure with no trajectory (a period total, a count against a reference month):
    label, value, a line of detail and an optional RAG badge (text and icon, not colour alone)."""
    return (
        f'<div class="metric-tile" role="group" aria-label="{html.escape(label)}" style="min-height:150px">'
        f'<div class="label">{html.escape(label)}</div>'
        f'<div class="value">{html.escape(value)}</div>'
        + (f'<div class="detail">{html.escape(detail)}</div>' if detail else "")
        + (f'<div class="status">{badge}</div>' if badge else "")
        + "</div>"
    )


def render_figure_tiles(tiles: list[tuple[str, str, str, str]], per_row: int | None = None) -> None:
    """(label, value, detail, badge html) tiles in one row (or rows of `per_row`)."""
    per_row = per_row or len(tiles)
    for start in range(0, len(tiles), per_row):
        columns = st.columns(per_row)
        for column, tile in zip(columns, tiles[start : start + per_row], strict=False):
            column.markdown(figure_tile_html(*tile), unsafe_allow_html=True)
