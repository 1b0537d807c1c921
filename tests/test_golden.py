"""Golden runs: the toy city's daily tables, recorded before any speed work, must not change.

Speed work (vectorising, compact dtypes, faster agents) is allowed to change how the numbers are computed, not
what they are. Re-record only for a deliberate change of the model, and say so in the commit:
    python tests/test_golden.py --record
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lockdown_sim.sim.model import LockdownSupplyModel
from lockdown_sim.experiments.run import daily_table

DATA = Path(__file__).resolve().parent / "data"
CASES = {
    "hybrid": dict(ordering="hybrid"),
    "platform": dict(ordering="platform"),
    "group_buying": dict(ordering="group_buying", households=3000),
    # many suppliers (nearest-supplier shortlist) with little stock (oversubscribed suppliers)
    "scarce": dict(ordering="group_buying", households=4000,
                   overrides={"local_suppliers.real_count": 300_000, "local_suppliers.capacity_ratio": 0.7}),
}


def run(kw) -> pd.DataFrame:
    m = LockdownSupplyModel(scenario_file="toy", rng=2022, **kw)
    while m.running:
        m.step()
    return daily_table(m)


@pytest.mark.parametrize("name", CASES)
def test_daily_table_matches_the_golden_run(name):
    golden = pd.read_parquet(DATA / f"golden_toy_{name}.parquet")
    table = run(CASES[name])
    assert list(table.columns) == list(golden.columns)
    for col in golden.columns:
        a, b = table[col].to_numpy(dtype=float), golden[col].to_numpy(dtype=float)
        assert np.allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True), f"{name}: column {col} changed"


if __name__ == "__main__" and "--record" in sys.argv:
    for name, kw in CASES.items():
        run(kw).to_parquet(DATA / f"golden_toy_{name}.parquet", index=False)
        print("recorded", name)
