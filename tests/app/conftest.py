"""AppTest fixtures.

They model `make run` in local mode: no [auth], served on 127.0.0.1 (sign-in is tested with
AppTest's `user` and `secrets` in test_signin.py, and end to end in tests/e2e/test_signin_e2e.py).
"""

from __future__ import annotations

import pytest
from streamlit import config as streamlit_config

from tests.app.kit import build_calls_only_store


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
