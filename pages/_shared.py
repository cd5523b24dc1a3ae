"""What every page shares: the cached config and store, the demonstration banner, tiles and badges.

Streamlit-only helpers. No SQL and no computation: pages call `metrics.views` for data and
`metrics.charts` for figures, and these helpers for the common pieces of layout.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from data.demo import build_demo_store
from data.store import Store, StoreError
from metrics import compute
from metrics.config import Config, ConfigError, load_config, resolve_db_path
from metrics.months import format_month

UK = ZoneInfo("Europe/London")


@st.cache_resource(show_spinner=False)
def _config() -> Config:
    return load_config()


def _ensure_navigation_shell() -> None:
    """Make sure app.py (navigation, sidebar, banner) wraps every page.

    Streamlit treats a `pages/` folder beside the entry script as a legacy (v1) multipage app until
    app.py has called st.navigation once in this server process, so a deep link opened first on a
    fresh server (a shared My service URL, say) would run the page script alone. When that happens
    we switch Streamlit to st.navigation and rerun: the rerun goes through app.py to the same page.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def get_config() -> Config:
    """The validated config; a broken config stops the page with every problem listed."""
    _ensure_navigation_shell()
    try:
        return _config()
    except ConfigError as exc:
        st.error("The dashboard cannot start because config.yaml has problems:")
        st.markdown("\n".join(f"- {html.escape(p)}" for p in exc.problems))
        st.stop()
        raise  # unreachable: st.stop() ends the script run


@st.cache_resource(show_spinner="Opening the store…")
def _store(path: str) -> Store:
    # The dashboard owns the store file: one read-write connection for the whole server;
    # each call opens its own cursor. A missing store is built from the demonstration data.
    store = Store(path)
    if store.fact_count() == 0 and not store.uploads().shape[0]:
        build_demo_store(store, _config())
    return store


def get_store() -> Store:
    """The shared Store for this server (path from RECOVERY_DB or config.yaml)."""
    cfg = get_config()
    path = resolve_db_path(cfg)
    try:
        return _store(str(path))
    except StoreError as exc:
        st.error(str(exc))
        st.stop()
        raise


def db_path() -> Path:
    return resolve_db_path(get_config())


def to_uk_time(moment: dt.datetime | pd.Timestamp | None) -> str:
    """A stored UTC timestamp as UK local time: "22 Nov 2026, 07:30"."""
    if moment is None or pd.isna(moment):
        return "–"
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert(UK).strftime("%-d %b %Y, %H:%M")


def page_header(title: str, subtitle: str) -> None:
    st.title(title)
    st.caption(subtitle)


def demo_banner(store: Store) -> None:
    """The "demonstration data" label every page carries while the store holds the demo."""
    if store.is_demo():
        st.warning(
            "**Demonstration data.** These figures are synthetic, generated to show how the dashboard "
            "works. Only the published figures quoted in the README are real; nothing here describes "
            "actual activity.",
            icon="⚠️",
        )


def month_picker(months: list[dt.date], *, key: str, label: str = "Month", default: dt.date | None = None) -> dt.date:
    """A select box of months, newest last, labelled "Jul 2020"."""
    index = months.index(default) if default in months else len(months) - 1
    return st.selectbox(label, months, index=index, format_func=format_month, key=key)


def rag_badge_html(status: str, text: str | None = None) -> str:
    """A RAG badge: icon + words on the status colour (never colour alone; AA contrast)."""
    background, foreground = compute.STATUS_COLOURS.get(status, compute.STATUS_COLOURS["no_data"])
    icon = compute.STATUS_ICONS.get(status, "")
    words = html.escape(text or compute.STATUS_WORDS.get(status, status))
    return (
        f'<span class="rag-badge" style="background:{background};color:{foreground};'
        f'padding:2px 8px;border-radius:4px;font-weight:600;font-size:0.85rem;white-space:nowrap">'
        f'<span aria-hidden="true">{icon}</span> {words}</span>'
    )


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
</style>
"""


def inject_css() -> None:
    st.markdown(CSS, unsafe_allow_html=True)


def tile_html(row: dict, extra_html: str = "") -> str:
    """One metric tile: label, value, target and gap, RAG badge (text and icon, not colour alone)."""
    target, gap = html.escape(row["target_text"]), html.escape(row["gap_text"])
    extra = f'<div class="extra">{extra_html}</div>' if extra_html else ""
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


def render_tiles(tiles: pd.DataFrame, per_row: int = 4, extra: dict[str, str] | None = None) -> None:
    """Tiles in rows of `per_row` columns."""
    records = tiles.to_dict("records")
    for start in range(0, len(records), per_row):
        columns = st.columns(per_row)
        for column, row in zip(columns, records[start : start + per_row], strict=False):
            column.markdown(tile_html(row, (extra or {}).get(row["metric"], "")), unsafe_allow_html=True)


def figures_as_at(store: Store) -> str:
    latest = store.latest_upload()
    return to_uk_time(latest["uploaded_at"]) if latest else "no uploads yet"
