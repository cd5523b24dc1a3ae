"""The generic page: draws any page declared under `pages:` in config.yaml, block by block.

app.py registers this one script once per declared page (each at its own url) and names the page being
run in `st.session_state[DECLARED_PAGE_KEY]`. No SQL and no computation here: the filters' options and
the figures come from `metrics.views` in the two calls of `_options` and `_figures` (one place, so a
cross-session cache can wrap them), the figures from `metrics.charts`.
"""

from __future__ import annotations

import streamlit as st

from app_pages._cache import cached_view
from app_pages._shared import (
    DECLARED_PAGE_KEY,
    download_csv,
    get_config,
    get_store,
    month_range_picker,
    page_header,
    render_chart_grid,
    render_heatmap,
    render_ranking,
    render_tiles,
    show_text_table,
    site_picker,
)
from metrics import charts
from metrics.config import Config, PageBlock, PageSpec
from metrics.months import format_month, format_month_long
from metrics.views import DeclaredPage, PageOptions, load_declared_page, load_page_options


def _options(cfg: Config, spec: PageSpec) -> PageOptions:
    return cached_view(load_page_options, get_store(), cfg, spec.metric_ids, spec.by_service_ids)


def _figures(cfg: Config, spec: PageSpec, *, site, start, end, by_service) -> DeclaredPage:
    return cached_view(load_declared_page, get_store(), cfg, spec.url, site=site, start=start, end=end,
                       by_service=by_service)


def _heading(block: PageBlock) -> None:
    if block.heading:
        st.subheader(block.heading)
    if block.caption:
        st.caption(block.caption)


def _render_spc(figures: DeclaredPage, block: PageBlock, cfg: Config, key: str) -> None:
    per_row = block.per_row or 2
    for first in range(0, len(block.metrics), per_row):
        for column, metric_id in zip(st.columns(per_row), block.metrics[first:first + per_row], strict=False):
            with column:
                metric, spc = cfg.metric(metric_id), figures.spc[metric_id]
                series = figures.page.series[metric_id]
                st.plotly_chart(charts.build_spc_chart(series, spc.frame, metric, title=metric.label),
                                width="stretch", key=f"{key}_{metric_id}_spc")
                if spc.note:
                    st.caption(f"ℹ️ {spc.note}")
                download_csv(charts.chart_csv_frame(series, metric), file_name=f"{metric_id}-spc.csv",
                             key=f"{key}_{metric_id}_spc_csv")


def _render_table(figures: DeclaredPage, block: PageBlock) -> None:
    tiles = figures.page.tiles.set_index("metric").loc[block.metrics]
    table = tiles.reset_index()[["label", "value_text", "target_text", "status_text"]].rename(columns={
        "label": "Metric", "value_text": "Value", "target_text": "Target", "status_text": "Status"})
    show_text_table(table)


def _by_words(block: PageBlock, groups, cfg: Config) -> str:
    """How a chart title names the breakdown: "primary care network" when every site is one."""
    if block.dimension == "site":
        kinds = {cfg.site_by_id[k].kind for k in set(groups["key"]) if k in cfg.site_by_id}
        return "primary care network" if kinds == {"pcn"} else "site"
    return {"service": "service", "imd": "IMD quintile", "ethnicity": "ethnicity group"}[block.dimension]


def _render_breakdown(figures: DeclaredPage, index: int, block: PageBlock, cfg: Config, key: str, stub: str) -> None:
    metric = cfg.metric(block.metrics[0])
    groups = figures.breakdowns[index]
    if groups.empty:
        st.info(f"There are no figures for {metric.label[:1].lower()}{metric.label[1:]} by {block.dimension} for "
                "this site and these months.")
        return
    title = f"{metric.label} by {_by_words(block, groups, cfg)}"
    st.plotly_chart(charts.build_group_chart(groups, metric, title=title), width="stretch",
                    key=f"{key}_breakdown_{index}")
    frame = groups[["month", "label", "value", "target", "gap", "status"]].rename(columns={"label": block.dimension})
    frame["month"] = [format_month(m) for m in frame["month"]]
    download_csv(frame, file_name=f"{metric.id}-by-{block.dimension}-{stub}.csv", key=f"{key}_breakdown_{index}_csv")


def render(spec: PageSpec) -> None:
    """Draw one declared page: header, filters (site, months and, when the heatmap offers a choice, the
    metric shown by service), then each block in the order config.yaml gives."""
    cfg = get_config()
    key = spec.url
    page_header(spec.title, spec.description)
    options = _options(cfg, spec)
    if not options.months:
        st.info(spec.empty or f"The store holds no figures for {spec.title} yet. Load them on the Upload data page.")
        st.stop()

    choices = spec.by_service_ids
    if len(choices) > 1:
        left, middle, right = st.columns([1, 1, 2])
    else:
        (left, right), middle = st.columns([1, 2]), None
    with left:
        site = site_picker(cfg, options.sites, key=f"{key}_site")
    by_service = None
    if middle is not None:
        with middle:
            by_service = st.selectbox("By service: show", options.heatmap_metrics or choices[:1],
                                      format_func=lambda m: cfg.metric(m).label, key=f"{key}_by_service")
    elif choices:
        by_service = choices[0]
    with right:
        start, end = month_range_picker(options.months, key=f"{key}_months")
    if by_service not in options.heatmap_metrics:
        by_service = None

    figures = _figures(cfg, spec, site=site, start=start, end=end, by_service=by_service)
    page = figures.page
    site_label = cfg.label_for("site", site)
    scope = {"site": site_label, "months": f"{format_month(start)} to {format_month(end)}"}
    stub = "-".join(v.replace(" ", "_") for v in scope.values())
    tiles_heading_done = False
    for index, block in enumerate(spec.blocks):
        if block.kind == "tiles":
            heading = block.heading or ("" if tiles_heading_done else f"{site_label}, {format_month_long(end)}")
            if heading:
                st.subheader(heading)
            tiles_heading_done = True
            if block.caption:
                st.caption(block.caption)
            render_tiles(page.tiles[page.tiles["metric"].isin(block.metrics)], per_row=block.per_row or 3)
        elif block.kind == "charts":
            _heading(block)
            if block.chart == "spc":
                _render_spc(figures, block, cfg, key)
            else:
                render_chart_grid(page, block.metrics, key_prefix=key, scope=scope, per_row=block.per_row or 2)
        elif block.kind == "heatmap":
            _heading(block)
            render_heatmap(page, key_prefix=key, scope=scope)
        elif block.kind == "ranking":
            _heading(block)
            render_ranking(page, key_prefix=key, scope=scope)
        elif block.kind == "breakdown":
            _heading(block)
            _render_breakdown(figures, index, block, cfg, key, stub)
        elif block.kind == "table":
            _heading(block)
            _render_table(figures, block)
        elif block.kind == "text":
            _heading(block)
            st.markdown(block.text)  # config.yaml is written by the team, like every caption


def current_page(cfg: Config) -> PageSpec | None:
    """The declared page this run draws (app.py names it), or None."""
    return cfg.page_by_url.get(st.session_state.get(DECLARED_PAGE_KEY, ""))


_spec = current_page(get_config())
if _spec is None:
    st.info("This address is not a page declared in config.yaml. Choose a page in the navigation.")
else:
    render(_spec)

