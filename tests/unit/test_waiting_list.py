"""metrics.waiting_list against NHSRwaitinglist's own documented examples and tests, with literal values.

Sources (nhs-r-community/NHSRwaitinglist, MIT):
- vignettes/example_walkthrough.Rmd — the P4 ENT list of Fong et al.: queue 1,200, target 52 weeks, mean
  wait 63 weeks, demand 30 and capacity 27 a week, relief by 26 weeks; and the P2 list (mean wait 24,
  target 4).
- tests/testthat/test-calc_*.R — the package's unit tests (values copied literally).
- man/calc_target_capacity.Rd example: demand 4 a week, target 52 weeks.
"""

from __future__ import annotations

import numpy as np
import pytest

from metrics import waiting_list as wl

# --- NHSRwaitinglist's examples ------------------------------------------------------------------

def test_target_mean_wait_is_a_quarter_of_the_target_by_default():
    assert wl.target_mean_wait(52) == 13  # walkthrough: 52-week target → 13 weeks
    assert wl.target_mean_wait(52, 4) == 13  # test-calc_target_mean_wait.R
    assert wl.target_mean_wait(18) == 4.5  # the 18-week standard
    np.testing.assert_allclose(wl.target_mean_wait([35, 30, 52], [4, 4, 6]), [8.75, 7.5, 8.6666667], rtol=1e-7)


def test_target_queue_size_is_littles_law_at_the_target_mean_wait():
    assert wl.target_queue_size(30, 52) == 390  # walkthrough and test-calc_target_queue_size.R
    assert wl.target_queue_size(30, 50) == 375
    assert wl.target_queue_size(30, 50, 6) == 250
    np.testing.assert_allclose(wl.target_queue_size([30, 30, 30], [52, 50, 50], [4, 4, 6]), [390, 375, 250])


def test_relief_capacity_brings_the_queue_to_target_in_the_time_given():
    # walkthrough: 1,200 waiting, target 390, 26 weeks → 61.2 a week; test-calc_relief_capacity.R
    assert wl.relief_capacity(30, 1200, 390, 26) == pytest.approx(61.153846, abs=1e-6)
    assert wl.relief_capacity(30, 1200, 390, 26) == 30 + (1200 - 390) / 26
    np.testing.assert_allclose(
        wl.relief_capacity([30, 33, 35], [1200, 800, 250], [390, 200, 100], [26, 30, 15]), [61.153846, 53, 45],
        rtol=1e-7,
    )


def test_target_capacity_adds_the_variability_allowance():
    # test-calc_target_capacity.R: calc_target_capacity(30, 52, 3, 1.1, 1.2) == 30.076442
    assert wl.target_capacity(30, 52, 3, 1.1, 1.2) == pytest.approx(30.076442, abs=1e-6)
    assert wl.target_capacity(30, 52, 3, 1.1, 1.2) == 30 + ((1.1**2 + 1.2**2) / 2) * (3 / 52)
    # man page example: demand 4 a week, 52-week target, defaults (factor 4, cv 1 and 1)
    assert wl.target_capacity(4, 52) == pytest.approx(4.0769231, abs=1e-7)


def test_queue_load_is_demand_over_capacity():
    assert wl.queue_load(30, 27) == pytest.approx(1.11111111, abs=1e-8)  # walkthrough: above 1, the list grows
    np.testing.assert_allclose(wl.queue_load([35, 30, 52], [27, 25, 42]), [1.2962963, 1.2, 1.23809524], rtol=1e-7)


def test_waiting_list_pressure_is_twice_the_mean_wait_over_the_target():
    assert wl.waiting_list_pressure(63, 52) == pytest.approx(2.42307692, abs=1e-8)  # walkthrough, P4 list
    assert wl.waiting_list_pressure(24, 4) == 12  # walkthrough, P2 list: five times the P4 pressure
    np.testing.assert_allclose(wl.waiting_list_pressure([63, 42, 55], [52, 24, 50]), [2.42307692, 3.5, 2.2],
                               rtol=1e-7)


# --- our own pieces ------------------------------------------------------------------------------

def test_mean_wait_reads_littles_law_backwards():
    assert wl.mean_wait_weeks(390, 30) == 13
    assert wl.mean_wait_weeks(10, 0) == float("inf")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: wl.target_mean_wait(0), "The target wait must be a positive number."),
        (lambda: wl.queue_load(30, 0), "Capacity must be a positive number."),
        (lambda: wl.relief_capacity(30, -1, 390, 26), "The queue size must be a number of 0 or more."),
        (lambda: wl.relief_capacity(30, 1200, 390, 0), "The time to the target must be a positive number."),
        (lambda: wl.target_queue_size(float("nan"), 18), "Demand must be a number of 0 or more."),
    ],
)
def test_bad_inputs_get_a_sentence(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_projection_adds_referrals_and_takes_removals_month_by_month():
    # 100 waiting; referrals 30, 30, 20, 20; removals 10, 50, 60, 10
    assert wl.project_waiting_list(100, [30, 30, 20, 20], [10, 50, 60, 10]).tolist() == [120, 100, 60, 70]


def test_a_projection_never_goes_below_an_empty_list():
    assert wl.project_waiting_list(10, [5, 5, 5], [30, 0, 5]).tolist() == [0, 5, 5]


def test_several_lists_are_projected_at_once():
    out = wl.project_waiting_list([100, 50], [[10, 10], [0, 0]], [[0, 0], [20, 20]])
    assert out.tolist() == [[110, 120], [30, 10]]


def test_mismatched_months_get_a_sentence():
    with pytest.raises(ValueError, match="a value for every month"):
        wl.project_waiting_list(10, [1, 2, 3], [1, 2])


def test_the_simulation_is_reproducible_for_a_fixed_seed():
    args = ([1000, 400], np.full((2, 6), 300.0), np.full((2, 6), 280.0))
    first = wl.simulate_waiting_list(*args, runs=200, seed=7)
    second = wl.simulate_waiting_list(*args, runs=200, seed=7)
    np.testing.assert_array_equal(first.median, second.median)
    np.testing.assert_array_equal(first.total_upper, second.total_upper)
    other = wl.simulate_waiting_list(*args, runs=200, seed=8)
    assert not np.array_equal(first.median, other.median)


def test_the_simulation_pins_its_first_values_for_seed_1():
    # A literal record of numpy's PCG64 Poisson draws for this seed: a change here means results changed.
    sim = wl.simulate_waiting_list(100, [10.0, 10.0], [10.0, 10.0], runs=5, seed=1)
    assert sim.median.tolist() == [[101.0, 105.0]]
    assert sim.lower.tolist() == [[98.8, 95.4]]
    assert sim.upper.tolist() == [[105.4, 107.2]]


def test_the_simulation_centres_on_the_projection_and_its_band_holds_it():
    demand, capacity = np.full(12, 400.0), np.full(12, 380.0)
    sim = wl.simulate_waiting_list(2000, demand, capacity, runs=2000, seed=3)
    projected = wl.project_waiting_list(2000, demand, capacity)
    assert np.all(sim.lower[0] <= projected) and np.all(projected <= sim.upper[0])
    assert abs(sim.median[0, -1] - projected[-1]) < 30  # 2,240 expected; Poisson noise only
    assert np.all(sim.upper[0] - sim.lower[0] > 0)


def test_the_total_band_comes_from_summing_within_runs():
    sim = wl.simulate_waiting_list([500, 500], np.full((2, 3), 100.0), np.full((2, 3), 100.0), runs=3000, seed=5)
    # Independent lists: the total's spread is about √2 times one list's, not twice.
    one = sim.upper[0, -1] - sim.lower[0, -1]
    total = sim.total_upper[-1] - sim.total_lower[-1]
    assert 1.2 * one < total < 1.7 * one


def test_long_waiters_start_at_the_actual_count_and_follow_the_tail():
    queue = np.array([1000.0, 1000.0, 2000.0])
    demand = np.array([100.0, 100.0, 100.0])  # mean wait 10, 10, 20 weeks
    out = wl.project_long_waiters(queue, demand, anchor_count=50, threshold_weeks=52)
    assert out[0] == 50 and out[1] == 50
    # tail: 2000·e^(−52/20) ÷ 1000·e^(−52/10) = 2·e^(2.6) = 26.93…
    assert out[2] == pytest.approx(50 * 2 * np.exp(2.6), rel=1e-12)


def test_long_waiters_with_no_tail_stay_at_the_anchor():
    out = wl.project_long_waiters(np.array([0.0, 100.0]), np.array([10.0, 10.0]), anchor_count=3)
    assert out.tolist() == [3.0, 3.0]


def test_the_band_uses_numpys_linear_quantiles():
    runs = np.random.default_rng(4).poisson(50, size=(101, 3))
    np.testing.assert_array_equal(wl._quantiles(runs, [0.1, 0.5, 0.9]), np.quantile(runs, [0.1, 0.5, 0.9], axis=0))
    runs = np.random.default_rng(4).poisson(50, size=(1000, 2))
    np.testing.assert_array_equal(wl._quantiles(runs, [0.1, 0.5, 0.9]), np.quantile(runs, [0.1, 0.5, 0.9], axis=0))
