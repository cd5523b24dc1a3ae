"""The benchmarks' one timing loop and memory readings, so every result file means the same by "median",
"worst" and "peak memory"."""

from __future__ import annotations

import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable


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
