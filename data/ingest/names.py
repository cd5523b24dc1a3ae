"""The names an upload may use (measure, service, site, segment ids, labels and aliases)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data.ingest.cells import _clip, _formula_message, fold_name
from data.ingest.common import DIMENSION_HELP, FORMULA_PREFIXES
from data.store import ALL
from metrics.config import Config

# --- names -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Names:
    """Every accepted spelling of one kind of name (ids, labels, aliases), normalised → id."""

    kind: str
    ids: list[str]  # ids[0] is "All" when the dimension may be left empty
    lookup: dict[str, int]
    display: dict[str, str]  # normalised spelling → the spelling to suggest
    allow_all: bool

    @classmethod
    def build(cls, kind: str, items: Sequence, allow_all: bool) -> _Names:
        ids = ([ALL] if allow_all else []) + [item.id for item in items]
        lookup: dict[str, int] = {}
        display: dict[str, str] = {}
        for item in items:
            index = ids.index(item.id)
            for name in (item.id, item.label, *getattr(item, "aliases", [])):
                lookup.setdefault(fold_name(name), index)
                display.setdefault(fold_name(name), name)
        if allow_all:
            lookup["all"] = 0
        return cls(kind, ids, lookup, display, allow_all)

    def index_of(self, text: str) -> int:
        """The index into ids a cell names, or -1 when it names nothing known."""
        if not text:
            return 0 if self.allow_all else -1
        return self.lookup.get(fold_name(text), -1)

    def indices_of(self, texts: pd.api.extensions.ExtensionArray | np.ndarray) -> np.ndarray:
        """`index_of` for many distinct texts at once: ASCII texts are folded by Arrow in bulk (for
        ASCII, lower case is case folding), the rest one by one, so a million names take a second."""
        array = pa.array(texts, type=pa.string())
        ascii_only = pc.string_is_ascii(array).to_numpy(zero_copy_only=False)
        folded = pc.utf8_lower(
            pc.utf8_trim_whitespace(pc.replace_substring_regex(array, r"[\t\n\x0b\x0c\r \x1c-\x1f]+", " "))
        )
        found = pd.Series(folded.to_pandas(), dtype=object).map(self.lookup)
        result = found.fillna(-1).to_numpy(dtype=np.int64, copy=True)
        for position in np.flatnonzero(~ascii_only):
            result[position] = self.index_of(str(array[int(position)]))
        if self.allow_all:
            result[(pc.utf8_length(array).to_numpy(zero_copy_only=False) == 0)] = 0
        return result

    def resolve(self, text: str, suggest: bool = True) -> tuple[int, str | None, str | None]:
        """(index into ids, None, None) or (-1, kind, sentence); `suggest` adds "did you mean"."""
        if not text:
            if self.allow_all:
                return 0, None, None
            return -1, f"missing_{self.kind}", f"The {self.kind} is empty; write {DIMENSION_HELP[self.kind]}."
        found = self.lookup.get(fold_name(text))
        if found is not None:
            return found, None, None
        if text.startswith(FORMULA_PREFIXES):
            return -1, "formula", _formula_message(text)
        return -1, f"unknown_{self.kind}", (
            f"'{_clip(text)}' is not a {self.kind} this dashboard knows.{self.hint(text) if suggest else ''} "
            f"Use {DIMENSION_HELP[self.kind]}."
        )

    def hint(self, text: str) -> str:
        close = difflib.get_close_matches(fold_name(text), list(self.display), n=1, cutoff=0.6)
        if not close:
            return ""
        ident = self.ids[self.lookup[close[0]]]
        spelling = self.display[close[0]]
        return f" Did you mean '{spelling}'?" if spelling == ident else f" Did you mean '{spelling}' ({ident})?"


@dataclass(frozen=True)
class _Vocabulary:
    measure: _Names
    service: _Names
    site: _Names
    segment: _Names

    @classmethod
    def from_config(cls, cfg: Config) -> _Vocabulary:
        cached = _VOCABULARIES.get(id(cfg))
        if cached is not None and cached[0] is cfg:
            return cached[1]
        vocabulary = cls._build(cfg)
        if len(_VOCABULARIES) >= 8:  # a process rarely holds more than one or two configs
            _VOCABULARIES.pop(next(iter(_VOCABULARIES)))
        _VOCABULARIES[id(cfg)] = (cfg, vocabulary)
        return vocabulary

    @classmethod
    def _build(cls, cfg: Config) -> _Vocabulary:
        return cls(
            measure=_Names.build("measure", cfg.measures, allow_all=False),
            service=_Names.build("service", cfg.services, allow_all=True),
            site=_Names.build("site", cfg.sites, allow_all=True),
            segment=_Names.build("segment", cfg.segments, allow_all=True),
        )


# Config objects are immutable; the names of each are worked out once.
_VOCABULARIES: dict[int, tuple[Config, _Vocabulary]] = {}
