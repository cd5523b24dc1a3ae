"""Demand & capacity: the waiting list to the latest complete month, projected under a scenario, the capacity
needed for the 18-week target, two scenarios side by side, and a backtest of a past projection."""

import datetime as dt

import streamlit as st

from app_pages._cache import cached_view
from app_pages._shared import download_csv, get_config, get_store, page_header, rag_badge_html
from app_pages._signin import current_actor, record_download
from metrics import capacity, charts, compute, scenarios
from metrics.access import AccessDenied, refusal
from metrics.capacity_pack import build_capacity_pdf
from metrics.months import add_months, format_month, format_uk_time
from metrics.pack import PackError
from metrics.safe_text import escape_markdown
from metrics.views import load_capacity, load_capacity_options, save_scenario

cfg = get_config()
store = get_store()
actor = current_actor()  # who a saved scenario is recorded as; the Store checks the editor role
SAVED = "capacity_saved_message"
NEXT_SCENARIO = "capacity_next_scenario"

page_header(
    "Demand & capacity",
    "The referral-to-treatment waiting list by service: what happened, where a scenario takes it, and the "
    "capacity the 18-week target needs (NHSRwaitinglist queue arithmetic)",
)
if SAVED in st.session_state:
    st.success(st.session_state.pop(SAVED), icon="✅")

options = cached_view(load_capacity_options, store, cfg)
if not options.services or options.latest_complete is None:
    st.info("The store holds no complete month of waiting list figures yet (referrals, removals and the list by "
            "service). Load them on the Upload data page; the demonstration store includes them.")
    st.stop()
if options.versions.empty:
    st.info("The store holds no scenarios yet; record one in the editor at the foot of the page.")

def keep_choice(key: str, choices: list, default):
    """Keep a picker's choice while its options change (a new scenario saved, a shorter horizon): set the
    state before the widget is drawn, so no widget also needs a default."""
    if st.session_state.get(key) not in choices:
        st.session_state[key] = default


start = options.latest_complete
version_ids = options.version_ids
if NEXT_SCENARIO in st.session_state:  # a version just saved becomes the chosen one
    st.session_state["capacity_scenario"] = st.session_state.pop(NEXT_SCENARIO)
keep_choice("capacity_scenario", version_ids, version_ids[0] if version_ids else None)
left, middle, right = st.columns([2, 2, 1])
with left:
    chosen = st.multiselect("Services", options.services, format_func=options.labels.get, key="capacity_services",
                            placeholder="All services")
with middle:
    version_id = st.selectbox("Scenario", version_ids, format_func=options.version_label, key="capacity_scenario",
                              placeholder="No scenario saved")
with right:
    keep_choice("capacity_horizon", list(capacity.HORIZONS), 12)
    horizon = st.selectbox("Horizon", capacity.HORIZONS, key="capacity_horizon", format_func=lambda n: f"{n} months")
months_ahead = [add_months(start, i) for i in range(1, horizon + 1)]
keep_choice("capacity_target", months_ahead, months_ahead[-1])
others = [v for v in version_ids if v != version_id]
keep_choice("capacity_compare", others, others[0] if others else None)
backtest_months = options.backtest_months(cfg)
keep_choice("capacity_backtest_start", backtest_months,
            dt.date(2020, 6, 1) if dt.date(2020, 6, 1) in backtest_months else (backtest_months or [None])[0])
left, right = st.columns([1, 3])
with left:
    target = st.selectbox("Reach the 18-week target by the end of", months_ahead, format_func=format_month,
                          key="capacity_target")
with right:
    chosen_row = options.version_row(version_id)
    if chosen_row:
        st.caption(("Shipped example, labelled as such. " if chosen_row["example"] else "")
                   + escape_markdown(scenarios.describe_version(chosen_row, format_uk_time(chosen_row["saved_at"]))))
    st.caption(f"Projection starts from {format_month(start)}, the latest month whose waiting list figures are "
               "complete. Multipliers are on the same month of 2019/20; a blank one keeps "
               f"{format_month(start)}'s own share of its 2019/20 month (“as now”).")

page = cached_view(load_capacity, store, cfg, options, services=chosen, version_id=version_id, horizon=horizon,
                   target=target, compare_id=st.session_state.get("capacity_compare"),
                   backtest_start=st.session_state.get("capacity_backtest_start"))
if page.problem:
    st.warning(page.problem, icon="⚠️")
    st.stop()

scenario_label = options.version_label(version_id)
labels = options.labels
total = page.total_row
services_text = "all services" if len(page.services) == len(options.services) else \
    ", ".join(labels[s] for s in page.services)

st.subheader(f"The waiting list for {services_text}")
badge = rag_badge_html(total["status"], f"{compute.STATUS_WORDS[total['status']]} at {format_month(target)}")
st.markdown(f"{badge} {escape_markdown(capacity.describe_total(total, target, scenario_label))}",
            unsafe_allow_html=True)
st.caption("RAG: green when the projected list is at or below the 18-week target list size at the target date, "
           f"amber within {cfg.rag.amber_margin:.0%} of it, red beyond.")
one, two, three, four, five = st.columns(5)
one.metric("Waiting list now", f"{total['list_now']:,.0f}", help=f"End of {format_month(start)}")
two.metric(f"Projected, {format_month(target)}", f"{total['projected']:,.0f}",
           delta=f"{total['projected'] - total['list_now']:+,.0f}", delta_color="inverse")
three.metric("Removals needed", f"{total['needed_capacity']:,.0f}",
             delta=f"{total['capacity_gap']:+,.0f} planned", delta_color="normal",
             help="A month, to the target date: the larger of the relief capacity (to bring the list to its 18-week "
                  "target size by the target date) and the target capacity (to hold it there), summed over "
                  "services. The delta is planned removals less those needed.")
four.metric("Queue load", f"{total['load']:.2f}",
            help="Referrals ÷ removals under the scenario, to the target date: above 1 the list grows.")
five.metric("Pressure now", f"{total['pressure_now']:.2f}",
            help="2 × mean wait ÷ 18 weeks, the mean wait by Little's law (list ÷ weekly referrals): above 1 the "
                 "list is likely to miss the 18-week target.")

st.plotly_chart(
    charts.build_waiting_list_chart(page.history, page.total, target_queue=total["target_queue"], target=target,
                                    scenario=scenario_label, title="Waiting list: actual and projected"),
    width="stretch", key="capacity_list_chart",
)
left, right = st.columns(2)
with left:
    st.plotly_chart(charts.build_long_waiters_chart(page.history, page.total, title="Patients waiting 52+ weeks"),
                    width="stretch", key="capacity_long_chart")
    st.caption("Projected 52-week waiters assume waits have a geometric tail (NHSRwaitinglist's basis), scaled to "
               f"{format_month(start)}'s actual count: an approximation for planning.")
with right:
    st.plotly_chart(charts.build_demand_capacity_chart(page.history, page.total,
                                                       title="Referrals and removals a month"),
                    width="stretch", key="capacity_flow_chart")

st.markdown(f"**By service at {format_month(target)}**")
st.dataframe(capacity.summary_table(page.summary, labels), hide_index=True, width="stretch",
             key="capacity_summary_table")
download_csv(page.summary, file_name=f"capacity-{target:%Y-%m}.csv", key="capacity_summary_csv",
             label="Download this table (CSV)")

with st.popover("Board pack page (PDF)", icon=":material/picture_as_pdf:"):
    st.caption("One A4 page for the board pack: the sentence and RAG above, the projection chart, the table and "
               "the backtest. Drawing the chart takes a few seconds.")
    if st.button("Build the PDF page", key="capacity_pdf_build"):
        try:
            pdf = build_capacity_pdf(page, options, cfg.organisation, scenario_label, dt.date.today())
        except PackError as exc:
            st.error(str(exc))
        else:
            st.download_button("Download the PDF page", data=pdf, file_name=f"capacity-{target:%Y-%m}.pdf",
                               mime="application/pdf", key="capacity_pdf_download",
                               on_click=record_download(store, f"capacity PDF page {target:%Y-%m}"),
                               icon=":material/download:")

st.subheader("Compare two scenarios")
if not others:
    st.info("Save a second scenario to compare it with this one.")
else:
    compare = st.selectbox("Compare with", others, format_func=options.version_label, key="capacity_compare")
    second = page.comparison_total_row
    if second is not None:
        st.plotly_chart(charts.build_scenario_comparison_chart(page.history, page.comparison,
                                                               title="Projected waiting list under each scenario"),
                        width="stretch", key="capacity_compare_chart")
        left, right = st.columns(2)
        for column, label, row in ((left, scenario_label, total), (right, options.version_label(compare), second)):
            column.markdown(
                f"**{label}** {rag_badge_html(row['status'])}<br>{format_month(target)}: {row['projected']:,.0f} "
                f"waiting (band {row['lower']:,.0f}–{row['upper']:,.0f}); removals needed "
                f"{row['needed_capacity']:,.0f} a month, planned {row['planned_capacity']:,.0f}.",
                unsafe_allow_html=True,
            )
        download_csv(page.comparison, file_name="capacity-comparison.csv", key="capacity_compare_csv",
                     label="Download the comparison (CSV)")

st.subheader("Backtest: how good was a past projection?")
if not backtest_months:
    st.info("A backtest needs a complete month after the baseline year and before the latest one.")
else:
    st.selectbox("Project from", backtest_months, format_func=format_month, key="capacity_backtest_start")
    if page.backtest_problem:
        st.warning(page.backtest_problem, icon="⚠️")
    elif page.backtest is not None:
        st.plotly_chart(charts.build_backtest_chart(page.backtest_history, page.backtest.frame,
                                                    start=page.backtest.start,
                                                    title=f"Projected from {format_month(page.backtest.start)} "
                                                          "against what happened"),
                        width="stretch", key="capacity_backtest_chart")
        st.markdown(page.backtest.sentence())
        download_csv(page.backtest.frame, file_name=f"backtest-from-{page.backtest.start:%Y-%m}.csv",
                     key="capacity_backtest_csv", label="Download the backtest (CSV)")

if not actor.can("scenario"):
    st.caption(escape_markdown(refusal(actor, "scenario")))
else:
    with st.expander("Save a new scenario version", expanded=False, icon=":material/edit_note:"):
        st.markdown(
            "Start from the chosen scenario's rows: one row per month and service group (All, or one service), with "
            "the demand (referrals) and capacity (removals) multipliers on the same month of 2019/20 — 0.6 is 60%. "
            "Leave a multiplier blank for “as now”. Saving keeps a new version; every earlier version stays as it was."
        )
        template = scenarios.editor_frame(page.scenario_rows)
        edited = st.data_editor(
            template, hide_index=True, width="stretch", num_rows="dynamic", key=f"capacity_editor_{version_id}",
            column_config={
                "month": st.column_config.TextColumn("Month (YYYY-MM)", required=True),
                "service_group": st.column_config.SelectboxColumn(
                    "Service group", options=[scenarios.ALL_SERVICES, *options.services], required=True),
                "demand": st.column_config.NumberColumn("Demand ×", min_value=0.0, max_value=scenarios.MAX_MULTIPLIER,
                                                        step=0.05, format="%.2f"),
                "capacity": st.column_config.NumberColumn("Capacity ×", min_value=0.0,
                                                          max_value=scenarios.MAX_MULTIPLIER, step=0.05, format="%.2f"),
            },
        )
        left, middle = st.columns(2)
        with left:
            name = st.text_input("Scenario name", value=options.scenario_name(version_id),
                                 key=f"capacity_name_{version_id}",
                                 help="The same name as an existing scenario saves its next version.")
        with middle:
            st.caption(escape_markdown(f"Saved as by {actor.label}."))
        description = st.text_input("What it assumes (optional)", key="capacity_description",
                                    placeholder="e.g. NHSE/I planning assumptions, 14 October")
        if st.button("Save as a new version", type="primary", key="capacity_save", icon=":material/save:"):
            try:
                new_id = save_scenario(store, cfg, name, edited, actor=actor, description=description,
                                       based_on=version_id)
            except scenarios.ScenarioError as exc:
                st.error("The scenario was not saved; nothing has changed. Please fix:\n\n"
                         + "\n".join(f"- {escape_markdown(p)}" for p in exc.problems))
            except (ValueError, AccessDenied) as exc:
                st.error(f"The scenario was not saved; nothing has changed. {escape_markdown(exc)}")
            else:
                st.session_state[SAVED] = (f"Saved “{escape_markdown(name.strip())}” as version id {new_id}. Earlier "
                                           "versions are kept unchanged.")
                st.session_state[NEXT_SCENARIO] = new_id
                st.rerun()
