"""No user text becomes markup, in real Chromium: a store full of the red team's payloads (file names,
names, notes, commentary, a review) creates no image, no link and no heading on any page that shows
them, and the browser requests nothing from the payloads' hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.kit import FILE_NAME, build_hostile_store
from tests.e2e.harness import running_app, wait_until_rendered

pytestmark = pytest.mark.e2e
TIMEOUT_MS = 60_000


def test_payloads_create_no_image_link_or_heading(tmp_path: Path, browser_page) -> None:
    db = build_hostile_store(tmp_path / "hostile.duckdb")
    page = browser_page
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    with running_app(db) as url:
        for path in ("overview", "assessment", "coverage"):
            page.goto(f"{url}/{path}")
            wait_until_rendered(page)
            assert page.locator('[data-testid="stException"]').count() == 0
            assert page.locator("img[src*='//h/']").count() == 0, path
            assert page.locator("a[href^='javascript:'], a[href*='//h'], a[href*='evil.example']").count() == 0, path
            assert page.locator("h1, h2, h3", has_text="ALL TARGETS MET").count() == 0, path
            if path == "overview":  # the commentary is there, as text inside its tile
                tile = page.locator(".metric-tile", has_text="CT activity")
                assert "# ALL TARGETS MET - NO ACTION NEEDED" in tile.inner_text()
                assert "![x](http://h/beacon.png)" in tile.inner_text().replace("\u2060", "")

        page.goto(f"{url}/upload")
        wait_until_rendered(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            files=[{"name": FILE_NAME, "mimeType": "text/csv",
                    "buffer": b"period,measure,site,value\n2021-04,[x](javascript:alert(1)),PRUH,1\n"}]
        )
        page.get_by_text("3. Check").wait_for(timeout=TIMEOUT_MS)
        wait_until_rendered(page)
        assert page.locator("img[src*='//h/']").count() == 0
        assert page.locator("a[href^='javascript:'], a[href*='//h']").count() == 0
        alerts = " ".join(page.locator('[data-testid="stAlert"]').all_inner_texts()).replace("\u2060", "")
        assert f"problem(s) in {FILE_NAME}" in alerts
    assert [u for u in requested if "//h/" in u or "evil.example" in u] == []
