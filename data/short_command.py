"""Memory settings for a short command that reads a large file (`python -m data`, the upload benchmark).

Imported before numpy and pyarrow are, since both read their setting when first imported or used; an
operator's own setting of either variable wins. Measured by bench/bench_ingest.py on this project's 2-core
virtual machine, where a page fault is costly: numpy's transparent huge pages for every array of 4 MB or
more, and pyarrow's default allocator (mimalloc), spent about a second of system time between them on a
1M-row load. A long-running dashboard server keeps the libraries' defaults.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc")
