"""Load and validate config.yaml into typed models; every problem is reported at once.

Structure is checked by pydantic; cross-references (a metric naming a missing measure, a per-service
override naming an unknown service, …) by small rules that each return a list of problems, so one run
names every mistake together with the place to fix it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from collections import Counter
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from metrics.months import parse_month

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_PATH = PROJECT_ROOT / "config.yaml"
# The store path can be overridden without editing config.yaml (tests, benchmarks, deployments).
DB_ENV_VAR = "RECOVERY_DB"
# Another config.yaml (a test's, a second deployment's) without touching the project's own.
CONFIG_ENV_VAR = "RECOVERY_CONFIG"

# libyaml's loader when PyYAML has it (ten times faster, same safe subset), the pure-Python one if not.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MetricType = Literal["ratio_to_baseline", "share", "count"]
Improvement = Literal["increase", "decrease", "neutral"]


class ConfigError(ValueError):
    """config.yaml has problems; `problems` lists each as a sentence naming where to fix it."""

    def __init__(self, problems: list[str], path: Path | str = "config.yaml"):
        self.problems = problems
        self.path = str(path)
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{self.path} has {len(problems)} problem(s):\n{lines}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_month(value: str) -> str:
    parse_month(value)
    return value


class Dimension(_Model):
    """A service, site or segment that facts can be broken down by."""

    id: str
    label: str
    kind: str = ""
    group: str = ""
    aliases: list[str] = Field(default_factory=list)

    @field_validator("aliases", mode="before")
    @classmethod
    def _aliases_as_text(cls, value: object) -> object:
        # Treatment function codes are numbers in YAML (110); store them as text ("110").
        return [str(v) for v in value] if isinstance(value, list) else value


class ExpectedCells(_Model):
    """The breakdown cells a measure is expected to arrive in each month when there is no baseline-year
    month to learn them from (a service that began later): every listed service × every listed site;
    a dimension not listed is expected as "All"."""

    service: list[str] = Field(default_factory=list)
    site: list[str] = Field(default_factory=list)


class Measure(_Model):
    """A raw count that analysts upload."""

    id: str
    label: str
    unit: str = ""
    description: str = ""
    source: str = ""
    # Which way is better for the count itself (e.g. a waiting list: decrease); metrics say it for their own.
    improvement: Improvement | None = None
    # The month the service began ("YYYY-MM"): nothing earlier is accepted, stored or drawn.
    available_from: str | None = None
    # Cells expected where the same month of the baseline year holds none (see metrics.completeness).
    expected: ExpectedCells | None = None

    @field_validator("available_from")
    @classmethod
    def _available_month(cls, value: str | None) -> str | None:
        return value if value is None else _check_month(value)

    @property
    def available_month(self) -> dt.date | None:
        return parse_month(self.available_from) if self.available_from else None


class Trajectory(_Model):
    """Month → target steps; each holds until the next step, the last until `end` (if given)."""

    label: str = ""
    steps: dict[str, float]
    end: str | None = None

    @field_validator("steps")
    @classmethod
    def _steps_are_months(cls, steps: dict[str, float]) -> dict[str, float]:
        bad = [key for key in steps if not _is_month(key)]
        if bad:
            raise ValueError(f"trajectory month(s) {', '.join(map(repr, bad))} are not YYYY-MM")
        if not steps:
            raise ValueError("a trajectory needs at least one step")
        return steps

    @field_validator("end")
    @classmethod
    def _end_is_month(cls, value: str | None) -> str | None:
        return value if value is None else _check_month(value)

    def target_for(self, month: dt.date) -> float | None:
        """The target in force in `month`, or None outside the trajectory."""
        if self.end is not None and month > parse_month(self.end):
            return None
        current = None
        for key in sorted(self.steps):
            if parse_month(key) <= month:
                current = self.steps[key]
        return current


class SpcSettings(_Model):
    """Making Data Count settings; None means "use the global default"."""

    rebase: list[str] | None = None
    screen_outliers: bool | None = None
    fix_after_n_points: int | None = None

    @field_validator("rebase")
    @classmethod
    def _rebase_months(cls, value: list[str] | None) -> list[str] | None:
        for month in value or []:
            _check_month(month)
        return value

    @field_validator("fix_after_n_points")
    @classmethod
    def _enough_points(cls, value: int | None) -> int | None:
        if value is not None and value < 12:
            raise ValueError("fix_after_n_points must be at least 12 (or null for all points)")
        return value


class TargetOverride(_Model):
    """A service-specific target replacing the metric's own."""

    trajectory: str | None = None
    target: float | None = None
    target_from: str | None = None


class Metric(_Model):
    """A metric over measures, with its trajectory or flat target."""

    id: str
    label: str
    description: str
    type: MetricType
    unit: str
    improvement: Improvement
    source: str
    headline: bool = False
    group: str = ""
    measures: list[str] = Field(default_factory=list)
    numerator: list[str] = Field(default_factory=list)
    denominator: list[str] = Field(default_factory=list)
    trajectory: str | None = None
    target: float | None = None
    target_from: str | None = None
    reference_period: str | None = None
    reference_target: float | None = None
    overrides: dict[str, TargetOverride] = Field(default_factory=dict)
    spc: SpcSettings = Field(default_factory=SpcSettings)

    @field_validator("target_from", "reference_period")
    @classmethod
    def _months(cls, value: str | None) -> str | None:
        return value if value is None else _check_month(value)

    @property
    def input_measures(self) -> list[str]:
        """Every measure the metric reads."""
        if self.type == "share":
            return list(dict.fromkeys(self.numerator + self.denominator))
        return list(self.measures)

    @property
    def is_percent(self) -> bool:
        return self.type in ("ratio_to_baseline", "share")


# A declared page's blocks, in the order they are drawn (metrics/pages.py is the generic page script's plan).
BLOCK_KINDS = ("tiles", "charts", "heatmap", "ranking", "breakdown", "table", "text")
# Blocks that show metrics and so must name at least one.
METRIC_BLOCKS = ("tiles", "charts", "heatmap", "ranking", "breakdown", "table")
# What a breakdown block can split a metric by: a dimension, or a group of population segments.
BREAKDOWN_DIMENSIONS = ("site", "service", "imd", "ethnicity")
# Addresses the hand-written pages in app.py already use: a declared page may not take one.
HANDWRITTEN_PAGE_URLS = (
    "overview", "my_service", "capacity", "discharges", "primary_care", "inequalities", "assessment",
    "upload", "coverage", "sources", "audit",
)
NAVIGATION_SECTIONS = ("Executive", "Services", "System and population", "Data")


class PageBlock(_Model):
    """One block of a declared page: what it shows (`kind`), over which metrics, with its heading."""

    kind: str
    heading: str = ""
    caption: str = ""
    metrics: list[str] = Field(default_factory=list)
    # charts: the run chart against its trajectory or target, or a Making Data Count SPC chart.
    chart: Literal["trajectory", "spc"] = "trajectory"
    per_row: int | None = None
    # breakdown: split the (first) metric by this dimension or segment group.
    dimension: str = ""
    # text: a short paragraph (markdown).
    text: str = ""


class PageSpec(_Model):
    """A page declared in config.yaml and drawn by the generic page script (app_pages/declared.py)."""

    url: str
    title: str
    description: str
    section: str
    icon: str = ":material/monitoring:"
    # What the page says when the store holds none of its figures.
    empty: str = ""
    blocks: list[PageBlock]

    @property
    def metric_ids(self) -> list[str]:
        """Every metric the page's tiles, charts, tables and breakdowns show, once each, in order."""
        kinds = ("tiles", "charts", "table", "breakdown")
        return list(dict.fromkeys(m for b in self.blocks if b.kind in kinds for m in b.metrics))

    @property
    def by_service_ids(self) -> list[str]:
        """The metrics the service heatmap and ranking can show (the first is shown to start with)."""
        return list(dict.fromkeys(m for b in self.blocks if b.kind in ("heatmap", "ranking") for m in b.metrics))


class RagSettings(_Model):
    amber_margin: float = 0.05


class SpcDefaults(_Model):
    """The global Making Data Count settings (and, from `Config.spc_settings`, a metric's resolved ones)."""

    rebase: list[str] = Field(default_factory=lambda: ["2020-04"])
    screen_outliers: bool = True
    fix_after_n_points: int | None = None

    @field_validator("rebase")
    @classmethod
    def _rebase_months(cls, value: list[str]) -> list[str]:
        for month in value:
            _check_month(month)
        return value

    @field_validator("fix_after_n_points")
    @classmethod
    def _enough_points(cls, value: int | None) -> int | None:
        # The same check as a metric's own setting: a global default below 12 would only fail at chart time.
        return SpcSettings._enough_points(value)


class Paths(_Model):
    db: str = "data/recovery.duckdb"


class UploadSettings(_Model):
    max_file_mb: float = 50


class CompletenessSettings(_Model):
    """Which month the Overview opens on (metrics.completeness decides what "complete" means)."""

    # The Overview opens on the latest month in which at least this share of the headline metrics is
    # complete (1.0 = every one of them). A month below it is still offered, marked "(partial)".
    overview_min_complete_share: float = 1.0


class AccessSettings(_Model):
    """Who may sign in and with which roles (used when sign-in is on; metrics/access.py applies it)."""

    # Whom someone signed in but not allowed should ask: a team and an address, in a sentence.
    contact: str
    allowed_domains: list[str] = Field(default_factory=list)
    allowed_emails: list[str] = Field(default_factory=list)
    # The identity token claim that carries app roles (Entra ID and most providers call it "roles").
    roles_claim: str = "roles"
    # role → addresses given that role whatever the provider says.
    roles: dict[str, list[str]] = Field(default_factory=dict)


# The NHS England national files an analyst may upload as published (data/ingest/formats/).
NATIONAL_FORMATS = ("rtt", "dm01", "ae", "cwt", "mar")


class NationalMeasure(_Model):
    """One measure a national file feeds: the figures summed from its `columns` (less `minus`), on rows
    of `part` (RTT), of the `tests` named (DM01) or of the `standards` (cancer waiting times); RTT week
    bands by `weeks_from` / `weeks_under`."""

    measure: str
    columns: list[str] = Field(default_factory=list)
    minus: list[str] = Field(default_factory=list)
    part: str | None = None
    tests: list[str] = Field(default_factory=list)
    standards: list[str] = Field(default_factory=list)
    weeks_from: int | None = Field(default=None, ge=0)
    weeks_under: int | None = Field(default=None, ge=1)
    by_service: bool = False


class NationalFormat(_Model):
    """What one national file feeds, and at which level: `provider` keeps the provider's rows and sums
    its commissioners; `commissioner` keeps the commissioners' rows and sums their providers."""

    level: Literal["provider", "commissioner"] = "provider"
    measures: list[NationalMeasure]


class NationalFiles(_Model):
    """The partnership's organisation codes and what each national file feeds."""

    provider: str
    commissioners: list[str] = Field(default_factory=list)
    formats: dict[str, NationalFormat] = Field(default_factory=dict)


class Config(_Model):
    """The whole of config.yaml."""

    organisation: str = "One Bromley"
    # The partner organisations that can each keep their own Phase 3 assessment reviews.
    partners: list[str] = Field(default_factory=list)
    baseline_year: int = 2019
    rag: RagSettings = Field(default_factory=RagSettings)
    spc: SpcDefaults = Field(default_factory=SpcDefaults)
    paths: Paths = Field(default_factory=Paths)
    upload: UploadSettings = Field(default_factory=UploadSettings)
    completeness: CompletenessSettings = Field(default_factory=CompletenessSettings)
    services: list[Dimension]
    sites: list[Dimension]
    segments: list[Dimension]
    measures: list[Measure]
    trajectories: dict[str, Trajectory] = Field(default_factory=dict)
    metrics: list[Metric]
    access: AccessSettings | None = None
    national_files: NationalFiles | None = None
    # Pages declared here rather than written in Python (app_pages/declared.py draws each one).
    pages: list[PageSpec] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    @cached_property
    def metric_by_id(self) -> dict[str, Metric]:
        return {m.id: m for m in self.metrics}

    @cached_property
    def measure_by_id(self) -> dict[str, Measure]:
        return {m.id: m for m in self.measures}

    @cached_property
    def service_by_id(self) -> dict[str, Dimension]:
        return {s.id: s for s in self.services}

    @cached_property
    def site_by_id(self) -> dict[str, Dimension]:
        return {s.id: s for s in self.sites}

    @cached_property
    def segment_by_id(self) -> dict[str, Dimension]:
        return {s.id: s for s in self.segments}

    @cached_property
    def page_by_url(self) -> dict[str, PageSpec]:
        return {p.url: p for p in self.pages}

    @property
    def headline_metrics(self) -> list[Metric]:
        return [m for m in self.metrics if m.headline]

    def available_from(self, measure_id: str) -> dt.date | None:
        """The month a measure began (None: it has always been collected)."""
        measure = self.measure_by_id.get(measure_id)
        return measure.available_month if measure else None

    def metric_available_from(self, metric: Metric) -> dt.date | None:
        """The first month every measure of the metric exists (None: from the start)."""
        starts = [s for s in (self.available_from(m) for m in metric.input_measures) if s is not None]
        return max(starts) if starts else None

    @property
    def first_month(self) -> dt.date:
        """April of the baseline year: nothing earlier is accepted or shown."""
        return dt.date(self.baseline_year, 4, 1)

    def metric(self, metric_id: str) -> Metric:
        """The metric with this id; ValueError with a suggestion when unknown."""
        try:
            return self.metric_by_id[metric_id]
        except KeyError:
            raise ValueError(_unknown("metric", metric_id, self.metric_by_id)) from None

    def target_for(self, metric: Metric, month: dt.date, service: str = "All") -> float | None:
        """The target in force for a ratio or share metric in a month (per-service override first).

        Count metrics with a `reference_target` are handled by compute (the target is a multiple of
        the reference month's value); this returns that multiple for them.
        """
        source: Metric | TargetOverride = metric.overrides.get(service, metric)
        if source.trajectory:
            return self.trajectories[source.trajectory].target_for(month)
        value = source.target if source.target is not None else getattr(source, "reference_target", None)
        if value is None:
            return None
        if source.target_from and month < parse_month(source.target_from):
            return None
        return value

    def spc_settings(self, metric: Metric) -> SpcDefaults:
        """The metric's SPC settings with the global defaults filled in."""
        own = metric.spc
        return SpcDefaults(
            rebase=own.rebase if own.rebase is not None else self.spc.rebase,
            screen_outliers=own.screen_outliers if own.screen_outliers is not None else self.spc.screen_outliers,
            fix_after_n_points=own.fix_after_n_points
            if own.fix_after_n_points is not None
            else self.spc.fix_after_n_points,
        )

    def label_for(self, kind: str, ident: str) -> str:
        """Display label of a service / site / segment / measure / metric id ("All" stays "All")."""
        if ident == "All":
            return {"service": "All services", "site": "All sites", "segment": "Everyone"}.get(kind, "All")
        table = {
            "service": self.service_by_id,
            "site": self.site_by_id,
            "segment": self.segment_by_id,
            "measure": self.measure_by_id,
            "metric": self.metric_by_id,
        }[kind]
        item = table.get(ident)
        return item.label if item else ident


def _is_month(text: str) -> bool:
    try:
        parse_month(text)
    except ValueError:
        return False
    return True


def _unknown(kind: str, name: str, known: dict | list) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return f"unknown {kind} '{name}'.{hint}"


# Cross-reference rules: each takes the parsed config and returns a list of problems.


def _duplicate_ids(cfg: Config) -> list[str]:
    problems = []
    for section in ("services", "sites", "segments", "measures", "metrics"):
        counts = Counter(item.id for item in getattr(cfg, section))
        problems += [
            f"{section}: id '{ident}' is declared {n} times; give each one a unique id."
            for ident, n in counts.items()
            if n > 1
        ]
    return problems


def _reserved_ids(cfg: Config) -> list[str]:
    return [
        f"{section}: 'All' is reserved for the total; rename that entry."
        for section in ("services", "sites", "segments")
        if any(item.id == "All" for item in getattr(cfg, section))
    ]


def _ambiguous_aliases(cfg: Config) -> list[str]:
    problems = []
    for section in ("services", "sites", "segments"):
        owner: dict[str, str] = {}
        for item in getattr(cfg, section):
            for name in {item.id, item.label, *item.aliases}:
                key = normalise_name(name)
                if key in owner and owner[key] != item.id:
                    problems.append(
                        f"{section}: the name '{name}' is used by both '{owner[key]}' and '{item.id}'; "
                        "an uploaded name must point to one entry only."
                    )
                owner[key] = item.id
    return problems


def _metric_measures(cfg: Config) -> list[str]:
    problems = []
    for m in cfg.metrics:
        for field in ("measures", "numerator", "denominator"):
            for name in getattr(m, field):
                if name not in cfg.measure_by_id:
                    problems.append(f"metric '{m.id}': {field} names {_unknown('measure', name, cfg.measure_by_id)}")
    return problems


def _metric_shape(cfg: Config) -> list[str]:
    problems = []
    for m in cfg.metrics:
        where = f"metric '{m.id}'"
        if m.type == "share":
            if not m.numerator:
                problems.append(f"{where}: a share needs a numerator (a list of measures).")
            if not m.denominator:
                problems.append(f"{where}: a share needs a denominator (a list of measures).")
            if m.measures:
                problems.append(f"{where}: a share takes numerator and denominator, not measures.")
        elif m.type in ("ratio_to_baseline", "count"):
            if not m.measures:
                problems.append(f"{where}: a {m.type} metric needs measures (a list of measure ids).")
            if m.numerator or m.denominator:
                problems.append(f"{where}: numerator/denominator belong to share metrics only.")
        else:  # pragma: no cover - pydantic already limits the type
            raise AssertionError(f"unhandled metric type {m.type}")
        if m.trajectory and m.target is not None:
            problems.append(f"{where}: give either a trajectory or a flat target, not both.")
        if m.trajectory and m.trajectory not in cfg.trajectories:
            problems.append(f"{where}: trajectory {_unknown('trajectory', m.trajectory, cfg.trajectories)}")
        if m.reference_target is not None and not m.reference_period:
            problems.append(f"{where}: reference_target needs a reference_period to multiply.")
        if m.reference_period and m.type != "count":
            problems.append(f"{where}: reference_period applies to count metrics only.")
    return problems


def _overrides(cfg: Config) -> list[str]:
    problems = []
    for m in cfg.metrics:
        for service, override in m.overrides.items():
            if service not in cfg.service_by_id:
                problems.append(
                    f"metric '{m.id}': overrides names {_unknown('service', service, cfg.service_by_id)}"
                )
            if override.trajectory and override.trajectory not in cfg.trajectories:
                problems.append(
                    f"metric '{m.id}': override for '{service}' names "
                    f"{_unknown('trajectory', override.trajectory, cfg.trajectories)}"
                )
    return problems


def _settings(cfg: Config) -> list[str]:
    problems = []
    if not 0 <= cfg.rag.amber_margin < 1:
        problems.append("rag.amber_margin must be a fraction between 0 and 1 (0.05 = 5 percentage points).")
    if not 2000 <= cfg.baseline_year <= 2100:
        problems.append("baseline_year must be the year an April–March financial year starts, e.g. 2019.")
    if cfg.upload.max_file_mb <= 0:
        problems.append("upload.max_file_mb must be a positive number of megabytes.")
    if not 0 < cfg.completeness.overview_min_complete_share <= 1:
        problems.append(
            "completeness.overview_min_complete_share must be a fraction above 0 and at most 1 "
            "(1.0 = every headline metric complete)."
        )
    return problems


def _expected_cells(cfg: Config) -> list[str]:
    problems = []
    for m in cfg.measures:
        if m.expected is None:
            continue
        for service in m.expected.service:
            if service not in cfg.service_by_id:
                problems.append(f"measure '{m.id}': expected names {_unknown('service', service, cfg.service_by_id)}")
        for site in m.expected.site:
            if site not in cfg.site_by_id:
                problems.append(f"measure '{m.id}': expected names {_unknown('site', site, cfg.site_by_id)}")
    return problems


def _access(cfg: Config) -> list[str]:
    """access: roles that exist, addresses and domains that parse, someone who can read the audit log."""
    from metrics.access import ROLES, is_domain, is_email

    access = cfg.access
    if access is None:
        return []
    problems = []
    if not access.contact.strip():
        problems.append("access → contact: say whom people who may not sign in should ask (a team and an address).")
    for domain in access.allowed_domains:
        if not is_domain(domain.strip()):
            problems.append(f"access → allowed_domains: '{domain}' is not a domain such as nhs.net (no @, no spaces).")
    for address in access.allowed_emails:
        if not is_email(address.strip()):
            problems.append(f"access → allowed_emails: '{address}' is not an email address such as name@nhs.net.")
    for role, addresses in access.roles.items():
        if role not in ROLES:
            problems.append(f"access → roles: {_unknown('role', role, list(ROLES))}")
        for address in addresses:
            if not is_email(address.strip()):
                problems.append(f"access → roles → {role}: '{address}' is not an email address such as name@nhs.net.")
    if not access.roles.get("admin"):
        problems.append(
            "access → roles → admin: name at least one admin address, so someone can always read the audit log "
            "and see who has which role."
        )
    if not (access.allowed_domains or access.allowed_emails or any(access.roles.values())):
        problems.append("access: nobody may sign in; list allowed_domains, allowed_emails or addresses under roles.")
    return problems



def _national_files(cfg: Config) -> list[str]:
    national = cfg.national_files
    if national is None:
        return []
    problems = []
    for name, fmt in national.formats.items():
        if name not in NATIONAL_FORMATS:
            problems.append(f"national_files.formats: '{name}' is not a format the upload reads; use one of "
                            f"{', '.join(NATIONAL_FORMATS)}.")
        for item in fmt.measures:
            if item.measure not in cfg.measure_by_id:
                unknown = _unknown("measure", item.measure, cfg.measure_by_id)
                problems.append(f"national_files.formats.{name}: {unknown}")
            if any(normalise_name(test) == "total" for test in item.tests):
                problems.append(f"national_files.formats.{name}: {item.measure} sums the TOTAL row, which would count "
                                "every test twice; name the tests.")
            if not (item.columns or item.weeks_from is not None or item.weeks_under is not None):
                problems.append(f"national_files.formats.{name}: {item.measure} names no columns (or week bands) "
                                "to read.")
    return problems


def _pages(cfg: Config) -> list[str]:
    """Declared pages: unique, free addresses; known block kinds; metrics and dimensions that exist."""
    problems = []
    counts = Counter(page.url for page in cfg.pages)
    problems += [f"pages: the url '{url}' is declared {n} times; give each page its own url."
                 for url, n in counts.items() if n > 1]
    for number, page in enumerate(cfg.pages, start=1):
        where = f"pages → '{page.url}'" if page.url else f"pages → item {number}"
        if not page.url.replace("_", "").replace("-", "").isalnum() or page.url != page.url.lower():
            problems.append(f"{where}: url must be lower-case letters, digits, '_' or '-' (it ends the address).")
        if page.url in HANDWRITTEN_PAGE_URLS:
            problems.append(f"{where}: url '{page.url}' is a built-in page's address; choose another.")
        if page.section not in NAVIGATION_SECTIONS:
            problems.append(f"{where}: section {_unknown('navigation section', page.section, NAVIGATION_SECTIONS)}"
                            f" Sections: {', '.join(NAVIGATION_SECTIONS)}.")
        if not page.blocks:
            problems.append(f"{where}: a page needs at least one block.")
        for index, block in enumerate(page.blocks, start=1):
            at = f"{where} → block {index} ({block.kind})"
            if block.kind not in BLOCK_KINDS:
                problems.append(f"{at}: {_unknown('block kind', block.kind, BLOCK_KINDS)} "
                                f"Kinds: {', '.join(BLOCK_KINDS)}.")
                continue
            for metric_id in block.metrics:
                if metric_id not in cfg.metric_by_id:
                    problems.append(f"{at}: {_unknown('metric', metric_id, cfg.metric_by_id)}")
            if block.kind in METRIC_BLOCKS and not block.metrics:
                problems.append(f"{at}: name the metrics it shows (metrics: [...]).")
            if block.kind == "text" and not block.text.strip():
                problems.append(f"{at}: a text block needs its text.")
            if block.kind == "breakdown" and block.dimension not in BREAKDOWN_DIMENSIONS:
                problems.append(f"{at}: dimension must be one of {', '.join(BREAKDOWN_DIMENSIONS)} "
                                f"(found {block.dimension!r}).")
            if block.per_row is not None and not 1 <= block.per_row <= 6:
                problems.append(f"{at}: per_row must be between 1 and 6.")
        kinds = [b.kind for b in page.blocks]
        for kind in ("heatmap", "ranking"):
            if kinds.count(kind) > 1:
                problems.append(f"{where}: a page has one {kind} block (it follows the page's by-service choice).")
        charted = Counter((b.chart, m) for b in page.blocks if b.kind == "charts" for m in b.metrics)
        problems += [f"{where}: metric '{m}' has two {chart} charts on the page; show it once."
                     for (chart, m), n in charted.items() if n > 1]
        if "ranking" in kinds and "heatmap" in kinds:
            heat = [b.metrics for b in page.blocks if b.kind == "heatmap"]
            rank = [b.metrics for b in page.blocks if b.kind == "ranking"]
            if heat[0] != rank[0]:
                problems.append(f"{where}: the heatmap and the ranking show the same metric choice; "
                                "give them the same metrics.")
    return problems


RULES = (
    _duplicate_ids, _reserved_ids, _ambiguous_aliases, _metric_measures, _metric_shape, _overrides, _settings,
    _expected_cells, _access, _national_files, _pages,
)


def normalise_name(name: object) -> str:
    """Case- and space-insensitive form of a name, used to match uploads to ids, labels and aliases."""
    return " ".join(str(name).split()).casefold()


def _describe_pydantic_error(error: dict, raw: dict) -> str:
    loc = list(error["loc"])
    where = []
    node: object = raw
    for part in loc:
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
            ident = (node.get("id") or node.get("url")) if isinstance(node, dict) else None
            where.append(f"'{ident}'" if ident else f"item {part + 1}")
        else:
            node = node.get(part) if isinstance(node, dict) else None
            where.append(str(part))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "literal_error":
        message = f"{message} (found {error.get('input')!r})"
    elif error["type"] == "extra_forbidden":
        message = "is not a setting this dashboard knows; remove it or check its spelling"
    return f"{' → '.join(where)}: {message}."


def parse_config(raw: object, path: Path | str = "config.yaml") -> Config:
    """Validate an already-parsed YAML document; raise ConfigError listing every problem."""
    if not isinstance(raw, dict):
        raise ConfigError(["the file must be a YAML mapping of settings (it is empty or a list)."], path)
    try:
        cfg = Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError([_describe_pydantic_error(e, raw) for e in exc.errors()], path) from None
    problems = [problem for rule in RULES for problem in rule(cfg)]
    if problems:
        raise ConfigError(problems, path)
    return cfg


def config_path() -> Path:
    """The configuration file: RECOVERY_CONFIG when set (tests, a second deployment), else the project's."""
    given = os.environ.get(CONFIG_ENV_VAR)
    return Path(given) if given else DEFAULT_CONFIG_PATH


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate config.yaml (default: RECOVERY_CONFIG, else the project's own)."""
    path = Path(path) if path else config_path()
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except FileNotFoundError:
        raise ConfigError([f"the configuration file {path} does not exist."], path) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"it is not valid YAML: {exc}"], path) from None
    return parse_config(raw, path)


def resolve_db_path(cfg: Config, override: str | Path | None = None) -> Path | str:
    """Where the store lives: --db, then RECOVERY_DB, then config.yaml (relative to the project). A DuckDB
    file's path, or a PostgreSQL store's `postgresql://` URL, returned as given (data/store.py)."""
    given = override or os.environ.get(DB_ENV_VAR)
    chosen = str(given or cfg.paths.db)
    if chosen.startswith(("postgresql://", "postgres://")):
        return chosen
    path = Path(chosen)
    if path.is_absolute():
        return path
    # A path typed by a person is relative to where they are; config.yaml's to the project.
    return Path.cwd() / path if given else PROJECT_ROOT / path
