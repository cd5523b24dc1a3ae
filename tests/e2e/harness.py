"""Real-browser harness: start the dashboard on a free port, drive Debian Chromium with Playwright.

Used by the end-to-end tests and by hand for screenshots:

    .venv/bin/python -m tests.e2e.harness overview my_service?service=cardiology out/

Waits on states (the health endpoint, the page title, Streamlit's "running" indicator going away),
never on fixed sleeps.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Chromium flags for this sandbox: no GPU, and no background calls to Google's hosts.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
STARTUP_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def running_app(
    db_path: str | Path, port: int | None = None, extra_args: list[str] | None = None
) -> Iterator[str]:
    """Serve app.py against `db_path`; yield the base URL; stop the server afterwards. `extra_args` are
    more Streamlit options (e.g. `--secrets.files PATH` for sign-in)."""
    port = port or free_port()
    env = {**os.environ, "RECOVERY_DB": str(db_path), "PYTHONUNBUFFERED": "1"}
    # The log file outlives this block on purpose: it is read when the server fails to start.
    log = tempfile.NamedTemporaryFile(prefix="streamlit-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         *(extra_args or [])],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not start; its log:\n{Path(log.name).read_text()}")
            time.sleep(0.2)  # polling the health endpoint, not waiting for the UI
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def launch_browser(playwright):
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium is not installed at {CHROMIUM}: run `apt-get install -y chromium`.")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def wait_until_rendered(page, timeout_ms: int = 60_000) -> None:
    """Wait for the page title, for Streamlit to finish running the script, and for charts to draw."""
    page.wait_for_selector("h1", timeout=timeout_ms)
    # Streamlit marks the app element with the script's state; charts draw just after the script ends.
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout_ms)
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stSkeleton"]')
               && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                    .every(c => c.querySelector('.main-svg'))""",
        timeout=timeout_ms,
    )


def screenshot_pages(
    base_url: str, paths: list[str], out_dir: Path, width: int = 1400, height: int | None = None
) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out_dir.mkdir(parents=True, exist_ok=True)
    shots = []
    with sync_playwright() as p:
        browser = launch_browser(p)
        # SHOT_HEIGHT makes the whole of a long page visible (Streamlit scrolls an inner container,
        # so Playwright's full_page cannot).
        height = height or int(os.environ.get("SHOT_HEIGHT", "1000"))
        page = browser.new_page(viewport={"width": width, "height": height})
        for path in paths:
            page.goto(f"{base_url}/{path}")
            wait_until_rendered(page)
            name = path.split("?")[0].strip("/") or "home"
            target = out_dir / f"{name}.png"
            page.screenshot(path=str(target))
            shots.append(target)
        browser.close()
    return shots


def main(argv: list[str]) -> int:
    """Screenshots of the named pages on a copy of the demonstration store."""
    *paths, out = argv or ["overview", "screenshots"]
    from data.demo import build_demo_store
    from data.store import Store
    from metrics.config import load_config

    workdir = Path(tempfile.mkdtemp(prefix="shots-"))
    db = workdir / "demo.duckdb"
    with Store(db) as store:
        build_demo_store(store, load_config())
    with running_app(db) as url:
        for shot in screenshot_pages(url, paths or ["overview"], Path(out)):
            print(shot)
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
