"""The CSV templates and names list generated from config.yaml."""

from __future__ import annotations

from pathlib import Path

from data.ingest.common import TEMPLATE_DIR
from metrics.config import Config
from metrics.safe_text import (
    csv_rows_text,
)

# --- templates ------------------------------------------------------------------------------------


def template_csv(cfg: Config, layout: str) -> str:
    """A CSV template generated from config.yaml.

    Long: the header and one row per measure with period and value left empty (so an unfilled template
    is refused, never loaded). Wide: the header only, one column per measure id."""
    if layout == "long":
        rows = [["period", "measure", "service", "site", "segment", "value"]]
        rows += [["", measure.id, "", "", "", ""] for measure in cfg.measures]
    elif layout == "wide":
        rows = [["period", "service", "site", "segment", *(m.id for m in cfg.measures)]]
    elif layout == "names":
        rows = [["kind", "id", "label", "other accepted names"]]
        for kind, items in (("measure", cfg.measures), ("service", cfg.services), ("site", cfg.sites),
                            ("segment", cfg.segments)):
            rows += [[kind, item.id, item.label, "; ".join(getattr(item, "aliases", []))] for item in items]
    else:
        raise ValueError(f"unknown template layout '{layout}'; use long, wide or names.")
    return csv_rows_text(rows)


TEMPLATE_FILES = {
    "long": "upload_template_long.csv",
    "wide": "upload_template_wide.csv",
    "names": "upload_names.csv",
}


def write_templates(cfg: Config, directory: str | Path = TEMPLATE_DIR) -> list[Path]:
    """Write the long and wide templates and the names list into `directory` (data/templates/)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for layout, name in TEMPLATE_FILES.items():
        path = directory / name
        path.write_text(template_csv(cfg, layout), encoding="utf-8")
        written.append(path)
    return written
