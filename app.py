"""One Bromley Recovery Dashboard: page config, navigation and the shared sidebar. No queries here."""

import streamlit as st

st.set_page_config(
    page_title="One Bromley Recovery Dashboard",
    page_icon=":material/monitoring:",
    layout="wide",
    initial_sidebar_state="expanded",
)

from pages._shared import demo_banner, figures_as_at, get_config, get_store, inject_css  # noqa: E402

cfg = get_config()
store = get_store()

PAGES = {
    "Executive": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview", default=True),
    ],
    "Services": [
    ],
    "System and population": [
    ],
    "Data": [
    ],
}

navigation = st.navigation({section: pages for section, pages in PAGES.items() if pages})

with st.sidebar:
    st.markdown(f"**{cfg.organisation} Recovery Dashboard**")
    st.caption(f"Figures as at {figures_as_at(store)} (UK time)")
    if store.is_demo():
        st.caption("⚠️ Demonstration data: synthetic figures")

inject_css()
demo_banner(store)
navigation.run()
