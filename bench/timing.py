"""The benchmarks' one timing loop and memory readings, so every result file means the same by "median",
"worst" and "peak memory"."""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
# The project's own code, compiled once before a benchmark that times fresh processes.
PROJECT_CODE = ("app.py", "app_pages", "bench", "data", "metrics")


def time_call(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """(median ms, worst ms) of `repeat` calls after one warm-up call."""
    fn()  # warm-up: the first call pays for loading column segments from disk
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000, max(samples) * 1000


def peak_rss_mb(children: bool = False) -> float:
    """The peak resident memory so far, in MB, of this process (or of its finished child processes)."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports kB


def traced_peak_mb(fn: Callable[[], object]) -> float:
    """The peak of Python's own allocations (tracemalloc) during one call of `fn`, in MB."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def child_env(**extra: str) -> dict[str, str]:
    """The environment for a benchmark's child process (a server, a command line): this one's, with Python's
    bytecode cache on. A shell or CI that sets PYTHONDONTWRITEBYTECODE would otherwise make every child
    compile the project's modules from source (all of them take 0.3 CPU-s on this machine), which no
    installed dashboard does after its first start; `compile_project` writes that cache before the timed
    runs."""
    env = {**os.environ, **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def compile_project() -> None:
    """Write the bytecode of the project's code (as its first start would), so timed children read it."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", *PROJECT_CODE], cwd=PROJECT, env=child_env(),
                   check=True)
