"""Waiting-list arithmetic: the NHSRwaitinglist formulas, a month-by-month projection and a simulation.

Pure numpy, no Streamlit and no store. The formulas are those of the NHS-R community's
**NHSRwaitinglist** R package (MIT licence; https://github.com/nhs-r-community/NHSRwaitinglist, after
Fong et al. 2022, doi:10.1101/2022.08.23.22279117), which NHS analysts already use. Demand and
capacity are rates in the same time unit as the waits (patients per week when waits are in weeks):

- target mean wait      = target wait ÷ factor                      (`calc_target_mean_wait`; factor 4:
                          18 weeks → 4.5 weeks, so about 1.8% of patients miss the target)
- target queue size     = demand × target wait ÷ factor              (`calc_target_queue_size`, Little's law)
- relief capacity       = demand + (queue − target queue) ÷ time     (`calc_relief_capacity`: the capacity that
                          brings the queue to its target size in `time`)
- target capacity       = demand + (cv_demand² + cv_capacity²) ÷ 2 × (factor ÷ target wait)
                                                                     (`calc_target_capacity`, Kingman/Marchal)
- queue load            = demand ÷ capacity                          (`calc_queue_load`; above 1 the list grows)
- waiting-list pressure = 2 × mean wait ÷ target wait                 (`calc_waiting_list_pressure`; above 1
                          the list will most likely miss its target)

Beyond the package, for the Demand & capacity page (each stated where it is defined):

- `project_waiting_list`: month by month, list = previous list + referrals − removals, never below 0.
- `simulate_waiting_list`: the same month-by-month process with referrals and removals drawn as Poisson
  counts around the month's demand and capacity, many runs at once (numpy, one seeded Generator), giving
  the median and a central band (80% by default).
- `mean_wait_weeks`: Little's law read backwards, mean wait = queue ÷ demand.
- `project_long_waiters`: patients waiting longer than a threshold, from the package's assumption that
  waits have a geometric (exponential) tail — the share over `t` weeks is exp(−t ÷ mean wait) (the
  white paper's Fact 3: the chance of missing a target halves with each fixed extra wait) — scaled so the
  first month equals the latest actual count. An approximation for planning, not a patient-level model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_FACTOR = 4  # the package's default: mean wait a quarter of the target (about 1.8% miss it)
RTT_TARGET_WEEKS = 18  # the NHS referral-to-treatment standard
WEEKS_PER_MONTH = 52 / 12  # month totals ↔ weekly rates
DEFAULT_RUNS = 1000
DEFAULT_SEED = 20200731  # the Phase 3 letter's date, as the demonstration data; any fixed number would do
DEFAULT_BAND = 0.8  # the central 80% of simulated runs (10th to 90th percentile)


def _positive(name: str, value) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    if np.any(~np.isfinite(array)) or np.any(array <= 0):
        raise ValueError(f"{name} must be a positive number.")
    return array


def _non_negative(name: str, value) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    if np.any(~np.isfinite(array)) or np.any(array < 0):
        raise ValueError(f"{name} must be a number of 0 or more.")
    return array


def _out(array: np.ndarray):
    return float(array) if array.ndim == 0 else array


def target_mean_wait(target_wait, factor=DEFAULT_FACTOR):
    """Target mean wait = target wait ÷ factor (NHSRwaitinglist `calc_target_mean_wait`)."""
    return _out(_positive("The target wait", target_wait) / _positive("The factor", factor))


def target_queue_size(demand, target_wait, factor=DEFAULT_FACTOR):
    """Target queue size = demand × target wait ÷ factor: Little's law at the target mean wait
    (NHSRwaitinglist `calc_target_queue_size`)."""
    demand = _non_negative("Demand", demand)
    return _out(demand * _positive("The target wait", target_wait) / _positive("The factor", factor))


def relief_capacity(demand, queue_size, target_queue, time_to_target):
    """Capacity that brings the queue to its target size in `time_to_target`:
    demand + (queue − target queue) ÷ time (NHSRwaitinglist `calc_relief_capacity`)."""
    demand = _non_negative("Demand", demand)
    queue = _non_negative("The queue size", queue_size)
    target = _non_negative("The target queue size", target_queue)
    time = _positive("The time to the target", time_to_target)
    return _out(demand + (queue - target) / time)


def target_capacity(demand, target_wait, factor=DEFAULT_FACTOR, cv_demand=1.0, cv_capacity=1.0):
    """Capacity that holds the queue at its target mean wait given the variability of arrivals and
    removals: demand + (cv_demand² + cv_capacity²) ÷ 2 × (factor ÷ target wait) (NHSRwaitinglist
    `calc_target_capacity`, Kingman/Marchal's formula)."""
    demand = _non_negative("Demand", demand)
    cvd, cvc = _non_negative("cv_demand", cv_demand), _non_negative("cv_capacity", cv_capacity)
    return _out(demand + (cvd**2 + cvc**2) / 2 * (_positive("The factor", factor) / _positive("The target wait",
                                                                                                target_wait)))


def queue_load(demand, capacity):
    """Queue load = demand ÷ capacity (NHSRwaitinglist `calc_queue_load`): above 1 the list grows."""
    return _out(_non_negative("Demand", demand) / _positive("Capacity", capacity))


def waiting_list_pressure(mean_wait, target_wait):
    """Pressure = 2 × mean wait ÷ target wait (NHSRwaitinglist `calc_waiting_list_pressure`): above 1 the
    list will most likely miss its target."""
    return _out(2 * _non_negative("The mean wait", mean_wait) / _positive("The target wait", target_wait))


def mean_wait_weeks(queue_size, weekly_demand):
    """Little's law read backwards: mean wait (weeks) = queue ÷ weekly demand (inf with no demand)."""
    queue = _non_negative("The queue size", queue_size)
    demand = _non_negative("Demand", weekly_demand)
    with np.errstate(divide="ignore", invalid="ignore"):
        wait = np.where(demand > 0, queue / np.where(demand > 0, demand, 1.0), np.inf)
    return _out(np.asarray(wait, dtype=float))


def _series(start_size, demand, capacity) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shapes (S,), (S, T), (S, T) from a scalar or one series, or several series at once."""
    start = np.atleast_1d(_non_negative("The starting list", start_size))
    demand = np.atleast_2d(_non_negative("Demand", demand))
    capacity = np.atleast_2d(_non_negative("Capacity", capacity))
    if demand.shape != capacity.shape or demand.shape[0] != start.shape[0]:
        raise ValueError("Demand and capacity need a value for every month of every list being projected.")
    return start, demand, capacity


def project_waiting_list(start_size, demand, capacity) -> np.ndarray:
    """Deterministic month-by-month projection: each month's list = the previous month's list + that
    month's referrals (demand) − removals (capacity), never below 0 (capacity unused on an empty list
    is lost). `start_size` is the list at the end of the month before the first projected month.

    One list: a number and two month series, returns the list at the end of each month. Several:
    `start_size` (S,), `demand` and `capacity` (S, T), returns (S, T)."""
    single = np.ndim(demand) == 1
    start, demand, capacity = _series(start_size, demand, capacity)
    out = np.empty_like(demand)
    size = start.astype(float)
    for t in range(demand.shape[1]):
        size = np.maximum(size + demand[:, t] - capacity[:, t], 0.0)
        out[:, t] = size
    return out[0] if single else out


@dataclass(frozen=True)
class Simulation:
    """Simulated lists at the end of each month: the median and the band's lower and upper edges for each
    list (S, T), and for the lists added together within each run (T,)."""

    median: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    total_median: np.ndarray
    total_lower: np.ndarray
    total_upper: np.ndarray
    runs: int
    seed: int
    band: float


def simulate_waiting_list(
    start_size, demand, capacity, *, runs: int = DEFAULT_RUNS, seed: int = DEFAULT_SEED, band: float = DEFAULT_BAND,
) -> Simulation:
    """The projection's process with chance in it: each month, referrals ~ Poisson(demand) and removals ~
    Poisson(capacity) (no more than are waiting), for `runs` runs of every list at once. The same seed
    gives the same result. Returns the median and the central `band` of the runs, per list and for the
    lists' total (summed within each run, so the total's band is not the sum of the lists' bands)."""
    if runs < 1:
        raise ValueError("The simulation needs at least one run.")
    if not 0 < band < 1:
        raise ValueError("The band must be a share between 0 and 1, e.g. 0.8 for the central 80% of runs.")
    start, demand, capacity = _series(start_size, demand, capacity)
    rng = np.random.default_rng(seed)
    n_lists, n_months = demand.shape
    quantiles = [(1 - band) / 2, 0.5, (1 + band) / 2]
    per_list = np.empty((3, n_lists, n_months))
    total = np.empty((3, n_months))
    size = np.broadcast_to(np.rint(start).astype(np.int64), (runs, n_lists)).copy()
    for t in range(n_months):
        arrivals = rng.poisson(demand[:, t], size=(runs, n_lists))
        removals = rng.poisson(capacity[:, t], size=(runs, n_lists))
        size += arrivals
        size -= np.minimum(removals, size)
        per_list[:, :, t] = _quantiles(size, quantiles)
        total[:, t] = _quantiles(size.sum(axis=1, keepdims=True), quantiles)[:, 0]
    return Simulation(
        median=per_list[1], lower=per_list[0], upper=per_list[2],
        total_median=total[1], total_lower=total[0], total_upper=total[2], runs=runs, seed=seed, band=band,
    )


def _quantiles(runs: np.ndarray, quantiles: list[float]) -> np.ndarray:
    """numpy's default ("linear") quantiles down axis 0, from one sort: several times faster than
    np.quantile on (runs × lists) arrays, and the same numbers."""
    ordered = np.sort(runs, axis=0)
    n = ordered.shape[0]
    out = np.empty((len(quantiles), ordered.shape[1]))
    for i, q in enumerate(quantiles):
        position = q * (n - 1)
        below = int(np.floor(position))
        above = min(below + 1, n - 1)
        weight = position - below
        low, high = ordered[below].astype(float), ordered[above].astype(float)
        # numpy's own interpolation, so the figures match np.quantile to the last bit
        out[i] = high - (high - low) * (1 - weight) if weight >= 0.5 else low + (high - low) * weight
    return out


def project_long_waiters(queue, weekly_demand, anchor_count, threshold_weeks=52) -> np.ndarray:
    """Patients waiting more than `threshold_weeks`, month by month, for projected lists.

    Waits are taken to have a geometric tail (the share waiting over t weeks is exp(−t ÷ mean wait), mean
    wait by Little's law = queue ÷ weekly demand), scaled so the first month gives `anchor_count` (the
    latest actual count): long waiters(t) = anchor × tail(t) ÷ tail(first month). With no tail in the first
    month the count stays at the anchor. `queue` and `weekly_demand`: (T,) or (S, T); `anchor_count`: a
    number or (S,)."""
    queue_2d = np.atleast_2d(_non_negative("The queue size", queue))
    demand_2d = np.atleast_2d(_non_negative("Demand", weekly_demand))
    anchor = np.atleast_1d(_non_negative("The latest count", anchor_count)).astype(float)
    threshold = _positive("The threshold", threshold_weeks)
    wait = np.atleast_2d(mean_wait_weeks(queue_2d, demand_2d))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tail = queue_2d * np.exp(-threshold / np.where(wait > 0, wait, np.nan))
    tail = np.nan_to_num(tail, nan=0.0)
    first = tail[:, :1]
    scaled = np.where(first > 0, anchor[:, None] * tail / np.where(first > 0, first, 1.0), anchor[:, None])
    return scaled[0] if np.ndim(queue) == 1 else scaled
