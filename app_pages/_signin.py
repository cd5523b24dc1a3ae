"""Sign-in, roles and the audit trail on the page side: who is using the dashboard, what they may see.

Streamlit-only glue around `metrics.access` (the rules) and the Store's audit log (the record):
- `identify()` decides, before navigation is built, who the session is: a signed-in person with their
  roles (st.user over OpenID Connect, `[auth]` in .streamlit/secrets.toml), the local user with every
  role (local mode: no `[auth]`, served on this machine only), or nobody yet (sign in, not allowed,
  or a server others can reach without sign-in).
- `enforce()` shows the sign-in page or the refusal and stops, or records the sign-in once per session
  and shows the local-mode warning.
- `current_actor()` is who a page's writes are made as; the Store checks their roles again.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from data.store import Store
from metrics.access import (
    LOCAL_MODE_WARNING,
    Actor,
    actor_from_claims,
    email_from_claims,
    not_allowed_sentence,
    page_refusal,
    serves_only_this_machine,
    unprotected_server_sentence,
)
from metrics.config import Config, ConfigError
from metrics.safe_text import escape_markdown

ACTOR_KEY = "signin_actor"
LOGGED_KEY = "signin_logged"
# Shown to someone who has not signed in yet.
SIGN_IN_TEXT = "Sign in with your NHS account to open the dashboard."


@dataclass(frozen=True)
class Session:
    """Who this browser session is. `actor` is None until they may use the dashboard; `stop` then
    says why (sign in first, not allowed, or the server is open to others without sign-in)."""

    actor: Actor | None
    local_mode: bool
    stop: str = ""
    email: str = ""


def auth_configured() -> bool:
    """Whether .streamlit/secrets.toml (or the secrets files configured) has an [auth] section."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, StreamlitSecretNotFoundError):
        return False


def _access(config_loader) -> Config | None:
    try:
        return config_loader()
    except ConfigError:
        return None  # get_config() shows every problem once navigation is set up


def identify(config_loader) -> Session:
    """Who this session is, without drawing anything (navigation is built from the answer)."""
    if not auth_configured():
        address = st.get_option("server.address")
        if not serves_only_this_machine(address):
            return Session(None, local_mode=True, stop=unprotected_server_sentence(address))
        return Session(Actor.local(getpass.getuser()), local_mode=True)
    if not st.user.is_logged_in:
        return Session(None, local_mode=False, stop="sign in")
    cfg = _access(config_loader)
    claims = st.user.to_dict()
    email = email_from_claims(claims)
    if cfg is None:
        return Session(None, local_mode=False, stop="config", email=email)
    if cfg.access is None:
        return Session(
            None, local_mode=False, email=email,
            stop="Sign-in is on but config.yaml has no access: section saying who may use the dashboard; "
                 "an administrator needs to add one (see the README's Deployment section).",
        )
    actor = actor_from_claims(claims, cfg.access)
    if actor is None:
        return Session(None, local_mode=False, stop=not_allowed_sentence(email, cfg.access), email=email)
    return Session(actor, local_mode=False)


def enforce(session: Session, store: Store) -> None:
    """Stop the run with the sign-in page or the refusal; otherwise record the sign-in (once per browser
    session), remember the actor, and show the local-mode warning."""
    if session.stop == "config":
        return  # get_config() has already shown config.yaml's problems and stopped
    if session.actor is None and session.stop == "sign in":
        st.title("One Bromley Recovery Dashboard")
        st.markdown(SIGN_IN_TEXT)
        if st.button("Sign in", type="primary", key="signin_login"):
            st.login()
        st.stop()
    if session.actor is None:
        if session.email and not st.session_state.get(LOGGED_KEY):
            name = str(st.user.to_dict().get("name") or session.email)
            nobody = Actor(name=name, email=session.email, roles=frozenset())
            store.record_event(nobody, "sign-in", "dashboard", f"refused: {session.stop}")
            st.session_state[LOGGED_KEY] = True
        st.title("One Bromley Recovery Dashboard")
        st.error(escape_markdown(session.stop), icon=":material/block:")
        if not session.local_mode and st.button("Sign out", key="signin_logout_refused"):
            st.logout()
        st.stop()
    st.session_state[ACTOR_KEY] = session.actor
    if session.local_mode:
        st.warning(LOCAL_MODE_WARNING, icon=":material/lock_open:")
    elif not st.session_state.get(LOGGED_KEY):
        record_sign_in(session.actor, store)
        st.session_state[LOGGED_KEY] = True


def record_sign_in(actor: Actor, store: Store) -> None:
    """Log a sign-in once per sign-in, not once per browser tab or reload: the identity token's issue
    time (`iat`) tells a new sign-in from a new session on the same identity cookie."""
    issued = st.user.to_dict().get("iat")
    what = "dashboard"
    if isinstance(issued, int | float):
        what = f"dashboard (identity token issued {pd.Timestamp(int(issued), unit='s'):%-d %b %Y %H:%M:%S} UTC)"
    if what != "dashboard" and what in set(store.audit_log(who=actor.email, actions=["sign-in"])["what"]):
        return
    store.record_event(actor, "sign-in", what)


def current_actor() -> Actor:
    """Who this session's writes are made as (set by app.py before any page runs)."""
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None:  # a page script run on its own (outside app.py): work it out the same way
        from app_pages._shared import _config

        actor = identify(_config).actor
    if actor is None:
        st.error("Open the dashboard from its home page to sign in.")
        st.stop()
    return actor


def render_identity(session: Session, store: Store) -> None:
    """Who is signed in, with which roles, and the sign-out button (in the sidebar)."""
    actor = session.actor
    if actor is None:
        return
    if session.local_mode:
        st.caption(escape_markdown(f"Local mode: {actor.name} on this machine, every role"))
        return
    # Names and addresses come from the identity provider: shown as text, never as Markdown.
    st.caption(escape_markdown(f"Signed in as {actor.name} ({actor.email}) · {actor.roles_text}"))
    if st.button("Sign out", key="signin_logout", icon=":material/logout:"):
        store.record_event(actor, "sign-out", "dashboard")
        st.session_state.pop(LOGGED_KEY, None)
        st.logout()
        st.stop()  # nothing more runs as the person who has just signed out


def refusal_page(title: str, role: str):
    """A stand-in for a page the session's roles do not allow: its address says which role it needs."""

    def refused() -> None:
        from app_pages._shared import get_store

        sentence = page_refusal(title, role)
        actor = st.session_state.get(ACTOR_KEY)
        logged = st.session_state.setdefault("signin_refused_pages", set())
        if actor is not None and title not in logged:  # once per session, not on every rerun
            get_store().record_event(actor, "open page", title, f"refused: {sentence}")
            logged.add(title)
        st.title(title)
        st.error(sentence, icon=":material/block:")

    refused.__name__ = f"refused_{role}_{title.lower().replace(' ', '_')}"
    return refused


def record_download(store: Store, what: str):
    """An on_click callback for a download button that appends the download to the audit log."""

    def record() -> None:
        actor = st.session_state.get(ACTOR_KEY)
        if actor is not None:
            store.record_event(actor, "download", what)

    return record
