"""One Bromley Recovery Dashboard: page config, navigation and the shared sidebar. No queries here."""

import streamlit as st
import streamlit.delta_generator

# Streamlit asks once per process, on the first element, whether it runs in a Python REPL (to print a
# hint), with inspect.stack() reading the source of every frame: 0.1-0.3 s of a fresh server's first
# view (issue 16). Under `streamlit run` the answer is no, so the hint is marked as given. (A private
# flag: if a later Streamlit renames it, this line does nothing and the check simply runs again.)
streamlit.delta_generator._use_warning_has_been_displayed = True

st.set_page_config(
    page_title="One Bromley Recovery Dashboard",
    page_icon=":material/monitoring:",
    layout="wide",
    # "auto": open on a wide screen, closed on a phone (the drawer would cover most of a 390 px screen).
    initial_sidebar_state="auto",
)

from app_pages import _signin  # noqa: E402
from app_pages._cache import store_is_demo  # noqa: E402
from app_pages._shared import (  # noqa: E402
    DECLARED_PAGE_KEY,
    _config,
    demo_banner,
    figures_as_at,
    get_config,
    get_store,
    inject_css,
    navigation_html,
    report_unexpected_error,
)
from metrics.access import PAGE_ROLES  # noqa: E402
from metrics.config import ConfigError  # noqa: E402

PAGES = {
    "Executive": [
        st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview"),
    ],
    "Services": [
        st.Page("app_pages/my_service.py", title="My service", icon=":material/person_search:", url_path="my_service"),
        st.Page("app_pages/capacity.py", title="Demand & capacity", icon=":material/query_stats:", url_path="capacity"),
    ],
    "System and population": [
        st.Page("app_pages/discharges.py", title="Discharges (SPA)", icon=":material/local_hospital:",
                url_path="discharges"),
        st.Page("app_pages/primary_care.py", title="Primary care digital", icon=":material/devices:",
                url_path="primary_care"),
        st.Page("app_pages/inequalities.py", title="Inequalities", icon=":material/diversity_3:",
                url_path="inequalities"),
        st.Page("app_pages/assessment.py", title="Phase 3 assessment & milestones", icon=":material/fact_check:",
                url_path="assessment"),
    ],
    "Data": [
        st.Page("app_pages/upload.py", title="Upload data", icon=":material/upload_file:", url_path="upload"),
        st.Page("app_pages/coverage.py", title="Data coverage & history", icon=":material/grid_on:",
                url_path="coverage"),
        st.Page("app_pages/sources.py", title="Sources", icon=":material/menu_book:", url_path="sources"),
        st.Page("app_pages/audit.py", title="Audit log", icon=":material/policy:", url_path="audit"),
    ],
}


def declared_pages() -> dict[str, list[st.Page]]:
    """The pages declared in config.yaml, by navigation section: each is the generic page script at the
    page's own url. A config with problems declares none (get_config() below lists the problems)."""
    try:
        specs = _config().pages
    except ConfigError:
        return {}
    sections: dict[str, list[st.Page]] = {}
    for spec in specs:
        sections.setdefault(spec.section, []).append(
            st.Page("app_pages/declared.py", title=spec.title, icon=spec.icon, url_path=spec.url))
    return sections


def allowed(page: st.Page, session: _signin.Session) -> st.Page:
    """The page itself when the session's roles allow it; otherwise a hidden stand-in at the same
    address that says which role it needs (so a bookmarked link explains, and nothing leaks)."""
    role = PAGE_ROLES.get(page.url_path)
    if role is None or (session.actor is not None and role in session.actor.roles):
        return page
    return st.Page(_signin.refusal_page(page.title, role), title=page.title, url_path=page.url_path,
                   visibility="hidden")


def render_navigation(session: _signin.Session, declared: dict[str, list[st.Page]], current: str) -> None:
    """The sidebar's page list, as headed groups of links, in one element (app_pages._shared.navigation_html:
    Streamlit's own list puts <div>s between its <ul> and <li>s, which axe-core reports as serious list
    errors, and a page link per page was 24 elements per run). Only the pages this session may open."""
    sections = []
    for section, pages in PAGES.items():
        shown = [page for page in [*declared.get(section, []), *pages] if allowed(page, session) is page]
        if shown:
            sections.append((section, [(page.url_path, page.title, page.icon) for page in shown]))
    st.html(navigation_html(sections, current), unsafe_allow_javascript=True)


def _home() -> None:
    """The address "/" opens the Overview at its own address. (Streamlit serves its default page only at "/",
    so a default Overview made "/overview" show a "Page not found" pop-up before the Overview.)"""
    st.switch_page(PAGES["Executive"][0])


HOME = st.Page(_home, title="Home", url_path="home", default=True, visibility="hidden")

# Who this session is decides what the navigation offers, so it is worked out first (it draws nothing).
session = _signin.identify(_config)
declared = declared_pages()
navigation = st.navigation(
    {"": [HOME], **{section: [allowed(page, session) for page in [*declared.get(section, []), *pages]]
                    for section, pages in PAGES.items()}},
    position="hidden",
)
if navigation is HOME and session.actor is not None:
    # "/" only forwards to the Overview: a signed-in viewer goes now, before anything is drawn or looked
    # up (the Overview's own run checks the sign-in and draws the shell), so arriving at "/" costs one
    # short run, not the page shell twice (issue 16). Anyone else meets the sign-in or refusal here.
    _home()
# After st.navigation: get_config() reruns a script that reaches it before navigation is set up
# (AppTest starts every run that way, so a button's click would be lost in the rerun).
cfg = get_config()
store = get_store()
_signin.enforce(session, store)
if navigation is HOME:
    _home()

with st.sidebar:
    st.markdown(f"**{cfg.organisation} Recovery Dashboard**")
    if session.actor is not None:
        render_navigation(session, declared, navigation.url_path)
    st.caption(f"Figures as at {figures_as_at(store)} (UK time)")
    if store_is_demo(store):
        st.caption("⚠️ Demonstration data: synthetic figures")
    _signin.render_identity(session, store)

# The generic page script reads which declared page it is drawing from here.
st.session_state[DECLARED_PAGE_KEY] = navigation.url_path
inject_css()
demo_banner(store)
try:
    navigation.run()
except Exception as exc:  # st.rerun and st.stop are BaseExceptions and pass straight through
    report_unexpected_error(exc)
