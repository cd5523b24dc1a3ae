"""Sign-in and local mode through app.py (AppTest's `secrets` and `user` stand in for [auth] and st.user;
tests/e2e/test_signin_e2e.py signs in for real against an OpenID Connect provider)."""

from __future__ import annotations

import pytest
from streamlit import config as streamlit_config
from streamlit.testing.v1 import AppTest

from data.store import Store
from metrics.access import LOCAL_MODE_WARNING
from tests.app.kit import TIMEOUT_S, plain
from tests.paths import APP_PATH

AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret",
    "client_id": "dashboard",
    "client_secret": "secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def dashboard(db, monkeypatch, user: dict | None = None, page: str | None = None) -> AppTest:
    """The dashboard with sign-in on ([auth] configured) as `user` (None: not signed in)."""
    monkeypatch.setenv("RECOVERY_DB", str(db))
    at = AppTest.from_file(APP_PATH, default_timeout=TIMEOUT_S)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, **user} if user else {"is_logged_in": False}
    at.run()
    return at.switch_page(page).run() if page else at


def shown(markdown: str) -> str:
    """Text as the reader sees it: names, addresses and sentences are shown with Markdown escaped
    (metrics.safe_text.escape_markdown), which `plain` decodes."""
    return plain(markdown)


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def events(db) -> list[list[str]]:
    with Store(db) as store:
        log = store.audit_log()
    return log[["email", "action", "outcome"]].values.tolist()


def test_local_mode_opens_at_once_and_every_page_says_sign_in_is_off(demo_db, monkeypatch) -> None:
    monkeypatch.setenv("RECOVERY_DB", str(demo_db))
    at = AppTest.from_file(APP_PATH, default_timeout=TIMEOUT_S).run()
    assert not at.exception
    assert "Overview" in titles(at)
    assert any(w.value == LOCAL_MODE_WARNING for w in at.warning)
    at.switch_page("app_pages/audit.py").run()  # local mode: every role, so the audit log opens too
    assert not at.exception and "Audit log" in titles(at)
    assert any(w.value == LOCAL_MODE_WARNING for w in at.warning)


@pytest.mark.parametrize("address", ["0.0.0.0", "192.168.1.20", None])
def test_without_sign_in_the_app_refuses_to_serve_any_other_address(demo_db, monkeypatch, address) -> None:
    streamlit_config.set_option("server.address", address)  # the autouse fixture puts 127.0.0.1 back
    monkeypatch.setenv("RECOVERY_DB", str(demo_db))
    at = AppTest.from_file(APP_PATH, default_timeout=TIMEOUT_S).run()
    assert not at.exception
    assert "Overview" not in titles(at)
    (error,) = at.error
    assert "with sign-in off" in shown(error.value) and "it refuses to serve" in shown(error.value)
    assert "Configure sign-in in .streamlit/secrets.toml ([auth]" in shown(error.value)


def test_with_sign_in_on_nobody_sees_the_dashboard_before_signing_in(demo_db, monkeypatch) -> None:
    at = dashboard(demo_db, monkeypatch)
    assert not at.exception
    assert titles(at) == ["One Bromley Recovery Dashboard"]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not any(w.value == LOCAL_MODE_WARNING for w in at.warning)


def test_a_signed_in_viewer_reads_the_dashboard_but_cannot_write_commentary(demo_db, monkeypatch) -> None:
    at = dashboard(demo_db, monkeypatch, {"email": "vera.viewer@nhs.net", "name": "Vera Viewer"})
    assert not at.exception
    assert "Overview" in titles(at)
    assert any("Signed in as Vera Viewer (vera.viewer@nhs.net) · viewer" in shown(c.value) for c in at.sidebar.caption)
    assert not [t for t in at.text_area if t.key == "overview_commentary_text"]
    assert any("Writing commentary needs the editor role" in shown(c.value) for c in at.caption)
    assert events(demo_db)[0] == ["vera.viewer@nhs.net", "sign-in", "ok"]


def test_an_editor_from_the_roles_claim_writes_commentary_recorded_as_them(demo_db, monkeypatch) -> None:
    at = dashboard(demo_db, monkeypatch,
                   {"email": "ed.editor@nhs.net", "name": "Ed Editor", "roles": ["editor"]})
    at.text_area(key="overview_commentary_text").input("CT back to plan.")
    at.button(key="FormSubmitter:overview_commentary_form-Save commentary").click().run()
    assert not at.exception
    assert at.dataframe[0].value["By"].tolist() == ["Ed Editor (ed.editor@nhs.net)"]
    assert events(demo_db)[0] == ["ed.editor@nhs.net", "commentary", "ok"]


def test_someone_outside_the_allowed_domains_is_refused_with_the_contact(demo_db, monkeypatch) -> None:
    at = dashboard(demo_db, monkeypatch, {"email": "mallory@example.com", "name": "Mallory", "roles": ["admin"]})
    assert not at.exception
    assert "Overview" not in titles(at)
    (error,) = at.error
    assert shown(error.value) == (
        "mallory@example.com is not allowed to use this dashboard. To ask for access, contact the One Bromley "
        "performance team (onebromley.performance@nhs.net)."
    )
    assert events(demo_db)[0][:2] == ["mallory@example.com", "sign-in"]
    assert events(demo_db)[0][2].startswith("refused: mallory@example.com is not allowed")


def test_an_admin_named_in_config_reads_the_audit_log(demo_db, monkeypatch) -> None:
    at = dashboard(demo_db, monkeypatch, {"email": "onebromley.performance@nhs.net", "name": "Perf Team"},
                   page="app_pages/audit.py")
    assert not at.exception
    assert "Audit log" in titles(at)
    log = at.dataframe[0].value
    assert log.iloc[0][["Email", "Action", "Outcome"]].tolist() == ["onebromley.performance@nhs.net", "sign-in", "ok"]
    at.text_input(key="audit_who").input("nobody-by-that-name").run()
    assert at.dataframe[0].value.empty


def test_signing_out_is_logged(demo_db, monkeypatch) -> None:
    at = dashboard(demo_db, monkeypatch, {"email": "vera.viewer@nhs.net", "name": "Vera Viewer"})
    at.sidebar.button(key="signin_logout").click().run()
    assert not at.exception
    assert [e[1] for e in events(demo_db)[:2]] == ["sign-out", "sign-in"]


def test_a_name_from_the_provider_is_shown_as_text_not_markdown(demo_db, monkeypatch) -> None:
    at = dashboard(demo_db, monkeypatch, {"email": "vera.viewer@nhs.net", "name": "[x](javascript:alert(1))"})
    (caption,) = [c.value for c in at.sidebar.caption if "Signed in as" in c.value]
    assert "[x]" not in caption and "&#91;x&#93;(javascript" in caption  # brackets escaped: no link
    assert shown(caption).startswith("Signed in as [x](javascript:alert(1)) (vera.viewer@nhs.net)")
