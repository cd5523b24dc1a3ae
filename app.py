"""One Bromley Recovery Dashboard: page config, navigation and the shared sidebar. No queries here."""

import streamlit as st

st.set_page_config(
    page_title="One Bromley Recovery Dashboard",
    page_icon=":material/monitoring:",
    layout="wide",
    initial_sidebar_state="expanded",
)

from pages._shared import demo_banner, figures_as_at, get_config, get_store, inject_css  # noqa: E402

PAGES = {
    "Executive": [
        st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview", default=True),
    ],
    "Services": [
        st.Page("pages/elective.py", title="Elective & diagnostics", icon=":material/medical_services:",
                url_path="elective"),
        st.Page("pages/outpatients.py", title="Outpatients & virtual care", icon=":material/stethoscope:",
                url_path="outpatients"),
        st.Page("pages/my_service.py", title="My service", icon=":material/person_search:", url_path="my_service"),
        st.Page("pages/capacity.py", title="Demand & capacity", icon=":material/query_stats:", url_path="capacity"),
    ],
    "System and population": [
        st.Page("pages/discharges.py", title="Discharges (SPA)", icon=":material/local_hospital:",
                url_path="discharges"),
        st.Page("pages/primary_care.py", title="Primary care digital", icon=":material/devices:",
                url_path="primary_care"),
        st.Page("pages/inequalities.py", title="Inequalities", icon=":material/diversity_3:", url_path="inequalities"),
        st.Page("pages/assessment.py", title="Phase 3 assessment & milestones", icon=":material/fact_check:",
                url_path="assessment"),
    ],
    "Data": [
        st.Page("pages/upload.py", title="Upload data", icon=":material/upload_file:", url_path="upload"),
        st.Page("pages/coverage.py", title="Data coverage & history", icon=":material/grid_on:", url_path="coverage"),
        st.Page("pages/sources.py", title="Sources", icon=":material/menu_book:", url_path="sources"),
    ],
}

navigation = st.navigation({section: pages for section, pages in PAGES.items() if pages})
# After st.navigation: get_config() reruns a script that reaches it before navigation is set up
# (AppTest starts every run that way, so a button's click would be lost in the rerun).
cfg = get_config()
store = get_store()

with st.sidebar:
    st.markdown(f"**{cfg.organisation} Recovery Dashboard**")
    st.caption(f"Figures as at {figures_as_at(store)} (UK time)")
    if store.is_demo():
        st.caption("⚠️ Demonstration data: synthetic figures")

inject_css()
demo_banner(store)
navigation.run()
