"""Independent random streams, one per subsystem and named by purpose, for common random numbers.

Each stream is a child of the run's `SeedSequence` (the one behind `model.rng`), keyed by a stable hash of its
name, as `SeedSequence.spawn` keys children by a counter: the same seed gives the same stream for the same name,
and a stream's draws do not depend on how many draws any other subsystem made. So changing one parameter (the
elderly share, the ordering mode, a mechanism switch) leaves unrelated draws alone: the same seed builds the same
compounds, sites, riders and suppliers, and a sweep or a mode comparison is a paired comparison.
"""

from __future__ import annotations

import random
import zlib

import numpy as np


class Streams:
    """Named child generators of one root SeedSequence: `streams("riders")` is the riders' generator."""

    def __init__(self, root: np.random.SeedSequence):
        self.root = root
        self._made: dict[str, np.random.Generator] = {}

    @classmethod
    def of(cls, generator: np.random.Generator) -> "Streams":
        """The streams of a model whose `rng` is `generator` (Mesa builds it with `default_rng(seed)`)."""
        return cls(generator.bit_generator.seed_seq)

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        key = zlib.crc32(name.encode("utf-8"))
        return np.random.SeedSequence(self.root.entropy, spawn_key=tuple(self.root.spawn_key) + (key,))

    def __call__(self, name: str) -> np.random.Generator:
        if name not in self._made:
            self._made[name] = np.random.default_rng(self.seed_sequence(name))
        return self._made[name]

    def python_random(self, name: str) -> random.Random:
        """A stdlib `random.Random` for APIs that take one (Mesa's grid), seeded from the named stream."""
        return random.Random(int(self.seed_sequence(name).generate_state(1, dtype=np.uint64)[0]))
