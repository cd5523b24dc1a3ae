"""Where one Overview script run spends its time: cProfile of a cold and a warm run (issue 16).

    .venv/bin/python -m bench.profile_overview [--db PATH] [--top 20]

Runs app.py (which opens the Overview) with Streamlit's AppTest on the store, profiling the script
thread only: the first run (imports done, caches empty) and a second run in a new session (page data
and figures cached, as for every viewer after the first). Prints the top items by own time and by
cumulative time for each, so a note can name where the server's time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def profile_runs(db: Path, runs: int = 2) -> list[tuple[float, pstats.Stats]]:
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import AppTest

    os.environ["RECOVERY_DB"] = str(db)
    original = script_runner.ScriptRunner._run_script
    current: dict[str, cProfile.Profile] = {}

    def profiled(self, rerun_data):
        profile = current["profile"]
        profile.enable()
        try:
            return original(self, rerun_data)
        finally:
            profile.disable()

    script_runner.ScriptRunner._run_script = profiled
    out = []
    try:
        for _ in range(runs):
            current["profile"] = cProfile.Profile()
            start = time.perf_counter()
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
            seconds = time.perf_counter() - start
            if at.exception:
                raise RuntimeError(at.exception[0].message)
            out.append((seconds, pstats.Stats(current["profile"])))
    finally:
        script_runner.ScriptRunner._run_script = original
    return out


def top(stats: pstats.Stats, key: str, n: int) -> str:
    buffer = io.StringIO()
    stats.stream = buffer
    stats.strip_dirs().sort_stats(key).print_stats(n)
    return buffer.getvalue().split("ncalls", 1)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "data" / "recovery.duckdb"))
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    for label, (seconds, stats) in zip(["first run", "repeat run (new session)"], profile_runs(Path(args.db)),
                                       strict=True):
        print(f"## {label}: {seconds:.2f} s wall (AppTest)\n")
        print("### by own time\n   ncalls" + top(stats, "tottime", args.top))
        print("### by cumulative time\n   ncalls" + top(stats, "cumulative", args.top))


if __name__ == "__main__":
    main()
