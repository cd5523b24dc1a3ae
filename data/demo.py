"""The demonstration store: synthetic, deterministic, labelled, and true to the published figures.

Every configured measure from April 2019 to March 2021 (DESIGN §7), broken down where that makes
sense: hospital activity by specialty and hospital site, diagnostics by hospital site, SPA
discharges by pathway and referring site, eConsult and video consultations by PCN, 52-week waiters by
specialty, the referral-to-treatment queue (referrals, removals, the list, 104-week waiters) by specialty
and hospital site with a wave-1 dip and the backlog it left; IMD and ethnicity segments for elective and
outpatient activity, with the most deprived and Black and Asian groups recovering more slowly.

At the system total it reproduces the published figures exactly (PINNED below, with their sources);
everything else is invented and is shown only under a "demonstration data" label. Totals are split
into cells with the largest-remainder method so the cells always add up to the pinned total.

The rows go through `Store.commit_rows`, the same commit path as an analyst's upload, so the demo
store has an upload record like any other.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import numpy as np
import pandas as pd

from data.demo_plan import build_demo_plan
from data.store import ALL, CommitResult, Store
from metrics.access import Actor
from metrics.config import Config
from metrics.months import add_months, month_range

SEED = 20200731  # the date of the Phase 3 letter; any fixed number would do
DEMO_FILE_NAME = "demonstration-data (generated)"
DEMO_AUTHOR = "Demonstration data builder"
DEMO_ACTOR = Actor.system(DEMO_AUTHOR)
DEMO_NOTE = "Synthetic demonstration data: not real activity. Rebuild with `python -m data demo --force`."
FIRST = dt.date(2019, 4, 1)
LAST = dt.date(2021, 3, 1)
HOSPITAL_SITES = ("PRUH", "ORPINGTON", "BECKENHAM_BEACON")
SPA_REFERRING_SITES = ("PRUH", "KCH_DH", "OTHER_ACUTE")

# Published figures the demo reproduces exactly at the system total (DESIGN §7).
# (measure, month) → total; July 2019 totals are chosen so that July 2020 gives the published ratio.
PINNED: dict[tuple[str, str], int] = {
    ("econsult_submissions", "2020-02"): 3481,  # Bromley plan (003)
    ("econsult_submissions", "2020-07"): 15091,  # Bromley plan (003)
    ("ct_tests", "2019-07"): 3000,
    ("ct_tests", "2020-07"): 2562,  # 85.4% of July 2019: Royal Papworth's (001), not Bromley's
    ("mri_tests", "2019-07"): 2000,
    ("mri_tests", "2020-07"): 1846,  # 92.3% of July 2019: Royal Papworth's (001), not Bromley's
    ("op_first_attendances", "2019-07"): 20000,
    ("op_first_attendances", "2020-07"): 19100,  # 95.5% of July 2019: Royal Papworth's (001), not Bromley's
    ("op_followup_attendances", "2019-07"): 35000,
    ("op_followup_attendances", "2020-07"): 27930,  # 79.8% of July 2019: Royal Papworth's (001), not Bromley's
    # SPA April–June 2020, Bromley plan (003): 1,839 discharges, 854 from the PRUH,
    # 75.5% within 24 hours (1,388 of 1,839 = 75.48%), 4,459 saved bed days, 257 welfare calls.
    ("spa_discharges", "2020-04"): 580,
    ("spa_discharges", "2020-05"): 610,
    ("spa_discharges", "2020-06"): 649,
    ("spa_discharges_within_24h", "2020-04"): 430,
    ("spa_discharges_within_24h", "2020-05"): 462,
    ("spa_discharges_within_24h", "2020-06"): 496,
    ("spa_saved_bed_days", "2020-04"): 1420,
    ("spa_saved_bed_days", "2020-05"): 1480,
    ("spa_saved_bed_days", "2020-06"): 1559,
    ("spa_welfare_calls", "2020-04"): 72,
    ("spa_welfare_calls", "2020-05"): 85,
    ("spa_welfare_calls", "2020-06"): 100,
}
# Discharges from the PRUH, April–June 2020 (854 in all).
PINNED_PRUH_SPA = {"2020-04": 270, "2020-05": 285, "2020-06": 299}

# Typical monthly system totals in 2019/20, before seasonality.
LEVELS = {
    "elective_ordinary_spells": 900,
    "elective_daycase_spells": 4200,
    "mri_tests": 2000,
    "ct_tests": 3000,
    "endoscopy_tests": 1100,
    "op_first_attendances": 20000,
    "op_followup_attendances": 35000,
    "spa_discharges": 560,
    "spa_saved_bed_days": 1350,
    "spa_welfare_calls": 60,
    "econsult_submissions": 3300,
    "video_consultations": 40,
}

# Activity in each month of 2020/21 as a share of the same month of 2019/20 (April → March):
# the first wave, recovery through the summer, a dip for the second wave in January.
RECOVERY = {
    "elective": [0.35, 0.42, 0.55, 0.68, 0.74, 0.78, 0.83, 0.88, 0.91, 0.72, 0.79, 0.92],
    "mri_tests": [0.30, 0.42, 0.62, None, 0.88, 0.93, 0.97, 1.01, 0.94, 0.85, 0.90, 1.02],
    "ct_tests": [0.45, 0.55, 0.70, None, 0.90, 0.88, 1.00, 1.03, 0.96, 0.86, 0.92, 1.01],
    "endoscopy_tests": [0.10, 0.15, 0.30, 0.50, 0.65, 0.75, 0.85, 0.90, 0.93, 0.70, 0.80, 0.95],
    "op_first_attendances": [0.45, 0.58, 0.78, None, 0.93, 0.97, 0.99, 1.02, 0.96, 0.85, 0.90, 1.01],
    "op_followup_attendances": [0.50, 0.60, 0.70, None, 0.86, 0.92, 0.96, 0.98, 0.95, 0.84, 0.90, 0.99],
}

# Share of attendances held by telephone or video, 2019/20 and each month of 2020/21.
VIRTUAL_2019 = {"op_first_virtual": 0.04, "op_followup_virtual": 0.07}
VIRTUAL_2020 = {
    "op_first_virtual": [0.70, 0.62, 0.50, 0.40, 0.33, 0.30, 0.28, 0.27, 0.30, 0.45, 0.38, 0.30],
    "op_followup_virtual": [0.85, 0.80, 0.72, 0.65, 0.61, 0.58, 0.57, 0.62, 0.64, 0.70, 0.66, 0.60],
}
SPA_WITHIN_24H_2019 = 0.70
SPA_WITHIN_24H_LATER = [0.77, 0.74, 0.70, 0.76, 0.78, 0.72, 0.73, 0.75, 0.79]  # Jul 2020 → Mar 2021

# Long waiters and the cancer backlog through the pandemic (system totals, April → March).
RTT_52 = [8, 9, 10, 9, 11, 12, 10, 11, 12, 13, 12, 14,
          30, 75, 140, 230, 320, 420, 520, 610, 700, 820, 930, 1010]
CANCER_62 = [58, 61, 57, 60, 63, 59, 62, 58, 60, 61, 60, 72,
             150, 185, 172, 140, 118, 96, 78, 66, 61, 74, 68, 57]

# Population segments: share of 2019/20 activity and how far recovery trails (−) or leads (+).
IMD_SHARE = {"imd:1": 0.16, "imd:2": 0.18, "imd:3": 0.21, "imd:4": 0.22, "imd:5": 0.23}
IMD_OFFSET = {"imd:1": -0.09, "imd:2": -0.05, "imd:3": -0.01, "imd:4": 0.02, "imd:5": 0.05}
ETHNICITY_SHARE = {
    "ethnicity:White": 0.77, "ethnicity:Black": 0.07, "ethnicity:Asian": 0.08,
    "ethnicity:Mixed": 0.04, "ethnicity:Other": 0.04,
}
ETHNICITY_OFFSET = {
    "ethnicity:White": 0.02, "ethnicity:Black": -0.08, "ethnicity:Asian": -0.06,
    "ethnicity:Mixed": -0.03, "ethnicity:Other": -0.03,
}
# The referral-to-treatment queue (the Demand & capacity page): drawn from a Generator of its own, so the
# random sequence every other measure uses, and so every published figure, stays as it was.
QUEUE_SEED = 20200917  # any fixed number would do
# Clock starts (referrals) a month across Bromley's hospital sites in 2019/20, before seasonality.
QUEUE_REFERRALS = 11000
# The list at the end of March 2019, in months of referrals (a mean wait of about 14 weeks).
QUEUE_START_MONTHS = 3.2
# Share of clock stops that are admitted (an operation or procedure); the rest are non-admitted.
QUEUE_ADMITTED_SHARE = 0.25
# Each month of 2020/21 as a share of the same month of 2019/20 (April → March): referrals fell further
# and came back faster than treatment, so the list and the long waits grew (wave 1, then wave 2 in January).
QUEUE_REFERRALS_2020 = [0.35, 0.50, 0.68, 0.80, 0.85, 0.90, 0.93, 0.95, 0.90, 0.78, 0.85, 0.95]
QUEUE_REMOVALS_2020 = [0.30, 0.38, 0.52, 0.66, 0.73, 0.78, 0.83, 0.88, 0.90, 0.70, 0.78, 0.90]
# Patients waiting 104+ weeks (system totals): none until the first wave's delays reach two years.
RTT_104 = [0] * 21 + [1, 2, 4]
QUEUE_MEASURES = (
    "rtt_clock_starts", "rtt_clock_stops_admitted", "rtt_clock_stops_non_admitted", "rtt_waiting_list",
    "rtt_104_week_waiters",
)

# Video consultations May–August 2020: 15/31 of May + June + July + 17/31 of August = 5,598, the Bromley
# plan's figure for 17 May – 17 August 2020 (pro rata by days; the plan gives no monthly figures).
VIDEO_2020 = {5: 1800, 6: 1850, 7: 1863, 8: 1850}
VIDEO_WINDOW = ((dt.date(2020, 5, 1), 15 / 31), (dt.date(2020, 6, 1), 1.0), (dt.date(2020, 7, 1), 1.0),
                (dt.date(2020, 8, 1), 17 / 31))

SEGMENTED_MEASURES = (
    "elective_ordinary_spells", "elective_daycase_spells", "op_first_attendances", "op_followup_attendances",
)


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total in proportion to weights so that the parts add up exactly
    (largest-remainder method)."""
    weights = np.asarray(weights, dtype=float)
    exact = total * weights / weights.sum()
    parts = np.floor(exact).astype(int)
    short = int(total - parts.sum())
    if short:
        order = np.argsort(-(exact - parts), kind="stable")
        parts[order[:short]] += 1
    return parts


class _Builder:
    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.rng = np.random.default_rng(SEED)
        self.months = month_range(FIRST, LAST)
        self.rows: list[tuple] = []
        self.totals: dict[tuple[str, dt.date], int] = {}

    # System totals ------------------------------------------------------------------------------

    def _season(self, month: dt.date) -> float:
        # Fewer working days in August and December; a busy March.
        return {8: 0.92, 12: 0.90, 3: 1.05}.get(month.month, 1.0)

    def _baseline_totals(self, measure: str, level: float) -> dict[dt.date, int]:
        first_year = self.months[:12]
        return {
            m: round(level * self._season(m) * self.rng.normal(1.0, 0.025))
            for m in first_year
        }

    def _pin(self, measure: str, totals: dict[dt.date, int]) -> dict[dt.date, int]:
        for (pinned_measure, key), value in PINNED.items():
            if pinned_measure == measure:
                totals[dt.date(int(key[:4]), int(key[5:]), 1)] = value
        return totals

    def _recovering(self, measure: str, factors: list[float | None]) -> dict[dt.date, int]:
        base = self._pin(measure, self._baseline_totals(measure, LEVELS[measure]))
        totals = dict(base)
        for i, m in enumerate(self.months[12:]):
            factor = factors[i]
            if factor is None:
                continue  # pinned below
            totals[m] = round(base[add_months(m, -12)] * factor)
        return self._pin(measure, totals)

    def build_totals(self) -> None:
        t = self.totals

        def put(measure: str, series: dict[dt.date, int]) -> None:
            for m, v in series.items():
                t[(measure, m)] = int(v)

        for measure in ("elective_ordinary_spells", "elective_daycase_spells"):
            put(measure, self._recovering(measure, RECOVERY["elective"]))
        for measure in ("mri_tests", "ct_tests", "endoscopy_tests", "op_first_attendances", "op_followup_attendances"):
            put(measure, self._recovering(measure, RECOVERY[measure]))
        virtual_parents = (
            ("op_first_virtual", "op_first_attendances"),
            ("op_followup_virtual", "op_followup_attendances"),
        )
        for virtual, parent in virtual_parents:
            shares = [VIRTUAL_2019[virtual]] * 11 + [0.20 if virtual == "op_first_virtual" else 0.30]
            shares += VIRTUAL_2020[virtual]
            put(virtual, {m: round(t[(parent, m)] * s) for m, s in zip(self.months, shares, strict=True)})

        spa = self._pin("spa_discharges", self._baseline_totals("spa_discharges", LEVELS["spa_discharges"]))
        for m in self.months[12:]:
            spa.setdefault(m, round(LEVELS["spa_discharges"] * 1.08 * self._season(m) * self.rng.normal(1, 0.04)))
        spa = self._pin("spa_discharges", spa)
        put("spa_discharges", spa)
        within = {m: round(spa[m] * SPA_WITHIN_24H_2019 * self.rng.normal(1, 0.01)) for m in self.months[:12]}
        within.update({m: round(spa[m] * s) for m, s in zip(self.months[15:], SPA_WITHIN_24H_LATER, strict=True)})
        put("spa_discharges_within_24h", self._pin("spa_discharges_within_24h", within))
        for measure in ("spa_saved_bed_days", "spa_welfare_calls"):
            series = self._baseline_totals(measure, LEVELS[measure])
            for m in self.months[12:]:
                series[m] = round(LEVELS[measure] * 1.1 * self.rng.normal(1, 0.05))
            put(measure, self._pin(measure, series))

        econsult = {}
        for m in self.months:
            if m < dt.date(2020, 3, 1):
                econsult[m] = round(LEVELS["econsult_submissions"] * self.rng.normal(1, 0.04))
            elif m < dt.date(2020, 7, 1):
                # Total triage: every practice offering eConsult from April 2020.
                econsult[m] = round({3: 5200, 4: 9800, 5: 12100, 6: 13900}[m.month] * self.rng.normal(1, 0.02))
            else:
                econsult[m] = round(15091 * self.rng.normal(1.0, 0.05))
        put("econsult_submissions", self._pin("econsult_submissions", econsult))
        video = {}
        for m in self.months:
            level = LEVELS["video_consultations"] if m < dt.date(2020, 3, 1) else 1850
            video[m] = round(level * self.rng.normal(1, 0.06))
        # Bromley plan (003, line 217): "5598 video consultations delivered across Bromley in the last three
        # months (17TH May – 17th August)". Set after the draws, so the random sequence is unchanged.
        video.update({dt.date(2020, m, 1): v for m, v in VIDEO_2020.items()})
        put("video_consultations", video)
        put("rtt_52_week_waiters", dict(zip(self.months, RTT_52, strict=True)))
        put("cancer_62_day_backlog", dict(zip(self.months, CANCER_62, strict=True)))

    # Breakdowns ---------------------------------------------------------------------------------

    def _split(self, measure: str, cells: list[tuple[str, str]], weights: np.ndarray, jitter: float = 0.03) -> None:
        for m in self.months:
            total = self.totals[(measure, m)]
            noisy = weights * self.rng.normal(1.0, jitter, size=len(weights)).clip(0.5, 1.5)
            for (service, site), value in zip(cells, allocate(total, noisy), strict=True):
                self.rows.append((m, measure, service, site, ALL, float(value)))

    def build_rows(self) -> None:
        cfg = self.cfg
        specialties = [s.id for s in cfg.services if s.kind == "specialty"]
        pathways = [s.id for s in cfg.services if s.kind == "spa_pathway"]
        pcns = [s.id for s in cfg.sites if s.kind == "pcn"]
        specialty_weights = self.rng.uniform(0.5, 1.5, size=len(specialties))
        site_weights = np.array([0.62, 0.23, 0.15])  # PRUH, Orpington, Beckenham Beacon

        service_site = [(s, site) for s in specialties for site in HOSPITAL_SITES]
        service_site_w = np.array([w * sw for w in specialty_weights for sw in site_weights])
        for measure in (
            "elective_ordinary_spells", "elective_daycase_spells", "op_first_attendances",
            "op_followup_attendances", "op_first_virtual", "op_followup_virtual",
        ):
            self._split(measure, service_site, service_site_w)
        for measure in ("mri_tests", "ct_tests", "endoscopy_tests"):
            self._split(measure, [(ALL, site) for site in HOSPITAL_SITES], site_weights)
        self._split("rtt_52_week_waiters", [(s, ALL) for s in specialties], specialty_weights, jitter=0.1)
        self.rows += [(m, "cancer_62_day_backlog", ALL, ALL, ALL, float(self.totals[("cancer_62_day_backlog", m)]))
                      for m in self.months]

        self._split_spa(pathways)
        # Saved bed days are counted for PRUH discharges; welfare calls are made by the SPA itself.
        self.rows += [(m, "spa_saved_bed_days", ALL, "PRUH", ALL, float(self.totals[("spa_saved_bed_days", m)]))
                      for m in self.months]
        self.rows += [(m, "spa_welfare_calls", ALL, ALL, ALL, float(self.totals[("spa_welfare_calls", m)]))
                      for m in self.months]

        pcn_weights = self.rng.uniform(0.7, 1.3, size=len(pcns))
        for measure in ("econsult_submissions", "video_consultations"):
            self._split(measure, [(ALL, p) for p in pcns], pcn_weights, jitter=0.05)

        self._segments()

    def _split_spa(self, pathways: list[str]) -> None:
        # Pathway mix roughly as the Hospital Discharge Service expected: most go home.
        pathway_w = np.array([0.50, 0.30, 0.12, 0.08])
        for m in self.months:
            total = self.totals[("spa_discharges", m)]
            key = m.strftime("%Y-%m")
            pruh = PINNED_PRUH_SPA.get(key) or round(total * 0.47 * self.rng.normal(1, 0.03))
            others = allocate(total - pruh, np.array([0.55, 0.45]))
            by_site = dict(zip(SPA_REFERRING_SITES, [pruh, *others], strict=True))
            within_total = self.totals[("spa_discharges_within_24h", m)]
            within_by_site = allocate(within_total, np.array(list(by_site.values()), dtype=float))
            for (site, site_total), site_within in zip(by_site.items(), within_by_site, strict=True):
                parts = allocate(site_total, pathway_w * self.rng.normal(1, 0.05, size=4).clip(0.5, 1.5))
                # Simple discharges go faster: weight the within-24h split towards pathway 0.
                within_parts = allocate(site_within, parts * np.array([1.2, 1.0, 0.7, 0.6]))
                within_parts = np.minimum(within_parts, parts)
                # Whatever the cap removed goes back to the pathways with room, so totals still hold.
                short = site_within - int(within_parts.sum())
                for i in range(4):
                    room = int(parts[i] - within_parts[i])
                    take = min(room, short)
                    within_parts[i] += take
                    short -= take
                for pathway, n, w in zip(pathways, parts, within_parts, strict=True):
                    self.rows.append((m, "spa_discharges", pathway, site, ALL, float(n)))
                    self.rows.append((m, "spa_discharges_within_24h", pathway, site, ALL, float(w)))

    def _segments(self) -> None:
        groups = ((IMD_SHARE, IMD_OFFSET), (ETHNICITY_SHARE, ETHNICITY_OFFSET))
        for measure in SEGMENTED_MEASURES:
            for shares, offsets in groups:
                names = list(shares)
                base_w = np.array([shares[n] for n in names])
                baseline: dict[dt.date, np.ndarray] = {}
                for m in self.months:
                    total = self.totals[(measure, m)]
                    if m < dt.date(2020, 4, 1):
                        parts = allocate(total, base_w * self.rng.normal(1, 0.01, size=len(names)))
                        baseline[m] = parts
                    else:
                        last_year = baseline[add_months(m, -12)]
                        ratio = total / max(last_year.sum(), 1)
                        factors = np.array([max(ratio + offsets[n], 0.05) for n in names])
                        parts = allocate(total, last_year * factors)
                    for name, value in zip(names, parts, strict=True):
                        self.rows.append((m, measure, ALL, ALL, name, float(value)))

    def build_queue(self) -> None:
        """Referrals, removals and the list by specialty and hospital site, with list = previous list +
        referrals − removals in every cell, so a projection can be checked against what followed."""
        rng = np.random.default_rng(QUEUE_SEED)
        specialties = [s.id for s in self.cfg.services if s.kind == "specialty"]
        cells = [(s, site) for s in specialties for site in HOSPITAL_SITES]
        weights = np.array([w * sw for w in rng.uniform(0.5, 1.5, size=len(specialties))
                            for sw in (0.62, 0.23, 0.15)])
        base = QUEUE_REFERRALS * weights / weights.sum()
        size = np.rint(base * QUEUE_START_MONTHS)
        for i, m in enumerate(self.months):
            season = self._season(m)
            if i < 12:
                referrals = np.rint(base * season * rng.normal(1.0, 0.03, size=len(cells)))
                removals = np.rint(base * season * rng.normal(1.0, 0.03, size=len(cells)))
            else:
                referrals = np.rint(base * season * QUEUE_REFERRALS_2020[i - 12] * rng.normal(1.0, 0.04, len(cells)))
                removals = np.rint(base * season * QUEUE_REMOVALS_2020[i - 12] * rng.normal(1.0, 0.04, len(cells)))
            removals = np.minimum(removals, size + referrals)
            admitted = np.rint(removals * QUEUE_ADMITTED_SHARE * rng.normal(1.0, 0.05, size=len(cells)))
            admitted = np.clip(admitted, 0, removals)
            size = size + referrals - removals
            over_104 = allocate(RTT_104[i], weights) if RTT_104[i] else np.zeros(len(cells), dtype=int)
            for j, (service, site) in enumerate(cells):
                for measure, value in (
                    ("rtt_clock_starts", referrals[j]), ("rtt_clock_stops_admitted", admitted[j]),
                    ("rtt_clock_stops_non_admitted", removals[j] - admitted[j]), ("rtt_waiting_list", size[j]),
                    ("rtt_104_week_waiters", over_104[j]),
                ):
                    self.rows.append((m, measure, service, site, ALL, float(value)))

    def build_system(self) -> None:
        """The whole system (issue 14): urgent care and winter, community and care homes, cancer and the
        waiting list, mental health and learning disability, primary care and prevention. Drawn from a
        Generator of its own after everything else, so no earlier figure changes."""
        system = _SystemBuilder(self)
        system.build()

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["month", "measure", "service", "site", "segment", "value"])


# --- the whole system (issue 14) -------------------------------------------------------------------------
# Invented and labelled demonstration, shaped by what the seeds say: type 1 A&E attendances fell sharply in
# the first wave and emergency admissions "remained fairly stable" (003, line 217); mental health referrals
# were "now 50/60% of normal" (003, lines 308–309); care-home call-outs not conveyed to hospital rose from
# 24% (April 2019) to 38% (April 2020) (003, line 434). Winter: bed occupancy rises and A&E 4-hour
# performance falls from November. Each list runs April → March (2019/20, then 2020/21).
SYSTEM_SEED = 20201101  # any fixed number would do
WINTER = [1.00, 1.00, 1.00, 0.98, 0.96, 1.00, 1.02, 1.04, 1.06, 1.08, 1.04, 1.03]
AE_TYPE1_LEVEL = 8500
AE_TYPE1_2020 = [0.50, 0.62, 0.72, 0.80, 0.84, 0.86, 0.84, 0.78, 0.76, 0.70, 0.74, 0.82]
AE_UTC_LEVEL = {"ORPINGTON": 2600, "BECKENHAM_BEACON": 2000}
AE_4H_TYPE1 = [0.84, 0.85, 0.86, 0.85, 0.86, 0.84, 0.82, 0.78, 0.76, 0.74, 0.76, 0.80,
               0.93, 0.94, 0.92, 0.90, 0.89, 0.88, 0.87, 0.82, 0.78, 0.74, 0.78, 0.84]
AE_4H_UTC = [0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.98, 0.97, 0.97, 0.96, 0.97, 0.98,
             0.995, 0.995, 0.99, 0.99, 0.99, 0.99, 0.985, 0.98, 0.97, 0.96, 0.975, 0.985]
AE_12H = [0, 0, 0, 0, 0, 0, 1, 3, 6, 9, 4, 2, 2, 0, 0, 0, 0, 0, 1, 4, 9, 16, 7, 2]
EMERGENCY_LEVEL = 3300
EMERGENCY_2020 = [0.80, 0.88, 0.93, 0.96, 0.97, 0.98, 0.97, 0.95, 0.96, 0.94, 0.93, 0.98]
SDEC_SHARE = [0.24] * 12 + [0.26, 0.27, 0.27, 0.28, 0.28, 0.29, 0.29, 0.30, 0.30, 0.29, 0.30, 0.31]
NHS111_FIRST = [0] * 17 + [120, 410, 690, 760, 820, 900, 1010]  # London's 111 First from autumn 2020
AMBULANCE_LEVEL = 2400
HANDOVER_30 = [0.06, 0.06, 0.05, 0.06, 0.05, 0.07, 0.09, 0.12, 0.14, 0.15, 0.12, 0.09,
               0.03, 0.03, 0.03, 0.03, 0.04, 0.05, 0.06, 0.08, 0.13, 0.18, 0.12, 0.08]
HANDOVER_60 = [3, 2, 2, 3, 2, 4, 6, 11, 18, 25, 14, 8, 1, 0, 0, 1, 1, 2, 3, 7, 15, 28, 12, 5]
BEDS = {"PRUH": 520, "ORPINGTON": 60}
BEDS_2020 = 0.93  # fewer beds open with Covid-19 spacing and segregated areas
OCCUPANCY = [0.90, 0.89, 0.89, 0.88, 0.87, 0.89, 0.91, 0.93, 0.94, 0.96, 0.95, 0.92,
             0.70, 0.68, 0.74, 0.79, 0.82, 0.84, 0.87, 0.90, 0.93, 0.96, 0.94, 0.90]
COVID_INPATIENTS = [0] * 11 + [35, 140, 60, 22, 8, 4, 6, 28, 75, 120, 210, 130, 45]
MFFD = [55, 52, 50, 48, 47, 50, 54, 60, 64, 70, 66, 58, 20, 22, 25, 30, 32, 35, 40, 48, 55, 62, 50, 42]
UCR_LEVEL = 320
UCR_2020 = [0.80, 0.85, 0.90, 0.95, 1.00, 1.05, 1.10, 1.15, 1.20, 1.25, 1.20, 1.20]
UCR_2H = [0.55, 0.54, 0.56, 0.55, 0.57, 0.56, 0.55, 0.53, 0.52, 0.51, 0.53, 0.54,
          0.58, 0.60, 0.63, 0.65, 0.67, 0.69, 0.70, 0.71, 0.69, 0.66, 0.72, 0.76]
REABLEMENT_LEVEL = 180
REABLEMENT_2D = [0.50, 0.51, 0.52, 0.50, 0.52, 0.51, 0.50, 0.48, 0.47, 0.46, 0.49, 0.50,
                 0.55, 0.58, 0.61, 0.63, 0.65, 0.66, 0.67, 0.66, 0.64, 0.62, 0.68, 0.72]
D2A = [90, 92, 88, 91, 86, 94, 97, 101, 104, 108, 100, 140, 230, 215, 205, 200, 196, 205, 212, 224, 236, 248, 230, 220]
CHC_OUTSTANDING = [35, 33, 36, 34, 31, 35, 37, 36, 38, 39, 36, 48, 60, 110, 160, 190, 170, 140, 110, 85, 70, 80, 75, 60]
CARE_HOME_CALLOUTS = [250, 262, 255, 259, 248, 251, 266, 271, 283, 290, 270, 262,
                      200, 185, 176, 181, 186, 190, 205, 215, 226, 241, 214, 203]
# April 2019 and April 2020 reproduce the plan's 24% and 38% exactly (60 of 250, 76 of 200).
NON_CONVEYED_SHARE = [0.24, 0.25, 0.25, 0.26, 0.25, 0.26, 0.25, 0.24, 0.24, 0.23, 0.25, 0.27,
                      0.38, 0.39, 0.38, 0.37, 0.38, 0.39, 0.38, 0.37, 0.36, 0.35, 0.37, 0.38]
BCCMS = [0] * 11 + [30, 420, 260, 120, 60, 45, 70, 180, 310, 380, 520, 300, 140]
CANCER_2WW_LEVEL = 1400
CANCER_2WW_2020 = [0.38, 0.55, 0.78, 0.88, 0.92, 0.98, 1.02, 1.00, 0.97, 0.85, 0.93, 1.05]
CANCER_62_TREATED = 80
CANCER_62_SHARE = [0.81, 0.80, 0.82, 0.79, 0.80, 0.81, 0.80, 0.78, 0.79, 0.77, 0.78, 0.76,
                   0.74, 0.70, 0.72, 0.76, 0.79, 0.81, 0.83, 0.82, 0.80, 0.76, 0.78, 0.82]
CANCER_31_TREATED = 250
CANCER_31_SHARE = [0.97, 0.97, 0.96, 0.97, 0.96, 0.97, 0.97, 0.96, 0.96, 0.95, 0.96, 0.95,
                   0.93, 0.92, 0.94, 0.95, 0.96, 0.96, 0.97, 0.96, 0.95, 0.93, 0.94, 0.96]
CANCER_104 = [6, 5, 7, 6, 5, 6, 7, 6, 5, 6, 7, 9, 25, 38, 32, 24, 18, 14, 11, 9, 8, 12, 10, 8]
RTT_18_SHARE = [0.86, 0.86, 0.85, 0.85, 0.84, 0.85, 0.85, 0.84, 0.83, 0.83, 0.84, 0.80,
                0.72, 0.58, 0.47, 0.45, 0.50, 0.56, 0.62, 0.66, 0.67, 0.63, 0.61, 0.64]
RTT_52_ADMITTED_SHARE = 0.62
IAPT_LEVEL = 900
IAPT_2020 = [0.45, 0.50, 0.55, 0.58, 0.60, 0.72, 0.85, 0.88, 0.86, 0.82, 0.90, 0.98]
IAPT_FINISHED = 420
IAPT_RECOVERY = [0.51, 0.52, 0.50, 0.51, 0.52, 0.51, 0.50, 0.51, 0.52, 0.50, 0.51, 0.49,
                 0.47, 0.49, 0.50, 0.52, 0.51, 0.52, 0.53, 0.51, 0.50, 0.49, 0.52, 0.53]
# IAPT referrals by ethnicity: recording improves through 2020/21 (fewer "not stated"); Black and Asian
# referrals come back more slowly.
IAPT_ETHNICITY_SHARE = {
    "ethnicity:White": 0.68, "ethnicity:Black": 0.07, "ethnicity:Asian": 0.06, "ethnicity:Mixed": 0.04,
    "ethnicity:Other": 0.03, "ethnicity:Not stated": 0.12,
}
IAPT_ETHNICITY_OFFSET = {
    "ethnicity:White": 0.03, "ethnicity:Black": -0.12, "ethnicity:Asian": -0.08, "ethnicity:Mixed": -0.04,
    "ethnicity:Other": -0.04, "ethnicity:Not stated": -0.25,
}
CYP_LEVEL = 1100
CYP_2020 = [0.55, 0.58, 0.65, 0.72, 0.70, 0.88, 0.98, 1.02, 1.00, 0.95, 1.03, 1.08]
OUT_OF_AREA = [300, 310, 290, 280, 300, 320, 310, 330, 350, 360, 340, 250,
               120, 140, 180, 210, 230, 250, 240, 260, 280, 300, 250, 210]
LD_REGISTER = 1450
LD_CHECKS_YTD = [0.03, 0.07, 0.11, 0.15, 0.19, 0.24, 0.29, 0.34, 0.39, 0.45, 0.55, 0.68,
                 0.00, 0.01, 0.03, 0.06, 0.10, 0.15, 0.21, 0.28, 0.35, 0.43, 0.55, 0.71]
SMI_REGISTER = 3200
SMI_CHECKS = [0.42, 0.42, 0.43, 0.43, 0.44, 0.44, 0.45, 0.45, 0.44, 0.45, 0.44, 0.41,
              0.36, 0.30, 0.26, 0.24, 0.24, 0.25, 0.27, 0.30, 0.33, 0.35, 0.38, 0.42]
# Flu: uptake to date in each season, September → March (2019/20, then 2020/21); nothing April–August.
FLU = {
    "65_plus": (58000, [0.28, 0.58, 0.68, 0.71, 0.72, 0.725, 0.727], [0.35, 0.66, 0.77, 0.80, 0.81, 0.815, 0.817]),
    "at_risk": (45000, [0.12, 0.32, 0.40, 0.44, 0.45, 0.455, 0.46], [0.16, 0.40, 0.50, 0.53, 0.545, 0.55, 0.552]),
    "staff": (9500, [0.20, 0.55, 0.68, 0.72, 0.73, 0.74, 0.74], [0.30, 0.68, 0.79, 0.82, 0.83, 0.835, 0.84]),
    "care_home": (1900, [0.30, 0.70, 0.80, 0.82, 0.83, 0.83, 0.84], [0.45, 0.82, 0.88, 0.89, 0.90, 0.90, 0.905]),
}
FLU_BY_PCN = ("65_plus", "at_risk")  # held by primary care network; staff and care homes for Bromley only
IMMS_COHORT = 330
MMR1 = [0.90, 0.91, 0.90, 0.90, 0.91, 0.90, 0.90, 0.91, 0.90, 0.90, 0.91, 0.90,
        0.88, 0.86, 0.85, 0.86, 0.87, 0.88, 0.88, 0.89, 0.89, 0.88, 0.89, 0.90]
CERVICAL_ELIGIBLE = 95000
CERVICAL = [0.742, 0.741, 0.740, 0.740, 0.739, 0.739, 0.738, 0.738, 0.737, 0.737, 0.736, 0.735,
            0.725, 0.715, 0.705, 0.700, 0.698, 0.700, 0.702, 0.705, 0.706, 0.700, 0.700, 0.703]
CERVICAL_IMD = {"imd:1": -0.10, "imd:2": -0.05, "imd:3": 0.0, "imd:4": 0.03, "imd:5": 0.05}


class _SystemBuilder:
    """The issue 14 measures, appended to a _Builder's rows with a Generator of their own."""

    def __init__(self, base: _Builder):
        self.base = base
        self.cfg = base.cfg
        self.rng = np.random.default_rng(SYSTEM_SEED)
        self.months = base.months
        self.rows = base.rows
        self.pcns = [s.id for s in self.cfg.sites if s.kind == "pcn"]
        self.pcn_weights = self.rng.uniform(0.7, 1.3, size=len(self.pcns))

    def _noisy(self, level: float, factor: float, sd: float = 0.03) -> int:
        return max(0, round(level * factor * self.rng.normal(1.0, sd)))

    def _activity(self, level: float, factors_2020: list[float], winter: bool = True) -> list[int]:
        first = [self._noisy(level, WINTER[i] if winter else 1.0) for i in range(12)]
        return first + [self._noisy(first[i], factors_2020[i], 0.02) for i in range(12)]

    def _put(self, measure: str, values: list, site: str = ALL, service: str = ALL, segment: str = ALL,
             months: list[dt.date] | None = None) -> None:
        for m, v in zip(months or self.months, values, strict=True):
            self.rows.append((m, measure, service, site, segment, float(v)))

    def _put_pcns(self, measure: str, totals: list[int], months: list[dt.date] | None = None,
                  weights: np.ndarray | None = None) -> list[np.ndarray]:
        """Split each month's total across the PCNs (the same weights every month); the parts, per month."""
        weights = self.pcn_weights if weights is None else weights
        out = []
        for m, total in zip(months or self.months, totals, strict=True):
            parts = allocate(int(total), weights)
            out.append(parts)
            for pcn, v in zip(self.pcns, parts, strict=True):
                self.rows.append((m, measure, ALL, pcn, ALL, float(v)))
        return out

    def _within(self, totals: list[int], shares: list[float], sd: float = 0.01) -> list[int]:
        return [min(t, max(0, round(t * min(1.0, s * self.rng.normal(1.0, sd))))) for t, s in zip(totals, shares,
                                                                                                   strict=True)]

    def build(self) -> None:
        self._urgent_care()
        self._community()
        self._cancer_and_waits()
        self._mental_health()
        self._prevention()

    def _urgent_care(self) -> None:
        type1 = self._activity(AE_TYPE1_LEVEL, AE_TYPE1_2020)
        within1 = [round(t * s) for t, s in zip(type1, AE_4H_TYPE1, strict=True)]
        self._put("ae_attendances_type1", type1, site="PRUH")
        self._put("ae_within_4h_type1", within1, site="PRUH")
        self._put("ae_attendances_all", type1, site="PRUH")
        self._put("ae_within_4h_all", within1, site="PRUH")
        for site, level in AE_UTC_LEVEL.items():
            utc = self._activity(level, [min(1.0, f * 1.05) for f in AE_TYPE1_2020])
            self._put("ae_attendances_all", utc, site=site)
            self._put("ae_within_4h_all", self._within(utc, AE_4H_UTC, 0.003), site=site)
        self._put("ae_12h_dta_waits", AE_12H, site="PRUH")
        admissions = self._activity(EMERGENCY_LEVEL, EMERGENCY_2020)
        self._put("emergency_admissions", admissions, site="PRUH")
        self._put("emergency_admissions_sdec", self._within(admissions, SDEC_SHARE, 0.02), site="PRUH")
        self._put("nhs111_first_bookings", NHS111_FIRST, site="PRUH")
        arrivals = self._activity(AMBULANCE_LEVEL, [min(1.0, f * 1.15) for f in AE_TYPE1_2020])
        self._put("ambulance_arrivals", arrivals, site="PRUH")
        self._put("ambulance_handovers_over_30", self._within(arrivals, HANDOVER_30, 0.03), site="PRUH")
        self._put("ambulance_handovers_over_60", HANDOVER_60, site="PRUH")
        for site, beds in BEDS.items():
            available = [round(beds * (1.0 if i < 12 else BEDS_2020)) for i in range(24)]
            occupied = [round(a * min(0.99, s * self.rng.normal(1.0, 0.01))) for a, s in zip(available, OCCUPANCY,
                                                                                               strict=True)]
            self._put("ga_beds_available", available, site=site)
            self._put("ga_beds_occupied", occupied, site=site)
        self._put("covid_inpatients", COVID_INPATIENTS, site="PRUH")
        self._put("medically_fit_not_discharged", MFFD, site="PRUH")

    def _community(self) -> None:
        ucr = self._activity(UCR_LEVEL, UCR_2020, winter=True)
        self._put("ucr_referrals", ucr, site="BROMLEY_HEALTHCARE")
        self._put("ucr_within_2h", self._within(ucr, UCR_2H), site="BROMLEY_HEALTHCARE")
        reablement = self._activity(REABLEMENT_LEVEL, [1.0 + 0.02 * i for i in range(12)])
        self._put("reablement_referrals", reablement, site="BROMLEY_HEALTHCARE")
        self._put("reablement_within_2d", self._within(reablement, REABLEMENT_2D), site="BROMLEY_HEALTHCARE")
        self._put("d2a_starts", D2A)
        self._put("chc_assessments_outstanding", CHC_OUTSTANDING)
        self._put("care_home_callouts", CARE_HOME_CALLOUTS)
        self._put("care_home_non_conveyed", [round(c * s) for c, s in zip(CARE_HOME_CALLOUTS, NON_CONVEYED_SHARE,
                                                                           strict=True)])
        self._put("bccms_caseload", BCCMS)

    def _cancer_and_waits(self) -> None:
        self._put("cancer_2ww_referrals", self._activity(CANCER_2WW_LEVEL, CANCER_2WW_2020))
        for treated_id, within_id, level, shares in (
            ("cancer_62_day_treated", "cancer_62_day_within", CANCER_62_TREATED, CANCER_62_SHARE),
            ("cancer_31_day_treated", "cancer_31_day_within", CANCER_31_TREATED, CANCER_31_SHARE),
        ):
            treated = self._activity(level, [0.75, 0.80, 0.88, 0.95, 0.97, 1.0, 1.02, 1.0, 0.98, 0.90, 0.95, 1.02],
                                     winter=False)
            self._put(treated_id, treated)
            self._put(within_id, [round(t * s) for t, s in zip(treated, shares, strict=True)])
        self._put("cancer_104_day_waiters", CANCER_104)
        # Under 18 weeks: each cell of the waiting list (specialty × site) at the month's share, with a little noise.
        waiting = [r for r in self.rows if r[1] == "rtt_waiting_list"]
        index = {m: i for i, m in enumerate(self.months)}
        for m, _, service, site, segment, value in waiting:
            share = min(1.0, RTT_18_SHARE[index[m]] * self.rng.normal(1.0, 0.03))
            self.rows.append((m, "rtt_within_18_weeks", service, site, segment, float(round(value * share))))
        totals = [self.base.totals[("rtt_52_week_waiters", m)] for m in self.months]
        admitted = [round(t * RTT_52_ADMITTED_SHARE * self.rng.normal(1.0, 0.03)) for t in totals]
        admitted = [min(a, t) for a, t in zip(admitted, totals, strict=True)]
        self._put("rtt_52_week_admitted", admitted)
        self._put("rtt_52_week_non_admitted", [t - a for t, a in zip(totals, admitted, strict=True)])

    def _mental_health(self) -> None:
        referrals = self._activity(IAPT_LEVEL, IAPT_2020, winter=False)
        self._put("iapt_referrals", referrals, site="OXLEAS")
        names = list(IAPT_ETHNICITY_SHARE)
        base_w = np.array([IAPT_ETHNICITY_SHARE[n] for n in names])
        for i, (m, total) in enumerate(zip(self.months, referrals, strict=True)):
            if i < 12:
                weights = base_w
            else:
                ratio = total / max(referrals[i - 12], 1)
                weights = base_w * np.array([max(ratio + IAPT_ETHNICITY_OFFSET[n] * (i - 11) / 12, 0.05)
                                             for n in names])
            for name, value in zip(names, allocate(total, weights * self.rng.normal(1, 0.01, len(names))),
                                   strict=True):
                self.rows.append((m, "iapt_referrals", ALL, ALL, name, float(value)))
        finished = self._activity(IAPT_FINISHED, [0.60, 0.70, 0.80, 0.88, 0.92, 0.95, 0.98, 1.0, 0.98, 0.95, 1.0,
                                                  1.02], winter=False)
        self._put("iapt_finished_treatment", finished, site="OXLEAS")
        self._put("iapt_moved_to_recovery", [round(f * s) for f, s in zip(finished, IAPT_RECOVERY, strict=True)],
                  site="OXLEAS")
        self._put("cyp_mh_access", self._activity(CYP_LEVEL, CYP_2020, winter=False), site="OXLEAS")
        self._put("mh_out_of_area_bed_days", OUT_OF_AREA, site="OXLEAS")
        for register_id, checks_id, size, shares in (
            ("ld_register", "ld_health_checks", LD_REGISTER, LD_CHECKS_YTD),
            ("smi_register", "smi_health_checks", SMI_REGISTER, SMI_CHECKS),
        ):
            register = [round(size * (1 + 0.002 * i)) for i in range(24)]
            register_parts = self._put_pcns(register_id, register)
            for m, parts, share in zip(self.months, register_parts, shares, strict=True):
                for pcn, n in zip(self.pcns, parts, strict=True):
                    done = min(int(n), round(n * share * self.rng.normal(1.0, 0.04)))
                    self.rows.append((m, checks_id, ALL, pcn, ALL, float(done)))

    def _prevention(self) -> None:
        season_months = [m for m in self.months if m.month >= 9 or m.month <= 3]
        for group, (eligible, first, second) in FLU.items():
            uptake = first + second
            population = [round(eligible * (1 + 0.01 * (m.year - 2019))) for m in season_months]
            eligible_id, vaccinated_id = f"flu_eligible_{group}", f"flu_vaccinated_{group}"
            if group in FLU_BY_PCN:
                parts = self._put_pcns(eligible_id, population, months=season_months)
                for m, share, pcn_parts in zip(season_months, uptake, parts, strict=True):
                    for pcn, n in zip(self.pcns, pcn_parts, strict=True):
                        done = min(int(n), round(n * share * self.rng.normal(1.0, 0.03)))
                        self.rows.append((m, vaccinated_id, ALL, pcn, ALL, float(done)))
            else:
                self._put(eligible_id, population, months=season_months)
                self._put(vaccinated_id, [round(p * s) for p, s in zip(population, uptake, strict=True)],
                          months=season_months)
        cohort = [self._noisy(IMMS_COHORT, 1.0, 0.05) for _ in self.months]
        cohort_parts = self._put_pcns("imms_cohort_24m", cohort)
        for m, parts, share in zip(self.months, cohort_parts, MMR1, strict=True):
            for pcn, n in zip(self.pcns, parts, strict=True):
                self.rows.append((m, "imms_mmr1_24m", ALL, pcn, ALL,
                                  float(min(int(n), round(n * share * self.rng.normal(1.0, 0.02))))))
        eligible = [round(CERVICAL_ELIGIBLE * (1 + 0.001 * i)) for i in range(24)]
        eligible_parts = self._put_pcns("cervical_eligible", eligible)
        for m, parts, share in zip(self.months, eligible_parts, CERVICAL, strict=True):
            for pcn, n in zip(self.pcns, parts, strict=True):
                self.rows.append((m, "cervical_screened_in_time", ALL, pcn, ALL,
                                  float(round(n * share * self.rng.normal(1.0, 0.01)))))
        imd = list(CERVICAL_IMD)
        imd_w = np.array([0.16, 0.18, 0.21, 0.22, 0.23])
        for m, total, share in zip(self.months, eligible, CERVICAL, strict=True):
            population = allocate(total, imd_w)
            for segment, n in zip(imd, population, strict=True):
                self.rows.append((m, "cervical_eligible", ALL, ALL, segment, float(n)))
                self.rows.append((m, "cervical_screened_in_time", ALL, ALL, segment,
                                  float(round(n * (share + CERVICAL_IMD[segment])))))


def build_demo_frame(cfg: Config) -> pd.DataFrame:
    """Every demonstration row (month, measure, service, site, segment, value); deterministic."""
    builder = _Builder(cfg)
    builder.build_totals()
    builder.build_rows()
    builder.build_queue()
    builder.build_system()
    frame = builder.frame()
    # Nothing before a measure began (the Single Point of Access started in April 2020): the builder
    # draws every month so that the random sequence, and so every other figure, does not depend on it.
    began = {m.id: m.available_month for m in cfg.measures if m.available_month}
    if began:
        first = frame["measure"].map(began)
        frame = frame[first.isna() | (frame["month"] >= first)].reset_index(drop=True)
    # Every measure a metric reads must have demonstration data; a measure declared only for the
    # national-file adapters (no metric yet) may wait for its page.
    used = {measure for metric in cfg.metrics for measure in metric.input_measures}
    missing = sorted(used - set(frame["measure"]))
    if missing:
        raise ValueError(f"the demonstration builder has no data for measure(s): {', '.join(missing)}")
    return frame


def build_demo_store(store: Store, cfg: Config) -> CommitResult:
    """Write the demonstration rows into the store through the ordinary commit path (and the audit log),
    as the system actor "Demo builder"."""
    build_demo_plan(store)  # the Phase 3 requirements, the two reviews and the plan's milestones
    frame = build_demo_frame(cfg)
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).values.tobytes()).hexdigest()
    return store.commit_rows(
        frame, file_name=DEMO_FILE_NAME, sha256=digest, actor=DEMO_ACTOR, note=DEMO_NOTE, kind="demo"
    )
