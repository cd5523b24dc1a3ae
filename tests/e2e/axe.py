"""axe-core (Deque's accessibility engine) for the browser tests, fetched from the npm registry.

The version is pinned, and the file's SHA-256 is checked, so a test run always judges the pages by the
same rules. The first run fetches the package with `npm pack` (npm verifies the registry's integrity
hash) into a cache folder and keeps only `axe.min.js`; later runs read the cached file. A fresh CI
machine needs only npm and the registry.

    AXE_CORE_CACHE   the cache folder (default: ~/.cache/recovery-dashboard)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
# WCAG 2.0 and 2.1, levels A and AA: what the NHS service standard asks of a web page.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")

# Rules whose findings are in Streamlit's own markup and cannot be changed from the app (README,
# "Accessibility"). Each entry: (rule id, CSS selector the finding must match, reason). A finding
# on the project's own markup is never waived.
STREAMLIT_OWNED: list[tuple[str, str, str]] = []


def cache_dir() -> Path:
    return Path(os.environ.get("AXE_CORE_CACHE", Path.home() / ".cache" / "recovery-dashboard"))


def axe_source() -> str:
    """The text of axe.min.js at the pinned version (fetched once, then cached)."""
    target = cache_dir() / f"axe-core-{AXE_VERSION}.min.js"
    if not target.exists():
        _fetch(target)
    data = target.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != AXE_SHA256:
        target.unlink()
        raise RuntimeError(f"axe-core {AXE_VERSION} from the cache has SHA-256 {digest}, not {AXE_SHA256}; "
                           "it was removed: run the tests again to fetch it afresh.")
    return data.decode("utf-8")


def _fetch(target: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("The accessibility tests need npm to fetch axe-core: install it (apt-get install -y npm).")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="axe-") as work:
        result = subprocess.run(
            [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", work, "--silent"],
            capture_output=True, text=True, timeout=180, cwd=work,
        )
        tarballs = list(Path(work).glob("axe-core-*.tgz"))
        if result.returncode != 0 or not tarballs:
            raise RuntimeError(f"npm could not fetch axe-core {AXE_VERSION}: {result.stderr.strip()[-400:]}")
        with tarfile.open(tarballs[0]) as archive:
            member = archive.extractfile("package/axe.min.js")
            if member is None:
                raise RuntimeError(f"axe-core {AXE_VERSION}'s package has no axe.min.js.")
            partial = target.with_suffix(f".part-{os.getpid()}")  # parallel test workers each write their own
            partial.write_bytes(member.read())
            partial.replace(target)


RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200), impact: n.impact}))
  }));
}"""


def serious_violations(page, source: str) -> list[str]:
    """Serious or critical WCAG 2.1 A/AA findings on the page as shown, one line each, after the
    Streamlit-owned waivers (which must match the finding's element)."""
    page.add_script_tag(content=source)
    found = page.evaluate(RUN_AXE, WCAG_TAGS)
    lines = []
    for violation in found:
        for node in violation["nodes"]:
            impact = node["impact"] or violation["impact"]
            if impact not in FAILING_IMPACTS or _waived(page, violation["id"], node["target"]):
                continue
            lines.append(f"{violation['id']} ({impact}): {violation['help']} — {node['target']} {node['html']}")
    return lines


def _waived(page, rule: str, target: str) -> bool:
    for waived_rule, selector, _reason in STREAMLIT_OWNED:
        if rule == waived_rule and page.evaluate(
            "([t, s]) => { const e = document.querySelector(t); return !!(e && e.closest(s)); }",
            [target, selector],
        ):
            return True
    return False
