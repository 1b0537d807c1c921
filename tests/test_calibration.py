"""The calibration table: patterns from the record with the model's value, its interval and a verdict."""

import numpy as np
import pandas as pd

from lockdown_sim.analysis.calibration import CALIBRATED, CHECK, INPUT, PATTERNS, calibration_table, pattern_values, verdict
from lockdown_sim.console import main
from lockdown_sim.sim.model import LockdownSupplyModel
from lockdown_sim.experiments.run import daily_table


def test_every_pattern_has_a_role_a_source_and_a_range():
    assert {p.role for p in PATTERNS} == {INPUT, CALIBRATED, CHECK}
    for p in PATTERNS:
        assert p.low <= p.high and p.source and p.unit


def test_verdicts_follow_the_interval():
    assert verdict(2.0, 3.0, 1.0, 4.0) == "in range"
    assert verdict(0.5, 1.5, 1.0, 4.0) == "overlaps"
    assert verdict(4.5, 5.0, 1.0, 4.0) == "out of range"


def test_riders_at_work_come_out_as_the_record_gives_them():
    m = LockdownSupplyModel(households=20_000, days=22, rng=1)
    while m.running:
        m.step()
    values = pattern_values(daily_table(m), m.population.n, m.scale)
    assert abs(values["riders at work, 6 Apr (day 9)"] - 11_000) < 1 / m.scale
    assert abs(values["riders at work, 18 Apr (day 21)"] - 20_000) < 1 / m.scale
    table = calibration_table(pd.DataFrame([values, values]))
    assert set(table["verdict"]) <= {"in range", "overlaps", "out of range", "-"}
    assert np.isfinite(table.set_index("pattern").loc["riders at work, 6 Apr (day 9)", "mean"])


def test_the_calibration_command_writes_the_table(tmp_path, capsys):
    assert main(["calibration", "--scenario", "toy", "--seeds", "2", "--workers", "1", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "riders at work" in printed and "calibrated" in printed and "check" in printed
    text = (tmp_path / "calibration.md").read_text()
    assert "## Input" in text and "## Calibrated" in text and "## Check" in text
    csv = pd.read_csv(tmp_path / "calibration.csv")
    assert len(csv) == len(PATTERNS) and {"role", "verdict", "model_mean", "model_low", "model_high"} <= set(csv.columns)


def test_bad_calibration_options_are_one_line_and_exit_2(tmp_path, capsys):
    assert main(["calibration", "--seeds", "1"]) == 2
    assert "--seeds" in capsys.readouterr().err
    blocked = tmp_path / "file"
    blocked.write_text("")
    assert main(["calibration", "--scenario", "toy", "--seeds", "2", "--out", str(blocked / "sub")]) == 2
    assert "--out" in capsys.readouterr().err
