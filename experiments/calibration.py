"""The calibration experiment: the hybrid mode (both channels, as happened) of a scenario on the replicate seeds
of the one seed scheme (experiments/seeds.py), run by the batch engine into a results directory. Its daily tables
are read against the record's patterns by analysis/calibration.py."""

from __future__ import annotations

from lockdown_sim.experiments.compare import model_experiment
from lockdown_sim.experiments.design import Experiment


def calibration_experiment(params: dict, replicates: int, master_seed: int | None = None) -> Experiment:
    """The hybrid mode of `params` on `replicates` seeds."""
    return model_experiment("calibration", f"the model against the record: hybrid mode, {replicates} seeds", params,
                            replicates, orderings=("hybrid",), master_seed=master_seed)
