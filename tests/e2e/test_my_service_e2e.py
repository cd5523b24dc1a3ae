"""My service in real Chromium: a shared link opens the service and site it names, an unknown name
gets a sentence, and a chart's CSV download carries its scope. Waits on states, never on time."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import wait_until_rendered

pytestmark = pytest.mark.e2e

WAIT_MS = 60_000


def test_a_shared_link_opens_cardiology_at_the_pruh(server, browser_page):
    page = browser_page
    page.goto(f"{server}/my_service?service=Cardiology&site=PRUH")
    heading = page.get_by_role("heading", name="Cardiology at Princess Royal University Hospital")
    expect(heading).to_be_visible(timeout=WAIT_MS)
    wait_until_rendered(page)
    expect(page.locator('[data-testid="stPlotlyChart"] .main-svg').first).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_role("combobox", name="Service")).to_have_value("Cardiology")
    expect(page.get_by_role("combobox", name="Site")).to_have_value("Princess Royal University Hospital")
    assert page.locator(".metric-tile").count() >= 5
    assert page.locator('[data-testid="stException"]').count() == 0
    expect(page).to_have_url(re.compile(r"/my_service\?service=cardiology&site=PRUH$"))


def test_an_unknown_service_in_a_link_gets_a_sentence_not_an_error(server, browser_page):
    page = browser_page
    page.goto(f"{server}/my_service?service=Cardiolgy&site=PRUH")
    expect(page.get_by_text("Did you mean 'Cardiology'?")).to_be_visible(timeout=WAIT_MS)
    wait_until_rendered(page)
    assert page.get_by_text("There is no service called 'Cardiolgy'.").is_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stPlotlyChart"]').count() == 0


def test_a_charts_csv_download_says_what_it_is_about(server, browser_page):
    page = browser_page
    page.goto(f"{server}/my_service?service=cardiology&site=PRUH")
    # The elective chart's button, by its widget key: Streamlit marks each keyed element st-key-<key>.
    button = page.locator(".st-key-my_service_elective_activity_csv").get_by_role(
        "button", name="Download the data behind this chart (CSV)"
    )
    expect(button).to_be_visible(timeout=WAIT_MS)
    wait_until_rendered(page)
    expect(page).to_have_url(re.compile(r"/my_service\?service=cardiology&site=PRUH$"))
    with page.expect_download(timeout=WAIT_MS) as download:
        button.click()
    assert download.value.suggested_filename == "elective_activity-cardiology-PRUH.csv"
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115 - read once, closed by GC
    lines = text.splitlines()
    assert lines[0] == "service,site,segment,month,metric,value,target,gap,status,completeness"
    assert lines[1].startswith("Cardiology,Princess Royal University Hospital,Everyone,Apr 2020,")
    assert lines[-1].startswith("Cardiology,Princess Royal University Hospital,Everyone,Mar 2021,")
