"""Numbers that warn when they should: the size check every command makes (analysis/convergence.py) against the
convergence benchmark, and intervals that stay inside an outcome's bounds (analysis/stats.py, bounded_mean_ci)."""

import csv
import math
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lockdown_sim.analysis import convergence
from lockdown_sim.analysis.convergence import CONVERGED_HOUSEHOLDS, DRIFT_TOLERANCE, drift_rows, drifts, size_warning
from lockdown_sim.analysis.stats import bounded_mean_ci, mean_ci

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "benchmarks" / "results" / "convergence_table.csv"


# --- the size check --------------------------------------------------------------------------------------------
def test_the_packaged_drifts_are_the_benchmark_s():
    """The file every command reads is the benchmark's table, as benchmarks/convergence.py writes it."""
    expected = drift_rows(list(csv.DictReader(TABLE.open())))
    shipped = drifts()
    assert len(shipped) == len(expected) > 0
    for got, want in zip(shipped, expected):
        assert (got["outcome"], got["ordering"], got["households"]) == (want["outcome"], want["ordering"],
                                                                        want["households"])
        assert math.isclose(got["drift"], want["drift"], rel_tol=1e-5, abs_tol=1e-9)


def test_the_converged_size_is_where_the_benchmark_s_drifts_fall_within_tolerance():
    """From CONVERGED_HOUSEHOLDS on, every outcome of every mode lies within DRIFT_TOLERANCE of the 10^6 city;
    at the benchmarked size below it, some outcome does not. A new benchmark that moves either fails here."""
    worst = {}
    for row in drifts():
        worst[row["households"]] = max(worst.get(row["households"], 0.0), abs(row["drift"]))
    assert all(drift <= DRIFT_TOLERANCE for size, drift in worst.items() if size >= CONVERGED_HOUSEHOLDS), worst
    below = max(size for size in worst if size < CONVERGED_HOUSEHOLDS)
    assert worst[below] > DRIFT_TOLERANCE, worst


def test_the_warning_names_the_size_and_the_benchmark_s_drift_there():
    at_10k = max(abs(r["drift"]) for r in drifts() if r["households"] == 10_000)
    text = size_warning(15_000)
    assert text.startswith("15,000 households is below 20,000") and f"by up to {at_10k:.3f}" in text
    assert "smallest size" not in text  # 10,000 was benchmarked: it is quoted as the nearest size below
    tiny = size_warning(300)
    assert "at 10,000 households, its smallest size," in tiny and tiny.endswith("smaller cities drift further")
    assert size_warning(CONVERGED_HOUSEHOLDS) is None
    assert "\n" not in tiny  # one line
    assert convergence.MEASURED_ON in text  # the drifts are an older model's: the warning says which


def test_the_drift_file_ships_with_the_package():
    import importlib.resources

    assert importlib.resources.files("lockdown_sim.analysis").joinpath(convergence.DRIFT_FILE).is_file()
    assert "lockdown_sim.analysis = *.csv" in (ROOT / "setup.cfg").read_text()


# --- intervals inside their bounds -----------------------------------------------------------------------------
shares = st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=2, max_size=40)


@settings(max_examples=300, deadline=None)
@given(shares)
def test_an_interval_of_a_share_stays_within_0_and_1_and_holds_the_mean(values):
    est = bounded_mean_ci(values, (0.0, 1.0))
    assert 0.0 <= est.low <= est.mean + 1e-12 and est.mean - 1e-12 <= est.high <= 1.0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(0.0, 1e7, allow_nan=False), min_size=2, max_size=40))
def test_an_interval_of_a_count_or_ratio_stays_above_0(values):
    est = bounded_mean_ci(values, (0.0, None))
    assert 0.0 <= est.low <= est.mean + 1e-9 * max(1.0, est.mean) and est.high >= est.mean - 1e-9 * max(1.0, est.mean)


def test_a_tight_interval_away_from_the_bounds_is_the_t_interval():
    rng = np.random.default_rng(3)
    values = 0.5 + rng.normal(0, 0.01, 30)
    bounded, plain = bounded_mean_ci(values, (0.0, 1.0)), mean_ci(values)
    assert math.isclose(bounded.low, plain.low, abs_tol=2e-5) and math.isclose(bounded.high, plain.high, abs_tol=2e-5)


def test_three_spread_seeds_near_0_give_a_t_interval_below_0_and_a_bounded_one_above():
    """What the issue saw at 2,000 households: older residents unserved [-0.097, 0.502] from a t interval."""
    values = [0.02, 0.05, 0.33]
    assert mean_ci(values).low < 0
    est = bounded_mean_ci(values, (0.0, 1.0))
    assert 0 < est.low < est.mean < est.high < 1


def test_a_closed_channel_s_share_is_0_without_an_interval_around_it():
    est = bounded_mean_ci([0.0, 0.0, 0.0], (0.0, 1.0))
    assert (est.low, est.mean, est.high) == (0.0, 0.0, 0.0)
