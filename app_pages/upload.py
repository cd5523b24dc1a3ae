"""Upload data (analysts): templates, the file, every problem row by row, a preview of what will change,
confirm, and the upload history with undo. Reading, checking and writing are `data.ingest`'s; this page
only handles widgets, messages and layout."""

import streamlit as st

from app_pages._shared import get_config, get_store, page_header, show_message, show_text_table
from app_pages._signin import current_actor, record_download
from data import ingest
from data.store import StoreError
from metrics.access import AccessDenied
from metrics.safe_text import MAX_NOTE_CHARS, csv_bytes, escape_markdown

# Up to this many problems show as a table whose sentences wrap; a longer list scrolls in a grid.
WRAPPED_TABLE_LIMIT = 200


def show_problems(problems: list, *, key: str) -> None:
    """The problems as a table (row, column, what to fix) and as a CSV to work through in Excel."""
    if len(problems) <= WRAPPED_TABLE_LIMIT:
        show_text_table(ingest.problem_table(problems), hide_index=True)
    else:
        st.dataframe(ingest.problem_table(problems), hide_index=True, width="stretch", key=key)
    st.download_button(
        "Download this list (CSV)", data=csv_bytes(ingest.problem_table(problems)), file_name=f"{key}.csv",
        mime="text/csv", key=f"{key}_csv", on_click=record_download(store, f"CSV {key}.csv"),
        icon=":material/download:",
    )


cfg = get_config()
store = get_store()
actor = current_actor()  # who the upload and any undo are recorded as; the Store checks their role

page_header(
    "Upload data",
    "Load the month's figures from a CSV file. Every problem is listed with its row and column; nothing changes "
    "until you have seen what will change and confirmed. Any upload can be undone.",
)

# A message from the last action (load or undo) survives the rerun that follows it.
if "upload_message" in st.session_state:
    show_message("success", st.session_state.pop("upload_message"), icon=":material/check_circle:")

st.subheader("1. Start from a template")
st.caption(
    "Long layout: one figure per row (period, measure, service, site, segment, value). Wide layout: one column per "
    "measure. Service, site and segment may be left empty for the total. Periods such as 2020-07, 01/07/2020, "
    "Jul-20 or July 2020; names as ids, labels or codes (e.g. treatment function code 110)."
)
template_columns = st.columns(3)
for column, (layout, label) in zip(
    template_columns,
    (("long", "Long template (CSV)"), ("wide", "Wide template (CSV)"), ("names", "Accepted names (CSV)")),
    strict=True,
):
    column.download_button(
        label,
        data=ingest.template_csv(cfg, layout).encode("utf-8"),
        file_name=ingest.TEMPLATE_FILES[layout],
        mime="text/csv",
        key=f"upload_template_{layout}",
        on_click=record_download(store, f"template {ingest.TEMPLATE_FILES[layout]}"),
        icon=":material/download:",
    )

st.subheader("2. Choose the file")
uploaded = st.file_uploader(
    f"CSV file (UTF-8 or Windows-1252; comma, semicolon or tab separated; up to {cfg.upload.max_file_mb:g} MB): "
    "our long or wide layout, or an NHS England file as published (RTT full extract, DM01, monthly A&E CSV; "
    "cancer waiting times or MAR workbook)",
    key="upload_file", max_upload_size=int(cfg.upload.max_file_mb),
)

check = None
if uploaded is not None:
    data = uploaded.getvalue()
    # Checked once per file and store state, not on every rerun (typing a name reruns the page).
    state = (uploaded.name, ingest.file_digest(data), ingest.store_version(store))
    if st.session_state.get("upload_check_state") != state:
        bar = st.progress(0.0, text="Reading the file…")
        check = ingest.check_upload(
            data, uploaded.name, cfg, store, progress=lambda fraction, text: bar.progress(fraction, text=text)
        )
        bar.empty()
        st.session_state["upload_check_state"] = state
        st.session_state["upload_check"] = check
    check = st.session_state["upload_check"]

if check is not None:
    st.subheader("3. Check")
    if (recognised := ingest.format_text(check)) is not None:
        with st.container(key="upload_format"):
            show_message("success", recognised, icon=":material/fact_check:")
            for note in check.format_notes:
                st.caption(escape_markdown(note))
    if not check.ok:
        st.error(
            f"**{check.error_count:,} problem(s) in {escape_markdown(check.file_name)}.** Fix them in the spreadsheet "
            "and upload the file again. Nothing has been changed.",
            icon=":material/error:",
        )
        if check.error_count > len(check.errors):
            st.caption(f"Showing the first {len(check.errors):,} of {check.error_count:,} problems.")
        show_problems(check.errors, key="upload_problems")
    else:
        show_message("info", ingest.summary_text(check), icon=":material/info:")
    if check.warnings:
        st.warning(f"**{check.warning_count:,} warning(s)** — please check these figures.", icon=":material/warning:")
        show_problems(check.warnings, key="upload_warnings")

if check is not None and check.ok:
    st.subheader("4. What will change")
    counts = check.counts
    new_col, changed_col, unchanged_col = st.columns(3)
    new_col.metric("New values", f"{counts['new']:,}")
    changed_col.metric("Changed values (old → new)", f"{counts['changed']:,}")
    unchanged_col.metric("Unchanged values", f"{counts['unchanged']:,}")
    if check.completeness:
        st.warning(
            "**What this file does to completeness**\n\n" + "\n".join(f"- {line}" for line in check.completeness),
            icon=":material/rule:",
        )
    tables = ingest.preview_tables(check, cfg)
    for tab, change in zip(st.tabs(["New", "Changed", "Unchanged"]), ("new", "changed", "unchanged"), strict=True):
        with tab:
            if tables[change].empty:
                st.caption(f"No {change} values.")
            else:
                if counts[change] > len(tables[change]):
                    st.caption(f"The first {len(tables[change]):,} of {counts[change]:,}.")
                st.dataframe(tables[change], hide_index=True, width="stretch", key=f"upload_preview_{change}")

    if not check.changes_anything:
        st.info("There is nothing to load: the store already holds exactly these figures.", icon=":material/info:")
    else:
        st.subheader("5. Confirm")
        st.caption(escape_markdown(f"Recorded as loaded by {actor.label}."))
        note = st.text_area(
            "Note (optional): what the file is and why it is loaded", key="upload_note", max_chars=MAX_NOTE_CHARS
        )
        load_anyway = False
        if check.needs_confirmation:
            load_anyway = st.checkbox(
                "Load anyway: I have checked the warnings above and the figures are right", key="upload_load_anyway"
            )
        ready = load_anyway or not check.needs_confirmation
        if st.button(
            f"Load {counts['new'] + counts['changed']:,} value(s)", type="primary", disabled=not ready,
            key="upload_confirm",
        ):
            try:
                result = ingest.commit_upload(store, check, actor=actor, note=note, load_anyway=load_anyway)
            except (ingest.UploadRefused, StoreError, AccessDenied) as exc:
                show_message("error", str(exc), icon=":material/error:")
            else:
                st.session_state["upload_message"] = ingest.describe_commit(result, check)
                st.session_state.pop("upload_check_state", None)
                st.rerun()

st.subheader("Upload history")
history = ingest.history_table(store)
if history.empty:
    st.caption("No uploads yet.")
else:
    # Counts with thousands separators ("7,680"), as everywhere else; right-aligned like numbers.
    counts_columns = [c for c in ("New", "Changed", "Unchanged") if c in history.columns]
    shown = history.assign(**{c: [f"{int(v):,}" for v in history[c]] for c in counts_columns})
    st.dataframe(shown, hide_index=True, width="stretch", key="upload_history",
                 column_config={c: st.column_config.TextColumn(alignment="right") for c in counts_columns})
    committed = ingest.undoable_uploads(store)
    if committed:
        st.markdown("**Undo an upload**: its values are taken back and the values it replaced return.")
        # No default: undoing must start from a deliberate choice (upload 1 is the whole demonstration store).
        chosen = st.selectbox("Upload to undo", list(committed), format_func=committed.get, index=None,
                              placeholder="Choose an upload", key="undo_choice")
        if st.button("Undo this upload…", key="undo_start", disabled=chosen is None):
            st.session_state["undo_pending"] = chosen
            st.session_state.pop("undo_typed_id", None)
        pending = st.session_state.get("undo_pending")
        if pending is not None and pending in committed:
            show_message(
                "warning", f"Undo {committed[pending]}? This cannot be reversed except by loading the file again."
            )
            typed = st.text_input(f"To confirm, type the upload number ({pending})", key="undo_typed_id")
            yes, no = st.columns(2)
            if yes.button(f"Yes, undo upload {pending}", type="primary", key="undo_confirm",
                          disabled=typed.strip() != str(pending)):
                for key in ("undo_pending", "undo_choice", "undo_typed_id"):
                    st.session_state.pop(key, None)
                try:
                    result = store.undo_upload(pending, actor=actor)
                except (StoreError, AccessDenied) as exc:
                    show_message("error", str(exc), icon=":material/error:")
                else:
                    st.session_state["upload_message"] = ingest.describe_undo(result)
                    st.session_state.pop("upload_check_state", None)
                    st.rerun()
            if no.button("Cancel", key="undo_cancel"):
                for key in ("undo_pending", "undo_choice", "undo_typed_id"):
                    st.session_state.pop(key, None)
                st.rerun()
