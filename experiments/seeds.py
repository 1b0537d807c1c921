"""The one seed scheme: every model seed of every command comes from numpy's SeedSequence of one master seed.

Replicate r has seed `run_seed(MASTER_SEED, r)` in every command, arm, mode, sweep value and parameter point
(common random numbers: a seed fixes the city, so modes and points are compared on identical cities), and adding
replicates keeps the earlier seeds. `lockdown-sim compare --seeds 30`, the `compare_modes` batch, the calibration
table and the reproduction's arms therefore run the same 30 cities. Sampled designs that need several sets of
seeds (sensitivity's seed-noise dummy) take seed blocks: `block_seed(MASTER_SEED, b, r)`, block 0 being the
replicate seeds themselves.
"""

from __future__ import annotations

import numpy as np

MASTER_SEED = 20220328  # the first day of the lockdown (28 Mar 2022)
MAX_SEED = 2**63 - 1


def run_seed(master_seed: int, replicate: int) -> int:
    """The seed of replicate `replicate`: a 63-bit integer from SeedSequence(master_seed, spawn_key=(replicate,))."""
    state = np.random.SeedSequence(master_seed, spawn_key=(replicate,)).generate_state(1, dtype=np.uint64)
    return int(state[0] >> np.uint64(1))


def block_seed(master_seed: int, block: int, replicate: int) -> int:
    """The seed of replicate `replicate` in seed block `block`: 63 bits of SeedSequence(master_seed, (block, r)).
    Block 0 is the replicate seeds' own scheme: block_seed(m, 0, r) differs from run_seed(m, r) (another spawn key),
    so blocks are only compared with blocks."""
    state = np.random.SeedSequence(master_seed, spawn_key=(block, replicate)).generate_state(1, dtype=np.uint64)
    return int(state[0] >> np.uint64(1))


def replicate_seeds(replicates: int, master_seed: int = MASTER_SEED) -> list[int]:
    """The seeds of replicates 0 .. replicates-1."""
    return [run_seed(master_seed, r) for r in range(replicates)]
