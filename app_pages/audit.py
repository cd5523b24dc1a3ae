"""Audit log (admins): every sign-in, sign-out, refusal, upload, undo, commentary, review and download,
with filters and a CSV; and who config.yaml gives which role. Append-only: nothing here changes it."""

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages._shared import download_csv, get_config, get_store, page_header
from app_pages._signin import current_actor
from metrics.access import role_table
from metrics.views import load_audit_log

cfg = get_config()
store = get_store()
actor = current_actor()

page_header(
    "Audit log",
    "Who did what and when: sign-ins and sign-outs, refused actions, uploads, undos, commentary, assessment "
    "reviews and every download. Events are only ever added; nothing can change or remove one.",
)
if not actor.can("audit"):  # the navigation already hides this page; this is the second lock
    st.error("Reading the audit log needs the admin role.")
    st.stop()

today = dt.date.today()
first_col, last_col, who_col, action_col, outcome_col = st.columns([1, 1, 2, 2, 1])
with first_col:
    start = st.date_input("From", value=today - dt.timedelta(days=30), key="audit_from")
with last_col:
    end = st.date_input("To", value=today, key="audit_to")
with who_col:
    who = st.text_input("Name or email contains", key="audit_who")
with action_col:
    actions = st.multiselect("Actions", store.audit_actions(), key="audit_actions", placeholder="All actions")
with outcome_col:
    outcome = st.selectbox("Outcome", ["", "ok", "refused", "failed", "nothing changed"],
                           format_func=lambda o: o or "Any", key="audit_outcome")
log = load_audit_log(store, start=start, end=end, who=who, actions=actions or None, outcome=outcome)
st.caption(f"{len(log):,} event(s), newest first.")
st.dataframe(log, hide_index=True, width="stretch", key="audit_table")
download_csv(log, file_name="audit-log.csv", key="audit_csv", label="Download these events (CSV)")

st.subheader("Who has which role")
st.caption("Everyone allowed to sign in is a viewer. Further roles come from the identity provider's app roles "
           "(the roles claim) and from the addresses config.yaml names under access → roles.")
st.table(pd.DataFrame(role_table(cfg.access)), hide_index=True)
