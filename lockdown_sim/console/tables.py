"""Outcomes as the console prints them: one line each, its name (the one name of sim/outcomes.py), its value and
its unit."""

from __future__ import annotations

from lockdown_sim.sim.outcomes import OUTCOMES


def outcome_lines(outcomes: dict, names=None) -> list[str]:
    """`  name  value  (unit)` for each outcome in `names` (default: all)."""
    names = [n for n in (names or OUTCOMES) if n in outcomes]
    width = max(len(n) for n in names)
    values = {n: OUTCOMES[n].format(outcomes[n]) for n in names}
    vwidth = max(len(v) for v in values.values())
    return [f"  {n:<{width}}  {values[n]:>{vwidth}}  ({OUTCOMES[n].unit})" for n in names]
