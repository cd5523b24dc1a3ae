"""Sign-in in real Chromium against a real OpenID Connect provider on loopback (oidc-provider-mock):
a viewer has no Upload page, an analyst's upload is recorded under their email, someone outside the
allowed domains is refused with the contact, and signing out works. [auth] comes from a temporary
secrets file handed to the server with `--secrets.files`, so nothing is written into the project."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import httpx
import pandas as pd
import pytest

from data.store import Store
from metrics.access import LOCAL_MODE_WARNING
from tests.e2e.harness import free_port, running_app, wait_until_rendered

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 60_000
CLIENT_ID, CLIENT_SECRET = "one-bromley-dashboard", "test-client-secret"
PEOPLE = {
    "vera.viewer@nhs.net": {"name": "Vera Viewer"},
    "ann.analyst@nhs.net": {"name": "Ann Analyst", "roles": ["analyst"]},
    "onebromley.performance@nhs.net": {"name": "Perf Admin", "roles": ["admin"]},
    "mallory@example.com": {"name": "Mallory", "roles": ["analyst", "admin"]},
}


def as_shown(text: str) -> re.Pattern:
    """A sentence as the page shows it: metrics.safe_text.escape_markdown puts an invisible word joiner
    after each "@" so that addresses never become links."""
    return re.compile(re.escape(text).replace("@", "@\u2060?"))


@pytest.fixture
def provider(monkeypatch) -> str:
    """oidc-provider-mock on a free loopback port, knowing each person's claims; yields its issuer URL."""
    import oidc_provider_mock

    # The provider speaks plain HTTP on loopback; Authlib refuses that unless told it is a test.
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
    with oidc_provider_mock.run_server_in_thread(port=free_port()) as server:
        issuer = f"http://localhost:{server.server_port}"
        for email, claims in PEOPLE.items():
            response = httpx.put(f"{issuer}/users/{quote(email)}", json={"email": email, **claims})
            assert response.status_code == 204
        yield issuer


def secrets_for(provider: str, port: int, directory: Path) -> Path:
    """A temporary secrets file configuring [auth] for the provider (the project's folder stays untouched)."""
    secrets = directory / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        'cookie_secret = "an-end-to-end-test-cookie-secret"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    return secrets


@pytest.fixture
def new_browser_session(browser_page):
    """A fresh browser context per person (no shared cookies); the provider's stylesheet is not fetched."""
    browser = browser_page.context.browser
    contexts = []

    def start():
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.route(re.compile(r"^https://cdn\."), lambda route: route.abort())
        contexts.append(context)
        return context.new_page()

    yield start
    for context in contexts:
        context.close()


def sign_in(page, url: str, email: str) -> None:
    page.goto(url)
    page.get_by_role("button", name="Sign in").click(timeout=TIMEOUT_MS)
    page.locator('input[name="sub"]').fill(email, timeout=TIMEOUT_MS)  # the provider's own form
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/"), timeout=TIMEOUT_MS)
    page.wait_for_selector("h1", timeout=TIMEOUT_MS)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=TIMEOUT_MS)


def sidebar_links(page) -> list[str]:
    """The page titles in the navigation (each link's last line: the first is its icon's name)."""
    return [t.strip().splitlines()[-1] for t in page.locator(".st-key-site_navigation a").all_inner_texts()]


def nav_links(page) -> list[str]:
    """`sidebar_links` of a signed-in page, once the sidebar has drawn its first link (the sidebar is
    drawn after the page's heading, so the heading alone does not say the links are there)."""
    page.locator(".st-key-site_navigation a").first.wait_for(timeout=TIMEOUT_MS)
    return sidebar_links(page)


def admin_audit_log(page) -> pd.DataFrame:
    """The audit log as the admin downloads it from the Audit log page (the download itself is logged)."""
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.get_by_role("button", name="Download these events (CSV)").click()
    return pd.read_csv(download.value.path(), encoding="utf-8-sig")


def test_sign_in_roles_and_the_audit_trail_end_to_end(
    provider: str, new_browser_session, demo_db: Path, tmp_path: Path
) -> None:
    port = free_port()
    secrets = secrets_for(provider, port, tmp_path)
    with running_app(demo_db, port=port, extra_args=["--secrets.files", str(secrets)]) as url:
        # (a) A viewer: the dashboard, but no Upload page, and its address says which role it needs.
        viewer = new_browser_session()
        sign_in(viewer, url, "vera.viewer@nhs.net")
        wait_until_rendered(viewer)
        links = nav_links(viewer)
        assert "Overview" in links and "Upload data" not in links and "Audit log" not in links
        assert viewer.get_by_text(as_shown("Signed in as Vera Viewer (vera.viewer@nhs.net) · viewer")).is_visible()
        viewer.goto(f"{url}/upload")
        viewer.get_by_text("The Upload data page needs the analyst role").wait_for(timeout=TIMEOUT_MS)
        assert viewer.locator('[data-testid="stFileUploaderDropzoneInput"]').count() == 0

        # Sign-out works: the provider ends its session and the dashboard asks to sign in again.
        viewer.get_by_role("button", name="Sign out").click()
        viewer.get_by_role("button", name="End session").click(timeout=TIMEOUT_MS)  # the provider's page
        viewer.get_by_role("button", name="Sign in").wait_for(timeout=TIMEOUT_MS)

        # (b) An analyst (from the provider's roles claim) uploads a file, recorded under their email.
        analyst = new_browser_session()
        sign_in(analyst, url, "ann.analyst@nhs.net")
        assert "Upload data" in nav_links(analyst)
        analyst.goto(f"{url}/upload")
        wait_until_rendered(analyst)
        upload = tmp_path / "april-ct.csv"
        upload.write_text("period,measure,site,value\n2021-04,ct_tests,PRUH,1000\n", encoding="utf-8")
        analyst.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
        analyst.get_by_text(as_shown("Recorded as loaded by Ann Analyst (ann.analyst@nhs.net).")).wait_for(
            timeout=TIMEOUT_MS
        )
        assert analyst.get_by_label("Your name (kept with the upload)").count() == 0
        analyst.get_by_role("button", name="Load 1 value(s)").click()
        analyst.get_by_text(re.compile(r"Loaded april-ct\.csv as upload 2")).wait_for(timeout=TIMEOUT_MS)
        assert analyst.locator('[data-testid="stException"]').count() == 0

        # An admin (named in config.yaml) reads the audit log with the analyst's email on the upload.
        admin = new_browser_session()
        sign_in(admin, url, "onebromley.performance@nhs.net")
        assert "Audit log" in nav_links(admin)
        admin.goto(f"{url}/audit")
        wait_until_rendered(admin)
        log = admin_audit_log(admin)
        upload_event = log[log["Action"] == "upload"].iloc[0]
        assert upload_event[["Email", "Role(s)", "Outcome"]].tolist() == [
            "ann.analyst@nhs.net", "viewer, analyst", "ok"
        ]
        assert upload_event["What"].startswith("upload 2: file april-ct.csv")
        viewers = log[log["Email"] == "vera.viewer@nhs.net"]
        assert viewers["Action"].tolist() == ["sign-out", "open page", "sign-in"]
        assert viewers.iloc[1]["Outcome"].startswith("refused: The Upload data page needs the analyst role")

        # (c) Someone outside the allowed domains is refused with the contact, whatever roles they claim.
        outsider = new_browser_session()
        sign_in(outsider, url, "mallory@example.com")
        outsider.get_by_text(as_shown(
            "mallory@example.com is not allowed to use this dashboard. To ask for access, contact the One "
            "Bromley performance team (onebromley.performance@nhs.net).")
        ).wait_for(timeout=TIMEOUT_MS)
        assert sidebar_links(outsider) == []

    # The store itself, read once the server has stopped: the upload history names the analyst.
    with Store(demo_db, read_only=True) as store:
        uploads = store.uploads().set_index("upload_id")
        events = store.audit_log()
    assert uploads.loc[2, "uploaded_by"] == "Ann Analyst (ann.analyst@nhs.net)"
    assert {"sign-in", "sign-out", "upload", "download"} <= set(events["action"])
    refused = events[(events["email"] == "mallory@example.com")].iloc[0]
    assert refused["action"] == "sign-in" and refused["outcome"].startswith("refused:")


def test_local_mode_serves_this_machine_with_a_warning_and_refuses_every_other_address(
    demo_db: Path, browser_page
) -> None:
    page = browser_page
    with running_app(demo_db) as url:  # as `make run`: no [auth], 127.0.0.1
        page.goto(f"{url}/overview")
        wait_until_rendered(page)
        page.get_by_text(LOCAL_MODE_WARNING).wait_for(timeout=TIMEOUT_MS)
        assert "Upload data" in nav_links(page)
    with running_app(demo_db, extra_args=["--server.address", "0.0.0.0"]) as url:
        page.goto(f"{url}/overview")
        page.get_by_text("with sign-in off, so anyone who can reach it could change figures: it refuses to serve",
                         exact=False).wait_for(timeout=TIMEOUT_MS)
        assert sidebar_links(page) == []
        assert page.locator(".metric-tile").count() == 0
