"""Page data computed once per store version and shared by every session of this server.

Every viewer of the same month sees the same numbers, so a page's data (`metrics.views.*`), its SPC
and its figures are computed once for each (store, store version, view, parameters) and handed to
every later session until the store changes. `Store.version()` (one tiny read) changes with every
write — commit, undo, commentary, review, milestones, scenario — so a write is seen on the very next
run, by every session. `metrics/` stays pure: the cache wraps its calls here, in the app layer.

Bounded: at most `MAX_ENTRIES` results (least recently used goes first) and none older than
`MAX_AGE_SECONDS`; results for an older version of a store are dropped as soon as a newer one is
computed. Concurrent sessions asking for the same missing entry wait for the one that computes it
(one computation, not fifty). Results are shared objects: callers read them and never change them.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import threading
import time
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from data.store import Store

T = TypeVar("T")

# A page view's data is tens of kilobytes to a few megabytes (series of ~60 months per metric, small
# frames); 256 of them are every page × month × filter most boards will ever open between two uploads.
MAX_ENTRIES = 256
# Nothing is served older than this even if the store never changes (the clock-dependent parts of a
# page — "today", default review dates — move on within a day).
MAX_AGE_SECONDS = 3600.0
# The store version is read once per script run (one read costs a few milliseconds and a page makes
# twenty cached calls), and again within the run only after this process wrote to the store.
# RECOVERY_VIEW_CACHE=off computes every view afresh (the load benchmark's "before" column).
SWITCH_VARIABLE = "RECOVERY_VIEW_CACHE"


@dataclass
class _Entry:
    value: Any = None
    error: BaseException | None = None
    created: float = field(default_factory=time.monotonic)
    ready: threading.Event = field(default_factory=threading.Event)


@dataclass
class CacheStats:
    """Counters for tests and the load benchmark."""

    hits: int = 0
    misses: int = 0
    waits: int = 0  # a session that waited for another session's computation of the same entry


class ViewCache:
    """A bounded, thread-safe LRU of computed results keyed by (store, version, view, parameters)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_age_seconds: float = MAX_AGE_SECONDS):
        self.max_entries = max_entries
        self.max_age_seconds = max_age_seconds
        self.stats = CacheStats()
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._newest_version: dict[str, int] = {}
        # per script run (weakly keyed, gone with the run): store token → (version, store.writes_here)
        self._versions_read: weakref.WeakKeyDictionary[object, dict[str, tuple[int, int]]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._newest_version.clear()
            self._versions_read.clear()
            self.stats = CacheStats()

    def get_or_compute(self, store: Store, view: str, parameters: Hashable, compute: Callable[[], T]) -> T:
        """The result of `compute()` for this view and parameters at the store's current version:
        computed at most once per version, shared by every caller."""
        if os.environ.get(SWITCH_VARIABLE) == "off":
            return compute()
        token = store_token(store)
        version = self._version(store, token)
        key = (token, version, view, parameters)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and time.monotonic() - entry.created > self.max_age_seconds and entry.ready.is_set():
                del self._entries[key]
                entry = None
            if entry is None:
                owner = True
                entry = self._entries[key] = _Entry()
                self.stats.misses += 1
                self._forget_older(token, version)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            else:
                owner = False
                self._entries.move_to_end(key)
                if entry.ready.is_set():
                    self.stats.hits += 1
                else:
                    self.stats.waits += 1
        if owner:
            try:
                entry.value = compute()
            except BaseException as exc:  # st.stop / st.rerun too: nothing is kept, waiters compute again
                entry.error = exc
                with self._lock:
                    if self._entries.get(key) is entry:
                        del self._entries[key]
                raise
            finally:
                entry.ready.set()
            return entry.value
        entry.ready.wait()
        if entry.error is not None:  # the computing session failed: compute here, uncached
            return compute()
        return entry.value

    def _version(self, store: Store, token: str) -> int:
        """The store's version: read once per script run, and again after this process wrote to it.
        Outside a script run (tests, command line) it is read every time."""
        run = _current_run()
        writes = getattr(store, "writes_here", 0)
        read = self._versions_read.get(run, {}).get(token) if run is not None else None
        if read is not None and read[1] == writes:
            return read[0]
        version = store.version()
        if run is not None:
            with self._lock:
                self._versions_read.setdefault(run, {})[token] = (version, writes)
        return version

    def _forget_older(self, token: str, version: int) -> None:
        """Drop every entry for an older version of this store (called with the lock held)."""
        if version <= self._newest_version.get(token, version - 1):
            return
        self._newest_version[token] = version
        stale = [k for k in self._entries if k[0] == token and k[1] < version]
        for k in stale:
            del self._entries[k]


# One cache for the server process: every session's script run shares it.
VIEWS = ViewCache()


def _current_run() -> object | None:
    """An object that lives exactly as long as the current Streamlit script run (None outside one)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    # ctx.reset() makes a fresh coordinator at the start of every script run.
    return getattr(ctx, "parallel_coordinator", None) if ctx is not None else None


def store_token(store: Store) -> str:
    """An id for this Store object, so two stores that once had the same path never share entries."""
    token = getattr(store, "_view_cache_token", None)
    if token is None:
        token = f"{store.path}#{uuid.uuid4().hex}"
        store._view_cache_token = token
    return token


def parameters_key(*args: Any, **kwargs: Any) -> Hashable:
    """A hashable key from a view's parameters (dates, strings, numbers, lists of them); the Config is
    keyed by identity (the server loads it once)."""
    return (tuple(_hashable(a) for a in args), tuple(sorted((k, _hashable(v)) for k, v in kwargs.items())))


def _hashable(value: Any) -> Hashable:
    if value is None or isinstance(value, str | int | float | bool | dt.date):
        return value
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, set | frozenset):
        return frozenset(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return ("id", type(value).__name__, id(value))


def cached_view(function: Callable[..., T], store: Store, *args: Any, **kwargs: Any) -> T:
    """`function(store, *args, **kwargs)` once per store version for these parameters: the one way a
    page asks `metrics.views` for data. The Config passed in args is keyed by identity."""
    view = f"{function.__module__}.{function.__qualname__}"
    return VIEWS.get_or_compute(
        store, view, parameters_key(*args, **kwargs), lambda: function(store, *args, **kwargs)
    )


def cached_derived(store: Store, view: str, parameters: Hashable, compute: Callable[[], T]) -> T:
    """Something computed from cached page data (SPC, figures), cached under the same store version:
    `parameters` must say everything the result depends on besides the store."""
    return VIEWS.get_or_compute(store, view, parameters, compute)


def store_is_demo(store: Store) -> bool:
    """Whether the store holds the demonstration data (every page's banner asks), once per version."""
    return cached_view(Store.is_demo, store)


def latest_upload(store: Store) -> dict | None:
    """The latest upload ("Figures as at" in the sidebar of every page), once per version."""
    return cached_view(Store.latest_upload, store)


def cached_figure(store: Store, view: str, parameters: Hashable, build: Callable[[], Any]) -> Any:
    """A Plotly figure built once per store version and shared, its dictionary form computed once too:
    `st.plotly_chart` turns a figure into a dictionary (a deep copy and a walk over every array) on
    every run, which was most of a cached Overview's server time."""
    return VIEWS.get_or_compute(store, view, parameters, lambda: _frozen(build()))


def _frozen(figure: Any) -> Any:
    """The same figure, its `to_dict()` computed now and kept (the class is swapped in place: building
    a new figure from it would validate every property again, a tenth of a second a chart)."""
    figure.__class__ = _frozen_figure_class()
    figure._frozen_dict = None
    figure.to_dict()
    return figure


@functools.cache
def _frozen_figure_class() -> type:
    from plotly import graph_objects as go

    class FrozenFigure(go.Figure):
        """A figure whose `to_dict()` is computed once; read-only by convention (never update it)."""

        def to_dict(self):  # go.Figure.to_dict, computed once
            if self._frozen_dict is None:
                self._frozen_dict = super().to_dict()
            return self._frozen_dict

    return FrozenFigure
