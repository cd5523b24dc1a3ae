"""Sources: every published figure the demonstration reproduces, its document, whose it is and how the
demonstration uses it (reachable from the demonstration banner on every page)."""

import pandas as pd
import streamlit as st

from metrics.sources import DEMO_STATEMENT, SPECIALIST_TRUST, sources_table
from pages._shared import get_store, page_header

store = get_store()

page_header(
    "Sources",
    "Where published figures come from, whose they are, and how the demonstration data uses them",
)
if store.is_demo():
    st.markdown(f"**This dashboard is showing demonstration data.** {DEMO_STATEMENT}")
else:
    st.markdown(
        "The store holds uploaded figures: each tile's “Where this number comes from” and the Data coverage & "
        "history page name the upload behind every figure. The table below is what the demonstration data uses."
    )
st.markdown(
    f"Two documents supply the published figures. The **One Bromley recovery plan** gives Bromley's own figures. "
    f"The **Phase 3 assessment** and the July 2020 diagnostic and outpatient percentages are **{SPECIALIST_TRUST}'s** "
    "published position (August 2020): a specialist Trust outside Bromley, whose figures give the demonstration a "
    "realistic shape. They are never One Bromley's figures or any One Bromley partner's."
)
st.dataframe(
    pd.DataFrame(sources_table()), hide_index=True, width="stretch", key="sources_table", row_height=96,
    column_config={
        "Figure": st.column_config.TextColumn(width=220),
        "Published value": st.column_config.TextColumn(width=130),
        "Whose figure": st.column_config.TextColumn(width=200),
        "Document": st.column_config.TextColumn(width=280),
        "How the demonstration uses it": st.column_config.TextColumn(width=320),
    },
)
st.caption("Every other figure in the demonstration store (other months, and every breakdown by specialty, site, "
           "PCN and population segment) is invented to show how the dashboard behaves.")
