"""Phase 3 assessment & milestones: each requirement's RAG over review dates, and the plan's milestones."""

import datetime as dt

import streamlit as st

from app_pages._cache import cached_view, store_is_demo
from app_pages._shared import download_csv, get_config, get_store, page_header, show_message
from app_pages._signin import current_actor
from metrics import assessment, charts
from metrics.access import AccessDenied, refusal
from metrics.months import format_uk_time
from metrics.safe_text import MAX_NOTE_CHARS, escape_markdown
from metrics.sources import SPECIALIST_TRUST
from metrics.views import default_milestone_date, load_assessment, load_milestones, save_review

cfg = get_config()
store = get_store()
actor = current_actor()
SAVED = "assessment_saved_message"

page_header(
    "Phase 3 assessment & milestones",
    "Every requirement of the Phase 3 letter (31 July 2020) rated Red, Amber, Green or TBC at each review, "
    "and the One Bromley recovery plan's milestones",
)
if SAVED in st.session_state:
    show_message("success", st.session_state.pop(SAVED), icon="✅")


def highlight_overdue(row) -> list[str]:
    # A pale red row as well as the "⚠ Overdue" words: the colour is never the only signal.
    overdue = str(row["state"]).startswith("⚠")
    return ["background-color:#FDE8E6;font-weight:600" if overdue else "" for _ in row]


def show_problems(problems: list[str]) -> None:
    st.error("The review was not saved; nothing has changed. Please fix:\n\n"
             + "\n".join(f"- {escape_markdown(p)}" for p in problems))


organisations = cached_view(load_assessment, store, cfg).organisations
organisation = st.selectbox(
    "Organisation", organisations or [""], key="assessment_organisation",
    format_func=lambda o: o or "Organisation not recorded (reviews kept before organisations were)",
    help="Each One Bromley partner can keep its own reviews against the Phase 3 requirements.",
)
page = cached_view(load_assessment, store, cfg, organisation)
if page.organisation == SPECIALIST_TRUST:
    st.info(
        f"These reviews are **{SPECIALIST_TRUST}'s** published assessment against the Phase 3 requirements (August "
        "2020): a specialist Trust outside Bromley, used as demonstration data. They are not One Bromley's position "
        "or any One Bromley partner's. See Sources.", icon=":material/info:",
    )
if page.requirements.empty:
    st.info("The store holds no Phase 3 assessment yet: no requirements to rate. The demonstration store includes "
            "them (`python -m data demo --force` rebuilds it).")
elif page.counts.empty:
    st.info(f"{page.organisation or 'This organisation'} has no Phase 3 review recorded yet. Record its first "
            "review below.")
if not page.requirements.empty and not page.counts.empty:
    ids = list(page.counts["review_id"])
    latest = page.latest_id
    section_titles = dict(zip(page.requirements["section"], page.requirements["section_title"], strict=True))

    st.subheader("RAG counts at each review")
    st.plotly_chart(
        charts.build_rag_counts_chart(assessment.rag_counts_long(page.counts),
                                      title="Requirements by rating, per review date"),
        width="stretch", key="assessment_counts_chart",
    )
    one, two = st.columns([1, 1])
    with one:
        st.dataframe(assessment.rag_counts_csv(page.counts), hide_index=True, width="stretch",
                     key="assessment_counts_table")
    with two:
        st.caption("Each review rates every requirement once. A new review is kept alongside the earlier ones: "
                   "nothing recorded is ever overwritten.")
        download_csv(assessment.rag_counts_csv(page.counts), file_name="phase3-rag-counts.csv",
                     key="assessment_counts_csv")

    st.subheader("Requirements at a review")
    left, middle, right = st.columns([1, 1, 2])
    with left:
        review_id = st.selectbox("Review", ids, index=len(ids) - 1, format_func=page.labels.get,
                                 key="assessment_review")
    with middle:
        rags = st.multiselect("Rating", list(assessment.RAG_VALUES), format_func=assessment.rag_text,
                              key="assessment_rag_filter", placeholder="All ratings")
    with right:
        sections = st.multiselect(
            "Section", list(section_titles), key="assessment_section_filter",
            format_func=lambda s: f"{s} {section_titles[s]}",
            placeholder="All sections",
        )
    review = page.reviews[page.reviews["review_id"] == review_id].iloc[0]
    st.caption(
        f"Review of {page.labels[review_id]}, recorded by {escape_markdown(review['recorded_by'])} on "
        f"{format_uk_time(review['recorded_at'])}" + (f". {escape_markdown(review['note'])}" if review["note"] else ".")
    )
    table = assessment.filter_review_table(assessment.review_table(page.requirements, page.rows_for(review_id)),
                                           rags, sections)
    st.dataframe(
        table[["requirement_id", "requirement", "lead_role", "rag_text", "assessment"]],
        hide_index=True, width="stretch", key="assessment_table", row_height=74, height=600,
        column_config={
            "requirement_id": st.column_config.TextColumn("Ref", width=55),
            "requirement": st.column_config.TextColumn("Requirement", width=320),
            "lead_role": st.column_config.TextColumn("Lead (role)", width=160),
            "rag_text": st.column_config.TextColumn("RAG", width=85),
            "assessment": st.column_config.TextColumn("Assessment", width=310),
        },
    )
    st.caption(f"{len(table)} of {len(page.rows_for(review_id))} requirements shown. Hover a cell to read all of "
               "its text, or download the table.")
    download_csv(table.drop(columns=["rag_text"]), file_name=f"phase3-review-{review_id}.csv",
                 key="assessment_table_csv", label="Download this review (CSV)")

    st.subheader("What changed between two reviews")
    if len(ids) < 2:
        st.info("Only one review has been recorded so far; record another to compare them.")
    else:
        left, right = st.columns(2)
        with left:
            before_id = st.selectbox("Earlier review", ids, index=len(ids) - 2, format_func=page.labels.get,
                                     key="assessment_compare_from")
        with right:
            after_id = st.selectbox("Later review", ids, index=len(ids) - 1, format_func=page.labels.get,
                                    key="assessment_compare_to")
        changes = assessment.compare_reviews(page.requirements, page.rows_for(before_id), page.rows_for(after_id))
        st.markdown(f"**{page.labels[before_id]} → {page.labels[after_id]}:** {assessment.describe_changes(changes)}")
        if not changes.empty:
            st.dataframe(
                changes[["requirement_id", "requirement", "change", "rating", "lead_after", "assessment_after"]],
                hide_index=True, width="stretch", key="assessment_changes", row_height=74,
                column_config={
                    "requirement_id": st.column_config.TextColumn("Ref", width=55),
                    "requirement": st.column_config.TextColumn("Requirement", width=290),
                    "change": st.column_config.TextColumn("Change", width=90),
                    "rating": st.column_config.TextColumn("Rating", width=150),
                    "lead_after": st.column_config.TextColumn("Lead (role)", width=150),
                    "assessment_after": st.column_config.TextColumn("Assessment at the later review", width=190),
                },
            )
            download_csv(changes, file_name=f"phase3-changes-{before_id}-to-{after_id}.csv",
                         key="assessment_changes_csv", label="Download the changes (CSV)")

if not page.requirements.empty:
    if not actor.can("review"):
        st.caption(escape_markdown(refusal(actor, "review")))
    else:
        with st.expander("Record a new review", expanded=False, icon=":material/edit_note:"):
            latest = page.latest_id
            start = f"the latest review of {page.organisation} ({page.labels[latest]})" if latest else "a blank review"
            st.markdown(
                f"Start from {escape_markdown(start)}: change the ratings, leads and text that have moved, give the "
                "review date, and save. It is kept as a new review, recorded as by "
                f"{escape_markdown(actor.label)}; every earlier review stays exactly as it was recorded. Leads are "
                "roles (for example Chief Operating Officer), not people's names."
            )
            template = assessment.review_template(page.requirements, page.rows_for(latest))
            edited = st.data_editor(
                template, hide_index=True, width="stretch", num_rows="fixed", key=f"assessment_editor_{latest}",
                disabled=["requirement_id", "requirement"],
                column_config={
                    "requirement_id": st.column_config.TextColumn("Ref", width=55),
                    "requirement": st.column_config.TextColumn("Requirement", width=280),
                    "lead_role": st.column_config.TextColumn("Lead (role)", required=True, width=190),
                    "rag": st.column_config.SelectboxColumn("RAG", options=list(assessment.RAG_VALUES), required=True,
                                                            width=85),
                    "assessment": st.column_config.TextColumn("Assessment", width=300),
                },
            )
            left, right = st.columns([1, 3])
            with left:
                review_date = st.date_input("Review date", value=dt.date.today(), format="DD/MM/YYYY",
                                            key="assessment_review_date")
            with right:
                note = st.text_input("Note (optional)", key="assessment_note", max_chars=MAX_NOTE_CHARS,
                                     placeholder="e.g. Agreed at the One Bromley Executive")

            def save_and_confirm(read_frame, *, note: str, source: str, first_row: int) -> None:
                """Save the review from the editor or a file: its problems listed, or a confirmation."""
                try:
                    new_id = save_review(store, page.requirements, read_frame(), review_date=review_date,
                                         actor=actor, note=note, based_on=latest, first_row=first_row,
                                         organisation=page.organisation)
                except assessment.ReviewError as exc:
                    show_problems(exc.problems)
                except (ValueError, AccessDenied) as exc:
                    show_problems([str(exc)])
                else:
                    st.session_state[SAVED] = (
                        f"Saved review {new_id}{source} ({assessment.format_review_date(review_date)}). The earlier "
                        "reviews are kept unchanged."
                    )
                    st.rerun()

            if st.button("Save as a new review", type="primary", key="assessment_save", icon=":material/save:"):
                save_and_confirm(lambda: edited, note=note, source="", first_row=1)

            st.markdown("**Or upload the review as a CSV file**")
            st.caption("Download the latest review as a template, edit it in a spreadsheet (columns requirement_id, "
                       "lead_role, rag, assessment; the requirement text is there to read and is ignored), then upload "
                       "it. The review date and the note above are used for it.")
            download_csv(template, file_name="phase3-review-template.csv", key="assessment_template_csv",
                         label="Download the template (CSV)")
            upload = st.file_uploader("Review file (CSV)", type=["csv"], key="assessment_upload",
                                      max_upload_size=int(cfg.upload.max_file_mb))
            if st.button("Save the uploaded file as a new review", key="assessment_upload_save",
                         disabled=upload is None, icon=":material/upload_file:"):
                save_and_confirm(lambda: assessment.read_review_csv(upload.getvalue()),
                                 note=note or f"Uploaded from {upload.name}", source=f" from {upload.name}",
                                 first_row=2)

st.subheader("Recovery plan milestones")
left, middle, right = st.columns([1, 2, 1])
with left:
    as_at = st.date_input("Judge as at", value=cached_view(default_milestone_date, store), format="DD/MM/YYYY",
                          key="milestones_as_at")
milestones = cached_view(load_milestones, store, as_at)
if milestones.empty:
    st.info("The store holds no recovery plan milestones yet.")
    st.stop()
with middle:
    workstreams = st.multiselect("Workstream", list(dict.fromkeys(milestones["workstream"])),
                                 key="milestones_workstreams", placeholder="All workstreams")
with right:
    overdue_only = st.checkbox("Overdue only", key="milestones_overdue_only")
summary = assessment.milestone_summary(assessment.filter_milestones(milestones, workstreams))
st.markdown(
    f"As at **{assessment.format_review_date(as_at)}**: {summary['total']} milestones — "
    f"✔ {summary['complete']} complete, ⚠ **{summary['overdue']} overdue**, {summary['open']} not yet due or "
    "without a fixed date."
)
shown = assessment.filter_milestones(milestones, workstreams, overdue_only)
view = shown[["state", "workstream", "milestone", "due", "status"]]
st.dataframe(
    view.style.apply(highlight_overdue, axis=1),
    hide_index=True, width="stretch", key="milestones_table", row_height=64, height=660,
    column_config={
        "state": st.column_config.TextColumn("State", width=175),
        "workstream": st.column_config.TextColumn("Workstream", width=170),
        "milestone": st.column_config.TextColumn("Milestone", width=310),
        "due": st.column_config.TextColumn("Due", width=150),
        "status": st.column_config.TextColumn("Status (demo)" if store_is_demo(store) else "Status", width=120),
    },
)
st.caption("A milestone is overdue when it is not complete and its due month has ended. “Ongoing” and “TBC” "
           "timescales have no due month, so they are never overdue. Milestones and timescales are from the One "
           "Bromley recovery plan (September 2020)"
           + ("; the plan records no statuses, so the statuses shown are demonstration data." if store_is_demo(store)
              else "."))
download_csv(assessment.milestones_csv(shown), file_name=f"milestones-as-at-{as_at:%Y-%m-%d}.csv",
             key="milestones_csv", label="Download these milestones (CSV)")
