"""AppTest fixtures.

In a running server Streamlit clears its legacy "app_pages/ folder" flag the first time app.py calls
st.navigation, and it stays cleared for the life of the process. AppTest resets that flag before
every run, which would send every test run down the first-visit path (app_pages/_shared.py reruns the
script through app.py) and drop button clicks on the rerun. These tests model the running server:
the flag stays cleared. The first-visit path itself is covered end to end by the deep-link tests in
tests/e2e, which open a page URL first on a fresh server.

They also model `make run` in local mode: no [auth], served on 127.0.0.1 (sign-in is tested with
AppTest's `user` and `secrets` in test_signin.py, and end to end in tests/e2e/test_signin_e2e.py).
"""

from __future__ import annotations

import pytest
from streamlit import config as streamlit_config
from streamlit.runtime.pages_manager import PagesManager

from tests.app.kit import build_calls_only_store


@pytest.fixture(autouse=True)
def navigation_as_in_a_running_server(monkeypatch):
    original_init = PagesManager.__init__

    def init_as_a_running_server(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init_as_a_running_server)


@pytest.fixture(autouse=True)
def served_on_this_machine():
    original = streamlit_config.get_option("server.address")
    streamlit_config.set_option("server.address", "127.0.0.1")
    yield
    streamlit_config.set_option("server.address", original)


@pytest.fixture
def calls_only_db(tmp_path):
    """A store with an upload record but none of a page's own figures (the "nothing yet" message)."""
    return build_calls_only_store(tmp_path / "calls-only.duckdb")
