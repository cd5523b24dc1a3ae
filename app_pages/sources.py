"""Sources: every published figure the demonstration reproduces, its document, whose it is and how the
demonstration uses it (reachable from the demonstration banner on every page)."""

import pandas as pd
import streamlit as st

from app_pages._cache import store_is_demo
from app_pages._shared import get_store, page_header
from metrics.sources import DEMO_STATEMENT, SPECIALIST_TRUST, sources_table

store = get_store()

page_header(
    "Sources",
    "Where published figures come from, whose they are, and how the demonstration data uses them",
)
if store_is_demo(store):
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
st.table(pd.DataFrame(sources_table()).set_index("Figure"))
st.caption("Every other figure in the demonstration store (other months, and every breakdown by specialty, site, "
           "PCN and population segment) is invented to show how the dashboard behaves. That includes the urgent care, "
           "community, cancer, waiting list, mental health and prevention pages: their winter shape (bed occupancy "
           "rising and A&E 4-hour performance falling from November) is illustrative, and the national standards they "
           "are drawn against are named on each metric; a local ambition says so.")
